//! Derived probes against servers that each break one rule of Graph's contract: exactly the
//! matching probe fails, with a message naming what was wrong; a server that breaks nothing
//! passes every probe.

use std::collections::BTreeSet;

use conform::mock::behaviour::MockConfig;
use conform::mock::broken::BrokenRule;
use serde_json::Value;

use crate::common::{self, Test, reference_server_with, runtime, text};

const TOKEN: &[(&str, &str)] = &[("CONFORM_TOKEN", "probe-token")];

/// Every probe, waiting briefly for the life cycle: these servers are consistent at once.
const ALL_PROBES: &[&str] = &["--probes", "all", "--consistency-wait", "0.3"];

/// Runs the shipped suite with every probe against the reference server breaking `broken`;
/// returns the exit code and the report.
fn run_against(broken: Vec<BrokenRule>) -> (Option<i32>, Value, String) {
    let runtime = runtime();
    let server = reference_server_with(
        &runtime,
        MockConfig {
            broken,
            ..common::shipped()
        },
    );
    let reports = tempfile::tempdir().unwrap();
    let output = Test::remote(&server.base_url(), Some(reports.path()))
        .args(ALL_PROBES)
        .envs(TOKEN)
        .run();
    (
        output.status.code(),
        common::report(reports.path()),
        text(&output),
    )
}

fn records(report: &Value) -> &Vec<Value> {
    report["cases"].as_array().unwrap()
}

fn failed(report: &Value) -> BTreeSet<String> {
    records(report)
        .iter()
        .filter(|c| c["decision"] != "passed")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The names of the probes of `kinds`, of the cases `case_applies` keeps.
fn probes_of(report: &Value, kinds: &[&str]) -> BTreeSet<String> {
    records(report)
        .iter()
        .filter(|c| c["probe"].as_str().is_some_and(|p| kinds.contains(&p)))
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The failures of record `name`: `kind: message` each.
fn failures(report: &Value, name: &str) -> Vec<String> {
    let record = common::record_of(report, name);
    record["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["kind"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_server_that_follows_every_rule_passes_every_probe() {
    let (code, report, output) = run_against(Vec::new());
    assert_eq!(code, Some(0), "{output}");
    assert!(failed(&report).is_empty(), "{output}");
    let probes: BTreeSet<&str> = records(&report)
        .iter()
        .filter_map(|c| c["probe"].as_str())
        .collect();
    assert_eq!(
        probes,
        BTreeSet::from([
            "auth",
            "malformed-json",
            "wrong-type",
            "wrong-method",
            "not-found",
            "read-back",
            "gone-after-delete"
        ]),
        "every probe has records, each with its `probe` field"
    );
    let documented = records(&report)
        .iter()
        .filter(|c| c["probe"].is_null())
        .count();
    assert_eq!(documented, 7, "the documented cases are recorded as before");
}

#[test]
fn each_broken_rule_fails_exactly_its_probe() {
    let error_probes = [
        "auth",
        "malformed-json",
        "wrong-type",
        "wrong-method",
        "not-found",
        "gone-after-delete",
    ];
    let matrix: [(BrokenRule, &[&str], &str, &str); 7] = [
        (
            BrokenRule::NoAuthCheck,
            &["auth"],
            "status",
            "expected 401 Unauthorized, got 201 Created",
        ),
        (
            BrokenRule::PlainTextErrors,
            &error_probes,
            "body",
            "the body is not JSON",
        ),
        (
            BrokenRule::AcceptsMalformedJson,
            &["malformed-json"],
            "status",
            "expected 400 Bad Request, got 201 Created",
        ),
        (
            BrokenRule::AcceptsWrongTypes,
            &["wrong-type"],
            "status",
            "expected 400 Bad Request, got 201 Created",
        ),
        (
            BrokenRule::NotFoundForWrongMethod,
            &["wrong-method"],
            "status",
            "expected 405 Method Not Allowed, got 404 Not Found",
        ),
        (
            BrokenRule::ForgetsCreated,
            &["read-back"],
            "status",
            "expected 200 OK, got 404 Not Found",
        ),
        (
            BrokenRule::IgnoresDeletes,
            &["gone-after-delete"],
            "status",
            "expected 404 Not Found, got 200 OK",
        ),
    ];
    for (rule, kinds, kind, message) in matrix {
        let (code, report, output) = run_against(vec![rule]);
        let expected = probes_of(&report, kinds);
        assert!(!expected.is_empty(), "{rule:?}: no probe to fail");
        assert_eq!(failed(&report), expected, "{rule:?}\n{output}");
        assert_eq!(code, Some(1), "{rule:?}\n{output}");
        let example = expected
            .iter()
            .find(|name| name.starts_with("create_conversationthread_from_group::"))
            .unwrap();
        let found = failures(&report, example);
        assert!(
            found
                .iter()
                .any(|f| f.starts_with(&format!("{kind}: ")) && f.contains(message)),
            "{rule:?} {example}: {found:?}"
        );
    }
}

#[test]
fn probes_are_off_by_default_and_chosen_by_name() {
    let (_, report, _) = {
        let runtime = runtime();
        let server = reference_server_with(&runtime, common::shipped());
        let reports = tempfile::tempdir().unwrap();
        let output = Test::remote(&server.base_url(), Some(reports.path()))
            .envs(TOKEN)
            .run();
        (
            output.status.code(),
            common::report(reports.path()),
            text(&output),
        )
    };
    assert!(records(&report).iter().all(|c| c["probe"].is_null()));
    let runtime = runtime();
    let server = reference_server_with(&runtime, common::shipped());
    let output = Test::remote(&server.base_url(), None)
        .args(["--probes", "auth,not-found", "--list"])
        .envs(TOKEN)
        .run();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        listed.contains("000_create_thread::create_conversationthread_from_group::auth: test"),
        "{listed}"
    );
    assert!(listed.contains("::not-found: test"), "{listed}");
    assert!(!listed.contains("::read-back"), "{listed}");
    let bad = Test::remote(&server.base_url(), None)
        .args(["--probes", "auth,readback"])
        .envs(TOKEN)
        .run();
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        text(&bad).contains("unknown probe `readback`"),
        "{}",
        text(&bad)
    );
}
