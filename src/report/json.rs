//! `report.json`: the whole record of a run, the one report that is read back (by `conform
//! baseline update` and `conform report merge`).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::report::document::{REPORT_VERSION, Report};
use crate::report::record::CaseRecord;
use crate::report::render::{Body, Render};

/// `report.json` rendered as the records come: each record pretty-printed into the body as it
/// comes, the head (every field but the cases) written before it when the run ends.
#[derive(Default)]
pub struct JsonReport {
    cases: usize,
}

impl Render for JsonReport {
    fn file_name(&self) -> &'static str {
        "report.json"
    }

    fn case(&mut self, case: &CaseRecord, body: &mut Body) -> io::Result<()> {
        body.write_all(if self.cases == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        let mut text = Vec::with_capacity(2048);
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut text, formatter);
        case.serialize(&mut serializer).map_err(io::Error::other)?;
        // Two levels deep in the report. JSON text has raw newlines only between its tokens.
        for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
            if index > 0 {
                body.write_all(b"\n    ")?;
            }
            body.write_all(line)?;
        }
        self.cases += 1;
        Ok(())
    }

    fn finish(&mut self, head: &Report<()>, body: &mut Body, to: &mut dyn Write) -> io::Result<()> {
        let empty = serde_json::to_vec_pretty(&head.with_cases(Vec::<CaseRecord>::new()))
            .map_err(io::Error::other)?;
        // The report without cases ends `"cases": []` and its closing brace: the cases go
        // between the brackets.
        const CLOSING: &[u8] = b"]\n}";
        if !empty.ends_with(CLOSING) {
            return Err(io::Error::other(
                "report.json: `cases` is not its last field",
            ));
        }
        to.write_all(&empty[..empty.len() - CLOSING.len()])?;
        if self.cases > 0 {
            body.copy_all(to)?;
            to.write_all(b"\n  ")?;
        }
        to.write_all(CLOSING)
    }
}

/// Reads a `report.json`.
pub fn read(path: &Path) -> Result<Report, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a conform report: {e}", path.display()))?;
    if report.version != REPORT_VERSION {
        return Err(format!(
            "{} has report format version {}; this conform reads version {REPORT_VERSION}",
            path.display(),
            report.version
        ));
    }
    Ok(report)
}
