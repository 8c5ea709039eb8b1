//! Suites run on the reference server: the embedded server over the schemas folder's models, imported suites bound and run whole, fixtures, consistency waits, probes, the binding in the records.

use super::*;

#[test]
fn the_embedded_server_serves_what_the_schemas_folder_models() {
    let dir = tempfile::tempdir().unwrap();
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir);
    let cases = office_cases(dir.path());
    let run = over_suite(
        "run",
        &cases,
        &schemas_dir,
        &["--no-report", "--probes", "all"],
        &[],
    );
    let text = common::text(&run);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert!(text.contains("test result: ok. 11 passed"), "{text}");
}

#[test]
fn an_imported_suite_binds_its_placeholders_and_runs_without_touching_what_exists() {
    let Imported {
        dir: _dir,
        schemas_dir,
        cases,
        reports,
    } = imported();
    std::fs::write(cases.join("messages.toml"), MESSAGES).unwrap();
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = over_tenant(
        "run",
        (&cases, &schemas_dir),
        &tenant.base_url(),
        &["--report", reports.to_str().unwrap()],
    );
    let text = common::text(&run);
    assert_eq!(
        run.status.code(),
        Some(0),
        "unbound cases never stop a run: {text}"
    );
    let report = common::report(&reports);
    let outcome = |name: &str| common::record_of(&report, name)["decision"].clone();
    for created in [
        "create_thread",
        "get_thread",
        "reply",
        "delete_conversation",
        "create_conversation",
    ] {
        assert_eq!(outcome(created), "passed", "{created}: {text}");
    }
    assert_eq!(
        outcome("update_group"),
        "skipped",
        "the group was given, not created: {text}"
    );
    assert_eq!(outcome("get_report"), "skipped", "{text}");
    assert_eq!(
        outcome("reply_in_group"),
        "passed",
        "the group's thread is created from the create documented for its type: {text}"
    );
    let report = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(
        report.contains("not bound: PATCH would change {group-id}, which this run did not create"),
        "{report}"
    );
    assert!(
        report.contains("not bound: no value for {period}: pass --var period="),
        "{report}"
    );
    assert!(
        !text.contains("left behind"),
        "everything created is deleted: {text}"
    );
    // `list` plans as the run did, given the same values.
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &[
            "--format",
            "json",
            "--var",
            "group-id=g-fixture",
            "--base-url",
            &tenant.base_url(),
        ],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let reply = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "reply_in_group")
        .unwrap();
    assert_eq!(
        reply["binding"]["placeholders"]["conversationThread-id"],
        "created from the create documented in create_thread"
    );
    let report = common::report(&reports);
    let deleted = common::record_of(&report, "delete_message");
    assert_eq!(deleted["decision"], "passed", "{text}");
    assert_eq!(
        deleted["binding"]["message-id"],
        "created with the entity the read documented in get_message shows"
    );
    // What existed before the run is as it was, and what the run made is gone.
    let (_, _, messages) = send(
        &runtime,
        &tenant.base_url(),
        "GET",
        "/v1.0/me/messages",
        None,
    );
    let subjects: Vec<&Value> = messages["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["subject"])
        .collect();
    assert_eq!(
        subjects,
        [&json!("Quarterly plans")],
        "only the tenant's own message: {messages}"
    );
    let group = "/v1.0/groups/g-fixture";
    let (_, _, threads) = send(
        &runtime,
        &tenant.base_url(),
        "GET",
        &format!("{group}/threads"),
        None,
    );
    assert_eq!(
        threads["value"],
        json!([]),
        "nothing left behind: {threads}"
    );
    let (status, _, fixture) = send(&runtime, &tenant.base_url(), "GET", group, None);
    assert_eq!(status, 200);
    assert!(
        fixture.get("displayName").is_none_or(Value::is_null),
        "the given group is untouched: {fixture}"
    );
}

/// conform's own server is disposable: every case is sent, what nothing gives is seeded for the
/// case, a write to a fixture goes to a seeded entity, and whatever fails names its cause.
#[test]
fn on_its_own_server_the_suite_runs_whole_and_spares_the_fixtures() {
    let Imported {
        dir: _dir,
        schemas_dir,
        cases,
        reports,
    } = imported();
    let run = over_suite(
        "run",
        &cases,
        &schemas_dir,
        &["--report", reports.to_str().unwrap(), "--var", "period=D7"],
        &[],
    );
    let text = common::text(&run);
    let report = common::report(&reports);
    let record = |name: &str| common::record_of(&report, name);
    assert_eq!(record("update_group")["decision"], "passed", "{text}");
    assert_eq!(
        record("update_group")["binding"]["group-id"],
        "seeded in /groups",
        "the given group stays as it was for the others"
    );
    assert_eq!(
        record("reply_in_group")["binding"]["conversationThread-id"],
        "seeded in /groups/{}/threads"
    );
    assert_eq!(record("reply_in_group")["decision"], "passed", "{text}");
    // `conform list` plans as the run did: for the embedded server by default.
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &["--format", "json", "--var", "period=D7"],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        for (placeholder, how) in row["binding"]["placeholders"].as_object().unwrap() {
            assert_eq!(
                &record(name)["binding"][placeholder],
                how,
                "{name}: {{{placeholder}}}"
            );
        }
    }
    for case in report["cases"].as_array().unwrap() {
        assert_ne!(case["decision"], "skipped", "every case is sent: {case}");
        let passed = case["decision"] == "passed";
        assert_eq!(case.get("cause").is_none(), passed, "{case}");
    }
    assert_eq!(run.status.code(), Some(0), "{text}");
}

