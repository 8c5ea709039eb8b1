//! The fault matrix: the shipped suite against a server injecting one fault into every
//! request. Every case gets a verdict of the right kind, the run ends in bounded time with exit
//! code 1, nothing panics, and the reports are complete and valid.

use crate::common;
use crate::common::Test;

use conform::mock::behaviour::MockConfig;
use conform::mock::fault::{FaultKind, FaultRule};

const BODY_CASES: &[&str] = &[
    "create_conversationthread_from_group",
    "create_conversationthread_from_joined_group",
    "create_conversationthread_from_drive_created_by_user",
    "create_conversationthread_typed",
    "create_conversation_from_group",
];
const SETUP_CASE: &str = "create_conversationthread_from_conversation";
const NO_CONTENT_CASE: &str = "create_chatthread_from_channel";

/// Runs the suite against `kind` on every request; returns the report's verdicts as
/// case → failure kinds (empty when it passed).
fn run(kind: FaultKind) -> std::collections::BTreeMap<String, Vec<String>> {
    let runtime = common::runtime();
    let server = common::reference_server_with(
        &runtime,
        MockConfig {
            faults: vec![FaultRule {
                kind,
                rate: 1.0,
                method: None,
                path: None,
            }],
            ..common::shipped()
        },
    );
    let reports = tempfile::tempdir().unwrap();
    // The run ends (the test would not) within the budget: time is the benchmarks' to measure.
    let output = Test::remote(&server.base_url(), Some(reports.path()))
        .args(["--timeout", "1", "--retries", "2", "--budget", "30"])
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .run();
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{kind:?}: {text}");
    assert!(!text.contains("panicked"), "{text}");
    let report = common::report(reports.path());
    assert_eq!(report["complete"], true);
    assert_eq!(
        report["summary"]["total"], 7,
        "{kind:?}: every case has a verdict"
    );
    for file in ["junit.xml", "report.md", "report.html"] {
        assert!(reports.path().join(file).is_file());
    }
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let kinds = case["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["kind"].as_str().unwrap().to_string())
                .collect();
            (case["name"].as_str().unwrap().to_string(), kinds)
        })
        .collect()
}

/// Asserts the verdicts: `body_kind` for the cases with a body, `setup_case` for the case
/// that creates a conversation first, `no_content` for the 204 case.
fn expect(kind: FaultKind, body_kind: &str, setup_case: &str, no_content: &[&str]) {
    let verdicts = run(kind);
    for case in BODY_CASES {
        assert_eq!(
            verdicts[*case],
            vec![body_kind.to_string()],
            "{kind:?} {case}"
        );
    }
    assert_eq!(
        verdicts[SETUP_CASE],
        vec![setup_case.to_string()],
        "{kind:?} {SETUP_CASE}"
    );
    let expected: Vec<String> = no_content.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        verdicts[NO_CONTENT_CASE], expected,
        "{kind:?} {NO_CONTENT_CASE}"
    );
}

#[test]
fn connection_reset() {
    // A 204 has no body to break.
    expect(FaultKind::Reset, "transport", "setup", &[]);
}

#[test]
fn stall() {
    // The case whose setup times out is told from one whose setup is answered wrong.
    expect(FaultKind::Stall, "timeout", "timeout", &["timeout"]);
}

#[test]
fn slow_drip_of_the_body() {
    expect(FaultKind::Drip, "timeout", "timeout", &[]);
}

#[test]
fn truncated_body() {
    expect(FaultKind::Truncated, "transport", "setup", &["body"]);
}

#[test]
fn garbage_labelled_json() {
    // The 204 answer carries the garbage too: a body where none may be.
    expect(FaultKind::Garbage, "body", "setup", &["body"]);
}

#[test]
fn oversize_body_is_refused_not_read() {
    expect(FaultKind::Oversize, "transport", "setup", &[]);
}

#[test]
fn the_body_limit_is_configurable() {
    let runtime = common::runtime();
    let server = common::reference_server_with(
        &runtime,
        MockConfig {
            faults: vec![FaultRule::parse("oversize").unwrap()],
            ..common::shipped()
        },
    );
    let reports = tempfile::tempdir().unwrap();
    // 50 MB fit under a 64 MiB limit: the padding is read whole and parses as no JSON value.
    Test::remote(&server.base_url(), Some(reports.path()))
        .args(["--max-body", "64", "003_create_conversation"])
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .status(1)
        .run();
    let report = common::report(reports.path());
    assert_eq!(
        report["cases"][0]["failures"][0]["kind"], "body",
        "{report}"
    );
}

#[test]
fn wrong_content_type() {
    // Setup is not under test: its JSON is read whatever its label.
    expect(FaultKind::WrongContentType, "header", "header", &[]);
}

#[test]
fn server_errors_and_throttling_storms() {
    for kind in [
        FaultKind::ServerError,
        FaultKind::Unavailable,
        FaultKind::UnavailableRetryAfter,
        FaultKind::TooManyRequests,
    ] {
        expect(kind, "status", "setup", &["status"]);
    }
}

#[test]
fn faults_can_be_set_per_route_at_run_time() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    runtime.block_on(async {
        let client = common::http_client();
        let rule = r#"{"kind": "500", "method": "POST", "path": "/conversations"}"#;
        let added = client
            .post(format!("{base}/_mock/faults"))
            .body(rule)
            .send()
            .await
            .unwrap();
        assert_eq!(added.status().as_u16(), 204);
    });
    let reports = tempfile::tempdir().unwrap();
    Test::remote(&base, Some(reports.path()))
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .status(1)
        .run();
    let failed: Vec<(String, String)> = common::outcomes(&common::report(reports.path()))
        .into_iter()
        .filter(|(_, o)| o != "passed")
        .collect();
    assert_eq!(
        failed,
        vec![
            (SETUP_CASE.to_string(), "error".to_string()),
            (
                "create_conversation_from_group".to_string(),
                "failed".to_string()
            )
        ]
    );
    runtime.block_on(async {
        let cleared = common::http_client()
            .delete(format!("{base}/_mock/faults"))
            .send()
            .await
            .unwrap();
        assert_eq!(cleared.status().as_u16(), 204);
    });
    Test::remote(&base, None)
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .status(0)
        .run();
}
