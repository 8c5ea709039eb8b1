//! `report.json`: the whole record of a run, the one report that is read back (by `conform
//! baseline update` and `conform report merge`).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::report::record::{REPORT_VERSION, Report};

/// Writes `report.json` into `dir`, streamed to the file.
pub fn write<C: Serialize>(report: &Report<C>, dir: &Path) -> Result<PathBuf, String> {
    crate::fs::write_atomically_with(&dir.join("report.json"), |out| {
        serde_json::to_writer_pretty(out, report).map_err(std::io::Error::other)
    })
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
