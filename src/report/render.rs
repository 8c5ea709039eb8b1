//! A report rendered as the records come (`Render`): what a record adds is rendered at once
//! into the report's body, which waits in a temporary file; what needs the whole run — its
//! totals, its groups, its ledger — is written around the body when the run ends.

use std::fs::File;
use std::io::{self, BufWriter, Read as _, Seek as _, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

use crate::report::document::Report;
use crate::report::record::CaseRecord;

pub trait Render: Send {
    /// The report's file in the report directory.
    fn file_name(&self) -> &'static str;

    /// Renders the next record, in report order, into `body`.
    fn case(&mut self, case: &CaseRecord, body: &mut Body) -> io::Result<()>;

    /// Writes the whole report to `to`: what needs the whole run (`head`) around the body.
    fn finish(&mut self, head: &Report<()>, body: &mut Body, to: &mut dyn Write) -> io::Result<()>;
}

/// The part of a report rendered as the records came, in a temporary file of its own.
pub struct Body {
    out: BufWriter<File>,
    written: u64,
}

impl Body {
    /// An empty body in a temporary file of `dir` (the report directory: the same disk).
    pub fn new(dir: &Path) -> io::Result<Body> {
        Ok(Body {
            out: BufWriter::with_capacity(64 * 1024, tempfile::tempfile_in(dir)?),
            written: 0,
        })
    }

    /// How much has been written: where the next write goes.
    pub fn position(&self) -> u64 {
        self.written
    }

    /// Copies `range` of what was written to `to`.
    pub fn copy(&mut self, range: Range<u64>, to: &mut dyn Write) -> io::Result<()> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(SeekFrom::Start(range.start))?;
        let copied = io::copy(&mut file.take(range.end - range.start), to);
        // Back to the end whatever the copy did: the next write goes there.
        let back = file.seek(SeekFrom::End(0));
        copied.and(back).map(|_| ())
    }

    /// Copies everything written to `to`.
    pub fn copy_all(&mut self, to: &mut dyn Write) -> io::Result<()> {
        self.copy(0..self.written, to)
    }
}

impl Write for Body {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.out.write(bytes)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_copies_back_any_part_of_what_was_written_and_goes_on_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = Body::new(dir.path()).unwrap();
        body.write_all(b"head,").unwrap();
        let start = body.position();
        body.write_all(b"middle,").unwrap();
        let mut part = Vec::new();
        body.copy(start..body.position(), &mut part).unwrap();
        assert_eq!(part, b"middle,");
        body.write_all(b"tail").unwrap();
        let mut all = Vec::new();
        body.copy_all(&mut all).unwrap();
        assert_eq!(all, b"head,middle,tail");
    }
}
