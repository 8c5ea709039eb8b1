//! `conform baseline update`: a baseline of known failures from a report.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::baseline::Baseline;
use crate::error::Error;
use crate::exit;
use crate::report::json;

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Write FILE from a report: every current failure becomes a known failure, entries that
    /// no longer fail are dropped (and listed as fixed), reasons and expiry dates are kept.
    ///
    /// Example: conform baseline update --baseline conform-baseline.toml --report reports
    Update {
        /// The baseline file (TOML); created when missing.
        #[arg(long, value_name = "FILE")]
        baseline: PathBuf,
        /// Directory holding the report.json to read.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        report: PathBuf,
    },
}

pub fn execute(command: BaselineCommand) -> Result<u8, Error> {
    match command {
        BaselineCommand::Update { baseline, report } => update(&baseline, &report),
    }
}

fn update(path: &Path, report_dir: &Path) -> Result<u8, Error> {
    let report = json::read(&report_dir.join("report.json")).map_err(Error::new)?;
    if !report.complete {
        return Err(Error::new(
            "the report is of an interrupted run: update the baseline from a complete run",
        ));
    }
    let baseline = Baseline::load(path, true)?;
    let (updated, fixed) = baseline.updated(&report);
    for key in &fixed {
        println!("fixed: {key}");
    }
    updated.save(path).map_err(Error::new)?;
    println!(
        "{}: {} known failure(s), {} fixed and dropped",
        path.display(),
        updated.entries.len(),
        fixed.len()
    );
    Ok(exit::PASS)
}
