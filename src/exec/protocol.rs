//! The protocol of one case: its setup steps, its request, and its teardown (always, once setup
//! has started, unless `--keep`), with the variables each step captures for the next.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exec::not_sent::{NotSent, StepFailed};
use crate::exec::transport::{Diagnostics, Exchange, Http, Response, Role, TransportError};
use crate::graph;
use crate::graph::Method;
use crate::suite::model::{Case, CaseValues, Request, Step, Template, Unfilled, value_at};

/// The first pause between two reads that wait for a consistent answer (a life-cycle probe's,
/// setup's for what its chain created); it doubles up to `MAX_PAUSE`.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);
pub const MAX_PAUSE: Duration = Duration::from_secs(1);

/// A resource the case created that may still exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    pub method: String,
    pub url: String,
    pub reason: String,
}

/// Whether the case's own request went out.
#[derive(Debug, Clone)]
// Nearly every case is `Sent`: boxing the exchange would only add an allocation per case.
#[allow(clippy::large_enum_variant)]
pub enum Attempt {
    /// It was sent; the exchange holds the answer, or why none came.
    Sent(Exchange),
    /// It was never sent, and why: a setup step failed, or a placeholder had no value.
    NotSent(NotSent),
}

/// Everything that happened while running one case.
#[derive(Debug, Clone)]
pub struct CaseRun {
    pub attempt: Attempt,
    /// Teardown problems: they do not fail the case but must not go unseen.
    pub warnings: Vec<String>,
    /// Retries of every request of the case, setup and teardown included.
    pub retries: Vec<String>,
    pub leaked: Vec<Leak>,
    pub duration: Duration,
    /// A life-cycle probe's facts: the `id` the create answered, and how the wait went.
    pub probed: Option<Probed>,
    /// How long setup waited for what its chain created to read.
    pub settled: Option<Waited>,
}

/// Reads sent until the awaited answer came (or the wait was over), and the time they took:
/// a life-cycle probe's, or setup's for what its chain created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waited {
    pub reads: u32,
    pub waited: Duration,
}

impl Waited {
    /// `2 reads over 0.3s`.
    pub fn describe(&self) -> String {
        format!(
            "{} read{} over {:.1}s",
            self.reads,
            if self.reads == 1 { "" } else { "s" },
            self.waited.as_secs_f64()
        )
    }
}

/// What a life-cycle probe learnt while it ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probed {
    /// The `id` of the create's answer.
    pub created_id: Option<String>,
    /// The reads sent until the expected answer came, or the wait was over.
    pub wait: Waited,
}

impl CaseRun {
    /// The case's own request and its answer, when it was sent.
    pub fn exchange(&self) -> Option<&Exchange> {
        match &self.attempt {
            Attempt::Sent(exchange) => Some(exchange),
            Attempt::NotSent(_) => None,
        }
    }
}

/// The run of a case that never started because the run's time budget was spent.
pub fn out_of_time(case: &Case) -> CaseRun {
    CaseRun {
        attempt: Attempt::Sent(Exchange {
            method: case.request.method.to_string(),
            path: case.request.path.raw.clone(),
            request_body: None,
            result: Err(TransportError::Timeout(
                "the run's time budget ran out before the case started".to_string(),
            )),
            duration: Duration::ZERO,
            retries: Vec::new(),
            diagnostics: Diagnostics::default(),
        }),
        warnings: Vec::new(),
        retries: Vec::new(),
        leaked: Vec::new(),
        duration: Duration::ZERO,
        probed: None,
        settled: None,
    }
}

/// Runs setup, the case's request and teardown; `keep` leaves what the case created.
pub async fn run_case(http: &Http, case: &Case, keep: bool) -> CaseRun {
    let started = Instant::now();
    let mut vars = CaseValues::of(&http.endpoint.vars, case);
    let mut retries = Vec::new();
    let mut settled = None;
    let attempt = match run_setup(http, case, &mut vars, &mut retries, &mut settled).await {
        Err(why) => Attempt::NotSent(why),
        Ok(()) => send_case_request(http, case, &mut vars, &mut retries).await,
    };
    let (warnings, leaked) = run_teardown(http, case, keep, &mut vars, &mut retries).await;
    CaseRun {
        attempt,
        warnings,
        retries,
        leaked,
        duration: started.elapsed(),
        probed: None,
        settled,
    }
}

/// Runs the setup steps; a step that created what later steps address is read until it
/// answers, and `settled` says how long that took.
pub async fn run_setup(
    http: &Http,
    case: &Case,
    vars: &mut CaseValues<'_>,
    retries: &mut Vec<String>,
    settled: &mut Option<Waited>,
) -> Result<(), NotSent> {
    for (index, step) in case.setup.iter().enumerate() {
        run_step(http, step, Role::Setup, vars, retries)
            .await
            .map_err(|failed| NotSent::Setup {
                step: index + 1,
                failed,
            })?;
        if let Some(created) = &step.settle {
            let waited = settle(http, created, vars, retries).await;
            let total = settled.get_or_insert_with(Waited::default);
            total.reads += waited.reads;
            total.waited += waited.waited;
        }
    }
    Ok(())
}

