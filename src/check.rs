//! The checks: pure functions from what a case expects and what the server answered to the
//! list of deviations. No I/O here.

pub mod cause;
mod echo;
pub mod traffic;
pub mod undocumented;

pub use echo::{check_echo, echo_diff};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::undocumented::{Documented, Undocumented};
use crate::exec::not_sent::NotSent;
use crate::exec::protocol::{Attempt, CaseRun};
use crate::exec::transport::{Response, TransportError};
use crate::graph;
use crate::schema::registry::Schemas;
use crate::suite::model::{Expect, HeaderExpectation, HeaderRule, status_forbids_body, value_at};
use crate::suite::probes::Probe;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    Status,
    Header,
    Schema,
    Body,
    Transport,
    Timeout,
    /// A setup step failed: the case could not be run.
    Setup,
}

/// One deviation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// JSON pointer into the response body, for schema and body failures.
    pub pointer: Option<String>,
    pub message: String,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Header => "header",
            Self::Schema => "schema",
            Self::Body => "body",
            Self::Transport => "transport",
            Self::Timeout => "timeout",
            Self::Setup => "setup",
        }
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
            Self::Skip => "skip",
        }
    }
}

impl Failure {
    fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            pointer: None,
            message: message.into(),
        }
    }

    fn at(kind: FailureKind, pointer: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            pointer: Some(pointer.to_string()),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    /// The case could not be run (its setup failed).
    Error,
    Skip,
}

/// The checks' result for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub failures: Vec<Failure>,
    /// Unified diff of the expected values against the actual body, when they differ.
    pub diff: Option<String>,
    /// Properties of the body no document knows: warnings, failures under `--strict`.
    pub undocumented: Vec<Undocumented>,
}

impl Verdict {
    /// Undocumented properties as `schema` failures (`--strict`).
    pub fn strict(mut self) -> Self {
        for found in std::mem::take(&mut self.undocumented) {
            self.failures.push(Failure::at(
                FailureKind::Schema,
                &found.pointer,
                format!(
                    "`{}` is undocumented: neither schema {} nor the documented example has it (--strict)",
                    found.property, found.schema
                ),
            ));
        }
        if !self.failures.is_empty() && self.outcome == Outcome::Pass {
            self.outcome = Outcome::Fail;
        }
        self
    }
}

/// Judges a whole case run.
pub fn judge(expect: &Expect, run: &CaseRun, schemas: &Schemas) -> Verdict {
    judge_documented(expect, None, run, schemas)
}

/// Judges a case run, with the documented example's response block, which says what
/// properties the answer may have besides those of its schema.
pub fn judge_documented(
    expect: &Expect,
    example: Option<&str>,
    run: &CaseRun,
    schemas: &Schemas,
) -> Verdict {
    let exchange = match &run.attempt {
        Attempt::Sent(exchange) => exchange,
        Attempt::NotSent(why) => {
            // A setup that timed out is told from one that was answered wrong.
            let kind = match why {
                NotSent::Setup { failed, .. } if failed.is_timeout() => FailureKind::Timeout,
                _ => FailureKind::Setup,
            };
            return Verdict {
                outcome: Outcome::Error,
                failures: vec![Failure::new(kind, why.to_string())],
                diff: None,
                undocumented: Vec::new(),
            };
        }
    };
    let checked = match &exchange.result {
        // Not sent: the case could not run, whatever the target would have answered.
        Err(error @ TransportError::NoToken(_)) => {
            return Verdict {
                outcome: Outcome::Error,
                failures: vec![no_answer(error)],
                diff: None,
                undocumented: Vec::new(),
            };
        }
        Err(error) => Checked {
            failures: vec![no_answer(error)],
            diff: None,
            body: None,
        },
        Ok(response) => check_response_body(expect, response, schemas),
    };
    let undocumented = match (&checked.body, &expect.schema) {
        (Some(body), Some(schema)) => {
            let documented = Documented {
                response_block: example,
                expected: expect.body.as_ref(),
            };
            let key = schemas.key(&schema.name, schema.api.as_deref());
            undocumented::undocumented(schemas, key, expect.collection, documented, body)
        }
        _ => Vec::new(),
    };
    Verdict {
        outcome: if checked.failures.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        failures: checked.failures,
        diff: checked.diff,
        undocumented,
    }
}

/// The checks of one response, and its body when it was read as JSON (the response's own
/// parse of it).
struct Checked<'r> {
    failures: Vec<Failure>,
    diff: Option<String>,
    body: Option<&'r Value>,
}

/// The failure of a request that got no complete answer: a timeout, or the transport's error.
pub fn no_answer(error: &TransportError) -> Failure {
    match error {
        TransportError::Timeout(message) => Failure::new(FailureKind::Timeout, message.clone()),
        TransportError::Transport(message) => Failure::new(FailureKind::Transport, message.clone()),
        TransportError::NoToken(_) => Failure::new(FailureKind::Setup, error.to_string()),
    }
}

