//! A proxy session: each exchange judged as it passes, shown on the terminal as a libtest line,
//! streamed as a record of the reports, counted in the coverage ledger and — with `--record` —
//! kept as a case of the recorded suite. The reports are written when the session ends.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

use crate::api::file::Models;
use crate::api::operations::{self, OperationId, OperationKind};
use crate::api::{path, typing};
use crate::check::cause::{Blame, Cause};
use crate::check::traffic::{Contract, DocumentedStatuses, answer_schema, judge_exchange};
use crate::check::{Outcome, Verdict};
use crate::error::{Error, Result};
use crate::exec::protocol::{Attempt, CaseRun};
use crate::exec::transport::{Diagnostics, Exchange, Response};
use crate::exit;
use crate::graph::Method;
use crate::mock::generic::served::Served;
use crate::proxy::forward::{Answer, Seen};
use crate::proxy::recording::{self, Exchanged, Recording};
use crate::proxy::secrets;
use crate::report::coverage::Denominator;
use crate::report::coverage_text;
use crate::report::decision::Decision;
use crate::report::record::CaseRecord;
use crate::report::recording::CaseInfo;
use crate::report::stream::ReportStream;
use crate::report::tally::Tally;
use crate::schema::registry::Schemas;
use crate::schema::type_names::type_name;

/// What the session judges with and where it writes.
pub struct SessionOptions {
    pub upstream: String,
    pub annotate: bool,
    /// Names of headers, form fields and JSON properties whose values are secrets.
    pub redact: Vec<String>,
    pub report_dir: Option<PathBuf>,
    pub record_dir: Option<PathBuf>,
}

pub struct Session {
    models: Arc<Models>,
    /// The models are the metadata's (not a suite's own URL space): the ledger counts them.
    counts_coverage: bool,
    schemas: Schemas,
    documented: DocumentedStatuses,
    options: SessionOptions,
    state: Mutex<State>,
    /// Exchanges taken so far: each record's number.
    exchanges: AtomicUsize,
    started_at: SystemTime,
    started: Instant,
}

#[derive(Default)]
struct State {
    tally: Tally,
    stream: Option<ReportStream>,
    recording: Recording,
}

/// An exchange as the model places it.
struct Placed {
    method: Method,
    typed: typing::TypedPath,
    operation: OperationId,
    template: String,
}

