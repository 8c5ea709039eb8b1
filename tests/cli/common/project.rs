//! A scratch project: a copy of the shipped cases and schemas that a test may break.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;

/// A copy of the shipped cases and schemas that a test may break.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cases", "schemas"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
            for entry in fs::read_dir(common::root().join(sub)).unwrap() {
                let path = entry.unwrap().path();
                fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
        Self { dir }
    }

    /// The project's directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        fs::write(self.path(relative), contents).unwrap();
    }

    /// Replaces the first `from` in case file `file` with `to`.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let relative = format!("cases/{file}");
        let text = fs::read_to_string(self.path(&relative)).unwrap();
        assert!(text.contains(from), "{from} not in {relative}");
        self.write(&relative, text.replacen(from, to, 1));
    }

    /// `conform run` of the project's cases and schemas, reports to its `reports`.
    pub fn test_run(&self) -> common::Test {
        common::Test::in_dir(self.root())
            .arg("run")
            .arg("--cases")
            .arg(self.path("cases"))
            .arg("--schemas")
            .arg(self.path("schemas"))
            .arg("--report")
            .arg(self.path("reports"))
    }
}
