//! `conform run`: load → plan → execute → check → report, with libtest-mimic printing the
//! verdicts as the async engine produces them.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use tokio::sync::{Semaphore, oneshot, watch};

use crate::auth::Auth;
use crate::baseline::{Baseline, Standing};
use crate::case::{self, Case};
use crate::check::{self, Outcome};
use crate::error::{Error, Result};
use crate::exec::{self, Http, RateLimiter};
use crate::exit;
use crate::mock;
use crate::plan::{self, Planned, Suite};
use crate::progress::{self, Progress};
use crate::report::{CaseInfo, CaseRecord, Report, Shard};
use crate::schema::Schemas;
use crate::settings::{Destination, Settings, TOKEN_VARIABLE};
use crate::target::{Secret, Target};

/// How long the connectivity check waits for an answer; a slow answer still counts as reachable.
const PREFLIGHT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Placeholder values used against the embedded server, which accepts any id.
const EMBEDDED_VARS: &[(&str, &str)] = &[
    ("group-id", "embedded-group"),
    ("user-id", "embedded-user"),
    ("channel-id", "embedded-channel"),
];

pub struct RunOptions {
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// Target, authentication, timeouts, retries, concurrency.
    pub settings: Settings,
    /// `None`: write no report.
    pub report_dir: Option<PathBuf>,
    /// Known failures; a run fails only on failures it does not list.
    pub baseline: Option<PathBuf>,
    pub shard: Option<Shard>,
    /// Leave what the cases create (no teardown); it is listed as leaked.
    pub keep: bool,
    /// Print the requests as curl commands instead of sending them.
    pub dry_run: bool,
    pub test_args: Arguments,
}

/// What the engine needs for every case, shared by its tasks.
struct Engine {
    http: Http,
    schemas: Arc<Schemas>,
    baseline: Option<Baseline>,
    today: String,
    records: Mutex<Vec<Option<CaseRecord>>>,
    permits: Arc<Semaphore>,
    interrupted: watch::Receiver<bool>,
    /// The terminal's progress line, when there is one.
    progress: Option<Progress>,
}

