//! What CI leans on: the four reports agree, baselines of known failures, shards and merging,
//! Ctrl-C.

use crate::common;
use crate::common::Test;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::agree::{junit_counts, reports_agree};
use crate::common::drift::{self, Deviation};
use serde_json::Value;

fn run_drift(deviations: &[Deviation], reports: &Path, extra: &[&str]) -> common::test::Ran {
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(deviations));
    Test::remote(&format!("http://{addr}"), Some(reports))
        .args(extra)
        .envs(&[("CONFORM_TOKEN", "t0ken")])
        .run()
}

#[test]
fn one_run_writes_four_reports_that_agree() {
    let reports = tempfile::tempdir().unwrap();
    let summary_file = reports.path().join("step-summary.md");
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(&[
        Deviation::WrongStatus,
        Deviation::BodyOn204,
    ]));
    Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .envs(&[("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap())])
        .status(1)
        .run();

    let summary = reports_agree(reports.path());
    assert_eq!(
        (summary["total"].as_u64(), summary["failed"].as_u64()),
        (Some(7), Some(2))
    );
    let json = common::report(reports.path());
    assert_eq!(json["complete"], true);
    let (_, _, _, _, names, suites) = junit_counts(&reports.path().join("junit.xml"));
    assert_eq!(suites, 5, "one suite a case file");
    let mut json_names: Vec<String> = common::outcomes(&json)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut junit_names = names;
    json_names.sort();
    junit_names.sort();
    assert_eq!(json_names, junit_names);
    // Whose each failure is: the service's, a remote server's deviation, in every report.
    assert_eq!(json["summary"]["causes"]["service"], 2, "{json}");
    let failed: Vec<&Value> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["decision"] == "failed")
        .collect();
    assert!(failed.iter().all(|c| c["cause"] == "service"), "{failed:?}");
    assert!(
        json["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["decision"] == "passed")
            .all(|c| c.get("cause").is_none()),
        "a case that passed has no cause"
    );
    let junit = fs::read_to_string(reports.path().join("junit.xml")).unwrap();
    assert!(junit.contains("expected 201 Created, got 200 OK"));
    assert!(junit.contains("type=\"service/status\""), "{junit}");
    assert!(!junit.contains("\u{1b}["), "no colour codes");

    let markdown = fs::read_to_string(reports.path().join("report.md")).unwrap();
    assert!(
        markdown.contains("**7 cases: 5 passed, 0 flaky, 2 failed, 0 known failures, 0 errors, 0 skipped, 0 not run**"),
        "{markdown}"
    );
    assert_eq!(
        markdown.matches("| `POST ").count(),
        7,
        "one row per operation:\n{markdown}"
    );
    assert!(
        markdown.contains("`POST /beta/groups/{group-id}/threads`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Create thread (000_9d669964866e9a13.txt)"),
        "{markdown}"
    );
    assert!(markdown.contains("## By cause"), "{markdown}");
    assert!(markdown.contains("| service | 2 |"), "{markdown}");
    assert_eq!(
        markdown
            .lines()
            .filter(|l| l.ends_with("| service |"))
            .count(),
        2,
        "the cause column of the two failed rows:\n{markdown}"
    );
    assert_eq!(
        fs::read_to_string(&summary_file).unwrap(),
        markdown,
        "GITHUB_STEP_SUMMARY"
    );

    let html = fs::read_to_string(reports.path().join("report.html")).unwrap();
    assert!(
        html.contains("cause: <b>service</b>"),
        "each failed case says whose it is"
    );
    assert!(
        !html.contains("http://") || !html.contains("<script src"),
        "self-contained"
    );
}

#[test]
fn a_baseline_lets_known_failures_pass_and_update_prunes_them() {
    let work = tempfile::tempdir().unwrap();
    let baseline = work.path().join("baseline.toml");
    let reports = work.path().join("reports");
    let both = [Deviation::WrongStatus, Deviation::MissingRequired];

    // Only the status failure is known: the missing property is new.
    fs::write(
        &baseline,
        "[[known]]\ncase = \"create_conversationthread_from_group\"\nkind = \"status\"\nreason = \"upstream\"\n",
    )
    .unwrap();
    let output = run_drift(&both, &reports, &["--baseline", baseline.to_str().unwrap()]);
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("baseline: 1 new, 1 known, 0 fixed, 0 expired"),
        "{text}"
    );
    assert!(text.contains("create_conversationthread_typed"), "{text}");
    assert!(text.contains("known failure (status)"), "{text}");
    let report = common::report(&reports);
    assert_eq!(report["baseline"]["new"], 1);

    // Both known: the run passes. The update keeps the reason of the old entry.
    Test::new()
        .args([
            "baseline",
            "update",
            "--baseline",
            baseline.to_str().unwrap(),
            "--report",
            reports.to_str().unwrap(),
        ])
        .status(0)
        .run();
    let written = fs::read_to_string(&baseline).unwrap();
    assert!(written.contains("reason = \"upstream\""), "{written}");
    let output = run_drift(&both, &reports, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    // Every report says what the exit code says: no failure, the known ones skipped as known.
    let summary = reports_agree(&reports);
    assert_eq!(
        (summary["failed"].as_u64(), summary["errors"].as_u64()),
        (Some(0), Some(0)),
        "{summary}"
    );
    assert!(summary["known_failures"].as_u64().unwrap() > 0, "{summary}");
    let junit = fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<system-out>"),
        "the known deviations are in the output: {junit}"
    );

    // The server is fixed: both entries are reported fixed and pruned on update.
    let output = run_drift(&[], &reports, &["--baseline", baseline.to_str().unwrap()]);
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("0 new, 0 known, 2 fixed"), "{text}");
    let update = Test::new()
        .args([
            "baseline",
            "update",
            "--baseline",
            baseline.to_str().unwrap(),
            "--report",
            reports.to_str().unwrap(),
        ])
        .run();
    let text = common::text(&update);
    assert!(
        text.contains("fixed: create_conversationthread_from_group status"),
        "{text}"
    );
    assert!(!fs::read_to_string(&baseline).unwrap().contains("[[known]]"));
}

