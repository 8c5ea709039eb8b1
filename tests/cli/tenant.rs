//! Ready for a real tenant, shown on loopback: OAuth client credentials, throttling, time
//! budgets, guaranteed teardown, profiles, diagnostics, dry runs, and no secret ever printed.

use crate::common;
use crate::common::Test;
use std::fs;
use std::time::{Duration, Instant};

use conform::mock::behaviour::{MockConfig, OAuth};
use serde_json::Value;

const SECRET: &str = "client-s3cret-value-7f2e";

fn oauth(expires_in: u64, valid_for: Duration) -> MockConfig {
    MockConfig {
        oauth: Some(OAuth {
            client_id: Some("app-id".into()),
            client_secret: SECRET.into(),
            expires_in: Duration::from_secs(expires_in),
            valid_for,
        }),
        ..common::shipped()
    }
}

fn client_env(authority: &str) -> Vec<(&'static str, String)> {
    vec![
        ("CONFORM_CLIENT_ID", "app-id".to_string()),
        ("CONFORM_TENANT_ID", "contoso".to_string()),
        ("CONFORM_CLIENT_SECRET", SECRET.to_string()),
        ("CONFORM_AUTHORITY", authority.to_string()),
    ]
}

fn run_with_env(
    base_url: &str,
    reports: &std::path::Path,
    extra: &[&str],
    env: &[(&'static str, String)],
) -> common::test::Ran {
    Test::remote(base_url, Some(reports))
        .args(extra)
        .envs(env)
        .run()
}

fn stats(runtime: &tokio::runtime::Runtime, base_url: &str) -> Value {
    common::get_json(runtime, base_url, "/_mock/stats", "-")
}

#[test]
fn a_token_is_fetched_once_shared_by_every_case_and_never_shown() {
    let runtime = common::runtime();
    let server = common::reference_server_with(&runtime, oauth(3599, Duration::from_secs(3599)));
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(&base, reports.path(), &[], &client_env(&base));
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let stats = stats(&runtime, &base);
    assert_eq!(stats["token_requests"], 1, "{stats}");
    assert!(stats["api_requests"].as_u64().unwrap() > 7);
    let all = common::everything(&output, reports.path());
    assert!(!all.contains(SECRET));
    for token in stats["issued_tokens"].as_array().unwrap() {
        assert!(
            !all.contains(token.as_str().unwrap()),
            "the token was printed"
        );
    }
}

#[test]
fn a_token_is_refreshed_before_it_expires() {
    let runtime = common::runtime();
    let mut config = oauth(2, Duration::from_secs(2));
    config.delay = Duration::from_millis(150);
    let server = common::reference_server_with(&runtime, config);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(&base, reports.path(), &["--jobs", "1"], &client_env(&base));
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let token_requests = stats(&runtime, &base)["token_requests"].as_u64().unwrap();
    assert!(token_requests >= 2, "{token_requests} token requests");
    assert!(
        !common::text(&output).contains("renewed"),
        "refreshed in time, never rejected"
    );
}

#[test]
fn a_rejected_token_is_renewed_once_and_the_request_retried() {
    let runtime = common::runtime();
    // The server drops tokens after a second though it announces an hour.
    let mut config = oauth(3599, Duration::from_secs(1));
    config.delay = Duration::from_millis(150);
    let server = common::reference_server_with(&runtime, config);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(&base, reports.path(), &["--jobs", "1"], &client_env(&base));
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    assert!(stats(&runtime, &base)["token_requests"].as_u64().unwrap() >= 2);
    assert!(
        fs::read_to_string(reports.path().join("report.json"))
            .unwrap()
            .contains("renewed the token")
    );
}

#[test]
fn a_wrong_client_secret_stops_the_run_before_any_case() {
    let runtime = common::runtime();
    let server = common::reference_server_with(&runtime, oauth(3599, Duration::from_secs(3599)));
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let mut env = client_env(&base);
    env[2].1 = "wrong-secret-value".to_string();
    let output = run_with_env(&base, reports.path(), &[], &env);
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("invalid client"), "{text}");
    assert!(!text.contains("wrong-secret-value"));
    assert_eq!(stats(&runtime, &base)["api_requests"], 0);
}

#[test]
fn the_suite_passes_through_throttling_with_the_retries_recorded() {
    let runtime = common::runtime();
    let server = common::reference_server_with(
        &runtime,
        MockConfig {
            throttle_every: Some(3),
            retry_after_seconds: 1,
            ..common::shipped()
        },
    );
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(
        &base,
        reports.path(),
        &[],
        &[("CONFORM_TOKEN", "t0ken-value".into())],
    );
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let report = common::report(reports.path());
    assert!(stats(&runtime, &base)["throttled"].as_u64().unwrap() >= 3);
    let retried: Vec<&Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["retries"].as_array().is_some_and(|r| !r.is_empty()))
        .collect();
    assert!(!retried.is_empty());
    assert!(
        retried[0]["retries"][0]
            .as_str()
            .unwrap()
            .contains("429 Too Many Requests; retried after 1.0s")
    );
    let summary = common::agree::reports_agree(reports.path());
    assert!(summary["flaky"].as_u64().unwrap() >= 1, "{summary}");
    assert!(retried.iter().any(|c| c["decision"] == "flaky"));
}

