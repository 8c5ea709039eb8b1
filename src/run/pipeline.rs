//! `conform run` as named phases: plan the suite, then list it, print it (dry run) or run it —
//! start a session (runtime, client, Ctrl-C), prepare the target, execute the cases while the
//! verdicts print in plan order as they come, write the reports — and decide the exit code.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use libtest_mimic::Arguments;
use tokio::runtime::Runtime;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::baseline::{self, Baseline};
use crate::config::settings::{Destination, Settings};
use crate::error::{Error, Result};
use crate::exec::transport::{self, Http, RateLimiter};
use crate::exit;
use crate::mock::generic::served::Served;
use crate::report::coverage::Denominator;
use crate::report::coverage_file::{CoverageBaseline, Ratchet};
use crate::report::coverage_text;
use crate::report::document::Report;
use crate::report::stream::ReportStream;
use crate::report::tally::Tally;
use crate::run::engine::{Engine, Recorder};
use crate::run::printer::Printer;
use crate::run::progress::{self, Progress};
use crate::run::{destination, dry_run, scheduler, terminal, trial};
use crate::schema::registry::Schemas;
use crate::suite::bind;
use crate::suite::binder::Binder;
use crate::suite::load;
use crate::suite::partition::Shard;
use crate::suite::plan::{self, Selection, Suite};
use crate::suite::shape::{Given, Writable};
use crate::suite::sources::Sources;

pub struct RunOptions {
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// Destination, authentication, timeouts, retries, concurrency.
    pub settings: Settings,
    /// `None`: write no report.
    pub report_dir: Option<PathBuf>,
    /// Known failures; a run fails only on failures it does not list.
    pub baseline: Option<PathBuf>,
    /// The operations that passed before: the run fails when one no longer passes.
    pub coverage_baseline: Option<PathBuf>,
    pub shard: Option<Shard>,
    /// Leave what the cases create (no teardown); it is listed as leaked.
    pub keep: bool,
    /// Print the requests as curl commands instead of sending them.
    pub dry_run: bool,
    pub test_args: Arguments,
}

/// The suite, planned, with what running it needs.
struct Prepared {
    suite: Suite,
    schemas: Arc<Schemas>,
    baseline: Option<Baseline>,
    /// What the embedded server serves; `None` against a base URL without API models, where
    /// neither a server nor a binder needs the suite read in advance.
    served: Option<Served>,
    /// The operations of the API models, when there are models: the coverage ledger's.
    denominator: Option<Denominator>,
    coverage_baseline: Option<CoverageBaseline>,
}

/// How the cases' execution ended.
struct Executed {
    /// The report without its cases: they went to the stream as they came.
    report: Report<()>,
    /// Where the records went, when the run writes reports: the reports are finished with it.
    stream: Option<ReportStream>,
    /// The error that stopped the run before every case ran.
    stopped: Option<Error>,
    interrupted: bool,
    /// The ledger set against the coverage baseline, when the run has one.
    ratchet: Option<Ratchet>,
}

/// Runs the suite; returns the exit code.
pub fn run(options: RunOptions) -> Result<u8> {
    let prepared = prepare(&options)?;
    if options.test_args.list {
        list(&prepared, &options.test_args)?;
        return Ok(exit::PASS);
    }
    if options.dry_run {
        dry_run::print(&prepared.suite, &options.settings)?;
        return Ok(exit::PASS);
    }
    let mut executed = execute(&options, prepared)?;
    let code = exit_code(&executed);
    if let Some(stream) = executed.stream.take()
        && let Err(message) = stream.finish(&executed.report)
    {
        eprintln!("error: {message}");
        return Ok(exit::COULD_NOT_RUN);
    }
    if let Some(error) = &executed.stopped {
        eprintln!("{error}");
    }
    Ok(code)
}