/// Judges a probe's run: its expectation, with the `id` the create answered for `read-back`,
/// and Graph's error envelope where the probe expects an error.
pub fn judge_probe(
    probe: &Probe,
    example: Option<&str>,
    run: &CaseRun,
    schemas: &Schemas,
) -> Verdict {
    let created_id = run.probed.as_ref().and_then(|p| p.created_id.as_ref());
    let mut verdict = match created_id.filter(|_| probe.envelope.is_none()) {
        Some(id) => {
            let mut expect = probe.expect.clone();
            let mut body = expect
                .body
                .take()
                .unwrap_or_else(|| Value::Object(Default::default()));
            if let Value::Object(map) = &mut body {
                map.insert("id".to_string(), Value::String(id.clone()));
            }
            expect.body = Some(body);
            judge_documented(&expect, example, run, schemas)
        }
        None => judge_documented(&probe.expect, example, run, schemas),
    };
    let answered = run
        .exchange()
        .and_then(|e| e.result.as_ref().ok())
        .filter(|r| r.status == probe.expect.status);
    if let (Some(envelope), Some(response)) = (&probe.envelope, answered) {
        verdict
            .failures
            .extend(check_error_envelope(response, envelope.code.as_deref()));
        if !verdict.failures.is_empty() {
            verdict.outcome = Outcome::Fail;
        }
    }
    verdict
}

/// An error answer must be Graph's envelope: JSON `{"error": {"code": "...", "message": "..."}}`,
/// with `code` as given when one is.
pub fn check_error_envelope(response: &Response, code: Option<&str>) -> Vec<Failure> {
    let mut failures: Vec<Failure> = check_content_type(response).into_iter().collect();
    let body = match response.json() {
        Ok(body) => body,
        Err(_) => {
            let start =
                String::from_utf8_lossy(&response.body[..response.body.len().min(80)]).into_owned();
            failures.push(Failure::at(
                FailureKind::Body,
                "",
                format!(
                    "expected Graph's error envelope {ENVELOPE}; the body is not JSON: {start:?}"
                ),
            ));
            return failures;
        }
    };
    let Some(error) = body.get("error").filter(|e| e.is_object()) else {
        failures.push(Failure::at(
            FailureKind::Schema,
            "/error",
            format!("expected Graph's error envelope {ENVELOPE}; there is no `error` object"),
        ));
        return failures;
    };
    for member in ["code", "message"] {
        if !error.get(member).is_some_and(Value::is_string) {
            failures.push(Failure::at(
                FailureKind::Schema,
                &format!("/error/{member}"),
                format!("the error envelope's `{member}` must be a string"),
            ));
        }
    }
    let actual = error.get("code").and_then(Value::as_str);
    if let (Some(wanted), Some(actual)) = (code, actual)
        && wanted != actual
    {
        failures.push(Failure::at(
            FailureKind::Body,
            "/error/code",
            format!("expected error code `{wanted}`, got `{actual}`"),
        ));
    }
    failures
}

const ENVELOPE: &str = r#"{"error": {"code": "...", "message": "..."}}"#;

/// Every check of a response. Body checks run only when the status is the expected one: the
/// body of another status (an error, say) is not the documented resource.
pub fn check_response(
    expect: &Expect,
    response: &Response,
    schemas: &Schemas,
) -> (Vec<Failure>, Option<String>) {
    let checked = check_response_body(expect, response, schemas);
    (checked.failures, checked.diff)
}

fn check_response_body<'r>(
    expect: &Expect,
    response: &'r Response,
    schemas: &Schemas,
) -> Checked<'r> {
    let done = |failures, diff, body| Checked {
        failures,
        diff,
        body,
    };
    if let Some(failure) = check_status(expect.status, response) {
        return done(vec![failure], None, None);
    }
    let mut failures = check_headers(&expect.headers, response);
    if status_forbids_body(expect.status) {
        failures.extend(check_no_body(response));
        return done(failures, None, None);
    }
    if !expect.wants_body() {
        return done(failures, None, None);
    }
    let content_type_expected = expect
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type"));
    if !content_type_expected {
        failures.extend(check_content_type(response));
    }
    let body = match parse_body(response) {
        Ok(body) => body,
        Err(failure) => {
            failures.push(failure);
            return done(failures, None, None);
        }
    };
    if let Some(schema) = &expect.schema {
        let key = schemas.key(&schema.name, schema.api.as_deref());
        if expect.collection {
            failures.extend(check_collection(schemas, key, body));
        } else {
            failures.extend(check_schema(schemas, key, body));
        }
    }
    failures.extend(check_required(&expect.required, body));
    let mut diff = None;
    if let Some(expected) = &expect.body {
        let mismatches = check_echo(expected, body);
        if !mismatches.is_empty() {
            diff = Some(echo_diff(expected, body));
        }
        failures.extend(mismatches);
    }
    done(failures, diff, Some(body))
}

