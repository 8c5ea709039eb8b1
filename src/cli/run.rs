//! `conform run`: its flags, resolved into settings, and the run.

use std::path::PathBuf;

use crate::cli::target::TargetArgs;
use crate::config::settings::Flags;
use crate::error::Error;
use crate::probe_kind::ProbeSelection;
use crate::run::pipeline::{self, RunOptions};
use crate::suite::partition::{Shard, parse_shard};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    target: TargetArgs,

    /// Directory of case files (*.toml).
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,

    /// Directory of JSON Schemas (*.json).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,

    /// Directory for the reports (report.json, junit.xml, report.md, report.html).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    report: PathBuf,

    /// Write no report.
    #[arg(long, conflicts_with = "report")]
    no_report: bool,

    /// Known failures (TOML, see `conform baseline update`): the run fails only on failures
    /// not listed, or listed with a passed `expires` date.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// The operations that passed before (see `conform baseline update --coverage`): the run
    /// fails when one of them no longer passes or is no longer served; gains are listed.
    #[arg(long, value_name = "FILE")]
    coverage_baseline: Option<PathBuf>,

    /// Run only shard K of N: the selected cases sorted by name, dealt round-robin.
    /// Example: --shard 2/3. Merge the shards' reports with `conform report merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<Shard>,

    /// Cases in flight at once [default: 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,

    /// Seconds one request may take, from connecting to the last body byte [default: 30].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<f64>,

    /// Seconds the whole run may take; cases not started by then fail with `timeout`.
    /// Teardown gets 5 seconds more.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    budget: Option<f64>,

    /// At most N requests per second, over all cases, e.g. --rate 5/s.
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    rate: Option<f64>,

    /// Largest response body read, in MiB; a larger one is a `transport` failure [default: 8].
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=4096))]
    max_body: Option<u32>,

    /// Sends per request when throttled or unavailable, the first included [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    retries: Option<u32>,

    /// Leave what the cases create (no teardown); it is listed in the reports as leaked.
    #[arg(long)]
    keep: bool,

    /// Accept any TLS certificate (self-signed test servers only).
    #[arg(long)]
    insecure: bool,

    /// Probes derived from each case: all, none, or a list such as auth,not-found
    /// (auth, malformed-json, wrong-type, wrong-method, not-found, read-back,
    /// gone-after-delete) [default: none].
    #[arg(long, value_name = "LIST")]
    probes: Option<ProbeSelection>,

    /// Seconds read-back and gone-after-delete wait for the answer they expect, for services
    /// that are eventually consistent [default: 5; 0.5 against the embedded server].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    consistency_wait: Option<f64>,

    /// Fail a case whose answer has a property that neither its schema nor its documented
    /// example knows (by default such properties are listed as warnings).
    #[arg(long)]
    strict: bool,

    /// Stop before sending anything when a case cannot be bound, listing every placeholder
    /// that has no value (exit 2); by default such cases are skipped with the reason.
    #[arg(long)]
    require_bound: bool,

    /// Print every request as a curl command (secrets left out) and send nothing.
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    test_args: libtest_mimic::Arguments,
}

pub fn execute(args: RunArgs) -> Result<u8, Error> {
    let flags = Flags {
        timeout: args.timeout,
        budget: args.budget,
        jobs: args.jobs.map(usize::from),
        rate: args.rate,
        retries: args.retries,
        max_body_mib: args.max_body,
        insecure: args.insecure,
        probes: args.probes,
        consistency_wait: args.consistency_wait,
        strict: args.strict,
        require_bound: args.require_bound,
        ..Flags::default()
    };
    let settings = args.target.resolve(flags)?;
    pipeline::run(RunOptions {
        cases_dir: args.cases,
        schemas_dir: args.schemas,
        settings,
        report_dir: (!args.no_report).then_some(args.report),
        baseline: args.baseline,
        coverage_baseline: args.coverage_baseline,
        shard: args.shard,
        keep: args.keep,
        dry_run: args.dry_run,
        test_args: args.test_args,
    })
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!("`{text}` is not a rate such as 5/s")),
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(seconds),
        _ => Err(format!(
            "`{text}` is not a number of seconds between 0 and 86400"
        )),
    }
}
