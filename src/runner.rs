//! `conform run`: load → plan → execute → check → report, with libtest-mimic printing the
//! verdicts as the async engine produces them.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use libtest_mimic::{Arguments, Failed, Trial};
use tokio::sync::{Semaphore, oneshot};

use crate::case;
use crate::check;
use crate::error::{Error, Result};
use crate::exec::{self, Limits};
use crate::mock;
use crate::plan::{self, Planned};
use crate::report::{CaseInfo, CaseRecord, Report, Summary};
use crate::schema::Schemas;
use crate::target::{Secret, Target};

/// Exit codes, the one place they are defined.
pub mod exit {
    pub const PASS: u8 = 0;
    pub const FAILURES: u8 = 1;
    pub const COULD_NOT_RUN: u8 = 2;
}

/// Environment variable holding the bearer token for a remote target.
pub const TOKEN_VARIABLE: &str = "CONFORM_TOKEN";

/// Placeholder values used against the embedded server, which accepts any id.
const EMBEDDED_VARS: &[(&str, &str)] = &[
    ("group-id", "embedded-group"),
    ("user-id", "embedded-user"),
    ("channel-id", "embedded-channel"),
];

pub struct RunOptions {
    pub cases_dir: PathBuf,
    pub schemas_dir: PathBuf,
    /// `None`: the embedded reference server.
    pub base_url: Option<String>,
    pub vars: Vec<(String, String)>,
    /// `None`: write no report.
    pub report_dir: Option<PathBuf>,
    /// Cases in flight at once.
    pub jobs: usize,
    pub limits: Limits,
    /// Bearer token for a remote target (from the environment).
    pub token: Option<Secret>,
    pub test_args: Arguments,
}

