//! Names sorted without holding them all: a plan sorts every case name of a suite (for the
//! suite's fingerprint, the unique-name check and `--shard`), and a suite of a million cases
//! has some 50 MB of names. Names gather in memory up to a budget; beyond it, each sorted batch
//! goes to a temporary file, and the batches are merged as they are read back.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use tempfile::NamedTempFile;

/// Name bytes held in memory before a sorted batch is written out.
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// A name and the key it was added with (its place in the plan), sorted by name, then key.
pub type Entry = (Box<str>, u64);

/// Names gathered in any order; `sorted` gives them back in order.
pub struct NameSort {
    batch: Vec<Entry>,
    batch_bytes: usize,
    spilled: Option<Spilled>,
}

/// Sorted batches, one after another in one temporary file.
struct Spilled {
    file: NamedTempFile,
    out: BufWriter<File>,
    written: u64,
    /// Each batch's offset and entry count.
    batches: Vec<(u64, usize)>,
}

impl Default for NameSort {
    fn default() -> Self {
        Self::new()
    }
}

impl NameSort {
    pub fn new() -> Self {
        Self {
            batch: Vec::new(),
            batch_bytes: 0,
            spilled: None,
        }
    }

    /// Adds names; when the batch in memory is full it is sorted and written out.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) -> io::Result<()> {
        for entry in entries {
            self.batch_bytes += entry.0.len() + 16;
            self.batch.push(entry);
            if self.batch_bytes >= BATCH_BYTES {
                self.spill()?;
            }
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.batch.sort_unstable();
        let spilled = match &mut self.spilled {
            Some(spilled) => spilled,
            None => {
                let file = NamedTempFile::new()?;
                let out = BufWriter::with_capacity(64 * 1024, file.reopen()?);
                self.spilled.insert(Spilled {
                    file,
                    out,
                    written: 0,
                    batches: Vec::new(),
                })
            }
        };
        spilled.batches.push((spilled.written, self.batch.len()));
        for (name, key) in self.batch.drain(..) {
            spilled.out.write_all(&key.to_le_bytes())?;
            let length = u32::try_from(name.len()).map_err(io::Error::other)?;
            spilled.out.write_all(&length.to_le_bytes())?;
            spilled.out.write_all(name.as_bytes())?;
            spilled.written += 12 + name.len() as u64;
        }
        self.batch_bytes = 0;
        Ok(())
    }

    /// Every name added, sorted by name, then key.
    pub fn sorted(mut self) -> io::Result<Sorted> {
        self.batch.sort_unstable();
        let mut heads = BinaryHeap::new();
        let mut batches = Vec::new();
        let _file = match self.spilled {
            None => None,
            Some(mut spilled) => {
                spilled.out.flush()?;
                for &(offset, count) in &spilled.batches {
                    let mut file = spilled.file.reopen()?;
                    file.seek(SeekFrom::Start(offset))?;
                    batches.push(Batch {
                        reader: BufReader::with_capacity(16 * 1024, file),
                        left: count,
                    });
                }
                Some(spilled.file)
            }
        };
        for (index, batch) in batches.iter_mut().enumerate() {
            if let Some(entry) = batch.next_entry()? {
                heads.push(Reverse((entry, index)));
            }
        }
        Ok(Sorted {
            in_memory: self.batch.into_iter(),
            next_in_memory: None,
            heads,
            batches,
            _file,
        })
    }
}

/// A batch read back from the temporary file.
struct Batch {
    reader: BufReader<File>,
    left: usize,
}

impl Batch {
    fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut head = [0u8; 12];
        self.reader.read_exact(&mut head)?;
        let [k0, k1, k2, k3, k4, k5, k6, k7, l0, l1, l2, l3] = head;
        let key = u64::from_le_bytes([k0, k1, k2, k3, k4, k5, k6, k7]);
        let mut name = vec![0u8; u32::from_le_bytes([l0, l1, l2, l3]) as usize];
        self.reader.read_exact(&mut name)?;
        let name = String::from_utf8(name).map_err(io::Error::other)?;
        Ok(Some((name.into_boxed_str(), key)))
    }
}

/// The names in order: the batch still in memory merged with those written out.
pub struct Sorted {
    in_memory: std::vec::IntoIter<Entry>,
    next_in_memory: Option<Entry>,
    heads: BinaryHeap<Reverse<(Entry, usize)>>,
    batches: Vec<Batch>,
    /// Deleted when the names have been read.
    _file: Option<NamedTempFile>,
}

impl Iterator for Sorted {
    type Item = io::Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next_in_memory.is_none() {
            self.next_in_memory = self.in_memory.next();
        }
        let from_file_first = match (&self.next_in_memory, self.heads.peek()) {
            (None, None) => return None,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(memory), Some(Reverse((file, _)))) => file < memory,
        };
        if !from_file_first {
            return self.next_in_memory.take().map(Ok);
        }
        let Reverse((entry, index)) = self.heads.pop()?;
        match self.batches[index].next_entry() {
            Ok(Some(next)) => self.heads.push(Reverse((next, index))),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(count: u64) -> Vec<Entry> {
        // Names out of order, with repeats, long enough to fill several batches.
        (0..count)
            .map(|i| {
                let name = format!("case-{:07}-{}", (i * 7919) % count, "x".repeat(40));
                (name.into_boxed_str(), count - i)
            })
            .collect()
    }

    fn sorted_through(entries: Vec<Entry>) -> Vec<Entry> {
        let mut sort = NameSort::new();
        sort.extend(entries).unwrap();
        sort.sorted()
            .unwrap()
            .collect::<io::Result<Vec<_>>>()
            .unwrap()
    }

    #[test]
    fn sorts_in_memory_and_across_spilled_batches_alike() {
        for count in [0, 1, 5, 200_000] {
            let mut expected = entries(count);
            expected.extend(entries(count / 3));
            let got = sorted_through(expected.clone());
            expected.sort_unstable();
            assert_eq!(got.len(), expected.len());
            assert!(got == expected, "{count} names sorted differently");
        }
    }

    #[test]
    fn many_names_spill_and_the_batch_in_memory_stays_bounded() {
        let mut sort = NameSort::new();
        sort.extend(entries(200_000)).unwrap();
        let spilled = sort.spilled.as_ref().map_or(0, |s| s.batches.len());
        assert!(spilled >= 2, "{spilled} batches written out");
        assert!(sort.batch_bytes < BATCH_BYTES);
    }
}