pub fn check_status(expected: u16, response: &Response) -> Option<Failure> {
    (response.status != expected).then(|| {
        Failure::new(
            FailureKind::Status,
            format!(
                "expected {}, got {}{}",
                graph::status_text(expected),
                graph::status_text(response.status),
                graph::error_summary(response.json().ok())
            ),
        )
    })
}

/// A response to a no-content status must not carry or announce a body.
pub fn check_no_body(response: &Response) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(length) = response.header("content-length")
        && length.trim() != "0"
    {
        failures.push(Failure::at(
            FailureKind::Body,
            "",
            format!(
                "a {} response must have an empty body, but it declares Content-Length: {length}",
                graph::status_text(response.status)
            ),
        ));
    }
    if !response.body.is_empty() {
        failures.push(Failure::at(
            FailureKind::Body,
            "",
            format!(
                "a {} response must have an empty body, got {} bytes",
                graph::status_text(response.status),
                response.body.len()
            ),
        ));
    }
    failures
}

/// Each header the case expects: present, absent, equal to a value, or matching a pattern.
pub fn check_headers(expected: &[HeaderExpectation], response: &Response) -> Vec<Failure> {
    expected
        .iter()
        .filter_map(|expectation| {
            let name = &expectation.name;
            let value = response.header(name);
            let problem = match (&expectation.rule, value) {
                (HeaderRule::Present, None) => format!("expected a `{name}` header; there is none"),
                (HeaderRule::Absent, Some(value)) => {
                    format!("expected no `{name}` header; it is `{value}`")
                }
                (HeaderRule::Equals(wanted), Some(value)) if value.trim() == wanted => return None,
                (HeaderRule::Equals(wanted), value) => format!(
                    "expected `{name}: {wanted}`, got {}",
                    value.map_or("no such header".to_string(), |v| format!("`{v}`"))
                ),
                (HeaderRule::Matches(pattern), Some(value)) if pattern.is_match(value) => {
                    return None;
                }
                (HeaderRule::Matches(pattern), value) => format!(
                    "expected a `{name}` header matching `{pattern}`, got {}",
                    value.map_or("no such header".to_string(), |v| format!("`{v}`"))
                ),
                (HeaderRule::Present, Some(_)) | (HeaderRule::Absent, None) => return None,
            };
            Some(Failure::new(FailureKind::Header, problem))
        })
        .collect()
}

pub fn check_content_type(response: &Response) -> Option<Failure> {
    match response.header("content-type") {
        Some(value) if graph::is_json_media_type(value) => None,
        Some(value) => Some(Failure::new(
            FailureKind::Header,
            format!("Content-Type is `{value}`, expected application/json"),
        )),
        None => Some(Failure::new(
            FailureKind::Header,
            "Content-Type is missing, expected application/json",
        )),
    }
}

fn parse_body(response: &Response) -> Result<&Value, Failure> {
    if response.body.is_empty() {
        return Err(Failure::at(
            FailureKind::Body,
            "",
            "expected a JSON body, got an empty body",
        ));
    }
    response.json().map_err(|e| {
        Failure::at(
            FailureKind::Body,
            "",
            format!("the body is not valid JSON: {e}"),
        )
    })
}

pub fn check_schema(schemas: &Schemas, name: &str, body: &Value) -> Vec<Failure> {
    match schemas.validate(name, body) {
        Some(violations) => violations
            .into_iter()
            .map(|v| {
                Failure::at(
                    FailureKind::Schema,
                    &v.pointer,
                    format!("{} (schema {name}, rule `{}`)", v.message, v.keyword),
                )
            })
            .collect(),
        None => vec![Failure::new(
            FailureKind::Schema,
            format!("no schema named `{name}` is loaded"),
        )],
    }
}

/// A collection answer: `{ "value": [...] }`, each item valid against schema `name`.
pub fn check_collection(schemas: &Schemas, name: &str, body: &Value) -> Vec<Failure> {
    let Some(items) = body.get("value").and_then(Value::as_array) else {
        return vec![Failure::at(
            FailureKind::Schema,
            "/value",
            format!("a collection of {name} has its items in an array `value`; it is missing"),
        )];
    };
    items
        .iter()
        .enumerate()
        .flat_map(|(index, item)| {
            check_schema(schemas, name, item)
                .into_iter()
                .map(move |mut failure| {
                    failure.pointer = Some(format!(
                        "/value/{index}{}",
                        failure.pointer.unwrap_or_default()
                    ));
                    failure
                })
        })
        .collect()
}

/// Properties the documented example shows must be present (types come from the schema).
pub fn check_required(required: &[String], body: &Value) -> Vec<Failure> {
    required
        .iter()
        .filter(|pointer| value_at(body, pointer).is_none())
        .map(|pointer| {
            Failure::at(
                FailureKind::Schema,
                pointer,
                "required property is missing (the documented response shows it)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