/// Runs the suite; returns the exit code.
pub fn run(options: RunOptions) -> Result<u8> {
    let schemas = Arc::new(Schemas::load_dir(&options.schemas_dir)?);
    let cases = case::load_dir(&options.cases_dir)?;
    plan::check_schemas(&cases, &schemas)?;

    let mut vars: HashMap<String, String> = HashMap::new();
    if options.base_url.is_none() {
        vars.extend(
            EMBEDDED_VARS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    vars.extend(options.vars.iter().cloned());
    let var_names: HashSet<String> = vars.keys().cloned().collect();
    let planned = plan::plan(cases, &options.test_args, &var_names)?;

    if options.test_args.list {
        let trials = planned
            .iter()
            .map(|p| {
                Trial::test(p.trial_name.clone(), || Ok(()))
                    .with_ignored_flag(p.case.ignore.is_some())
            })
            .collect();
        let _ = libtest_mimic::run(&options.test_args, trials);
        return Ok(exit::PASS);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    let client = exec::client(&options.limits).map_err(Error::new)?;

    let (target, server) = match &options.base_url {
        Some(url) => {
            let target = Target::remote(url, vars, options.token.clone())?;
            runtime.block_on(preflight(&client, &target))?;
            if target.token.is_none() {
                eprintln!(
                    "note: {TOKEN_VARIABLE} is not set: requests carry no Authorization header"
                );
            }
            (target, None)
        }
        None => {
            let server = runtime
                .block_on(mock::Server::start(([127, 0, 0, 1], 0).into()))
                .map_err(|e| {
                    Error::new(format!("cannot start the embedded reference server: {e}"))
                })?;
            let target = Target {
                base_url: server.base_url(),
                label: "embedded".to_string(),
                vars,
                token: Some(Secret::new(uuid::Uuid::new_v4().to_string())),
            };
            (target, Some(server))
        }
    };

    let started_at = SystemTime::now();
    let started = Instant::now();
    let records: Arc<Mutex<Vec<Option<CaseRecord>>>> =
        Arc::new(Mutex::new(vec![None; planned.len()]));
    let trials = spawn_engine(
        &runtime, &planned, &target, &options, &client, &schemas, &records,
    );
    let conclusion = libtest_mimic::run(&options.test_args, trials);

    if let Some(server) = server {
        runtime.block_on(server.shutdown());
    }
    let recorded = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    let cases: Vec<CaseRecord> = planned
        .iter()
        .zip(recorded)
        .filter_map(|(p, record)| match record {
            Some(record) => Some(record),
            None if p.ignored => Some(CaseRecord::skipped(
                &info(&p.case),
                p.case.ignore.as_deref().unwrap_or("ignored"),
            )),
            None => None,
        })
        .collect();
    print_warnings(&cases);
    let report = Report::new(&target.label, started_at, started.elapsed(), cases);
    if let Some(dir) = &options.report_dir {
        match report.write(dir) {
            Ok(path) => eprintln!("report: {}", path.display()),
            Err(message) => {
                eprintln!("error: {message}");
                return Ok(exit::COULD_NOT_RUN);
            }
        }
    }
    let Summary { failed, errors, .. } = report.summary;
    Ok(if conclusion.has_failed() || failed + errors > 0 {
        exit::FAILURES
    } else {
        exit::PASS
    })
}

fn info(case: &case::Case) -> CaseInfo<'_> {
    CaseInfo {
        name: &case.name,
        file: case.file(),
        tags: &case.tags,
        method: &case.request.method,
        path_template: &case.request.path.raw,
        expected_status: case.expect.status,
    }
}

/// Starts every selected case on the runtime (bounded by `jobs`) and returns one trial per
/// case that waits for its verdict.
fn spawn_engine(
    runtime: &tokio::runtime::Runtime,
    planned: &[Planned],
    target: &Target,
    options: &RunOptions,
    client: &reqwest::Client,
    schemas: &Arc<Schemas>,
    records: &Arc<Mutex<Vec<Option<CaseRecord>>>>,
) -> Vec<Trial> {
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let target = Arc::new(target.clone());
    let redactor = Arc::new(target.redactor());
    let mut trials = Vec::with_capacity(planned.len());
    for (index, item) in planned.iter().enumerate() {
        let ignored = item.case.ignore.is_some();
        if !item.selected {
            trials.push(Trial::test(item.trial_name.clone(), || Ok(())).with_ignored_flag(ignored));
            continue;
        }
        let (done, verdict) = oneshot::channel::<CaseRecord>();
        let case = item.case.clone();
        let (target, client, schemas, redactor, records, permits) = (
            target.clone(),
            client.clone(),
            schemas.clone(),
            redactor.clone(),
            records.clone(),
            permits.clone(),
        );
        let limits = options.limits;
        runtime.spawn(async move {
            let Ok(_permit) = permits.acquire().await else {
                return;
            };
            let run = exec::run_case(&client, &target, &limits, &case).await;
            let verdict = check::judge(&case.expect, &run, &schemas);
            let record = CaseRecord::ran(&info(&case), &run, verdict, &redactor);
            if let Ok(mut all) = records.lock() {
                all[index] = Some(record.clone());
            }
            let _ = done.send(record);
        });
        trials.push(
            Trial::test(item.trial_name.clone(), move || {
                match verdict.blocking_recv() {
                    Ok(record) if record.failures.is_empty() => Ok(()),
                    Ok(record) => Err(Failed::from(record.failure_text())),
                    Err(_) => Err(Failed::from("the case stopped before giving a verdict")),
                }
            })
            .with_ignored_flag(ignored),
        );
    }
    trials
}

/// Checks that the target accepts connections, so an unreachable server is one clear error
/// rather than a failure per case. A server that connects but answers slowly or badly is the
/// cases' business.
async fn preflight(client: &reqwest::Client, target: &Target) -> Result<()> {
    match client.get(&target.base_url).send().await {
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

fn print_warnings(cases: &[CaseRecord]) {
    let mut stderr = std::io::stderr().lock();
    for case in cases {
        for warning in &case.warnings {
            let _ = writeln!(stderr, "warning: {}: {warning}", case.name);
        }
    }
}
