//! `conform coverage`: the coverage ledger of the API models — what a suite documents of each
//! workload, or (from a report) what a run made of each operation; with a coverage baseline,
//! what was lost and gained.

use std::path::PathBuf;

use crate::api::file::Models;
use crate::cli::output::OutputFormat;
use crate::error::Error;
use crate::exit;
use crate::report::coverage::{Coverage, CoverageTally, Denominator};
use crate::report::coverage_file::CoverageBaseline;
use crate::report::{coverage_text, json};
use crate::suite::load::load_dir;
use crate::suite::partition::Shard;

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// The schemas folder whose API models offer the operations counted.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    /// The cases whose operations count as documented.
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,
    /// Read the ledger of a run from DIR/report.json instead of counting the suite.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["schemas", "cases"])]
    report: Option<PathBuf>,
    /// With --report: fail (exit 1) when an operation this file lists as passed no longer
    /// passes; list what was gained.
    #[arg(long, value_name = "FILE", requires = "report")]
    coverage_baseline: Option<PathBuf>,
    /// Show every workload, also those the suite documents nothing of.
    #[arg(long)]
    all: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub fn execute(args: CoverageArgs) -> Result<u8, Error> {
    let (coverage, shard) = match &args.report {
        Some(dir) => of_report(dir)?,
        None => (of_suite(&args)?, None),
    };
    match args.format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&coverage).map_err(|e| Error::new(e.to_string()))?
        ),
        OutputFormat::Text => print!("{}", coverage_text::render(&coverage, args.all)),
    }
    let Some(path) = &args.coverage_baseline else {
        return Ok(exit::PASS);
    };
    if let Some(shard) = shard {
        return Err(Error::new(format!(
            "--coverage-baseline judges the whole suite, and this report is of shard {}/{} alone",
            shard.index, shard.total
        ))
        .with_help("merge the shards first: conform report merge SHARD_DIRS... --out DIR"));
    }
    let ratchet = CoverageBaseline::load(path)?.ratchet(&coverage, path)?;
    for line in ratchet.lines() {
        eprintln!("{line}");
    }
    Ok(if ratchet.blocks() {
        exit::FAILURES
    } else {
        exit::PASS
    })
}

/// The ledger of the run in `dir`, and the shard the run was, if it was one.
fn of_report(dir: &std::path::Path) -> Result<(Coverage, Option<Shard>), Error> {
    let report = json::read(&dir.join("report.json")).map_err(Error::new)?;
    let coverage = report.coverage.ok_or_else(|| {
        Error::new(format!(
            "{} has no coverage ledger: the run had no API model",
            dir.join("report.json").display()
        ))
        .with_help("import the metadata (conform schemas import) and run again")
    })?;
    Ok((coverage, report.shard))
}

/// The operations each case of the suite is of, as its version's model types its path.
fn of_suite(args: &CoverageArgs) -> Result<Coverage, Error> {
    let models = Models::load(&args.schemas)?;
    if models.is_empty() {
        return Err(Error::new(format!(
            "{} holds no API model: nothing to count operations by",
            args.schemas.display()
        ))
        .with_help("import the metadata first: conform schemas import --csdl v1.0.csdl"));
    }
    let mut tally = CoverageTally::default();
    for case in load_dir(&args.cases)? {
        if let Some(operation) = case.operation(&models) {
            tally.add_documented(operation.to_string());
        }
    }
    let denominator = Denominator::of(&models.all().collect::<Vec<_>>());
    Ok(tally.ledger(&denominator, false))
}