#[test]
fn a_stalled_server_ends_in_timeouts_within_the_budget() {
    let runtime = common::runtime();
    let addr = common::stalled_server(&runtime);
    let reports = tempfile::tempdir().unwrap();
    // A 60 s timeout, a 2 s budget: the run ends because of the budget, every case a timeout.
    Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .args(["--budget", "2", "--timeout", "60"])
        .status(1)
        .run();
    let report = common::report(reports.path());
    for case in report["cases"].as_array().unwrap() {
        let kinds: Vec<&str> = case["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert!(kinds == ["timeout"] || kinds == ["setup"], "{case}");
    }
}

#[test]
fn a_delete_that_fails_is_reported_as_leaked_with_its_url() {
    let runtime = common::runtime();
    let server = common::reference_server_with(
        &runtime,
        MockConfig {
            fail_deletes: true,
            ..common::shipped()
        },
    );
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(
        &base,
        reports.path(),
        &[],
        &[("CONFORM_TOKEN", "t0ken-value".into())],
    );
    let text = common::text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "teardown is not under test: {text}"
    );
    let report = common::report(reports.path());
    // Every case but the chat thread (a 204 has no id) created something to delete.
    assert_eq!(report["summary"]["leaked"], 6, "{report}");
    assert!(text.contains("left behind (6)"), "{text}");
    let leak = &report["cases"][0]["leaked"][0];
    assert_eq!(leak["method"], "DELETE");
    assert!(
        leak["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/beta/groups/g/threads/"))
    );
    assert!(leak["reason"].as_str().unwrap().contains("500"));
}

#[test]
fn keep_leaves_the_resources_and_lists_them() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(
        &base,
        reports.path(),
        &["--keep"],
        &[("CONFORM_TOKEN", "t0ken-value".into())],
    );
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let report = common::report(reports.path());
    assert_eq!(report["summary"]["leaked"], 6);
    assert_eq!(report["cases"][0]["leaked"][0]["reason"], "kept (--keep)");
    let listed = common::get_json(&runtime, &base, "/beta/groups/g/conversations", "t");
    assert!(listed["value"].as_array().unwrap().len() >= 5, "{listed}");
}

/// `--reset` brings a long-lived `conform mock` back to how it started before a run: what an
/// earlier run kept is gone. Against a server that is no conform mock it is an error.
#[test]
fn reset_starts_a_run_on_a_mock_as_it_started() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let token = [("CONFORM_TOKEN", "t0ken-value".to_string())];
    let kept = run_with_env(&base, reports.path(), &["--keep"], &token);
    assert_eq!(kept.status.code(), Some(0), "{}", common::text(&kept));
    let conversations = |runtime: &tokio::runtime::Runtime| {
        common::get_json(runtime, &base, "/beta/groups/g/conversations", "t")["value"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(conversations(&runtime) >= 5);
    let fresh = run_with_env(&base, reports.path(), &["--reset"], &token);
    assert_eq!(fresh.status.code(), Some(0), "{}", common::text(&fresh));
    assert_eq!(
        conversations(&runtime),
        0,
        "what the first run kept is gone"
    );

    let other = runtime.block_on(common::drift::start(&[]));
    let refused = run_with_env(
        &format!("http://{other}"),
        reports.path(),
        &["--reset"],
        &token,
    );
    let text = common::text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(text.contains("is not a conform mock"), "{text}");

    let embedded = Test::new().args(["run", "--reset"]).run();
    let text = common::text(&embedded);
    assert_eq!(embedded.status.code(), Some(2), "{text}");
    assert!(
        text.contains("the embedded server starts afresh every run"),
        "{text}"
    );
}

#[test]
fn a_failing_case_is_still_torn_down_and_its_failure_names_the_request_ids() {
    let work = tempfile::tempdir().unwrap();
    let cases = work.path().join("cases");
    fs::create_dir(&cases).unwrap();
    let text =
        fs::read_to_string(common::root().join("cases/003_create_conversation.toml")).unwrap();
    fs::write(
        cases.join("003.toml"),
        text.replace(
            "{ \"topic\": \"New Conversation Topic\" }",
            "{ \"topic\": \"Other\" }",
        ),
    )
    .unwrap();
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let reports = work.path().join("reports");
    let output = run_with_env(
        &base,
        &reports,
        &["--cases", cases.to_str().unwrap()],
        &[("CONFORM_TOKEN", "t0ken-value".into())],
    );
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("request-id: "), "{text}");
    assert!(text.contains("client-request-id: "), "{text}");
    let record = &common::report(&reports)["cases"][0];
    let diagnostics = &record["diagnostics"];
    assert_eq!(
        diagnostics["request_id"].as_str().unwrap().len(),
        36,
        "{diagnostics}"
    );
    assert!(diagnostics["date"].is_string());
    let listed = common::get_json(&runtime, &base, "/beta/groups/g/conversations", "t");
    assert_eq!(
        listed["value"],
        serde_json::json!([]),
        "the failing case's conversation was deleted"
    );
}