/// What the embedded server serves (the API models of the schemas folder, else the URL space
/// the suite's paths show; the documented examples) and, with metadata, what binds the suite's
/// placeholders (the suite's creates), from the case files read ahead of the plan, which keeps
/// what was read. A file that does not load is passed over here: planning reports it. Against a
/// base URL without metadata neither is needed, and the plan reads the files itself.
fn served(
    schemas: &Schemas,
    (schemas_dir, embedded): (&std::path::Path, bool),
    sources: &mut Sources,
    given: &Given,
    require_bound: bool,
) -> Result<(Option<Served>, Option<Arc<Binder>>)> {
    let models = crate::api::file::Models::load(schemas_dir)?;
    if models.is_empty() && !embedded {
        return Ok((None, None));
    }
    let (distinct, counts) = sources.read_ahead().into_parts();
    let served = Served::from_loaded(models, Some(schemas), &distinct);
    if served.from_suite {
        return Ok((Some(served), None));
    }
    let binder = Binder::new(served.models.clone(), given.clone(), &distinct).map(Arc::new);
    if let Some(binder) = &binder {
        if require_bound {
            refuse_unbound(binder.plans(), &counts)?;
        }
        terminal::print_binding(binder.plans(), &counts);
    }
    Ok((Some(served), binder))
}

/// `--require-bound`: every placeholder no value binds, with the number of cases it keeps from
/// running, as one error before anything is sent.
fn refuse_unbound(plans: &[bind::BindingPlan], counts: &[usize]) -> Result<()> {
    let wanted = bind::unbound_summary(plans, counts);
    if wanted.is_empty() {
        return Ok(());
    }
    let unbound: usize = plans
        .iter()
        .zip(counts)
        .filter(|(p, _)| {
            p.placeholders
                .iter()
                .any(|(_, b)| matches!(b, crate::suite::binding::Binding::Unbound { .. }))
        })
        .map(|(_, cases)| cases)
        .sum();
    let listed: Vec<String> = wanted
        .iter()
        .map(|(name, cases)| format!("  {{{name}}}: {cases} case(s)"))
        .collect();
    Err(Error::new(format!(
        "{unbound} case(s) have a placeholder nothing binds (--require-bound):\n{}",
        listed.join("\n")
    ))
    .with_help(
        "give the values with --var NAME=… or --fixtures FILE, or add pages that create them",
    ))
}

/// Loads the schemas and the baseline, and plans the suite (and this shard of it).
fn prepare(options: &RunOptions) -> Result<Prepared> {
    let schemas = Arc::new(Schemas::load_dir(&options.schemas_dir)?);
    let mut sources = Sources::new(load::case_files(&options.cases_dir)?)?;
    let baseline = options
        .baseline
        .as_deref()
        .map(|path| Baseline::load(path, false))
        .transpose()?;
    let vars = &options.settings.vars;
    let embedded = matches!(options.settings.destination, Destination::Embedded);
    let given = Given {
        names: vars.keys().cloned().collect(),
        writable: options.settings.writable(),
    };
    let require_bound = options.settings.require_bound;
    let (served, binder) = served(
        &schemas,
        (&options.schemas_dir, embedded),
        &mut sources,
        &given,
        require_bound,
    )?;
    let suite = plan::plan(
        sources,
        &schemas,
        &options.test_args,
        vars,
        &options.settings.probes,
        options.shard,
        binder,
    )?;
    let denominator = served
        .as_ref()
        .filter(|served| !served.from_suite)
        .map(|served| Denominator::of(&served.models.all().collect::<Vec<_>>()));
    let coverage_baseline = coverage_baseline(options, denominator.as_ref(), &suite)?;
    Ok(Prepared {
        suite,
        schemas,
        baseline,
        served,
        denominator,
        coverage_baseline,
    })
}

/// `--coverage-baseline`, read and set against the run's models before anything is sent. The
/// ledger it judges is the whole suite's: a run that leaves cases out (a filter, `--shard`)
/// would lose every operation it did not send.
fn coverage_baseline(
    options: &RunOptions,
    denominator: Option<&Denominator>,
    suite: &Suite,
) -> Result<Option<CoverageBaseline>> {
    let Some(path) = &options.coverage_baseline else {
        return Ok(None);
    };
    let left_out = suite.count(Selection::FilteredOut) + suite.count(Selection::OtherShard);
    if left_out > 0 {
        return Err(Error::new(format!(
            "--coverage-baseline judges the whole suite, and this run leaves {left_out} case(s) out (a filter or --shard)"
        ))
        .with_help("run the whole suite, or ratchet the merged shards: conform coverage --report DIR --coverage-baseline FILE"));
    }
    let baseline = CoverageBaseline::load(path)?;
    let Some(denominator) = denominator else {
        return Err(Error::new(format!(
            "--coverage-baseline {}: the run has no API model to count operations by",
            path.display()
        ))
        .with_help("import the metadata first: conform schemas import --csdl v1.0.csdl"));
    };
    baseline.check_models(denominator.models(), path)?;
    Ok(Some(baseline))
}

