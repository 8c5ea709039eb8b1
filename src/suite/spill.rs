//! The cases of the files past what a run keeps in memory, written to a temporary file in a
//! compact binary form (postcard) with the text of their case file, and read back when their
//! turn comes: a case file is read from disk and parsed once however large the suite, and its
//! cases point into the text that was parsed, whatever happens to the file meanwhile. Origins
//! are kept as spans and attached to that text again when read (`Attach`).

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::suite::model::{Attach, SourceFile};

/// Where one file's cases are in the spill.
#[derive(Debug, Clone, Copy)]
pub struct Extent {
    offset: u64,
    length: usize,
}

/// The temporary file, appended to by the plan's threads.
pub struct Spill {
    file: Mutex<(File, u64)>,
}

impl Spill {
    pub fn new() -> Result<Spill> {
        let file = tempfile::tempfile().map_err(spill_error)?;
        Ok(Spill {
            file: Mutex::new((file, 0)),
        })
    }

    /// Writes `cases` and the text of `source`, the file they were read from; where they are.
    /// Written as they are serialized, so that a file's cases never take their spilled size in
    /// memory besides.
    pub fn write<T: serde::Serialize>(&self, source: &SourceFile, cases: &[T]) -> Result<Extent> {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let (out, end) = &mut *file;
        let mut counted = Counted {
            out: std::io::BufWriter::with_capacity(64 * 1024, &*out),
            written: 0,
        };
        postcard::to_io(&(&source.text, cases), &mut counted)
            .map_err(|e| spill_error(std::io::Error::other(e)))?;
        counted.flush().map_err(spill_error)?;
        let slot = Extent {
            offset: *end,
            length: counted.written,
        };
        *end += counted.written as u64;
        Ok(slot)
    }

    /// The cases at `slot` and the text they were read from, the file at `path`, which their
    /// origins point into.
    pub fn read<T: serde::de::DeserializeOwned + Attach>(
        &self,
        slot: Extent,
        path: &Path,
    ) -> Result<(Arc<SourceFile>, Vec<T>)> {
        let mut bytes = vec![0; slot.length];
        {
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            let (out, _) = &mut *file;
            let read = out
                .seek(SeekFrom::Start(slot.offset))
                .and_then(|_| out.read_exact(&mut bytes));
            // Back to the end whatever the read did: the next write goes there.
            let back = out.seek(SeekFrom::End(0));
            read.and(back).map_err(spill_error)?;
        }
        let (text, mut cases): (String, Vec<T>) =
            postcard::from_bytes(&bytes).map_err(|e| spill_error(std::io::Error::other(e)))?;
        let source = Arc::new(SourceFile {
            path: path.to_path_buf(),
            text,
        });
        cases.attach(&source);
        Ok((source, cases))
    }
}

/// A writer that counts what goes through it.
struct Counted<W> {
    out: W,
    written: usize,
}

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(bytes)?;
        self.written += written;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn spill_error(error: std::io::Error) -> Error {
    Error::new(format!(
        "cannot keep the planned cases in a temporary file: {error}"
    ))
    .with_help("check that the temporary directory (TMPDIR) is writable and has space")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::format;
    use crate::suite::model::Case;

    #[test]
    fn cases_read_back_are_the_cases_written() {
        let text = r#"
[[case]]
name = "create-thread"
tags = ["threads"]

[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations"
capture = { conversation-id = "/id" }

[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/threads"
headers = { Prefer = "return=minimal" }
json = '{"topic": "Hi", "ratio": 0.1}'

[case.expect]
status = 201
schema = "conversationThread"
headers = { Location = true, Content-Type = { pattern = "^application/json" } }
body = '{"topic": "Hi", "ratio": 0.30000000000000004}'

[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}"
"#;
        let path = Path::new("cases/spilled.toml");
        let mut cases = format::parse_file(path, text.to_string()).unwrap();
        // What the binder sets: a setup step's settle, pointing into the file as well.
        cases[0].setup[0].settle = Some(cases[0].teardown[0].request.path.clone());
        let source = cases[0].name_origin.file.clone();
        let spill = Spill::new().unwrap();
        let _before = spill.write(&source, &cases[..0]).unwrap();
        let slot = spill.write(&source, &cases).unwrap();
        let (_, back): (_, Vec<Case>) = spill.read(slot, path).unwrap();
        // Every origin (name, schema, path, header, setup, settle, teardown) points into the
        // file's text again: one left unattached would point into no file, and differ here.
        assert_eq!(format!("{cases:?}"), format!("{back:?}"));
        // An expected `null` stays an expectation.
        let mut null = cases[0].clone();
        null.expect.body = Some(serde_json::Value::Null);
        let slot = spill.write(&source, std::slice::from_ref(&null)).unwrap();
        let (_, back): (_, Vec<Case>) = spill.read(slot, path).unwrap();
        assert_eq!(back[0].expect.body, Some(serde_json::Value::Null));
        // An origin still points into the file's text.
        let error = back[0].request.path.origin.error("here").to_string();
        assert!(error.contains("spilled.toml:13"), "{error}");
    }
}
