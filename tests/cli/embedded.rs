//! The README's run command: the shipped suite against the embedded reference server.

use crate::common;
use crate::common::Test;
use serde_json::Value;

#[test]
fn the_shipped_suite_passes_in_full_and_writes_a_report() {
    let reports = tempfile::tempdir().unwrap();
    Test::new()
        .args(["run", "--report", reports.path().to_str().unwrap()])
        .status(0)
        .stdout_has("test result: ok. 7 passed; 0 failed")
        .run();

    let report = common::report(reports.path());
    assert_eq!(report["version"], 2);
    assert_eq!(report["target"], "embedded");
    let outcomes = common::outcomes(&report);
    assert_eq!(outcomes.len(), 7);
    assert!(outcomes.iter().all(|(_, o)| o == "passed"), "{outcomes:?}");
    for case in report["cases"].as_array().unwrap() {
        assert_eq!(case["actual_status"], case["expected_status"]);
        assert!(
            !case["path"].as_str().unwrap().contains('{'),
            "sent paths are filled in"
        );
        assert!(case.get("warnings").is_none(), "teardown succeeded: {case}");
    }
}

#[test]
fn every_seed_operation_has_a_case() {
    let output = Test::new().args(["run", "--list"]).status(0).run();
    let listed = String::from_utf8_lossy(&output.stdout);
    for name in [
        "000_create_thread::create_conversationthread_from_group: test",
        "000_create_thread::create_conversationthread_from_joined_group: test",
        "000_create_thread::create_conversationthread_from_drive_created_by_user: test",
        "001_create_threads::create_conversationthread_typed: test",
        "002_create_thread_in_conversation::create_conversationthread_from_conversation: test",
        "003_create_conversation::create_conversation_from_group: test",
        "004_create_chat_thread::create_chatthread_from_channel: test",
    ] {
        assert!(listed.contains(name), "{name} missing from:\n{listed}");
    }
}

#[test]
fn the_filter_runs_only_matching_cases_and_the_report_says_so() {
    let reports = tempfile::tempdir().unwrap();
    let output = Test::new()
        .args([
            "run",
            "--report",
            reports.path().to_str().unwrap(),
            "--exact",
            "003_create_conversation::create_conversation_from_group",
        ])
        .status(0)
        .run();
    let outcomes = common::outcomes(&common::report(reports.path()));
    assert_eq!(
        outcomes,
        vec![(
            "create_conversation_from_group".to_string(),
            "passed".to_string()
        )]
    );
    // The other six shipped cases are counted, as `cargo test` counts what a filter leaves out.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 passed; 0 failed; 0 ignored; 0 measured; 6 filtered out"),
        "{stdout}"
    );
}

#[test]
fn sequential_runs_give_the_same_verdicts() {
    let reports = tempfile::tempdir().unwrap();
    Test::new()
        .args([
            "run",
            "--jobs",
            "1",
            "--test-threads",
            "1",
            "--report",
            reports.path().to_str().unwrap(),
        ])
        .status(0)
        .run();
    assert_eq!(common::report(reports.path())["summary"]["passed"], 7);
}

/// `[case.expect] headers` against the reference server: what it sends passes, a header it
/// does not send fails as a `header` failure naming the header, and nothing else fails.
#[test]
fn header_expectations_are_checked() {
    let project = crate::common::project::Project::new();
    project.edit(
        "003_create_conversation.toml",
        "[case.expect]\n",
        "[case.expect]\nheaders = { \"Content-Type\" = { pattern = \"^application/json\" }, \"Content-Location\" = false, Location = true, ETag = true }\n",
    );
    let output = project.test_run().status(1).run();
    let report = common::report(&project.path("reports"));
    let failed: Vec<&Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["decision"] != "passed")
        .collect();
    assert_eq!(failed.len(), 1, "{}", common::text(&output));
    assert_eq!(failed[0]["failures"][0]["kind"], "header");
    assert_eq!(
        failed[0]["failures"][0]["message"],
        "expected a `ETag` header; there is none"
    );
}

#[test]
fn run_help_names_the_command() {
    let output = Test::new().args(["run", "--help"]).status(0).run();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("Usage: conform run [OPTIONS] [FILTER]"),
        "{help}"
    );
    assert!(help.contains("--require-bound"), "{help}");
}

/// Without an API model, `explain` types a path by the URL space the suite's paths show, as the
/// reference server serves it.
#[test]
fn explain_without_a_model_uses_the_suites_url_space() {
    let output = Test::new()
        .args([
            "explain",
            "/beta/users/u/joinedGroups/g/threads",
            "-X",
            "POST",
        ])
        .run();
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("typed by the URL space the paths of cases show"),
        "{text}"
    );
    assert!(text.contains("navigation (reference)"), "{text}");
    assert!(text.contains("operation: create"), "{text}");
}