/// `--list`: the trials the run would report, as libtest lists them.
fn list(prepared: &Prepared, args: &Arguments) -> Result<()> {
    let suite = &prepared.suite;
    let mut printer = Printer::new(args, 0).map_err(Error::new)?;
    for index in (0..suite.files.len()).filter(|&i| suite.is_needed(i)) {
        let cases = suite.cases_of(index)?;
        for (position, case, probe) in suite.trials_of(index, cases) {
            if suite.selections[position].is_reported() {
                printer.listed(&plan::trial_name(&case, probe.map(|p| p.kind)));
            }
        }
    }
    printer.flush();
    Ok(())
}

/// Starts the runtime and the client, prepares the target, runs every case and records the
/// run.
fn execute(options: &RunOptions, prepared: Prepared) -> Result<Executed> {
    let settings = &options.settings;
    let runtime = start_runtime(settings.jobs)?;
    let client = transport::client(&settings.limits, settings.insecure).map_err(Error::new)?;
    if settings.insecure {
        eprintln!("warning: --insecure: TLS certificates are not verified");
    }
    let interrupted = watch_ctrl_c(&runtime);
    let (endpoint, server) =
        destination::prepare(&runtime, &client, settings, prepared.served.as_ref())?;
    let stream = ReportStream::create_in(options.report_dir.as_deref()).map_err(Error::new)?;
    let listed = prepared.baseline.as_ref().map(Baseline::listed_cases);
    let started_at = SystemTime::now();
    let started = Instant::now();
    let engine = Arc::new(Engine {
        http: Http {
            client,
            endpoint,
            limits: settings.limits,
            retry: settings.retry,
            rate: settings.rate.map(RateLimiter::per_second),
            deadline: settings.budget.map(|budget| started + budget),
            consistency_wait: settings.consistency_wait,
        },
        keep: options.keep,
        schemas: prepared.schemas,
        baseline: prepared.baseline,
        today: baseline::today(),
        strict: settings.strict,
        own_server: settings.writable() == Writable::Everything,
        recorder: Recorder {
            tally: Mutex::new(Tally::keeping(listed.unwrap_or_default())),
            stream: Mutex::new(stream),
            progress: progress::wanted()
                .then(|| Progress::new(prepared.suite.count(Selection::Run))),
        },
        permits: Arc::new(Semaphore::new(settings.jobs.max(1))),
        interrupted: interrupted.clone(),
    });
    let fingerprint = prepared.suite.fingerprint.clone();
    let coverage = prepared.denominator;
    let coverage_baseline = options
        .coverage_baseline
        .as_deref()
        .zip(prepared.coverage_baseline);
    let stopped = run_trials(&runtime, prepared.suite, &engine, &options.test_args)?;
    if let Some(server) = server {
        runtime.block_on(server.shutdown());
    }
    let interrupted = *interrupted.borrow();
    let tally = engine.recorder.take_tally();
    let mut report = tally.report_head(&engine.http.endpoint.label, started_at, started.elapsed());
    report.fingerprint = fingerprint;
    report.shard = options.shard;
    report.complete = !interrupted && stopped.is_none();
    report.baseline = engine
        .baseline
        .as_ref()
        .map(|baseline| baseline.compare(tally.comparison.clone(), tally.listed_records()));
    report.coverage = coverage.map(|d| tally.coverage.ledger(&d, true));
    print_after_verdicts(&tally, &report);
    let ratchet = ratchet(coverage_baseline, &report)?;
    let stream = engine.recorder.take_stream();
    Ok(Executed {
        report,
        stream,
        stopped,
        interrupted,
        ratchet,
    })
}