/// Runs the suite; returns the exit code.
pub fn run(options: RunOptions) -> Result<u8> {
    let schemas = Arc::new(Schemas::load_dir(&options.schemas_dir)?);
    let files = case::case_files(&options.cases_dir)?;
    let baseline = options
        .baseline
        .as_deref()
        .map(|path| Baseline::load(path, false))
        .transpose()?;

    let settings = &options.settings;
    let mut vars: HashMap<String, String> = HashMap::new();
    if matches!(settings.destination, Destination::Embedded) {
        vars.extend(
            EMBEDDED_VARS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    vars.extend(settings.vars.iter().cloned());
    let var_names: HashSet<String> = vars.keys().cloned().collect();
    let mut suite = plan::plan(files, &schemas, &options.test_args, &var_names)?;
    let fingerprint = plan::suite_fingerprint(suite.planned.iter().map(Planned::name));
    if let Some(shard) = options.shard {
        plan::shard(&mut suite.planned, shard);
    }

    if options.test_args.list {
        let trials = suite
            .planned
            .iter()
            .filter(|p| p.selected || p.ignored)
            .map(|p| Trial::test(p.trial_name.clone(), || Ok(())).with_ignored_flag(p.ignored))
            .collect();
        let _ = libtest_mimic::run(&options.test_args, trials);
        return Ok(exit::PASS);
    }
    if options.dry_run {
        let base_url = match &settings.destination {
            Destination::Embedded => "http://127.0.0.1:PORT",
            Destination::Remote { base_url, .. } => base_url.as_str(),
        };
        let auth = match &settings.destination {
            Destination::Remote {
                auth: Auth::None, ..
            } => None,
            Destination::Remote {
                auth: Auth::ClientCredentials(_),
                ..
            } => Some("$ACCESS_TOKEN"),
            _ => Some("$CONFORM_TOKEN"),
        };
        for (index, file) in suite.files.iter().enumerate() {
            let planned = &suite.planned[file.cases.clone()];
            if !planned.iter().any(|p| p.selected) {
                continue;
            }
            for (case, _) in suite
                .cases_of(index)?
                .iter()
                .zip(planned)
                .filter(|(_, p)| p.selected)
            {
                let text = crate::dry_run::curl_commands(
                    case,
                    base_url.trim_end_matches('/'),
                    &vars,
                    auth,
                );
                println!("{}", settings.redactor.redact(&text));
            }
        }
        return Ok(exit::PASS);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    let client = exec::client(&settings.limits, settings.insecure).map_err(Error::new)?;
    if settings.insecure {
        eprintln!("warning: --insecure: TLS certificates are not verified");
    }
    let (interrupt, interrupted) = watch::channel(false);
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: finishing the cases in flight, skipping the rest");
            let _ = interrupt.send(true);
        }
    });

    let (target, server) = match &settings.destination {
        Destination::Remote { base_url, auth } => {
            let target = Target::remote(base_url, vars, auth.clone(), settings.redactor.clone())?;
            runtime.block_on(preflight(&client, &target))?;
            if matches!(target.auth, Auth::None) {
                eprintln!(
                    "note: {TOKEN_VARIABLE} is not set: requests carry no Authorization header"
                );
            }
            (target, None)
        }
        Destination::Embedded => {
            let server = runtime
                .block_on(mock::Server::start(([127, 0, 0, 1], 0).into()))
                .map_err(|e| {
                    Error::new(format!("cannot start the embedded reference server: {e}"))
                })?;
            let token = Secret::new(uuid::Uuid::new_v4().to_string());
            settings.redactor.add(token.clone());
            let target = Target {
                base_url: server.base_url(),
                label: "embedded".to_string(),
                vars,
                auth: Auth::Bearer(token),
                redactor: settings.redactor.clone(),
            };
            (target, Some(server))
        }
    };

    let started_at = SystemTime::now();
    let started = Instant::now();
    let engine = Arc::new(Engine {
        http: Http {
            client,
            target,
            limits: settings.limits,
            retry: settings.retry,
            rate: settings.rate.map(RateLimiter::per_second),
            deadline: settings.budget.map(|budget| started + budget),
            keep: options.keep,
        },
        schemas,
        baseline,
        today: crate::baseline::today(),
        records: Mutex::new(vec![None; suite.planned.len()]),
        permits: Arc::new(Semaphore::new(settings.jobs.max(1))),
        interrupted: interrupted.clone(),
        progress: progress::wanted()
            .then(|| Progress::new(suite.planned.iter().filter(|p| p.selected).count())),
    });
    if engine.progress.is_some() {
        let engine = engine.clone();
        runtime.spawn(async move {
            if let Some(progress) = &engine.progress {
                progress.reveal_after_a_moment().await;
            }
        });
    }
    let (trials, dispatcher) = dispatch(&runtime, Arc::new(suite), &engine);
    let conclusion = libtest_mimic::run(&options.test_args, trials);
    // The dispatcher may still be recording ignored cases after the last verdict.
    let stopped = runtime.block_on(dispatcher).unwrap_or_else(|e| {
        Some(Error::new(format!(
            "the case dispatcher stopped unexpectedly: {e}"
        )))
    });

    if let Some(server) = server {
        runtime.block_on(server.shutdown());
    }
    let was_interrupted = *interrupted.borrow();
    let recorded = std::mem::take(&mut *engine.records.lock().unwrap_or_else(|p| p.into_inner()));
    // `filter_map` collects in place; `flatten` would copy every record into a second vector.
    #[allow(clippy::filter_map_identity)]
    let cases: Vec<CaseRecord> = recorded.into_iter().filter_map(|record| record).collect();
    print_warnings(&cases);

    print_leaks(&cases);
    let mut report = Report::new(
        &engine.http.target.label,
        started_at,
        started.elapsed(),
        cases,
    );
    report.suite = fingerprint;
    report.shard = options.shard;
    report.complete = !was_interrupted && stopped.is_none();
    report.baseline = engine.baseline.as_ref().map(|b| b.compare(&report.cases));
    if let Some(comparison) = &report.baseline {
        eprintln!(
            "baseline: {} new, {} known, {} fixed, {} expired",
            comparison.new,
            comparison.known,
            comparison.fixed.len(),
            comparison.expired
        );
        for fixed in &comparison.fixed {
            eprintln!("  fixed: {fixed} (run `conform baseline update` to drop it)");
        }
    }
    if let Some(dir) = &options.report_dir {
        if let Err(message) = write_reports(&report, dir) {
            eprintln!("error: {message}");
            return Ok(exit::COULD_NOT_RUN);
        }
    }

    if let Some(error) = stopped {
        eprintln!("{error}");
        return Ok(exit::COULD_NOT_RUN);
    }
    if was_interrupted {
        return Ok(exit::INTERRUPTED);
    }
    let failed = match &report.baseline {
        Some(comparison) => comparison.blocks(),
        None => conclusion.has_failed() || report.summary.failed + report.summary.errors > 0,
    };
    Ok(if failed { exit::FAILURES } else { exit::PASS })
}

