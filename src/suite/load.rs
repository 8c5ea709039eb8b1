//! Loading case files: the one function that reads a file into cases (`load_file`), the
//! distinct cases of a suite, and whole directories for `conform list` and `lint`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Location, Result};
use crate::graph::Method;
use crate::suite::format;
use crate::suite::model::{Case, SourceFile};

/// A case file, read and parsed.
pub struct LoadedFile {
    /// The text that was parsed, which the cases' origins point into.
    pub source: Arc<SourceFile>,
    pub cases: Vec<Case>,
}

/// The cases of `files`, one for each distinct case, and how many cases each stands for (see
/// `Distinct`). Read a file at a time, so that a suite of many cases that repeat a few takes the
/// memory of those few. Files that do not load are passed over: planning reports them.
pub fn distinct_cases(files: &[PathBuf]) -> (Vec<Case>, Vec<usize>) {
    let mut distinct = Distinct::default();
    for file in files {
        if let Ok(loaded) = load_file(file) {
            loaded.cases.iter().for_each(|case| distinct.add(case, 1));
        }
    }
    distinct.into_parts()
}

/// One case for each distinct case — alike in everything the reference server and the binding
/// plan read of it: its request, setup and teardown, captures, expectation and documented
/// answer — in the order first seen, with how many cases each stands for.
#[derive(Default)]
pub struct Distinct {
    cases: Vec<Case>,
    counts: Vec<usize>,
    seen: HashMap<DistinctKey, usize>,
}

/// A request line and status, and the hash of everything else two cases must share.
type DistinctKey = (Method, String, u16, u64);

impl Distinct {
    /// Counts `case` as standing for `count` cases.
    pub fn add(&mut self, case: &Case, count: usize) {
        let key = Self::key(case);
        if !self.counted(&key, count) {
            self.insert(key, case.clone(), count);
        }
    }

    /// Takes in `other`'s cases, seen after this one's.
    pub fn extend(&mut self, other: Distinct) {
        let mut keys: Vec<Option<DistinctKey>> = vec![None; other.cases.len()];
        for (key, at) in other.seen {
            keys[at] = Some(key);
        }
        let taken = other.cases.into_iter().zip(other.counts).zip(keys);
        for ((case, count), key) in taken {
            let key = key.unwrap_or_else(|| Self::key(&case));
            if !self.counted(&key, count) {
                self.insert(key, case, count);
            }
        }
    }

    fn insert(&mut self, key: DistinctKey, case: Case, count: usize) {
        self.seen.insert(key, self.cases.len());
        self.counts.push(count);
        self.cases.push(case);
    }

    /// Adds `count` to the case of `key`, when there is one.
    fn counted(&mut self, key: &DistinctKey, count: usize) -> bool {
        match self.seen.get(key) {
            Some(&at) => {
                self.counts[at] += count;
                true
            }
            None => false,
        }
    }

    fn key(case: &Case) -> DistinctKey {
        (
            case.request.method,
            case.request.path.raw.clone(),
            case.expect.status,
            fnv1a(likeness(case).as_bytes()),
        )
    }

    pub fn into_parts(self) -> (Vec<Case>, Vec<usize>) {
        (self.cases, self.counts)
    }
}

/// What else two cases of one request line must share to stand for each other.
fn likeness(case: &Case) -> String {
    let mut text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        case.page.api,
        case.expect.schema.as_ref().map(|s| &s.name),
        case.expect.body,
        case.doc.response,
        case.request
            .capture
            .iter()
            .map(|c| &c.variable)
            .collect::<Vec<_>>(),
        case.request
            .headers
            .iter()
            .map(|(n, v)| (n, &v.raw))
            .collect::<Vec<_>>(),
    );
    for step in case.setup.iter().chain(&case.teardown) {
        let captures: Vec<&String> = step.request.capture.iter().map(|c| &c.variable).collect();
        text.push_str(&format!(
            "|{} {} {:?} {captures:?}",
            step.request.method, step.request.path.raw, step.status
        ));
    }
    text
}

/// Reads and parses one case file.
pub fn load_file(path: &Path) -> Result<LoadedFile> {
    let source = Arc::new(SourceFile {
        path: path.to_path_buf(),
        text: read_text(path)?,
    });
    Ok(LoadedFile {
        cases: format::parse_source(&source)?,
        source,
    })
}

/// Reads every `*.toml` file of `dir` (sorted by name) into cases.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>> {
    let files = case_files(dir)?;
    let mut cases = Vec::new();
    for result in crate::fs::in_parallel(&files, load_file) {
        cases.extend(result?.cases);
    }
    check_unique_names(&cases)?;
    Ok(cases)
}

/// The `*.toml` files of `dir`, sorted by name; at least one.
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let files = crate::fs::files_with_extension(dir, "toml").map_err(|e| {
        Error::new(format!(
            "cannot read the cases directory {}: {e}",
            dir.display()
        ))
        .with_help("pass --cases DIR, or run conform from the project root")
    })?;
    if files.is_empty() {
        return Err(Error::new(format!(
            "no case files (*.toml) in {}",
            dir.display()
        )));
    }
    Ok(files)
}

/// A case file's text.
fn read_text(path: &Path) -> Result<String> {
    fs::read(path)
        .map_err(|e| Error::in_file(format!("cannot read: {e}"), path))
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|e| Error::in_file(format!("not UTF-8 text ({e})"), path))
        })
}

/// Case names are unique across all case files.
pub fn check_unique_names(cases: &[Case]) -> Result<()> {
    let mut seen: HashMap<&str, &Case> = HashMap::new();
    for case in cases {
        if let Some(first) = seen.insert(&case.name, case) {
            let line = Location::new(
                first.file(),
                &first.name_origin.file.text,
                first.name_origin.span.clone(),
            )
            .line;
            return Err(case
                .name_origin
                .error(format!("duplicate case name `{}`", case.name))
                .with_help(format!(
                    "first defined at {}:{line}; case names are unique across all case files",
                    first.file().display()
                )));
        }
    }
    Ok(())
}

/// FNV-1a: stable across platforms and releases, unlike std's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::default();
    hash.write(bytes);
    hash.finish()
}

/// FNV-1a over bytes that come in pieces.
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    pub fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_stand_for_each_other_only_when_alike_in_what_binding_reads() {
        let dir = tempfile::tempdir().unwrap();
        let case = |setup: &str| {
            format!(
                "[[case]]\nname = \"c\"\n{setup}[case.request]\nmethod = \"GET\"\npath = \"/v1.0/groups/{{group-id}}/threads/{{thread-id}}\"\n[case.expect]\nstatus = 200\n"
            )
        };
        let capture = "[[case.setup]]\nmethod = \"POST\"\npath = \"/v1.0/groups/{group-id}/threads\"\ncapture = { thread-id = \"/id\" }\njson = '{}'\n";
        let files: Vec<PathBuf> = [case(""), case(""), case(capture)]
            .iter()
            .enumerate()
            .map(|(n, text)| {
                let path = dir.path().join(format!("{n}.toml"));
                fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let (distinct, counts) = distinct_cases(&files);
        assert_eq!(
            distinct.len(),
            2,
            "the case with a setup capture binds otherwise"
        );
        assert_eq!(counts, [2, 1]);
    }
}