#[test]
fn an_expired_entry_counts_as_new() {
    let work = tempfile::tempdir().unwrap();
    let baseline = work.path().join("baseline.toml");
    fs::write(
        &baseline,
        "[[known]]\ncase = \"create_conversationthread_from_group\"\nkind = \"status\"\nexpires = \"2020-01-01\"\n",
    )
    .unwrap();
    let output = run_drift(
        &[Deviation::WrongStatus],
        &work.path().join("r"),
        &["--baseline", baseline.to_str().unwrap()],
    );
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("0 new, 0 known, 0 fixed, 1 expired"),
        "{text}"
    );
}

fn verdicts(report: &Value) -> BTreeMap<String, String> {
    common::outcomes(report).into_iter().collect()
}

#[test]
fn shards_run_every_case_once_and_merge_into_the_unsharded_verdicts() {
    let work = tempfile::tempdir().unwrap();
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(&[Deviation::BadDateTime]));
    let base_url = format!("http://{addr}");
    let whole = work.path().join("whole");
    Test::remote(&base_url, Some(&whole)).run();
    let mut shard_dirs = Vec::new();
    let mut seen = Vec::new();
    for k in 1..=3 {
        let dir = work.path().join(format!("shard-{k}"));
        let shard = format!("{k}/3");
        Test::remote(&base_url, Some(&dir))
            .args(["--shard", &shard])
            .run();
        let report = common::report(&dir);
        assert_eq!(report["shard"]["index"], k);
        seen.extend(verdicts(&report).into_keys());
        shard_dirs.push(dir);
    }
    seen.sort();
    let mut expected: Vec<String> = verdicts(&common::report(&whole)).into_keys().collect();
    expected.sort();
    assert_eq!(seen, expected, "every case in exactly one shard");

    let merged = work.path().join("merged");
    let mut args = vec!["report", "merge"];
    args.extend(shard_dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    Test::new().args(&args).status(0).run();
    let merged_report = common::report(&merged);
    assert_eq!(verdicts(&merged_report), verdicts(&common::report(&whole)));
    assert_eq!(merged_report["complete"], true);
    for file in ["junit.xml", "report.md", "report.html"] {
        assert!(merged.join(file).is_file(), "{file}");
    }

    // The same shard twice, or a report of another suite, is refused.
    let twice = Test::new()
        .args([
            "report",
            "merge",
            shard_dirs[0].to_str().unwrap(),
            shard_dirs[0].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ])
        .status(2)
        .run();
    assert!(common::text(&twice).contains("shard 1/3 again"));
    let mut other: Value = common::report(&shard_dirs[1]);
    other["suite"] = Value::String("0000000000000000".into());
    fs::write(shard_dirs[1].join("report.json"), other.to_string()).unwrap();
    let foreign = Test::new()
        .args([
            "report",
            "merge",
            shard_dirs[0].to_str().unwrap(),
            shard_dirs[1].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ])
        .status(2)
        .run();
    assert!(common::text(&foreign).contains("another suite"));
}

#[test]
fn ctrl_c_skips_what_is_left_writes_incomplete_reports_and_exits_130() {
    let runtime = common::runtime();
    let addr = common::stalled_server(&runtime);
    let reports = tempfile::tempdir().unwrap();
    let child = Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .args(["--jobs", "1", "--timeout", "3"])
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", common::text(&output));
    let report = common::report(reports.path());
    assert_eq!(report["complete"], false);
    let summary = reports_agree(reports.path());
    assert_eq!(summary["total"], 7);
    assert!(summary["not_run"].as_u64().unwrap() >= 5, "{report}");
}

#[test]
fn completions_are_printed() {
    Test::new()
        .args(["completions", "bash"])
        .status(0)
        .stdout_has("conform")
        .run();
}