/// A `conform mock` reached with `--reset` is conform's own server too: disposable.
#[test]
fn a_mock_reset_before_the_run_is_disposable() {
    let Imported {
        dir: _dir,
        schemas_dir,
        cases,
        reports,
    } = imported();
    let runtime = common::runtime();
    let mock = tenant(&runtime, (&cases, &schemas_dir));
    let run = over_tenant(
        "run",
        (&cases, &schemas_dir),
        &mock.base_url(),
        &["--reset", "--report", reports.to_str().unwrap()],
    );
    let text = common::text(&run);
    let report = common::report(&reports);
    let update = common::record_of(&report, "update_group");
    assert_eq!(update["decision"], "passed", "{text}");
    assert_eq!(
        update["binding"]["group-id"], "seeded in /groups",
        "{update}"
    );
}

/// `--fixtures FILE` gives values as `--var` does; `--require-bound` stops before sending
/// anything, naming every placeholder nothing binds; `--disposable-fixtures` sends the writes
/// to given entities the run would otherwise skip.
#[test]
fn fixtures_files_require_bound_and_disposable_fixtures() {
    let Imported {
        dir,
        schemas_dir,
        cases,
        reports,
    } = imported();
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = |extra: &[&str]| {
        let mut args = vec!["--report", reports.to_str().unwrap()];
        args.extend_from_slice(extra);
        over_tenant("run", (&cases, &schemas_dir), &tenant.base_url(), &args)
    };
    let refused = run(&["--require-bound"]);
    let text = common::text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(text.contains("{period}: 1 case(s)"), "{text}");
    assert!(
        text.contains("running 0 tests") || !text.contains("running"),
        "nothing sent: {text}"
    );

    let fixtures = dir.path().join("fixtures.toml");
    std::fs::write(&fixtures, "# the test tenant\nperiod = \"D7\"\n").unwrap();
    let bound = run(&["--require-bound", "--fixtures", fixtures.to_str().unwrap()]);
    let text = common::text(&bound);
    assert_eq!(bound.status.code(), Some(0), "{text}");
    let report = common::report(&reports);
    let outcome = |name: &str| common::record_of(&report, name)["decision"].clone();
    assert_eq!(outcome("get_report"), "passed", "{text}");
    assert_eq!(outcome("update_group"), "skipped", "{text}");

    let disposable = run(&[
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--disposable-fixtures",
    ]);
    let text = common::text(&disposable);
    assert_eq!(disposable.status.code(), Some(0), "{text}");
    let report = common::report(&reports);
    let patched = &common::record_of(&report, "update_group")["decision"];
    assert_eq!(patched, "passed", "the given group is disposable: {text}");

    std::fs::write(&fixtures, "period = 7\n").unwrap();
    let bad = run(&["--fixtures", fixtures.to_str().unwrap()]);
    let text = common::text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{text}");
    assert!(text.contains("fixtures.toml:1:10"), "{text}");
}

/// `conform list --fixtures FILE` plans as the run would with that file.
#[test]
fn list_counts_fixtures_as_given() {
    let Imported {
        dir,
        schemas_dir,
        cases,
        ..
    } = imported();
    let fixtures = dir.path().join("fixtures.toml");
    std::fs::write(&fixtures, "period = \"D7\"\n").unwrap();
    let listed = over_suite(
        "list",
        &cases,
        &schemas_dir,
        &["--fixtures", fixtures.to_str().unwrap(), "--format", "json"],
        &[],
    );
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let report_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "get_report");
    assert_eq!(
        report_row.unwrap()["binding"]["placeholders"]["period"],
        "given"
    );
}

