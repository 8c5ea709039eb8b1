//! The coverage ledger and its ratchet, as CI uses them: what the suite documents of the
//! model, what a run made of each operation, and a run that fails when a release stops serving
//! an operation or an operation starts to fail.

use crate::common::Test;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common;

const SUITE: &str = r#"[[case]]
name = "create_group"
[case.request]
method = "POST"
path = "/v1.0/groups"
json = '{"displayName": "Team", "mailEnabled": false, "mailNickname": "team", "securityEnabled": true}'
[case.expect]
status = 201

[[case]]
name = "list_groups"
[case.request]
method = "GET"
path = "/v1.0/groups"
[case.expect]
status = 200

[[case]]
name = "create_thread"
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/threads"
json = '{"topic": "Plans"}'
[case.expect]
status = 201
"#;

/// The office metadata's schemas and model, and the suite above.
fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (schemas, cases) = (dir.path().join("schemas"), dir.path().join("cases"));
    common::import_schemas("office.csdl", &schemas);
    fs::create_dir_all(&cases).unwrap();
    fs::write(cases.join("groups.toml"), SUITE).unwrap();
    (dir, schemas, cases)
}

fn counts(workload: &Value, fields: &[&str]) -> u64 {
    fields.iter().map(|f| workload[*f].as_u64().unwrap()).sum()
}

#[test]
fn the_ledger_of_a_suite_counts_every_operation_of_the_model_once() {
    let (_dir, schemas, cases) = project();
    let args = [
        "coverage",
        "--schemas",
        schemas.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
    ];
    let text = Test::new().args(args).run();
    let shown = common::text(&text);
    assert_eq!(text.status.code(), Some(0), "{shown}");
    assert!(shown.contains("3 documented"), "{shown}");
    assert!(shown.contains("groups"), "{shown}");

    let json = Test::new()
        .args([&args[..], &["--format", "json"]].concat())
        .run();
    let ledger: Value = serde_json::from_slice(&json.stdout).unwrap();
    let offered = ledger["models"][0]["operations"].as_u64().unwrap();
    let workloads = ledger["workloads"].as_array().unwrap();
    let states = [
        "passed",
        "failed",
        "not_served",
        "not_sent",
        "documented",
        "not_documented",
    ];
    for workload in workloads {
        assert_eq!(
            counts(workload, &states),
            counts(workload, &["offered"]),
            "{workload}"
        );
    }
    let summed: u64 = workloads.iter().map(|w| counts(w, &["offered"])).sum();
    assert_eq!(
        summed, offered,
        "the workloads add up to the model's operations"
    );
    let entries = ledger["operations"].as_array().unwrap();
    assert_eq!(entries.len() as u64, offered, "one entry an operation");
    let documented: Vec<&str> = entries
        .iter()
        .filter(|e| e["state"] == "documented")
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        documented,
        [
            "v1.0 conversationThread create",
            "v1.0 group create",
            "v1.0 group list"
        ]
    );
}

