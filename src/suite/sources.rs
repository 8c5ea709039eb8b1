//! The case files of a run and where their cases are kept between reading and running: the
//! first files (up to `KEEP_PARSED_TEXT` of text) in memory, the others in the spill. A file is
//! read from disk and parsed once: by the plan, or before it (`read_ahead`) when the run needs
//! the suite's distinct cases first (to serve it or to bind it), in which case the plan takes
//! the cases kept then.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::suite::load::{self, Distinct};
use crate::suite::model::{Case, SourceFile};
use crate::suite::spill::{Extent, Spill};

/// How much case text (in bytes, counted from the first file) stays parsed in memory for the
/// run. A parsed case takes about 4 KB (its file's text included, for error positions): 1 MiB
/// of text keeps about 1,700 one-request cases, some 7 MB.
pub const KEEP_PARSED_TEXT: u64 = 1024 * 1024;

/// Where a file's cases read ahead wait for the plan.
#[derive(Debug)]
enum Kept {
    Parsed(Arc<SourceFile>, Vec<Case>),
    Spilled(Extent),
}

pub struct Sources {
    pub files: Vec<PathBuf>,
    /// The files whose cases stay parsed.
    parsed: HashSet<PathBuf>,
    pub spill: Spill,
    /// What `read_ahead` read of each file (or the error it met), until the plan takes it.
    read: Vec<Mutex<Option<Result<Kept>>>>,
}

/// A file's cases as the plan takes them, and the text they were read from.
pub struct FileCases {
    pub source: Arc<SourceFile>,
    pub cases: Vec<Case>,
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
            let kept = if self.keeps_parsed(path) {
                Kept::Parsed(loaded.source, loaded.cases)
            } else {
                Kept::Spilled(self.spill.write(&loaded.source, &loaded.cases)?)
            };
            Ok((kept, distinct))
        });
        let mut distinct = Distinct::default();
        self.read = per_file
            .into_iter()
            .map(|result| {
                Mutex::new(Some(result.map(|(kept, of_file)| {
                    distinct.extend(of_file);
                    kept
                })))
            })
            .collect();
        distinct
    }

    /// The cases of file `index`: as read ahead, else read now.
    pub fn cases(&self, index: usize) -> Result<FileCases> {
        let path = &self.files[index];
        let read = self.read.get(index).and_then(|read| {
            let mut read = read.lock().unwrap_or_else(|p| p.into_inner());
            read.take()
        });
        match read.transpose()? {
            None => {
                let loaded = load::load_file(path)?;
                Ok(FileCases {
                    source: loaded.source,
                    cases: loaded.cases,
                })
            }
            Some(Kept::Parsed(source, cases)) => Ok(FileCases { source, cases }),
            Some(Kept::Spilled(slot)) => {
                let (source, cases) = self.spill.read(slot, path)?;
                Ok(FileCases { source, cases })
            }
        }
    }

    /// Whether the cases of the file at `path` stay parsed in memory for the run.
    pub fn keeps_parsed(&self, path: &Path) -> bool {
        self.parsed.contains(path)
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
