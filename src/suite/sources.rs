//! The case files of a run and where their cases are kept between reading and running: the
//! first files (up to `KEEP_PARSED_TEXT` of text) in memory, the others in the spill. A file is
//! parsed once: by the plan, or before it (`read_ahead`) when the run needs the suite's
//! distinct cases first (to serve it or to bind it), in which case the plan takes the cases
//! kept then.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::suite::load::{self, Distinct};
use crate::suite::model::Case;
use crate::suite::spill::{Extent, Spill};

/// How much case text (in bytes, counted from the first file) stays parsed in memory for the
/// run. A parsed case takes about 4 KB (its file's text included, for error positions): 1 MiB
/// of text keeps about 1,700 one-request cases, some 7 MB.
pub const KEEP_PARSED_TEXT: u64 = 1024 * 1024;

/// Where a file's cases wait for the plan.
#[derive(Debug)]
enum Kept {
    Parsed(Vec<Case>),
    Spilled(Extent),
}

/// A file's cases as read: the fingerprint of the text they were read from, and where they are.
struct Read {
    fingerprint: u64,
    kept: Kept,
}

pub struct Sources {
    pub files: Vec<PathBuf>,
    /// The files whose cases stay parsed.
    parsed: HashSet<PathBuf>,
    pub spill: Spill,
    /// What `read_ahead` read of each file (or the error it met), until the plan takes it.
    read: Vec<Mutex<Option<Result<Read>>>>,
}

impl Sources {
    pub fn new(files: Vec<PathBuf>) -> Result<Sources> {
        Ok(Sources {
            parsed: parsed_files(&files),
            read: Vec::new(),
            spill: Spill::new()?,
            files,
        })
    }

    /// Reads every file now, spread over the cores, and keeps its cases for the plan; the
    /// suite's distinct cases. A file that does not load is passed over here: the plan
    /// reports it.
    pub fn read_ahead(&mut self) -> Distinct {
        let per_file = crate::fs::in_parallel(&self.files, |path| {
            let loaded = load::load_file(path)?;
            let mut distinct = Distinct::default();
            loaded.cases.iter().for_each(|case| distinct.add(case, 1));
            let read = Read {
                fingerprint: loaded.fingerprint,
                kept: self.keep(path, loaded.cases)?,
            };
            Ok((read, distinct))
        });
        let mut distinct = Distinct::default();
        self.read = per_file
            .into_iter()
            .map(|result| {
                Mutex::new(Some(result.map(|(read, of_file)| {
                    distinct.extend(of_file);
                    read
                })))
            })
            .collect();
        distinct
    }

    /// The cases of file `index` and the fingerprint of their text: as read ahead, else read
    /// now.
    pub fn cases(&self, index: usize) -> Result<(u64, Vec<Case>)> {
        let path = &self.files[index];
        let read = self.read.get(index).and_then(|read| {
            let mut read = read.lock().unwrap_or_else(|p| p.into_inner());
            read.take()
        });
        match read.transpose()? {
            None => {
                let loaded = load::load_file(path)?;
                Ok((loaded.fingerprint, loaded.cases))
            }
            Some(Read {
                fingerprint,
                kept: Kept::Parsed(cases),
            }) => Ok((fingerprint, cases)),
            Some(Read {
                fingerprint,
                kept: Kept::Spilled(slot),
            }) => {
                let source = load::reread(path, fingerprint)?;
                let cases = self.spill.read(slot, Arc::new(source))?;
                Ok((fingerprint, cases))
            }
        }
    }

    /// Whether the cases of the file at `path` stay parsed in memory for the run.
    pub fn keeps_parsed(&self, path: &Path) -> bool {
        self.parsed.contains(path)
    }

    /// Keeps the cases of the file at `path` until the plan takes them.
    fn keep(&self, path: &Path, cases: Vec<Case>) -> Result<Kept> {
        if self.keeps_parsed(path) {
            return Ok(Kept::Parsed(cases));
        }
        Ok(Kept::Spilled(self.spill.write(&cases)?))
    }
}

/// The first files whose text fits in `KEEP_PARSED_TEXT` together: the files run first.
fn parsed_files(files: &[PathBuf]) -> HashSet<PathBuf> {
    let mut text = 0;
    files
        .iter()
        .take_while(|path| {
            text += std::fs::metadata(path).map_or(u64::MAX / 2, |m| m.len());
            text <= KEEP_PARSED_TEXT
        })
        .cloned()
        .collect()
}
