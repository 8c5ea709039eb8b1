//! `--base-url` against a server the test starts: the reference server on loopback, as any
//! Graph stand-in that follows the docs.

use crate::common;
use crate::common::Test;

#[test]
fn passes_against_a_stand_in_that_follows_the_docs_and_cleans_up_after_itself() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base_url = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = Test::remote(&base_url, Some(reports.path()))
        .envs(&[("CONFORM_TOKEN", "remote-token-93ab")])
        .run();
    let all = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(!all.contains("remote-token-93ab"));
    let report = common::report(reports.path());
    assert_eq!(report["target"], base_url.as_str());
    assert_eq!(report["summary"]["passed"], 7);

    // Teardown deleted every conversation and thread the run created.
    let listed = common::get_json(&runtime, &base_url, "/v1.0/groups/g/conversations", "t");
    assert_eq!(
        listed["value"],
        serde_json::json!([]),
        "left behind: {listed}"
    );
}

#[test]
fn without_a_token_the_server_answers_401_and_every_case_fails_on_status() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let reports = tempfile::tempdir().unwrap();
    let output = Test::remote(&server.base_url(), Some(reports.path())).run();
    let all = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("CONFORM_TOKEN is not set"), "{all}");
    assert!(all.contains("InvalidAuthenticationToken"), "{all}");
    let report = common::report(reports.path());
    for case in report["cases"].as_array().unwrap() {
        let kind = case["failures"][0]["kind"].as_str().unwrap();
        // The case that needs a conversation first cannot even set up.
        match case["decision"].as_str().unwrap() {
            "error" => assert_eq!(kind, "setup"),
            "failed" => assert_eq!(kind, "status"),
            other => panic!("unexpected outcome {other}"),
        }
    }
    let summary = common::agree::reports_agree(reports.path());
    assert!(summary["errors"].as_u64().unwrap() >= 1, "{summary}");
}

#[test]
fn a_server_that_never_answers_gives_timeout_failures_and_the_run_ends() {
    let runtime = common::runtime();
    let addr = common::stalled_server(&runtime);
    let reports = tempfile::tempdir().unwrap();
    let output = Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .args(["--timeout", "0.5", "003_create_conversation"])
        .status(1)
        .run();
    // Output is piped: no progress line, even though the run took a while.
    assert!(!common::text(&output).contains("cases done"));
    let report = common::report(reports.path());
    let case = &report["cases"][0];
    assert_eq!(case["decision"], "failed");
    assert_eq!(case["failures"][0]["kind"], "timeout", "{case}");
    assert_eq!(case["actual_status"], serde_json::Value::Null);
}
