//! `records.jsonl`: every record of a run, one JSON object a line, written in plan order as
//! the verdicts are printed, and read back to render the reports. Memory holds one file offset
//! every `CHECKPOINT` records, not the records.

use std::fs::File;
use std::io::{BufRead as _, BufReader, BufWriter, Seek as _, SeekFrom, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::report::record::{CaseRecord, Cases, Outline};

pub const RECORDS_FILE: &str = "records.jsonl";

/// Records between two offsets kept: reading from the middle skips at most this many lines.
const CHECKPOINT: usize = 1024;

/// The records file as it is written.
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    written: u64,
    count: usize,
    /// The file offset of every `CHECKPOINT`th record.
    checkpoints: Vec<u64>,
    outline: Outline,
    /// The first write that failed; the reports cannot be rendered after it.
    failed: Option<String>,
}

impl Spool {
    /// A spool in `dir` when reports are to be written there; none without one.
    pub fn create_in(dir: Option<&Path>) -> Result<Option<Self>, String> {
        dir.map(Self::create).transpose()
    }

    /// Starts `records.jsonl` in `dir`, replacing an earlier one.
    pub fn create(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create report directory {}: {e}", dir.display()))?;
        let path = dir.join(RECORDS_FILE);
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self {
            path,
            out: BufWriter::with_capacity(64 * 1024, file),
            written: 0,
            count: 0,
            checkpoints: Vec::new(),
            outline: Outline::default(),
            failed: None,
        })
    }

    /// Appends the next record in plan order as one line.
    pub fn write(&mut self, record: &CaseRecord) {
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
                if self.count % CHECKPOINT == 0 {
                    self.checkpoints.push(self.written);
                }
                self.count += 1;
                self.written += length as u64;
                self.outline.add(record);
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

    /// Closes the file; the records, ready to be read back.
    pub fn finish(mut self) -> Result<Spooled, String> {
        self.flush();
        if let Some(failed) = self.failed {
            return Err(failed);
        }
        Ok(Spooled {
            path: self.path,
            count: self.count,
            checkpoints: self.checkpoints,
            outline: self.outline,
        })
    }
}

/// The records of a finished run, read from `records.jsonl`.
pub struct Spooled {
    path: PathBuf,
    count: usize,
    checkpoints: Vec<u64>,
    outline: Outline,
}

impl Cases for Spooled {
    fn count(&self) -> usize {
        self.count
    }

    fn outline(&self) -> std::io::Result<Outline> {
        Ok(self.outline.clone())
    }

    fn visit(
        &self,
        range: Range<usize>,
        visit: &mut dyn FnMut(&CaseRecord) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.visit_owned(range, &mut |record| visit(&record))
    }

    fn visit_owned(
        &self,
        range: Range<usize>,
        visit: &mut dyn FnMut(CaseRecord) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let unreadable = |e: &dyn std::fmt::Display| {
            std::io::Error::other(format!("{}: {e}", self.path.display()))
        };
        let range = range.start..range.end.min(self.count);
        if range.is_empty() {
            return Ok(());
        }
        let mut file = BufReader::with_capacity(64 * 1024, File::open(&self.path)?);
        let checkpoint = range.start / CHECKPOINT;
        let offset = self.checkpoints.get(checkpoint).copied().unwrap_or(0);
        file.seek(SeekFrom::Start(offset))?;
        let mut line = Vec::new();
        for index in checkpoint * CHECKPOINT..range.end {
            line.clear();
            if file.read_until(b'\n', &mut line)? == 0 {
                return Err(unreadable(&"fewer records than the run wrote"));
            }
            if index >= range.start {
                let record: CaseRecord =
                    serde_json::from_slice(&line).map_err(|e| unreadable(&e))?;
                visit(record)?;
            }
        }
        Ok(())
    }
}

/// `report.json`'s `cases`, streamed from the file.
impl Serialize for Spooled {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::report::record::serialize_cases(self, serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::fixtures::names_at as names;
    use crate::report::recording::sample_record;

    fn record(name: &str) -> CaseRecord {
        sample_record(name, "cases/x.toml")
    }

    #[test]
    fn records_read_back_from_any_place_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path()).unwrap();
        let count = 2 * CHECKPOINT + 5;
        for n in 0..count {
            spool.write(&record(&format!("c{n}")));
        }
        let spooled = spool.finish().unwrap();
        assert_eq!(spooled.count(), count);
        for range in [
            0..3,
            1..3,
            CHECKPOINT - 1..CHECKPOINT + 2,
            count - 2..count + 7,
        ] {
            let expected: Vec<String> = range
                .clone()
                .filter(|&n| n < count)
                .map(|n| format!("c{n}"))
                .collect();
            assert_eq!(names(&spooled, range.clone()), expected, "{range:?}");
        }
        let text = std::fs::read_to_string(dir.path().join(RECORDS_FILE)).unwrap();
        assert_eq!(text.lines().count(), count, "one line a record");
    }

    #[test]
    fn the_outline_gathered_while_writing_is_the_one_read_from_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut records = Vec::new();
        for (n, file) in [
            "cases/b.toml",
            "cases/a.toml",
            "cases/a.toml",
            "cases/b.toml",
        ]
        .into_iter()
        .enumerate()
        {
            let mut record = sample_record(&format!("c{n}"), file);
            record.tags = vec![format!("t{}", n % 2), "all".to_string()];
            records.push(record);
        }
        let mut spool = Spool::create(dir.path()).unwrap();
        records.iter().for_each(|r| spool.write(r));
        let outline = spool.finish().unwrap().outline().unwrap();
        assert_eq!(outline, records.outline().unwrap());
        assert_eq!(outline.files["cases/b.toml"], [0..1, 3..4]);
        assert_eq!(
            outline.files["cases/a.toml"].len(),
            1,
            "one run of two cases"
        );
        assert_eq!(outline.files["cases/a.toml"][0], 1..3);
        assert_eq!(outline.tags.len(), 3);
        assert_eq!(outline.cases, 4);
    }

    #[test]
    fn spooled_cases_serialize_as_the_records_in_memory_do() {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<CaseRecord> = (0..3).map(|n| record(&format!("c{n}"))).collect();
        let mut spool = Spool::create(dir.path()).unwrap();
        for r in &records {
            spool.write(r);
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
        let mut spool = Spool::create(dir.path()).unwrap();
        spool.write(&record("c0"));
        let spooled = spool.finish().unwrap();
        std::fs::write(dir.path().join(RECORDS_FILE), "{not json\n").unwrap();
        let error = spooled.visit_all(&mut |_| Ok(())).unwrap_err();
        assert!(error.to_string().contains(RECORDS_FILE), "{error}");
    }
}
