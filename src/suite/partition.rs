//! Splitting a suite across machines (`--shard K/N`): which selected cases one shard runs.

use std::io;

use serde::{Deserialize, Serialize};

/// Which part of a suite split across machines a run covers (`--shard K/N`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub total: usize,
}

/// Keeps the selected cases of shard `index` of `total`: the selected cases, sorted by trial
/// name, dealt round-robin. Deterministic, balanced to within one case, each case in exactly
/// one shard. `sorted` gives the selected trials' names and plan positions in name order;
/// `elsewhere` is told the positions of those another shard runs. Returns the longest name
/// kept, in characters.
pub fn shard(
    sorted: impl Iterator<Item = io::Result<(Box<str>, usize)>>,
    shard: Shard,
    mut elsewhere: impl FnMut(usize),
) -> io::Result<usize> {
    let mut width = 0;
    for (dealt, entry) in sorted.enumerate() {
        let (name, position) = entry?;
        if dealt % shard.total == shard.index - 1 {
            width = width.max(name.chars().count());
        } else {
            elsewhere(position);
        }
    }
    Ok(width)
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> Result<Shard, String> {
    let parsed = text.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((index, total)) if index >= 1 && index <= total => Ok(Shard { index, total }),
        _ => Err(format!("`{text}` is not K/N with 1 <= K <= N (e.g. 2/3)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shards `names` (all selected) as a plan would: sorted, with their positions; whether
    /// each is kept, and the longest name kept.
    fn shard_of(names: &[&str], shard: Shard) -> (Vec<bool>, usize) {
        let mut sorted: Vec<(Box<str>, usize)> = names
            .iter()
            .enumerate()
            .map(|(position, name)| (Box::from(*name), position))
            .collect();
        sorted.sort();
        let mut kept = vec![true; names.len()];
        let width = super::shard(sorted.into_iter().map(Ok), shard, |p| kept[p] = false).unwrap();
        (kept, width)
    }

    #[test]
    fn shards_cover_every_case_exactly_once_and_balance() {
        let names = ["e", "a", "d", "bb", "g", "c", "f"];
        let mut seen = Vec::new();
        for index in 1..=3 {
            let (kept, width) = shard_of(&names, Shard { index, total: 3 });
            let chosen: Vec<&str> = (0..names.len())
                .filter(|&i| kept[i])
                .map(|i| names[i])
                .collect();
            assert!((2..=3).contains(&chosen.len()), "{chosen:?}");
            let longest = chosen.iter().map(|n| n.len()).max().unwrap();
            assert_eq!(width, longest, "{chosen:?}");
            seen.extend(chosen);
        }
        seen.sort();
        assert_eq!(seen, vec!["a", "bb", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn parses_shards() {
        assert_eq!(parse_shard("2/3"), Ok(Shard { index: 2, total: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
