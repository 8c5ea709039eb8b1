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
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn response(status: u16, content_type: Option<&str>, body: &str) -> Response {
        Response::new(
            status,
            content_type
                .map(|c| vec![("content-type".to_string(), c.to_string())])
                .unwrap_or_default(),
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn error_answers_must_be_graphs_envelope_with_the_expected_code() {
        let json = Some("application/json");
        let good = r#"{"error": {"code": "InvalidAuthenticationToken", "message": "m"}}"#;
        let kinds = |failures: Vec<Failure>| -> Vec<(FailureKind, Option<String>)> {
            failures.into_iter().map(|f| (f.kind, f.pointer)).collect()
        };
        assert!(check_error_envelope(&response(401, json, good), None).is_empty());
        assert!(
            check_error_envelope(
                &response(401, json, good),
                Some("InvalidAuthenticationToken")
            )
            .is_empty()
        );
        let other = check_error_envelope(&response(401, json, good), Some("Forbidden"));
        assert_eq!(
            other[0].message,
            "expected error code `Forbidden`, got `InvalidAuthenticationToken`"
        );
        let text = check_error_envelope(&response(401, Some("text/plain"), "no token"), None);
        assert_eq!(
            kinds(text),
            [
                (FailureKind::Header, None),
                (FailureKind::Body, Some(String::new()))
            ]
        );
        let bare = check_error_envelope(&response(404, json, r#"{"message": "gone"}"#), None);
        assert_eq!(kinds(bare), [(FailureKind::Schema, Some("/error".into()))]);
        let untyped = check_error_envelope(&response(404, json, r#"{"error": {"code": 4}}"#), None);
        assert_eq!(
            kinds(untyped),
            [
                (FailureKind::Schema, Some("/error/code".into())),
                (FailureKind::Schema, Some("/error/message".into()))
            ]
        );
    }

    #[test]
    fn headers_are_present_absent_equal_or_matching() {
        let rule = |name: &str, rule: HeaderRule| HeaderExpectation {
            name: name.to_string(),
            rule,
        };
        let expected = [
            rule("Location", HeaderRule::Present),
            rule("ETag", HeaderRule::Absent),
            rule(
                "Preference-Applied",
                HeaderRule::Equals("return=minimal".into()),
            ),
            rule(
                "Content-Type",
                HeaderRule::Matches(regex::Regex::new("^image/").unwrap()),
            ),
        ];
        let mut answer = response(201, Some("image/png"), "");
        answer
            .headers
            .push(("location".into(), "https://h/x/1".into()));
        answer
            .headers
            .push(("preference-applied".into(), "return=minimal".into()));
        assert!(check_headers(&expected, &answer).is_empty());
        let wrong = response(201, Some("text/html"), "");
        let messages: Vec<String> = check_headers(&expected, &wrong)
            .into_iter()
            .inspect(|f| assert_eq!(f.kind, FailureKind::Header))
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            vec![
                "expected a `Location` header; there is none",
                "expected `Preference-Applied: return=minimal`, got no such header",
                "expected a `Content-Type` header matching `^image/`, got `text/html`",
            ]
        );
        let mut tagged = response(201, Some("image/png"), "");
        tagged.headers.push(("etag".into(), "W/\"1\"".into()));
        let etag = check_headers(&expected[1..2], &tagged);
        assert_eq!(
            etag[0].message,
            "expected no `ETag` header; it is `W/\"1\"`"
        );
    }

    #[test]
    fn an_expected_content_type_replaces_the_json_check() {
        let mut case = expect(200, None);
        case.schema = None;
        case.required = vec!["/ok".into()];
        let body = r#"{"ok": true}"#;
        let (failures, _) =
            check_response(&case, &response(200, Some("text/plain"), body), &schemas());
        assert_eq!(failures[0].kind, FailureKind::Header);
        case.headers.push(HeaderExpectation {
            name: "content-type".into(),
            rule: HeaderRule::Matches(regex::Regex::new("^text/plain").unwrap()),
        });
        let (failures, _) =
            check_response(&case, &response(200, Some("text/plain"), body), &schemas());
        assert!(failures.is_empty(), "{failures:?}");
    }

    fn schemas() -> Schemas {
        Schemas::compile(&[(
            PathBuf::from("thing.json"),
            r#"{"type":"object","properties":{"ok":{"type":"boolean"},"at":{"type":"string","format":"date-time"}}}"#
                .to_string(),
        )])
        .unwrap()
    }

    fn expect(status: u16, body: Option<Value>) -> Expect {
        let file = std::sync::Arc::new(crate::suite::model::SourceFile {
            path: PathBuf::from("c.toml"),
            text: String::new(),
        });
        Expect {
            status,
            collection: false,
            schema: (status != 204).then(|| crate::suite::model::SchemaRef {
                name: "thing".into(),
                origin: crate::suite::model::Origin { file, span: 0..0 },
                api: None,
            }),
            required: if status == 204 {
                vec![]
            } else {
                vec!["/ok".into()]
            },
            body,
            headers: Vec::new(),
        }
    }

    #[test]
    fn status_mismatch_is_the_only_failure_and_names_the_graph_error() {
        let r = response(
            400,
            Some("application/json"),
            r#"{"error":{"code":"BadRequest","message":"nope"}}"#,
        );
        let (failures, _) = check_response(&expect(201, None), &r, &schemas());
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].kind, FailureKind::Status);
        assert_eq!(
            failures[0].message,
            "expected 201 Created, got 400 Bad Request (BadRequest: nope)"
        );
    }

    #[test]
    fn schema_failures_carry_pointer_and_rule() {
        let r = response(
            201,
            Some("application/json"),
            r#"{"ok":"true","at":"yesterday"}"#,
        );
        let (failures, _) = check_response(&expect(201, None), &r, &schemas());
        let mut found: Vec<_> = failures
            .iter()
            .map(|f| (f.kind, f.pointer.clone().unwrap()))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            found,
            vec![
                (FailureKind::Schema, "/at".to_string()),
                (FailureKind::Schema, "/ok".to_string())
            ]
        );
        assert!(failures.iter().any(|f| f.message.contains("rule `format`")));
    }

    #[test]
    fn collections_validate_every_item_under_value() {
        let body = json!({"value": [{"ok": true}, {"ok": "no"}]});
        let failures = check_collection(&schemas(), "thing", &body);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].pointer.as_deref(), Some("/value/1/ok"));
        let missing = check_collection(&schemas(), "thing", &json!({}));
        assert_eq!(missing[0].pointer.as_deref(), Some("/value"));
    }

    #[test]
    fn missing_required_property_is_named() {
        let r = response(
            201,
            Some("application/json"),
            r#"{"at":"2016-10-19T10:37:00Z"}"#,
        );
        let (failures, _) = check_response(&expect(201, None), &r, &schemas());
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].pointer.as_deref(), Some("/ok"));
    }

    #[test]
    fn content_type_must_be_json_but_parameters_are_fine() {
        let graph = "application/json;odata.metadata=minimal;charset=utf-8";
        assert!(check_content_type(&response(200, Some(graph), "")).is_none());
        assert!(check_content_type(&response(200, Some("application/problem+json"), "")).is_none());
        let html = check_content_type(&response(200, Some("text/html"), "")).unwrap();
        assert_eq!(html.kind, FailureKind::Header);
        assert!(check_content_type(&response(200, None, "")).is_some());
    }

    #[test]
    fn no_content_must_have_no_body() {
        let empty = response(204, Some("application/json"), "");
        assert!(
            check_response(&expect(204, None), &empty, &schemas())
                .0
                .is_empty()
        );
        let with_body = response(204, None, "{}");
        let (failures, _) = check_response(&expect(204, None), &with_body, &schemas());
        assert_eq!(failures[0].kind, FailureKind::Body);
        let mut announced = response(204, None, "");
        announced
            .headers
            .push(("content-length".into(), "17".into()));
        assert_eq!(check_no_body(&announced).len(), 1);
    }

    #[test]
    fn a_body_that_is_not_json_is_a_body_failure() {
        let r = response(201, Some("application/json"), "<html>");
        let (failures, _) = check_response(&expect(201, None), &r, &schemas());
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].kind, FailureKind::Body);
        let empty = response(201, Some("application/json"), "");
        assert_eq!(
            check_response(&expect(201, None), &empty, &schemas()).0[0].kind,
            FailureKind::Body
        );
    }

    #[test]
    fn echo_compares_a_subset_and_diffs_only_that_subset() {
        let expected = json!({"topic": "a", "to": [{"name": "x"}], "n": 1});
        let actual = json!({"topic": "b", "to": [{"name": "x", "extra": 1}], "n": 1.0, "id": "z"});
        let failures = check_echo(&expected, &actual);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].pointer.as_deref(), Some("/topic"));
        assert_eq!(failures[0].message, r#"expected "a", got "b""#);
        let diff = echo_diff(&expected, &actual);
        assert!(diff.contains("-  \"topic\": \"a\""), "{diff}");
        assert!(diff.contains("+  \"topic\": \"b\""), "{diff}");
        assert!(
            !diff.contains("extra") && !diff.contains("\"id\""),
            "{diff}"
        );
    }

    #[test]
    fn echo_reports_missing_keys_and_array_length() {
        let failures = check_echo(&json!({"a/b": 1, "l": [1, 2]}), &json!({"l": [1]}));
        let pointers: Vec<_> = failures
            .iter()
            .map(|f| f.pointer.clone().unwrap())
            .collect();
        assert_eq!(pointers, vec!["/a~1b", "/l"]);
    }

    #[test]
    fn judge_maps_transport_problems_to_their_kind() {
        let run = |result| CaseRun {
            attempt: Attempt::Sent(crate::exec::transport::Exchange {
                method: "GET".into(),
                path: "/x".into(),
                request_body: None,
                result,
                duration: Default::default(),
                retries: vec![],
                diagnostics: Default::default(),
            }),
            warnings: vec![],
            retries: vec![],
            leaked: vec![],
            duration: Default::default(),
            probed: None,
            settled: None,
        };
        let timeout = judge(
            &expect(201, None),
            &run(Err(TransportError::Timeout("t".into()))),
            &schemas(),
        );
        assert_eq!(
            (timeout.outcome, timeout.failures[0].kind),
            (Outcome::Fail, FailureKind::Timeout)
        );
        let reset = judge(
            &expect(201, None),
            &run(Err(TransportError::Transport("r".into()))),
            &schemas(),
        );
        assert_eq!(reset.failures[0].kind, FailureKind::Transport);
        let no_token = judge(
            &expect(201, None),
            &run(Err(TransportError::NoToken(
                "the token endpoint answered 503".into(),
            ))),
            &schemas(),
        );
        assert_eq!(
            (no_token.outcome, no_token.failures[0].kind),
            (Outcome::Error, FailureKind::Setup),
            "a request without a token was not sent: not the target's failure"
        );
        let mut setup = run(Err(TransportError::Transport("r".into())));
        let failed = |error| crate::exec::not_sent::StepFailed::NoAnswer {
            request: "POST /groups".into(),
            error,
        };
        setup.attempt = Attempt::NotSent(NotSent::Setup {
            step: 1,
            failed: failed(TransportError::Transport("boom".into())),
        });
        let not_sent = judge(&expect(201, None), &setup, &schemas());
        assert_eq!(
            (not_sent.outcome, not_sent.failures[0].kind),
            (Outcome::Error, FailureKind::Setup)
        );
        assert_eq!(
            not_sent.failures[0].message,
            "setup step 1: POST /groups: boom"
        );
        setup.attempt = Attempt::NotSent(NotSent::Setup {
            step: 1,
            failed: failed(TransportError::Timeout("timed out".into())),
        });
        let timed_out = judge(&expect(201, None), &setup, &schemas());
        assert_eq!(
            (timed_out.outcome, timed_out.failures[0].kind),
            (Outcome::Error, FailureKind::Timeout),
            "a baseline tells a setup that timed out from one answered wrong"
        );
    }
}