#[test]
fn a_profile_names_the_target_and_flags_override_it() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("conform.toml");
    fs::write(
        &config,
        format!(
            "[targets.local]\nbase_url = \"{}\"\nvars = {{ group-id = \"g\", user-id = \"u\", channel-id = \"c\" }}\njobs = 2\nauth = {{ kind = \"bearer\", token_env = \"LOCAL_TOKEN\" }}\n",
            server.base_url()
        ),
    )
    .unwrap();
    let reports = work.path().join("reports");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--config",
            config.to_str().unwrap(),
            "--target",
            "local",
            "--report",
            reports.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Test::new()
            .args(&args)
            .envs(&[("LOCAL_TOKEN", "local-token-value")])
            .run()
    };
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    assert_eq!(
        common::report(&reports)["target"],
        server.base_url().as_str()
    );
    // A flag beats the profile: another group.
    let output = run(&["--var", "group-id=other", "003_create_conversation"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        common::report(&reports)["cases"][0]["path"],
        "/beta/groups/other/conversations"
    );

    fs::write(
        &config,
        "[targets.local]\nbase_url = \"http://x\"\njobs = \"many\"\n",
    )
    .unwrap();
    let output = run(&[]);
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("conform.toml:3:8"), "{text}");
    Test::new()
        .args([
            "run",
            "--config",
            config.to_str().unwrap(),
            "--target",
            "prod",
        ])
        .status(2)
        .run();
}

#[test]
fn dry_run_prints_curl_commands_and_sends_nothing() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let output = run_with_env(
        &base,
        reports.path(),
        &["--dry-run"],
        &[("CONFORM_TOKEN", "dry-t0ken-value".into())],
    );
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "curl -X POST '{base}/v1.0/groups/g/conversations'"
        )),
        "{text}"
    );
    assert!(
        text.contains("-H \"Authorization: Bearer $CONFORM_TOKEN\""),
        "{text}"
    );
    assert!(
        text.contains("/conversations/{conversation-id}/threads'"),
        "{text}"
    );
    assert!(!text.contains("dry-t0ken-value"));
    assert_eq!(stats(&runtime, &base)["api_requests"], 0);
    assert!(!reports.path().join("report.json").exists());
}

#[test]
fn the_rate_limit_spaces_requests() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let reports = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = run_with_env(
        &base,
        reports.path(),
        &["--rate", "20/s"],
        &[("CONFORM_TOKEN", "t0ken-value".into())],
    );
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", common::text(&output));
    let requests = stats(&runtime, &base)["api_requests"].as_u64().unwrap();
    // A lower bound only: n requests at 20/s cannot take less than (n - 1) / 20 s.
    assert!(
        elapsed >= Duration::from_secs_f64((requests - 1) as f64 / 20.0),
        "{requests} in {elapsed:?}"
    );
}

#[test]
fn http_proxy_is_honoured() {
    let runtime = common::runtime();
    // The reference server stands in for the proxy: it routes absolute-form requests by path.
    let proxy = common::reference_server(&runtime);
    let reports = tempfile::tempdir().unwrap();
    Test::remote("http://graph.invalid", Some(reports.path()))
        .envs(&[
            ("HTTP_PROXY", proxy.base_url().as_str()),
            ("CONFORM_TOKEN", "t0ken-value"),
            ("NO_PROXY", ""),
        ])
        .status(0)
        .run();
    assert!(
        stats(&runtime, &proxy.base_url())["api_requests"]
            .as_u64()
            .unwrap()
            > 7
    );
}

#[test]
fn tls_certificates_are_verified_unless_insecure_is_asked_for() {
    let runtime = common::runtime();
    let port = common::tls::start(&runtime);
    let base_url = format!("https://localhost:{port}");
    let refused = Test::remote(&base_url, None)
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .run();
    let text = common::text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot reach") && text.to_lowercase().contains("certificate"),
        "{text}"
    );

    let accepted = Test::remote(&base_url, None)
        .args(["--insecure"])
        .envs(&[("CONFORM_TOKEN", "t0ken-value")])
        .run();
    let text = common::text(&accepted);
    assert_eq!(accepted.status.code(), Some(0), "{text}");
    assert!(text.contains("warning: --insecure"), "{text}");
}