/// Writes every report into `dir`, and the Markdown summary to `GITHUB_STEP_SUMMARY` when set.
pub fn write_reports(report: &Report, dir: &std::path::Path) -> std::result::Result<(), String> {
    report.write_all(dir)?;
    eprintln!("reports: {}", dir.join("report.html").display());
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(|e| format!("cannot open GITHUB_STEP_SUMMARY: {e}"))?;
        file.write_all(report.markdown().as_bytes())
            .map_err(|e| format!("cannot write GITHUB_STEP_SUMMARY: {e}"))?;
    }
    Ok(())
}

fn info(case: &Case) -> CaseInfo<'_> {
    CaseInfo {
        name: &case.name,
        file: case.file(),
        tags: &case.tags,
        page: match (&case.page.title, &case.page.seed) {
            (Some(title), Some(seed)) => Some(format!("{title} ({seed})")),
            (title, seed) => title.clone().or_else(|| seed.clone()),
        },
        method: &case.request.method,
        path_template: &case.request.path.raw,
        expected_status: case.expect.status,
    }
}

/// One trial per reported case, each waiting for its verdict, and the task that produces the
/// verdicts: it reads the case files again one at a time, in order, and starts their selected
/// cases at most `jobs` at a time, so only the files in hand and the cases in flight are in
/// memory. The task ends with the error that stopped it, if one did.
fn dispatch(
    runtime: &tokio::runtime::Runtime,
    suite: Arc<Suite>,
    engine: &Arc<Engine>,
) -> (Vec<Trial>, tokio::task::JoinHandle<Option<Error>>) {
    let mut trials = Vec::with_capacity(suite.planned.len());
    let mut verdicts: Vec<Option<oneshot::Sender<TrialVerdict>>> =
        Vec::with_capacity(suite.planned.len());
    for item in &suite.planned {
        if !item.selected {
            verdicts.push(None);
            if item.ignored {
                trials
                    .push(Trial::test(item.trial_name.clone(), || Ok(())).with_ignored_flag(true));
            } else if item.filtered_out {
                // Handed over only to be counted: libtest-mimic applies the same filter.
                trials.push(Trial::test(item.trial_name.clone(), || {
                    Err(Failed::from(
                        "the filter left this case out; it was not run",
                    ))
                }));
            }
            continue;
        }
        let (done, verdict) = oneshot::channel::<TrialVerdict>();
        verdicts.push(Some(done));
        let waiting = engine.clone();
        trials.push(Trial::ignorable_test(item.trial_name.clone(), move || {
            let verdict = verdict.blocking_recv();
            // With a progress line, verdicts print together once it is cleared.
            if let Some(progress) = &waiting.progress {
                if verdict.is_err() {
                    progress.case_done(true);
                }
                progress.wait_until_finished();
            }
            verdict
                .unwrap_or_else(|_| Err(Failed::from("the case stopped before giving a verdict")))
        }));
    }

    // Files are read on a blocking thread, one ahead of the cases being started.
    let (files_in, mut files_out) = tokio::sync::mpsc::channel(1);
    let reader = suite.clone();
    runtime.spawn_blocking(move || {
        for index in (0..reader.files.len()).filter(|&i| reader.is_needed(i)) {
            if files_in
                .blocking_send((index, reader.cases_of(index)))
                .is_err()
            {
                break;
            }
        }
    });
    let engine = engine.clone();
    let dispatcher = runtime.spawn(async move {
        let mut stopped = None;
        while let Some((index, cases)) = files_out.recv().await {
            let cases = match cases {
                Ok(cases) => cases,
                Err(error) => {
                    stopped = Some(error);
                    break;
                }
            };
            let positions = suite.files[index].cases.clone();
            for (position, case) in positions.zip(cases) {
                let planned = &suite.planned[position];
                if planned.shown_as_ignored() {
                    let reason = case.ignore.as_deref().unwrap_or("ignored");
                    engine.record(position, CaseRecord::skipped(&info(&case), reason));
                }
                let Some(done) = verdicts[position].take() else {
                    continue;
                };
                let Ok(permit) = engine.permits.clone().acquire_owned().await else {
                    break;
                };
                let engine = engine.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    let record = engine.run(&case).await;
                    let verdict = trial_result(&record);
                    if let Some(progress) = &engine.progress {
                        progress.case_done(!record.failures.is_empty());
                    }
                    engine.record(position, record);
                    let _ = done.send(verdict);
                });
            }
        }
        if let Some(error) = &stopped {
            let why = format!("not run: {}", error.message());
            for done in verdicts.into_iter().flatten() {
                if let Some(progress) = &engine.progress {
                    progress.case_done(true);
                }
                let _ = done.send(Err(Failed::from(why.clone())));
            }
        }
        stopped
    });
    (trials, dispatcher)
}

