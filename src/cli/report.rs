//! `conform report merge`: the reports of a sharded run as one.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::error::Error;
use crate::exit;
use crate::report::json;
use crate::report::merge::merge;
use crate::report::write::write_reports;

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Merge the report.json files of a sharded run into one set of reports.
    ///
    /// Example: conform report merge shard-1 shard-2 shard-3 --out reports
    Merge {
        /// Directories holding a report.json each.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where to write the merged reports.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub fn execute(command: ReportCommand) -> Result<u8, Error> {
    match command {
        ReportCommand::Merge { dirs, out } => merge_reports(&dirs, &out),
    }
}

fn merge_reports(dirs: &[PathBuf], out: &Path) -> Result<u8, Error> {
    let reports = dirs
        .iter()
        .map(|dir| {
            let path = dir.join("report.json");
            json::read(&path).map(|r| (path.display().to_string(), r))
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(Error::new)?;
    let merged = merge(reports).map_err(Error::new)?;
    write_reports(&merged, out).map_err(Error::new)?;
    let s = merged.summary;
    println!(
        "merged {} report(s): {} cases, {} passed, {} failed, {} errors, {} skipped",
        dirs.len(),
        s.total,
        s.passed,
        s.failed,
        s.errors,
        s.skipped
    );
    Ok(exit::PASS)
}