/// Against a service that shows what it created only after a while, setup reads what its chain
/// created until it answers (bounded by `--consistency-wait`) before the case is judged, and the
/// record says how long it waited; without the wait the same case fails on a 404.
#[test]
fn setup_waits_for_what_its_chain_created() {
    let Imported {
        dir,
        schemas_dir,
        cases,
        ..
    } = imported();
    let runtime = common::runtime();
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(Models::from_models(vec![office()])),
            ..Default::default()
        }),
        fixtures: vec![("group-id".into(), "g-lag".into())],
        consistency_lag: std::time::Duration::from_millis(300),
        ..MockConfig::default()
    };
    let server = common::reference_server_with(&runtime, config);
    let run = |wait: &str| {
        let reports = dir.path().join(format!("reports-{wait}"));
        let output = over_suite(
            "run",
            &cases,
            &schemas_dir,
            &[
                "--base-url",
                &server.base_url(),
                "--var",
                "group-id=g-lag",
                "--consistency-wait",
                wait,
                "--report",
                reports.to_str().unwrap(),
                "--exact",
                "office::get_thread",
            ],
            &[("CONFORM_TOKEN", "t")],
        );
        (output, common::report(&reports))
    };
    let (waited, report) = run("3");
    assert_eq!(waited.status.code(), Some(0), "{}", common::text(&waited));
    let detail = report["cases"][0]["waited_for_created"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("reads over"), "{detail}");
    let (hurried, report) = run("0.01");
    assert_eq!(hurried.status.code(), Some(1), "{}", common::text(&hurried));
    assert_eq!(report["cases"][0]["decision"], "error", "{report}");
}

/// The probes of an imported suite, bound by the plan and run against servers that each break
/// one rule: the matching probes fail and no other probe; a server that breaks nothing passes.
#[test]
fn probes_of_an_imported_suite_catch_each_broken_rule() {
    let Imported {
        dir: _dir,
        schemas_dir,
        cases,
        ..
    } = imported();
    let runtime = common::runtime();
    let run = |broken: Vec<BrokenRule>| {
        let config = MockConfig {
            fixtures: vec![("group-id".into(), "g-fixture".into())],
            broken,
            ..common::serving(&schemas_dir, &cases)
        };
        let server = common::reference_server_with(&runtime, config);
        let reports = tempfile::tempdir().unwrap();
        let output = over_suite(
            "run",
            &cases,
            &schemas_dir,
            &[
                "--base-url",
                &server.base_url(),
                "--var",
                "group-id=g-fixture",
                "--probes",
                "all",
                "--consistency-wait",
                "0.2",
                "--report",
                reports.path().to_str().unwrap(),
            ],
            &[("CONFORM_TOKEN", "t")],
        );
        let failed: Vec<String> = common::report(reports.path())["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["decision"] == "failed" || c["decision"] == "error")
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        (failed, common::text(&output))
    };
    let (clean, text) = run(Vec::new());
    assert!(clean.is_empty(), "{clean:?}\n{text}");
    for (rule, probe) in [
        (BrokenRule::NoAuthCheck, "auth"),
        (BrokenRule::AcceptsMalformedJson, "malformed-json"),
        (BrokenRule::NotFoundForWrongMethod, "wrong-method"),
        (BrokenRule::ForgetsCreated, "read-back"),
        (BrokenRule::IgnoresDeletes, "gone-after-delete"),
    ] {
        let (failed, text) = run(vec![rule]);
        assert!(!failed.is_empty(), "{rule:?}: no probe failed\n{text}");
        // A server that forgets what it creates also fails the cases that read what their
        // chains created: those are real failures; another probe failing would be a false one.
        let others: Vec<&String> = failed
            .iter()
            .filter(|name| !name.ends_with(&format!("::{probe}")))
            .filter(|name| name.contains("::") || rule != BrokenRule::ForgetsCreated)
            .collect();
        assert!(others.is_empty(), "{rule:?}: {others:?} failed too\n{text}");
    }
}

/// Each record says where its placeholders' values came from; a case that changes what the run
/// did not create is marked, in the report and in `--dry-run`.
#[test]
fn the_binding_is_recorded_and_changes_to_existing_entities_are_marked() {
    let Imported {
        dir: _dir,
        schemas_dir,
        cases,
        reports,
    } = imported();
    let runtime = common::runtime();
    let tenant = tenant(&runtime, (&cases, &schemas_dir));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--report",
            reports.to_str().unwrap(),
            "--disposable-fixtures",
        ];
        args.extend_from_slice(extra);
        over_tenant("run", (&cases, &schemas_dir), &tenant.base_url(), &args)
    };
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let report = common::report(&reports);
    let record = |name: &str| common::record_of(&report, name).clone();
    let thread = record("get_thread");
    assert_eq!(thread["binding"]["group-id"], "given");
    assert_eq!(
        thread["binding"]["conversationThread-id"],
        "created by create_thread"
    );
    assert!(thread.get("acts_on_existing").is_none());
    assert_eq!(record("update_group")["acts_on_existing"], true);
    let dry = run(&["--dry-run", "--exact", "office::update_group"]);
    let text = common::text(&dry);
    assert!(
        text.contains("# acts on an entity this run did not create: {group-id} (given)"),
        "{text}"
    );
}
