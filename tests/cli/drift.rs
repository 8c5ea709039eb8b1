//! The shipped suite against a stand-in that drifts from the docs in one way per run: exactly
//! the affected case fails, with the right failure kind and pointer, and no other case fails.

use crate::common;
use crate::common::Test;
use crate::common::drift::{self, Deviation};
use serde_json::Value;

struct Run {
    exit: Option<i32>,
    report: Value,
    output: String,
}

fn run_against(deviations: &[Deviation], token: &str) -> Run {
    run_with(deviations, token, &[])
}

fn run_with(deviations: &[Deviation], token: &str, flags: &[&str]) -> Run {
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(deviations));
    let reports = tempfile::tempdir().unwrap();
    let output = Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .args(flags)
        .envs(&[("CONFORM_TOKEN", token)])
        .run();
    Run {
        exit: output.status.code(),
        report: common::report(reports.path()),
        output: common::everything(&output, reports.path()),
    }
}

/// Asserts that only `case` failed, and returns its failures.
fn only_failure(run: &Run, case: &str) -> Vec<Value> {
    assert_eq!(run.exit, Some(1), "{}", run.output);
    let failed: Vec<(String, String)> = common::outcomes(&run.report)
        .into_iter()
        .filter(|(_, outcome)| outcome != "passed")
        .collect();
    assert_eq!(
        failed,
        vec![(case.to_string(), "failed".to_string())],
        "{}",
        run.output
    );
    let record = common::record_of(&run.report, case);
    record["failures"].as_array().unwrap().clone()
}

fn kinds_and_pointers(failures: &[Value]) -> Vec<(String, String)> {
    failures
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["pointer"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_conforming_stand_in_passes_every_case() {
    let run = run_against(&[], "token-value");
    assert_eq!(run.exit, Some(0), "{}", run.output);
    assert_eq!(run.report["summary"]["passed"], 7, "{}", run.output);
}

#[test]
fn wrong_status_is_a_status_failure() {
    let run = run_against(&[Deviation::WrongStatus], "token-value");
    let failures = only_failure(&run, "create_conversationthread_from_group");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("status".into(), "-".into())]
    );
    assert_eq!(failures[0]["message"], "expected 201 Created, got 200 OK");
    assert!(
        run.output.contains("POST /beta/groups/g/threads"),
        "{}",
        run.output
    );
}

#[test]
fn a_boolean_sent_as_a_string_is_a_schema_failure_at_its_pointer() {
    let run = run_against(&[Deviation::BooleanAsString], "token-value");
    let failures = only_failure(&run, "create_conversationthread_from_joined_group");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("schema".into(), "/hasAttachments".into())]
    );
    assert!(
        run.output.contains("schema at /hasAttachments"),
        "{}",
        run.output
    );
}

#[test]
fn a_bad_date_time_is_a_schema_failure_at_its_pointer() {
    let run = run_against(&[Deviation::BadDateTime], "token-value");
    let failures = only_failure(&run, "create_conversationthread_from_drive_created_by_user");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("schema".into(), "/lastDeliveredDateTime".into())]
    );
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap()
            .contains("date-time")
    );
}

#[test]
fn another_type_named_by_odata_type_is_a_schema_failure_at_that_annotation() {
    let run = run_against(&[Deviation::ForeignODataType], "token-value");
    let failures = only_failure(&run, "create_conversationthread_from_group");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("schema".into(), "/@odata.type".into())]
    );
}

#[test]
fn a_missing_required_property_is_named() {
    let run = run_against(&[Deviation::MissingRequired], "token-value");
    let failures = only_failure(&run, "create_conversationthread_typed");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("schema".into(), "/isLocked".into())]
    );
}

#[test]
fn json_labelled_html_is_a_header_failure() {
    let run = run_against(&[Deviation::HtmlContentType], "token-value");
    let failures = only_failure(&run, "create_conversationthread_from_conversation");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("header".into(), "-".into())]
    );
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap()
            .contains("text/html")
    );
}

#[test]
fn a_body_on_a_204_is_a_body_failure() {
    let run = run_against(&[Deviation::BodyOn204], "token-value");
    let failures = only_failure(&run, "create_chatthread_from_channel");
    assert!(!failures.is_empty());
    assert!(
        failures.iter().all(|f| f["kind"] == "body"),
        "{}",
        run.output
    );
}

#[test]
fn an_echo_drift_shows_a_diff_and_never_the_token() {
    let token = "secret-token-4f1d9c";
    let run = run_against(&[Deviation::EchoDrift], token);
    let failures = only_failure(&run, "create_conversation_from_group");
    assert_eq!(
        kinds_and_pointers(&failures),
        vec![("body".into(), "/topic".into())]
    );
    assert!(run.output.contains("--- expected"), "{}", run.output);
    assert!(
        run.output
            .contains("+  \"topic\": \"leaked Bearer [REDACTED]\""),
        "{}",
        run.output
    );
    assert!(!run.output.contains(token), "{}", run.output);
    assert!(!run.report.to_string().contains(token));
}

#[test]
fn undocumented_properties_are_listed_by_default_and_fail_under_strict() {
    let run = run_against(&[Deviation::ExtraProperties], "token-value");
    assert_eq!(run.exit, Some(0), "warnings only: {}", run.output);
    let case = "create_conversationthread_from_group";
    let record = common::record_of(&run.report, case);
    // Annotations (`@odata.etag`, `topic@odata.type`) are never undocumented.
    assert_eq!(
        record["undocumented"],
        serde_json::json!([
            {"pointer": "/sensitivityLabel", "schema": "conversationThread", "property": "sensitivityLabel"},
            {"pointer": "/toRecipients/0/emailAddress/nickname", "schema": "emailAddress", "property": "nickname"}
        ]),
        "{}",
        run.output
    );
    assert_eq!(
        run.report["undocumented"],
        serde_json::json!([
            {"schema": "conversationThread", "property": "sensitivityLabel", "cases": 1},
            {"schema": "emailAddress", "property": "nickname", "cases": 1}
        ])
    );
    assert!(
        run.output
            .contains("  conversationThread.sensitivityLabel  (1 case)"),
        "{}",
        run.output
    );
    assert!(
        run.output.contains("## Undocumented properties"),
        "report.md lists them"
    );
    assert!(
        run.output.contains("id=\"undocumented\""),
        "report.html lists them"
    );

    let strict = run_with(&[Deviation::ExtraProperties], "token-value", &["--strict"]);
    let failures = only_failure(&strict, case);
    assert_eq!(
        kinds_and_pointers(&failures),
        [
            ("schema".to_string(), "/sensitivityLabel".to_string()),
            (
                "schema".to_string(),
                "/toRecipients/0/emailAddress/nickname".to_string()
            )
        ]
    );
    assert!(
        failures[0]["message"]
            .as_str()
            .unwrap()
            .contains("neither schema conversationThread nor the documented example has it"),
        "{failures:?}"
    );
}
