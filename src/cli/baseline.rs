//! `conform baseline update`: a baseline of known failures from a report.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::baseline::Baseline;
use crate::error::Error;
use crate::exit;
use crate::report::coverage_file::CoverageBaseline;
use crate::report::document::Report;
use crate::report::json;

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Write the baselines from a report. --baseline FILE: every current failure becomes a
    /// known failure, entries that no longer fail are dropped (and listed as fixed), reasons
    /// and expiry dates are kept. --coverage FILE: the operations that passed, for
    /// `conform run --coverage-baseline FILE`.
    ///
    /// Example: conform baseline update --baseline conform-baseline.toml --report reports
    #[command(group(clap::ArgGroup::new("file").required(true).multiple(true).args(["baseline", "coverage"])))]
    Update {
        /// The baseline file of known failures (TOML); created when missing.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// The coverage baseline: the operations that passed, one a line.
        #[arg(long, value_name = "FILE")]
        coverage: Option<PathBuf>,
        /// Directory holding the report.json to read.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        report: PathBuf,
    },
}

pub fn execute(command: BaselineCommand) -> Result<u8, Error> {
    match command {
        BaselineCommand::Update {
            baseline,
            coverage,
            report,
        } => {
            let report = json::read(&report.join("report.json")).map_err(Error::new)?;
            if !report.complete {
                return Err(Error::new(
                    "the report is of an interrupted run: update the baseline from a complete run",
                ));
            }
            if let Some(path) = baseline {
                update(&path, &report)?;
            }
            if let Some(path) = coverage {
                update_coverage(&path, &report)?;
            }
            Ok(exit::PASS)
        }
    }
}

fn update_coverage(path: &Path, report: &Report) -> Result<(), Error> {
    let Some(coverage) = &report.coverage else {
        return Err(
            Error::new("the report has no coverage ledger: the run had no API model")
                .with_help("import the metadata (conform schemas import) and run again"),
        );
    };
    let baseline = CoverageBaseline::of(coverage);
    baseline.save(path)?;
    println!(
        "{}: {} operation(s) passed",
        path.display(),
        baseline.passed.len()
    );
    Ok(())
}

fn update(path: &Path, report: &Report) -> Result<(), Error> {
    let baseline = Baseline::load(path, true)?;
    let (updated, fixed) = baseline.updated(report);
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
    Ok(())
}