impl Session {
    pub fn new(
        (served, schemas, documented): (&Served, Schemas, DocumentedStatuses),
        options: SessionOptions,
    ) -> Result<Self> {
        let stream = ReportStream::create_in(options.report_dir.as_deref()).map_err(Error::new)?;
        Ok(Self {
            models: served.models.clone(),
            counts_coverage: !served.from_suite,
            schemas,
            documented,
            options,
            state: Mutex::new(State {
                stream,
                ..State::default()
            }),
            exchanges: AtomicUsize::new(0),
            started_at: SystemTime::now(),
            started: Instant::now(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Judges what passed, shows and keeps it; returns the `conform-violations` header's value
    /// when the client is to be told.
    pub fn take(&self, seen: Seen) -> Option<String> {
        let redactor = secrets::of(&seen, &self.options.redact);
        let (path_part, query) = split_target(&seen.target);
        let placed = Method::parse(&seen.method)
            .and_then(|method| self.place(method, &path::percent_decoded(path_part)));
        let shown = placed
            .as_ref()
            .map_or(path_part, |p| p.template.as_str())
            .to_string();
        let (verdict, skip) = self.verdict(&seen, placed.as_ref(), query);
        let annotation = self.annotation(&verdict);
        if let (Some(placed), None, true) = (&placed, &skip, self.options.record_dir.is_some()) {
            let query = query.map(str::to_string);
            self.record(
                &mut self.state().recording,
                &seen,
                placed,
                query.as_deref(),
                &redactor,
            );
        }
        let number = self.exchanges.fetch_add(1, Ordering::Relaxed) + 1;
        let method = seen.method.clone();
        let file = match (&placed, is_batch(&seen)) {
            (Some(placed), _) => placed.operation.to_string(),
            (None, true) => "(batch)".to_string(),
            (None, false) => "(untyped)".to_string(),
        };
        let info = CaseInfo {
            name: format!("{method} {shown} #{number}"),
            resource_type: placed
                .as_ref()
                .and_then(|p| p.typed.resource_type())
                .map(|t| type_name(t).to_string()),
            operation: placed.as_ref().map(|p| p.operation.to_string()),
            binding: &[],
            acts_on_existing: false,
            probe: None,
            probe_detail: None,
            file: std::path::Path::new(&file),
            tags: &[],
            page: None,
            method: &method,
            path_template: &shown,
            expected_status: answered_status(&seen.answer),
        };
        let record = match &skip {
            Some(why) => CaseRecord::skipped(&info, why),
            None => {
                let blame = blame(&verdict, &seen.answer);
                // The exchange moves into the run: its bodies are not copied.
                CaseRecord::ran(&info, &run_of(seen), (verdict, blame), &redactor)
            }
        };
        print_line(&record);
        let mut state = self.state();
        state.tally.add(&record);
        if let Some(stream) = &mut state.stream {
            // An exchange goes to the writer as soon as it is judged (records.jsonl has it
            // within a second), not in a batch that waits for more traffic.
            stream.send(record);
            stream.flush();
        }
        annotation
    }

    /// The typed path, its operation and its template; `None` when the model cannot place it.
    fn place(&self, method: Method, path: &str) -> Option<Placed> {
        let (typed, operation) = operations::placed(&self.models, method, path, None)?;
        if typed.untyped.is_some() {
            return None;
        }
        let template =
            recording::template(&typed, None, &mut |_, ty| crate::api::key_placeholder(ty));
        Some(Placed {
            method,
            typed,
            operation,
            template,
        })
    }

    /// The verdict on the exchange, or why it is not judged.
    fn verdict(
        &self,
        seen: &Seen,
        placed: Option<&Placed>,
        query: Option<&str>,
    ) -> (Verdict, Option<String>) {
        let pass = Verdict {
            outcome: Outcome::Pass,
            failures: Vec::new(),
            diff: None,
            undocumented: Vec::new(),
        };
        match (&seen.answer, placed) {
            (Answer::Failed(error), _) => {
                let verdict = Verdict {
                    outcome: Outcome::Fail,
                    failures: vec![crate::check::no_answer(error)],
                    ..pass
                };
                (verdict, None)
            }
            (Answer::NotForwarded(why), _) => (pass, Some(format!("not sent upstream: {why}"))),
            (Answer::Streamed { .. }, _) => (
                pass,
                Some("a body over --max-body: passed through unjudged".into()),
            ),
            (Answer::Read(response), None) if is_batch(seen) => {
                (self.judge_batch(seen, response), None)
            }
            (Answer::Read(_), None) => (
                pass,
                Some("untyped: the model does not place this path".into()),
            ),
            (Answer::Read(response), Some(placed)) => {
                let contract = Contract {
                    schemas: &self.schemas,
                    documented: &self.documented,
                };
                let pair = (&placed.typed, &placed.operation);
                (
                    judge_exchange(&contract, pair, (placed.method, query), response),
                    None,
                )
            }
        }
    }

    /// A JSON batch: each answer judged as the exchange of its request.
    fn judge_batch(&self, seen: &Seen, response: &crate::exec::transport::Response) -> Verdict {
        let contract = Contract {
            schemas: &self.schemas,
            documented: &self.documented,
        };
        let requests = seen
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .unwrap_or(Value::Null);
        let (batch_path, _) = split_target(&seen.target);
        let version = batch_path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("v1.0");
        let place = |method: Method, url: &str| {
            let path = match url.contains("://") {
                true => crate::api::path::path_part(url).to_string(),
                false => format!("/{version}/{}", url.trim_start_matches('/')),
            };
            let (path, _) = split_target(&path);
            let placed = self.place(method, &path::percent_decoded(path))?;
            Some((placed.typed, placed.operation))
        };
        crate::check::traffic::judge_batch(&contract, &requests, response, &place)
    }

    /// `2 violation(s): status: …; schema at /x: …`, for the client, with `--annotate`.
    fn annotation(&self, verdict: &Verdict) -> Option<String> {
        if !self.options.annotate || verdict.failures.is_empty() {
            return None;
        }
        let parts: Vec<String> = verdict
            .failures
            .iter()
            .map(|f| match &f.pointer {
                Some(pointer) => format!("{} at {pointer}: {}", f.kind.as_str(), f.message),
                None => format!("{}: {}", f.kind.as_str(), f.message),
            })
            .collect();
        let text = format!("{} violation(s): {}", parts.len(), parts.join("; "));
        let visible: String = text
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .take(2000)
            .collect();
        Some(visible)
    }

    fn record(
        &self,
        recording: &mut Recording,
        seen: &Seen,
        placed: &Placed,
        query: Option<&str>,
        redactor: &crate::secret::Redactor,
    ) {
        let Answer::Read(response) = &seen.answer else {
            return;
        };
        if !(200..300).contains(&response.status) {
            return;
        }
        // The request's body and the answer alike: secrets seen replaced, `--redact` names gone.
        let json_of = |bytes: &[u8]| -> Option<Value> {
            let text = redactor.redact(std::str::from_utf8(bytes).ok()?);
            let json = serde_json::from_str(&text).ok()?;
            Some(secrets::without_named(json, &self.options.redact))
        };
        let json = seen
            .body
            .as_deref()
            .filter(|b| !b.is_empty())
            .and_then(&json_of);
        let schema = answer_schema(&self.schemas, &placed.typed, &placed.operation).and_then(
            |(_, collection)| {
                let (ty, _) = placed.typed.result()?;
                Some((type_name(ty).to_string(), collection))
            },
        );
        let headers = seen
            .headers
            .iter()
            .filter(|(name, _)| recording::MEANINGFUL_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), redactor.redact(value)))
            .collect();
        recording.add(Exchanged {
            method: &seen.method,
            typed: &placed.typed,
            query,
            headers,
            json,
            status: response.status,
            answer: json_of(&response.body),
            creates: placed.operation.kind == OperationKind::Create,
            schema,
        });
    }

    /// `GET /_proxy/report`: the counts so far.
    pub fn live(&self) -> Value {
        let state = self.state();
        let summary = state.tally.summary;
        json!({
            "upstream": self.options.upstream,
            "exchanges": self.exchanges.load(Ordering::Relaxed),
            "summary": summary,
            "decided": summary.describe(),
        })
    }

    /// Ends the session: prints the totals, writes the reports and the recording; the exit
    /// code (1 when an exchange broke the contract).
    pub fn finish(&self) -> Result<u8> {
        let mut state = self.state();
        let tally = std::mem::take(&mut state.tally);
        let mut report = tally.report_head(
            &self.options.upstream,
            self.started_at,
            self.started.elapsed(),
        );
        report.complete = true;
        let models: Vec<_> = self.models.all().collect();
        if self.counts_coverage && !models.is_empty() {
            report.coverage = Some(tally.coverage.ledger(&Denominator::of(&models), true));
        }
        let summary = report.summary;
        println!(
            "\ntest result: {}. {} passed; {} failed; {} ignored; 0 measured; 0 filtered out; finished in {:.2}s",
            if summary.failing() == 0 {
                "ok"
            } else {
                "FAILED"
            },
            summary.passed + summary.flaky,
            summary.failing(),
            summary.skipped + summary.known_failures + summary.not_run,
            self.started.elapsed().as_secs_f64()
        );
        eprintln!("decided: {}", summary.describe());
        for line in report.coverage.iter().flat_map(coverage_text::totals) {
            eprintln!("{line}");
        }
        if let Some(stream) = state.stream.take() {
            stream.finish(&report).map_err(Error::new)?;
        }
        let recording = std::mem::take(&mut state.recording);
        if let (Some(dir), false) = (&self.options.record_dir, recording.is_empty()) {
            let file = recording.write(dir, &self.options.upstream)?;
            eprintln!(
                "recorded: {} (replay: conform run --cases {})",
                file.display(),
                dir.display()
            );
        }
        Ok(if summary.failing() == 0 {
            exit::PASS
        } else {
            exit::FAILURES
        })
    }
}

/// A JSON batch: `POST /{version}/$batch`.
fn is_batch(seen: &Seen) -> bool {
    let (path, _) = split_target(&seen.target);
    seen.method == "POST" && path.trim_end_matches('/').ends_with("/$batch")
}

/// The path and the query of a request target.
fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

fn answered_status(answer: &Answer) -> u16 {
    match answer {
        Answer::Read(response) => response.status,
        Answer::Streamed { status } => *status,
        Answer::Failed(_) | Answer::NotForwarded(_) => 0,
    }
}

/// Whose a broken exchange is: the upstream's; an operation it does not have, not served.
fn blame(verdict: &Verdict, answer: &Answer) -> Option<Blame> {
    let first = verdict.failures.first()?;
    let status = answered_status(answer);
    let cause = match status {
        405 | 501 => Cause::NotServed,
        _ => Cause::Service,
    };
    Some(Blame {
        cause,
        detail: first.message.clone(),
    })
}

/// The exchange as the records of a run keep one.
fn run_of(seen: Seen) -> CaseRun {
    let header = |name: &str| {
        seen.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let client_request_id = header("client-request-id").unwrap_or_default();
    let result = match seen.answer {
        Answer::Read(response) => Ok(response),
        Answer::Failed(error) => Err(error),
        Answer::NotForwarded(why) => Err(crate::exec::transport::TransportError::Transport(why)),
        Answer::Streamed { status } => Ok(Response::new(status, Vec::new(), Vec::new())),
    };
    let answered_header = |name: &str| {
        let response = result.as_ref().ok()?;
        response.header(name).map(str::to_string)
    };
    let diagnostics = Diagnostics {
        client_request_id,
        request_id: answered_header("request-id"),
        date: answered_header("date"),
    };
    CaseRun {
        attempt: Attempt::Sent(Exchange {
            method: seen.method,
            path: seen.target,
            request_body: seen.body.map(|b| String::from_utf8_lossy(&b).into_owned()),
            result,
            duration: seen.duration,
            retries: Vec::new(),
            diagnostics,
        }),
        warnings: Vec::new(),
        retries: Vec::new(),
        leaked: Vec::new(),
        duration: seen.duration,
        probed: None,
        settled: None,
    }
}

/// `test NAME ... ok`, as libtest prints a verdict; a broken exchange's deviations below it.
fn print_line(record: &CaseRecord) {
    let word = match record.decision {
        Decision::Passed | Decision::Flaky => "ok",
        Decision::Failed | Decision::Error => "FAILED",
        _ => "ignored",
    };
    // One write a verdict, so that the lines of exchanges taken at once do not interleave.
    let line = match record.decision.fails_the_run() {
        true => format!(
            "test {} ... {word}\n{}\n",
            record.name,
            record.failure_text()
        ),
        false => format!("test {} ... {word}", record.name),
    };
    println!("{line}");
}
