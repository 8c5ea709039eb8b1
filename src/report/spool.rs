//! `records.jsonl`: every record of a run, one JSON object a line, written as its verdict comes
//! (so in the order cases finish), and read back in plan order to render the reports. Memory
//! holds one file offset a case, not the records.

use std::fs::File;
use std::io::{BufRead as _, BufReader, BufWriter, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::ser::{Error as _, SerializeSeq as _};
use serde::{Serialize, Serializer};

use crate::report::record::{CaseRecord, Cases};

pub const RECORDS_FILE: &str = "records.jsonl";

/// No record at this position (yet).
const NONE: u64 = u64::MAX;

/// The records file as it is written.
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    written: u64,
    /// File offset of each plan position's record.
    offsets: Vec<u64>,
    /// The first write that failed; the reports cannot be rendered after it.
    failed: Option<String>,
}

impl Spool {
    /// Starts `records.jsonl` in `dir` (replacing an earlier one) for `positions` records.
    pub fn create(dir: &Path, positions: usize) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create report directory {}: {e}", dir.display()))?;
        let path = dir.join(RECORDS_FILE);
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self {
            path,
            out: BufWriter::with_capacity(64 * 1024, file),
            written: 0,
            offsets: vec![NONE; positions],
            failed: None,
        })
    }

    /// Appends the record of the plan's `position` as one line.
    pub fn write(&mut self, position: usize, record: &CaseRecord) {
        if self.failed.is_some() {
            return;
        }
        let line = serde_json::to_vec(record)
            .map_err(std::io::Error::other)
            .and_then(|mut line| {
                line.push(b'\n');
                self.out.write_all(&line)?;
                Ok(line.len())
            });
        match line {
            Ok(length) => {
                if let Some(slot) = self.offsets.get_mut(position) {
                    *slot = self.written;
                }
                self.written += length as u64;
            }
            Err(e) => self.failed = Some(format!("cannot write {}: {e}", self.path.display())),
        }
    }

    /// Hands the buffered records to the file, for whoever follows it during the run.
    pub fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            self.failed
                .get_or_insert(format!("cannot write {}: {e}", self.path.display()));
        }
    }

    /// Closes the file; the records, in plan order, ready to be read back.
    pub fn finish(mut self) -> Result<Spooled, String> {
        if let Err(e) = self.out.flush() {
            self.failed
                .get_or_insert(format!("cannot write {}: {e}", self.path.display()));
        }
        if let Some(failed) = self.failed {
            return Err(failed);
        }
        self.offsets.retain(|&offset| offset != NONE);
        Ok(Spooled {
            path: self.path,
            offsets: self.offsets,
        })
    }
}

/// The records of a finished run, read from `records.jsonl` in plan order.
pub struct Spooled {
    path: PathBuf,
    offsets: Vec<u64>,
}

impl Cases for Spooled {
    fn count(&self) -> usize {
        self.offsets.len()
    }

    fn visit(
        &self,
        range: Range<usize>,
        visit: &mut dyn FnMut(&CaseRecord) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let unreadable = |e: &dyn std::fmt::Display| {
            std::io::Error::other(format!("{}: {e}", self.path.display()))
        };
        let mut file = BufReader::with_capacity(64 * 1024, File::open(&self.path)?);
        let mut at = 0u64;
        let mut line = Vec::new();
        for &offset in &self.offsets[range] {
            // Records finish nearly in plan order: most are in the buffer already, and a seek
            // relative to the buffer keeps it.
            if offset != at {
                file.seek_relative(offset as i64 - at as i64)?;
            }
            line.clear();
            let read = file.read_until(b'\n', &mut line)?;
            at = offset + read as u64;
            let record: CaseRecord = serde_json::from_slice(&line).map_err(|e| unreadable(&e))?;
            visit(&record)?;
        }
        Ok(())
    }
}

/// `report.json`'s `cases`, streamed from the file.
impl Serialize for Spooled {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.count()))?;
        let mut failed = None;
        let visited = self.visit_all(&mut |record| {
            seq.serialize_element(record).map_err(|e| {
                let message = e.to_string();
                failed = Some(e);
                std::io::Error::other(message)
            })
        });
        match (failed, visited) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(S::Error::custom(e)),
            (None, Ok(())) => seq.end(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::sample_record;

    fn record(name: &str) -> CaseRecord {
        sample_record(name, "cases/x.toml")
    }

    fn names(cases: &impl Cases, range: Range<usize>) -> Vec<String> {
        let mut names = Vec::new();
        cases
            .visit(range, &mut |r| {
                names.push(r.name.clone());
                Ok(())
            })
            .unwrap();
        names
    }

    #[test]
    fn records_written_in_any_order_read_back_in_plan_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 5).unwrap();
        for position in [2, 0, 4, 1] {
            spool.write(position, &record(&format!("c{position}")));
        }
        let spooled = spool.finish().unwrap();
        assert_eq!(spooled.count(), 4, "position 3 never came");
        assert_eq!(names(&spooled, 0..4), ["c0", "c1", "c2", "c4"]);
        assert_eq!(names(&spooled, 1..3), ["c1", "c2"]);
        let text = std::fs::read_to_string(dir.path().join(RECORDS_FILE)).unwrap();
        let written: Vec<&str> = text.lines().map(|l| &l[9..11]).collect();
        assert_eq!(written, ["c2", "c0", "c4", "c1"], "{text}");
    }

    #[test]
    fn spooled_cases_serialize_as_the_records_in_memory_do() {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<CaseRecord> = (0..3).map(|n| record(&format!("c{n}"))).collect();
        let mut spool = Spool::create(dir.path(), 3).unwrap();
        for (position, r) in records.iter().enumerate().rev() {
            spool.write(position, r);
        }
        let spooled = spool.finish().unwrap();
        assert_eq!(
            serde_json::to_string_pretty(&spooled).unwrap(),
            serde_json::to_string_pretty(&records).unwrap()
        );
    }

    #[test]
    fn a_damaged_records_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 1).unwrap();
        spool.write(0, &record("c0"));
        let spooled = spool.finish().unwrap();
        std::fs::write(dir.path().join(RECORDS_FILE), "{not json\n").unwrap();
        let error = spooled.visit_all(&mut |_| Ok(())).unwrap_err();
        assert!(error.to_string().contains(RECORDS_FILE), "{error}");
    }
}