/// The run's ledger set against the coverage baseline (read from the path given), when the run
/// has both; what was lost and gained printed.
fn ratchet(
    coverage_baseline: Option<(&std::path::Path, CoverageBaseline)>,
    report: &Report<()>,
) -> Result<Option<Ratchet>> {
    let (Some((path, baseline)), Some(ledger)) = (coverage_baseline, &report.coverage) else {
        return Ok(None);
    };
    let ratchet = baseline.ratchet(ledger, path)?;
    for line in ratchet.lines() {
        eprintln!("{line}");
    }
    Ok(Some(ratchet))
}

/// The run's runtime. One case at a time runs best on the thread that waits for its verdict
/// (a current-thread runtime): no hand-offs.
fn start_runtime(jobs: usize) -> Result<Arc<Runtime>> {
    let mut builder = match jobs {
        1 => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    Ok(Arc::new(runtime))
}

/// What stderr says after the verdicts: warnings, undocumented properties, what was left
/// behind, and the failures against the baseline.
fn print_after_verdicts(tally: &Tally, report: &Report<()>) {
    terminal::print_warnings(tally.warnings());
    terminal::print_undocumented(&report.undocumented);
    terminal::print_leaks(&tally.leaks());
    // The decisions as every report counts them (libtest's line folds them into three).
    eprintln!("decided: {}", report.summary.describe());
    let causes = report.summary.causes.describe();
    if !causes.is_empty() {
        eprintln!("not passed, by cause: {causes}");
    }
    if let Some(comparison) = &report.baseline {
        terminal::print_baseline(comparison);
    }
    for line in report.coverage.iter().flat_map(coverage_text::totals) {
        eprintln!("{line} (conform coverage --report DIR shows each workload)");
    }
}

/// A flag that turns true at the first Ctrl-C: cases in flight finish, the rest are skipped.
fn watch_ctrl_c(runtime: &Runtime) -> watch::Receiver<bool> {
    let (interrupt, interrupted) = watch::channel(false);
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: finishing the cases in flight, skipping the rest");
            let _ = interrupt.send(true);
        }
    });
    interrupted
}

/// Prints the verdicts in plan order, libtest's way, while the scheduler produces them;
/// returns the error that stopped the scheduler, if one did.
fn run_trials(
    runtime: &Arc<Runtime>,
    suite: Suite,
    engine: &Arc<Engine>,
    args: &Arguments,
) -> Result<Option<Error>> {
    let mut printer = Printer::new(args, suite.name_width).map_err(Error::new)?;
    let reported = suite.count(Selection::Run) + suite.count(Selection::Ignored);
    printer.title(reported, suite.count(Selection::FilteredOut));
    if engine.recorder.progress.is_some() {
        let engine = engine.clone();
        runtime.spawn(async move {
            if let Some(progress) = &engine.recorder.progress {
                progress.reveal_after_a_moment().await;
            }
        });
    }
    let flushing = engine.clone();
    runtime.spawn(async move {
        flushing
            .recorder
            .flush_every(crate::report::stream::HOLD)
            .await
    });
    let (slots_in, slots) = mpsc::channel(trial::PRINT_AHEAD);
    let scheduler = scheduler::start(runtime, Arc::new(suite), engine.clone(), slots_in);
    runtime.block_on(trial::print_in_order(slots, &mut printer, &engine.recorder));
    let stopped = runtime.block_on(scheduler).unwrap_or_else(|e| {
        Some(Error::new(format!(
            "the case dispatcher stopped unexpectedly: {e}"
        )))
    });
    // What libtest would conclude, as printed; the exit code reads the records' decisions.
    let _ = printer.finish();
    Ok(stopped)
}

/// The exit code of a run whose reports are written: could not run (the run stopped early),
/// interrupted, failures (new ones only, with a baseline), or pass.
fn exit_code(executed: &Executed) -> u8 {
    if executed.stopped.is_some() {
        return exit::COULD_NOT_RUN;
    }
    if executed.interrupted {
        return exit::INTERRUPTED;
    }
    // Each record's decision, as the terminal showed it; and the operations the coverage
    // baseline says passed before.
    if executed.report.summary.failing() > 0
        || executed.ratchet.as_ref().is_some_and(Ratchet::blocks)
    {
        exit::FAILURES
    } else {
        exit::PASS
    }
}
