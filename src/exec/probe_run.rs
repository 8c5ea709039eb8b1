//! The protocol of a probe: the case's setup, the probe's request (or the case's create and
//! then reads of what it created, waiting for an eventually consistent service), and the
//! case's teardown, so that whatever a probe makes a server create is cleaned up too.

use std::time::{Duration, Instant};

use crate::exec::not_sent::NotSent;
use crate::exec::protocol::Leak;
use crate::exec::protocol::{
    Attempt, CaseRun, FIRST_PAUSE, MAX_PAUSE, Probed, capture, render, run_setup, run_teardown,
    send_case_request,
};
use crate::exec::transport::{Exchange, Http, Role};
use crate::suite::model::{Case, CaseValues, Request, Unfilled};
use crate::suite::probes::{Probe, ProbeAction};

/// Runs `probe` of `case`; `wait` bounds how long a life-cycle probe reads again while the
/// answer is not yet the expected one.
pub async fn run_probe(http: &Http, case: &Case, probe: &Probe, keep: bool) -> CaseRun {
    let wait = http.consistency_wait;
    let started = Instant::now();
    let mut vars = CaseValues::of(&http.endpoint.vars, case);
    let mut retries = Vec::new();
    let mut probed = None;
    let mut torn_down = None;
    let mut settled = None;
    let attempt = match run_setup(http, case, &mut vars, &mut retries, &mut settled).await {
        Err(why) => Attempt::NotSent(why),
        Ok(()) => match &probe.action {
            ProbeAction::Send {
                request,
                authenticated,
            } => send_altered(http, request, *authenticated, &mut vars, &mut retries).await,
            ProbeAction::AfterCreate {
                read,
                after_teardown,
            } => {
                let mut life = Life {
                    http,
                    case,
                    keep,
                    vars: &mut vars,
                    retries: &mut retries,
                    torn_down: &mut torn_down,
                };
                let (attempt, facts) = life
                    .after_create(read, *after_teardown, probe.expect.status, wait)
                    .await;
                probed = facts;
                attempt
            }
        },
    };
    let (warnings, leaked) = match torn_down {
        Some(done) => done,
        None => run_teardown(http, case, keep, &mut vars, &mut retries).await,
    };
    CaseRun {
        attempt,
        warnings,
        retries,
        leaked,
        duration: started.elapsed(),
        probed,
        settled,
    }
}

/// The case's request, altered: sent once, and what it captures kept, so that a server that
/// wrongly accepts it has what it created deleted by the teardown.
async fn send_altered(
    http: &Http,
    request: &Request,
    authenticated: bool,
    vars: &mut CaseValues<'_>,
    retries: &mut Vec<String>,
) -> Attempt {
    let (path, headers) = match render(request, vars) {
        Ok(rendered) => rendered,
        Err(Unfilled(name)) => return Attempt::NotSent(NotSent::Unfilled(name)),
    };
    let role = if authenticated {
        Role::Main
    } else {
        Role::Unauthenticated
    };
    let sent = http.send(request, role, false, path, headers).await;
    retries.extend(sent.retries.iter().cloned());
    if let Ok(response) = &sent.result {
        let _ = capture(request, response, vars);
    }
    Attempt::Sent(sent)
}

/// What a life-cycle probe shares with the protocol around it.
struct Life<'a, 'v> {
    http: &'a Http,
    case: &'a Case,
    keep: bool,
    vars: &'a mut CaseValues<'v>,
    retries: &'a mut Vec<String>,
    /// The teardown's warnings and leaks, once the probe has run it.
    torn_down: &'a mut Option<(Vec<String>, Vec<Leak>)>,
}

impl Life<'_, '_> {
    /// Creates as the case does, tears down first when asked, then reads until `status` comes or
    /// `wait` is over.
    async fn after_create(
        &mut self,
        read: &Request,
        after_teardown: bool,
        status: u16,
        wait: Duration,
    ) -> (Attempt, Option<Probed>) {
        let (http, case, life) = (self.http, self.case, self);
        let created = match send_case_request(http, case, life.vars, life.retries).await {
            Attempt::Sent(exchange) => exchange,
            not_sent @ Attempt::NotSent(_) => return (not_sent, None),
        };
        if let Some(why) = not_created(case, &created) {
            return (Attempt::NotSent(NotSent::Probe(why)), None);
        }
        let mut probed = Probed {
            created_id: created_id(&created),
            ..Probed::default()
        };
        let (path, headers) = match render(read, life.vars) {
            Ok(rendered) => rendered,
            Err(name) => {
                let why = format!("the create's answer gave no {{{name}}}: nothing to read back");
                return (Attempt::NotSent(NotSent::Probe(why)), None);
            }
        };
        if after_teardown {
            // A teardown that failed is a warning of the record; whether the resource is gone
            // is what the reads tell.
            let torn_down = run_teardown(http, case, life.keep, life.vars, life.retries).await;
            *life.torn_down = Some(torn_down);
        }
        let started = Instant::now();
        let mut pause = FIRST_PAUSE;
        loop {
            let sent = http
                .send(read, Role::Main, true, path.clone(), headers.clone())
                .await;
            life.retries.extend(sent.retries.iter().cloned());
            probed.wait.reads += 1;
            probed.wait.waited = started.elapsed();
            let expected = sent.result.as_ref().is_ok_and(|r| r.status == status);
            if expected || started.elapsed() + pause > wait {
                return (Attempt::Sent(sent), Some(probed));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

/// Why the case's create does not give a probe anything to read, if it does not.
fn not_created(case: &Case, created: &Exchange) -> Option<String> {
    let line = format!("{} {}", created.method, created.path);
    match &created.result {
        Err(error) => Some(format!("the create {line} failed: {error}")),
        Ok(response) if response.status != case.expect.status => Some(format!(
            "the create {line} answered {}, not {}: nothing to read back",
            response.status, case.expect.status
        )),
        Ok(_) => None,
    }
}

fn created_id(created: &Exchange) -> Option<String> {
    let response = created.result.as_ref().ok()?;
    response
        .json()
        .ok()?
        .get("id")?
        .as_str()
        .map(str::to_string)
}
