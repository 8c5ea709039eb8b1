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
    let (failures, _) = check_response(&case, &response(200, Some("text/plain"), body), &schemas());
    assert_eq!(failures[0].kind, FailureKind::Header);
    case.headers.push(HeaderExpectation {
        name: "content-type".into(),
        rule: HeaderRule::Matches(regex::Regex::new("^text/plain").unwrap()),
    });
    let (failures, _) = check_response(&case, &response(200, Some("text/plain"), body), &schemas());
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