/// A reference server serving the suite, with `fault` (a `/_mock/faults` rule) in force.
fn run_against(
    (schemas, cases): (&Path, &Path),
    fault: Option<&str>,
    reports: &Path,
    extra: &[&str],
) -> (Option<i32>, String) {
    let runtime = common::runtime();
    let server = common::reference_server_with(&runtime, common::serving(schemas, cases));
    let base = server.base_url();
    if let Some(rule) = fault {
        runtime.block_on(async {
            let added = common::http_client()
                .post(format!("{base}/_mock/faults"))
                .body(rule.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(added.status().as_u16(), 204);
        });
    }
    let mut args = vec![
        "run",
        "--base-url",
        &base,
        "--schemas",
        schemas.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
        "--report",
        reports.to_str().unwrap(),
        "--probes",
        "none",
    ];
    args.extend_from_slice(extra);
    let output = Test::new()
        .args(&args)
        .envs(&[("CONFORM_TOKEN", "t0ken")])
        .run();
    (output.status.code(), common::text(&output))
}

fn update(what: &str, file: &Path, reports: &Path) {
    let args = [
        "baseline",
        "update",
        what,
        file.to_str().unwrap(),
        "--report",
        reports.to_str().unwrap(),
    ];
    Test::new().args(args).status(0).run();
}

#[test]
fn the_ratchet_fails_a_run_that_loses_an_operation_and_lists_what_was_gained() {
    let (dir, schemas, cases) = project();
    let suite = (schemas.as_path(), cases.as_path());
    let reports = dir.path().join("reports");
    let ledger = dir.path().join("coverage.txt");
    let known = dir.path().join("known.toml");

    let (code, text) = run_against(suite, None, &reports, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("coverage of v1.0:"), "{text}");
    let report = common::report(&reports);
    let passed: Vec<&Value> = report["coverage"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["state"] == "passed")
        .collect();
    assert_eq!(passed.len(), 3, "{passed:?}");
    assert!(
        fs::read_to_string(reports.join("report.md"))
            .unwrap()
            .contains("## Coverage")
    );
    assert!(
        fs::read_to_string(reports.join("report.html"))
            .unwrap()
            .contains("id=\"coverage\"")
    );
    update("--coverage", &ledger, &reports);
    let written = fs::read_to_string(&ledger).unwrap();
    assert!(
        written.contains("\nv1.0 group create\nv1.0 group list\n"),
        "{written}"
    );

    // A release stops serving the list: the run fails, naming it, also when its failure is a
    // known one.
    let stop_serving = r#"{"kind": "501", "method": "GET", "path": "/v1.0/groups"}"#;
    let (code, _) = run_against(suite, Some(stop_serving), &reports, &[]);
    assert_eq!(code, Some(1));
    update("--baseline", &known, &reports);
    let with_both = [
        "--baseline",
        known.to_str().unwrap(),
        "--coverage-baseline",
        ledger.to_str().unwrap(),
    ];
    let (code, text) = run_against(suite, Some(stop_serving), &reports, &with_both);
    assert_eq!(code, Some(1), "the ratchet alone fails it: {text}");
    assert!(
        text.contains("lost: v1.0 group list (now not served)"),
        "{text}"
    );

    // An operation starts to fail.
    let fail = r#"{"kind": "500", "method": "POST", "path": "/threads"}"#;
    let (code, text) = run_against(suite, Some(fail), &reports, &with_both[2..]);
    assert_eq!(code, Some(1));
    assert!(
        text.contains("lost: v1.0 conversationThread create (now failed)"),
        "{text}"
    );

    // A baseline without the list: the list passing now is a gain, not a failure.
    run_against(suite, Some(stop_serving), &reports, &[]);
    update("--coverage", &ledger, &reports);
    let (code, text) = run_against(suite, None, &reports, &with_both[2..]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("gained: v1.0 group list"), "{text}");
    let again = [
        "coverage",
        "--report",
        reports.to_str().unwrap(),
        "--coverage-baseline",
        ledger.to_str().unwrap(),
    ];
    let checked = Test::new().args(again).run();
    assert_eq!(
        checked.status.code(),
        Some(0),
        "a report is checked as a run is"
    );

    // A run that leaves cases out would lose what it did not send: it cannot ratchet.
    let partial = [with_both[2], with_both[3], "--shard", "1/2"];
    let (code, text) = run_against(suite, None, &reports, &partial);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("leaves"), "{text}");
}

#[test]
fn a_coverage_baseline_of_another_model_or_with_a_bad_line_cannot_run() {
    let (dir, schemas, cases) = project();
    let ledger = dir.path().join("coverage.txt");
    let run = |text: &str| {
        fs::write(&ledger, text).unwrap();
        let args = [
            "run",
            "--schemas",
            schemas.to_str().unwrap(),
            "--cases",
            cases.to_str().unwrap(),
            "--no-report",
            "--coverage-baseline",
            ledger.to_str().unwrap(),
        ];
        let output = Test::new().args(args).run();
        (output.status.code(), common::text(&output))
    };
    let (code, text) = run("model v1.0 0123456789abcdef 7\nv1.0 group list\n");
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("v1.0 0123456789abcdef"),
        "names the baseline's model: {text}"
    );
    let (code, text) = run("model v1.0 0123456789abcdef 7\nv1.0 group lists\n");
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("coverage.txt:2:1"), "{text}");
}

