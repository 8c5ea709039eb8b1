//! Splitting a suite across machines (`--shard K/N`): which selected cases one shard runs.

use serde::{Deserialize, Serialize};

use crate::suite::plan::{Planned, Selection};

/// Which part of a suite split across machines a run covers (`--shard K/N`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub total: usize,
}

/// Keeps the selected cases of shard `index` of `total`: the selected cases sorted by trial
/// name, dealt round-robin. Deterministic, balanced to within one case, each case in exactly
/// one shard.
pub fn shard(planned: &mut [Planned], shard: Shard) {
    let mut order: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].selection == Selection::Run)
        .collect();
    order.sort_by(|&a, &b| planned[a].trial_name.cmp(&planned[b].trial_name));
    for (position, index) in order.into_iter().enumerate() {
        if position % shard.total != shard.index - 1 {
            planned[index].selection = Selection::OtherShard;
        }
    }
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

    fn named(names: &[&str]) -> Vec<Planned> {
        names
            .iter()
            .map(|name| Planned::new(name.to_string(), name.len(), Selection::Run))
            .collect()
    }

    #[test]
    fn shards_cover_every_case_exactly_once_and_balance() {
        let names = ["e", "a", "d", "b", "g", "c", "f"];
        let mut seen = Vec::new();
        for index in 1..=3 {
            let mut planned = named(&names);
            shard(&mut planned, Shard { index, total: 3 });
            let chosen: Vec<String> = planned
                .iter()
                .filter(|p| p.selection == Selection::Run)
                .map(|p| p.trial_name.clone())
                .collect();
            assert!((2..=3).contains(&chosen.len()), "{chosen:?}");
            assert!(
                planned
                    .iter()
                    .all(|p| matches!(p.selection, Selection::Run | Selection::OtherShard))
            );
            seen.extend(chosen);
        }
        seen.sort();
        assert_eq!(seen, vec!["a", "b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn parses_shards() {
        assert_eq!(parse_shard("2/3"), Ok(Shard { index: 2, total: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