/// Reads what a setup step created at `created` until it answers 2xx or the run's
/// consistency wait is over; what happens then is the next step's, or the case's, to judge.
async fn settle(
    http: &Http,
    created: &Template,
    vars: &CaseValues<'_>,
    retries: &mut Vec<String>,
) -> Waited {
    let read = Request {
        method: Method::Get,
        path: created.clone(),
        headers: Vec::new(),
        json: None,
        capture: Vec::new(),
    };
    let mut settled = Waited::default();
    let Ok((path, headers)) = render(&read, vars) else {
        return settled;
    };
    let started = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        let sent = http
            .send(&read, Role::Setup, true, path.clone(), headers.clone())
            .await;
        retries.extend(sent.retries.iter().cloned());
        settled.reads += 1;
        settled.waited = started.elapsed();
        let readable = sent.result.is_ok_and(|r| (200..300).contains(&r.status));
        if readable || started.elapsed() + pause > http.consistency_wait {
            return settled;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

pub async fn send_case_request(
    http: &Http,
    case: &Case,
    vars: &mut CaseValues<'_>,
    retries: &mut Vec<String>,
) -> Attempt {
    let (path, headers) = match render(&case.request, vars) {
        Ok(rendered) => rendered,
        Err(Unfilled(name)) => return Attempt::NotSent(NotSent::Unfilled(name)),
    };
    let sent = http
        .send(&case.request, Role::Main, case.retry_network, path, headers)
        .await;
    retries.extend(sent.retries.iter().cloned());
    if let Ok(response) = &sent.result {
        // Captures from the case's response feed teardown; a missing one only means there is
        // nothing to clean up.
        let _ = capture(&case.request, response, vars);
    }
    Attempt::Sent(sent)
}

/// Runs the teardown steps; returns the warnings and what was left behind.
pub async fn run_teardown(
    http: &Http,
    case: &Case,
    keep: bool,
    vars: &mut CaseValues<'_>,
    retries: &mut Vec<String>,
) -> (Vec<String>, Vec<Leak>) {
    let mut warnings = Vec::new();
    let mut leaked = Vec::new();
    for step in &case.teardown {
        let Ok((path, _)) = render(&step.request, vars) else {
            continue; // an id that was never captured: nothing was created
        };
        if keep {
            leaked.push(Leak {
                method: step.request.method.to_string(),
                url: http.endpoint.url(&path),
                reason: "kept (--keep)".to_string(),
            });
            continue;
        }
        if let Err(failed) = run_step(http, step, Role::Teardown, vars, retries).await {
            warnings.push(format!("teardown: {failed}"));
            leaked.push(Leak {
                method: step.request.method.to_string(),
                url: http.endpoint.url(&path),
                reason: failed.to_string(),
            });
        }
    }
    (warnings, leaked)
}

/// Sends a setup or teardown step; any deviation is how it failed.
async fn run_step(
    http: &Http,
    step: &Step,
    role: Role,
    vars: &mut CaseValues<'_>,
    retries: &mut Vec<String>,
) -> Result<(), StepFailed> {
    let request = &step.request;
    let (path, headers) = render(request, vars).map_err(|Unfilled(name)| StepFailed::Unfilled {
        request: format!("{} {}", request.method, request.path.raw),
        name,
    })?;
    // Reading and deleting are safe to repeat after a network error.
    let idempotent = matches!(request.method, Method::Get | Method::Delete | Method::Head);
    let sent = http.send(request, role, idempotent, path, headers).await;
    retries.extend(sent.retries.iter().cloned());
    let line = format!("{} {}", sent.method, sent.path);
    let response = sent.result.map_err(|error| StepFailed::NoAnswer {
        request: line.clone(),
        error,
    })?;
    let status_ok = match step.status {
        Some(expected) => response.status == expected,
        None => (200..300).contains(&response.status),
    };
    if !status_ok {
        return Err(StepFailed::Status {
            request: line,
            expected: step.status,
            got: response.status,
            summary: graph::error_summary(response.json().ok()),
        });
    }
    capture(request, &response, vars).map_err(|message| StepFailed::Capture {
        request: line,
        message,
    })
}

pub fn render(
    request: &Request,
    vars: &CaseValues<'_>,
) -> Result<(String, Vec<(String, String)>), Unfilled> {
    let path = request.path.render(vars)?;
    let headers = request
        .headers
        .iter()
        .map(|(name, value)| Ok((name.clone(), value.render(vars)?)))
        .collect::<Result<_, Unfilled>>()?;
    Ok((path, headers))
}

/// Stores the request's captures from the response body into `vars`.
pub fn capture(
    request: &Request,
    response: &Response,
    vars: &mut CaseValues<'_>,
) -> Result<(), String> {
    if request.capture.is_empty() {
        return Ok(());
    }
    let body = response
        .json()
        .map_err(|e| format!("cannot capture from a body that is not JSON: {e}"))?;
    for capture in &request.capture {
        let value = match value_at(body, &capture.pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Some(other) => {
                return Err(format!(
                    "cannot capture {{{}}} from `{}`: {other} is not a string or number",
                    capture.variable, capture.pointer
                ));
            }
            None => {
                return Err(format!(
                    "cannot capture {{{}}}: the body has nothing at `{}`",
                    capture.variable, capture.pointer
                ));
            }
        };
        vars.insert(capture.variable.clone(), value);
    }
    Ok(())
}