#[test]
fn the_reference_server_keeps_the_ledger_of_what_clients_ask() {
    let (_dir, schemas, cases) = project();
    let runtime = common::runtime();
    let server = common::reference_server_with(&runtime, common::serving(&schemas, &cases));
    let base = server.base_url();
    common::get_json(&runtime, &base, "/v1.0/groups", "t0ken");
    common::get_json(&runtime, &base, "/v1.0/groups", "t0ken");
    common::get_json(&runtime, &base, "/v1.0/gropus", "t0ken");
    common::get_json(&runtime, &base, "/v1.0/applications", "t0ken");
    let ledger = common::get_json(&runtime, &base, "/_mock/coverage", "t0ken");
    assert!(ledger["offered"].as_u64().unwrap() > 10, "{ledger}");
    assert_eq!(ledger["requested"], 2, "{ledger}");
    let undocumented = &ledger["operations"][0];
    assert_eq!(undocumented["operation"], "v1.0 application list");
    assert_eq!(undocumented["served"], "by convention");
    let list = &ledger["operations"][1];
    assert_eq!(list["operation"], "v1.0 group list");
    assert_eq!(list["workload"], "groups");
    assert_eq!(list["served"], "by example", "the suite documents it");
    assert_eq!(list["statuses"]["200"], 2, "{ledger}");
    let unserved = &ledger["not_served"][0];
    assert_eq!(unserved["request"], "GET /v1.0/gropus", "{ledger}");
    assert_eq!(unserved["served"], "not at all");
    // A refusal counts as an answer to its operation: a read of a group that is not there.
    common::get_json(&runtime, &base, "/v1.0/groups/no-such-group", "t0ken");
    let ledger = common::get_json(&runtime, &base, "/_mock/coverage", "t0ken");
    let read = ledger["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == "v1.0 group read")
        .unwrap_or_else(|| panic!("the read is in the ledger: {ledger}"));
    assert_eq!(read["statuses"]["404"], 1, "{ledger}");
}

#[test]
fn shards_merge_into_the_ledger_of_the_whole_run_and_shards_of_other_models_are_refused() {
    let (dir, schemas, cases) = project();
    let suite = (schemas.as_path(), cases.as_path());
    let whole = dir.path().join("whole");
    assert_eq!(run_against(suite, None, &whole, &[]).0, Some(0));
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let out = dir.path().join(format!("shard-{k}"));
            let shard = format!("{k}/2");
            assert_eq!(
                run_against(suite, None, &out, &["--shard", &shard]).0,
                Some(0)
            );
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    let merge = |shards: &[PathBuf]| {
        let mut args = vec!["report".to_string(), "merge".to_string()];
        args.extend(shards.iter().map(|s| s.to_str().unwrap().to_string()));
        args.extend(["--out".to_string(), merged.to_str().unwrap().to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Test::new().args(&args).run()
    };
    let output = merge(&shards);
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let states = |dir: &Path| -> Vec<(String, String)> {
        common::report(dir)["coverage"]["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["operation"].to_string(), e["state"].to_string()))
            .collect()
    };
    assert_eq!(
        states(&merged),
        states(&whole),
        "the merged ledger is the whole run's"
    );
    assert_eq!(
        common::report(&merged)["coverage"]["workloads"],
        common::report(&whole)["coverage"]["workloads"]
    );
    // The ratchet judges the merge, not a shard alone.
    let ledger = dir.path().join("coverage.txt");
    update("--coverage", &ledger, &whole);
    let ratchet = |report: &Path| {
        let args = [
            "coverage",
            "--report",
            report.to_str().unwrap(),
            "--coverage-baseline",
            ledger.to_str().unwrap(),
        ];
        Test::new().args(args).run()
    };
    assert_eq!(ratchet(&merged).status.code(), Some(0));
    let one_shard = ratchet(&shards[0]);
    assert_eq!(one_shard.status.code(), Some(2));
    assert!(common::text(&one_shard).contains("shard 1/2 alone"));

    let report = shards[1].join("report.json");
    let text = fs::read_to_string(&report).unwrap();
    let mut json: Value = serde_json::from_str(&text).unwrap();
    json["coverage"]["models"][0]["fingerprint"] = Value::from("0000000000000000");
    fs::write(&report, json.to_string()).unwrap();
    let refused = merge(&shards);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        common::text(&refused).contains("other API models"),
        "{}",
        common::text(&refused)
    );
}
