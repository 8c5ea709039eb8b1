//! `records.jsonl`: every record of a run, one JSON object a line, written in plan order as
//! the verdicts come, for whoever follows the run (`tail -f`) or reads its records afterwards.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use crate::report::record::CaseRecord;

pub const RECORDS_FILE: &str = "records.jsonl";

/// The records file as it is written.
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    /// The first write that failed.
    failed: Option<String>,
}

impl Spool {
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
            failed: None,
        })
    }

    /// Appends the next record in plan order as one line.
    pub fn write(&mut self, record: &CaseRecord) {
        if self.failed.is_some() {
            return;
        }
        let written = serde_json::to_writer(&mut self.out, record)
            .map_err(std::io::Error::other)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = written {
            self.failed = Some(format!("cannot write {}: {e}", self.path.display()));
        }
    }

    /// Hands the buffered records to the file, for whoever follows it during the run.
    pub fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            self.failed
                .get_or_insert(format!("cannot write {}: {e}", self.path.display()));
        }
    }

    /// Closes the file; the first write that failed, if one did.
    pub fn finish(mut self) -> Result<(), String> {
        self.flush();
        self.failed.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recording::sample_record;

    #[test]
    fn one_line_a_record_in_the_order_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path()).unwrap();
        let records: Vec<CaseRecord> = (0..3)
            .map(|n| sample_record(&format!("c{n}"), "cases/x.toml"))
            .collect();
        records.iter().for_each(|r| spool.write(r));
        spool.finish().unwrap();
        let text = std::fs::read_to_string(dir.path().join(RECORDS_FILE)).unwrap();
        let back: Vec<CaseRecord> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(
            back.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["c0", "c1", "c2"]
        );
    }
}