/// What a trial reports: passed, ignored (with why) or failed (with the failure text).
type TrialVerdict = std::result::Result<Completion, Failed>;

/// How libtest-mimic shows a record: known failures and interrupted cases as ignored.
fn trial_result(record: &CaseRecord) -> TrialVerdict {
    if record.outcome == Outcome::Skip {
        return Ok(Completion::ignored_with(
            record.skip_reason.as_deref().unwrap_or("skipped"),
        ));
    }
    if record.failures.is_empty() {
        return Ok(Completion::Completed);
    }
    if record
        .failures
        .iter()
        .all(|f| f.baseline == Some(Standing::Known))
    {
        let kinds: Vec<&str> = record.failures.iter().map(|f| f.kind.as_str()).collect();
        return Ok(Completion::ignored_with(format!(
            "known failure ({})",
            kinds.join(", ")
        )));
    }
    Err(Failed::from(record.failure_text()))
}

impl Engine {
    fn record(&self, position: usize, record: CaseRecord) {
        if let Ok(mut all) = self.records.lock() {
            all[position] = Some(record);
        }
    }

    async fn run(&self, case: &Case) -> CaseRecord {
        // Cases already sending finish (and clean up); the rest are skipped.
        if *self.interrupted.borrow() {
            return CaseRecord::skipped(&info(case), "interrupted");
        }
        let run = if self
            .http
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            exec::out_of_time(case)
        } else {
            self.http.run_case(case).await
        };
        let verdict = check::judge(&case.expect, &run, &self.schemas);
        let mut record = CaseRecord::ran(&info(case), &run, verdict, &self.http.target.redactor);
        if let Some(baseline) = &self.baseline {
            baseline.annotate(&mut record, &self.today);
        }
        record
    }
}

/// Checks that the target accepts connections, so an unreachable server is one clear error
/// rather than a failure per case. A server that connects but answers slowly or badly is the
/// cases' business.
async fn preflight(client: &reqwest::Client, target: &Target) -> Result<()> {
    // Bad credentials are a setup mistake, not a failure of every case.
    if let Err(message) = target.auth.token(client).await {
        return Err(Error::new(message).with_help(
            "check CONFORM_TENANT_ID, CONFORM_CLIENT_ID, CONFORM_CLIENT_SECRET and CONFORM_AUTHORITY (or the target's auth)",
        ));
    }
    let probe = client.get(&target.base_url).timeout(PREFLIGHT_TIMEOUT);
    match probe.send().await {
        Err(e) if e.is_connect() => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            Err(
                Error::new(format!("cannot reach {}: {message}", target.base_url))
                    .with_help("check --base-url and that the server is running"),
            )
        }
        _ => Ok(()),
    }
}

fn print_leaks(cases: &[CaseRecord]) {
    let leaks: Vec<_> = cases
        .iter()
        .flat_map(|c| c.leaked.iter().map(move |l| (c, l)))
        .collect();
    if leaks.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "left behind ({}), delete by hand:", leaks.len());
    for (case, leak) in leaks {
        let _ = writeln!(
            stderr,
            "  {} {}  ({}: {})",
            leak.method, leak.url, case.name, leak.reason
        );
    }
}

fn print_warnings(cases: &[CaseRecord]) {
    let mut stderr = std::io::stderr().lock();
    for case in cases {
        for warning in &case.warnings {
            let _ = writeln!(stderr, "warning: {}: {warning}", case.name);
        }
    }
}
