//! What keeps conform trustworthy under abuse: the reference server under bad and concurrent
//! requests, arbitrary input to every parser, and reports that are never half-written.

use crate::common;
use crate::common::Test;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;

/// Sends with `client`: one per test, so that hundreds of concurrent requests share a pool
/// instead of opening a connection each.
async fn send(
    client: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> (u16, Value) {
    let mut request = client
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("authorization", "Bearer t");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[test]
fn oversized_and_deeply_nested_bodies_are_refused_with_the_envelope() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let client = common::http_client();
    runtime.block_on(async {
        let huge = vec![b' '; 5 * 1024 * 1024];
        let (status, body) =
            send(&client, &base, "POST", "/beta/groups/g/threads", Some(huge)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (413, Some("RequestEntityTooLarge"))
        );
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000)).into_bytes();
        let (status, body) =
            send(&client, &base, "POST", "/beta/groups/g/threads", Some(deep)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("BadRequest"))
        );
        // Still serving.
        let (status, _) = send(&client, &base, "GET", "/v1.0/groups/g/conversations", None).await;
        assert_eq!(status, 200);
    });
}

#[test]
fn concurrent_creates_lose_nothing_and_racing_deletes_never_corrupt_state() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let client = common::http_client();
    runtime.block_on(async {
        let creates = (0..200).map(|i| {
            let (base, client) = (base.clone(), client.clone());
            tokio::spawn(async move {
                let body = format!(r#"{{"topic": "t{i}"}}"#).into_bytes();
                send(
                    &client,
                    &base,
                    "POST",
                    "/v1.0/groups/load/conversations",
                    Some(body),
                )
                .await
            })
        });
        let mut ids = HashSet::new();
        for created in creates.collect::<Vec<_>>() {
            let (status, body) = created.await.unwrap();
            assert_eq!(status, 201);
            ids.insert(body["id"].as_str().unwrap().to_string());
        }
        assert_eq!(ids.len(), 200, "distinct ids");
        let (_, listed) = send(
            &client,
            &base,
            "GET",
            "/v1.0/groups/load/conversations?$top=999",
            None,
        )
        .await;
        assert_eq!(listed["value"].as_array().unwrap().len(), 200, "none lost");

        let mut racing = Vec::new();
        for id in &ids {
            for method in ["DELETE", "GET", "GET", "DELETE"] {
                let (base, client, path) = (
                    base.clone(),
                    client.clone(),
                    format!("/v1.0/groups/load/conversations/{id}"),
                );
                racing.push(tokio::spawn(async move {
                    send(&client, &base, method, &path, None).await.0
                }));
            }
        }
        for status in racing {
            let status = status.await.unwrap();
            assert!(matches!(status, 200 | 204 | 404), "{status}");
        }
        let (_, listed) = send(
            &client,
            &base,
            "GET",
            "/v1.0/groups/load/conversations",
            None,
        )
        .await;
        assert_eq!(listed["value"], serde_json::json!([]));
    });
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid case file with `count` bytes replaced at chosen positions.
fn mutated(base: &str, edits: &[(usize, u8)]) -> String {
    let mut bytes = base.as_bytes().to_vec();
    for (at, byte) in edits {
        let at = at % bytes.len();
        bytes[at] = *byte;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_case_loader_never_panics(text in ".{0,400}", edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        let _ = conform::suite::format::parse_file(std::path::Path::new("x.toml"), text);
        let base = std::fs::read_to_string(common::root().join("cases/002_create_thread_in_conversation.toml")).unwrap();
        let _ = conform::suite::format::parse_file(std::path::Path::new("x.toml"), mutated(&base, &edits));
    }

    #[test]
    fn the_page_parser_and_importer_never_panic(text in ".{0,400}", edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        let names = vec!["conversationThread".to_string()];
        let csdl_path = common::root().join("tests/fixtures/csdl/office.csdl");
        let csdl = conform::schema::csdl::parse(&csdl_path, &std::fs::read_to_string(&csdl_path).unwrap()).unwrap();
        let model = conform::api::model::ApiModel::from_csdl(&csdl, "v1.0", "office.csdl").unwrap();
        let models = conform::api::file::Models::from_models(vec![model]);
        let context = conform::docs::import::Context { schemas: &names, models: &models, version: "beta".into() };
        let mut page = conform::docs::page::parse(std::path::Path::new("p.md"), text);
        let _ = conform::docs::import::import(&page, "p", &context, &mut Default::default());
        conform::docs::page::pair_unannotated(&mut page);
        let _ = conform::docs::import::import(&page, "p", &context, &mut Default::default());
        let base = std::fs::read_to_string(common::root().join("tests/fixtures/pages/post-thread.md")).unwrap();
        let page = conform::docs::page::parse(std::path::Path::new("p.md"), mutated(&base, &edits));
        let _ = conform::docs::import::import(&page, "p", &context, &mut Default::default());
    }

    #[test]
    fn pointers_and_diffs_never_panic(
        expected in json_value(),
        actual in json_value(),
        text in ".{0,200}",
        json_punctuation in r#"[\[\]{}",: a1\\]{0,80}"#,
    ) {
        let failures = conform::check::check_echo(&expected, &actual);
        for failure in &failures {
            let pointer = failure.pointer.as_deref().unwrap();
            prop_assert!(pointer.is_empty() || pointer.starts_with('/'));
        }
        let _ = conform::check::echo_diff(&expected, &actual);
        let _ = conform::docs::jsonpos::value_spans(&text);
        let _ = conform::docs::jsonpos::value_spans(&json_punctuation);
        let _ = conform::docs::jsonpos::value_spans(&expected.to_string());
        prop_assert!(conform::check::check_echo(&expected, &expected).is_empty());
    }
}

#[test]
fn the_reference_server_answers_arbitrary_requests_with_4xx_envelopes() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    let client = common::http_client();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    });
    let segments = prop::collection::vec(
        "[a-zA-Z0-9._~%-]{0,12}|groups|threads|conversations|v1.0|beta|chatthreads",
        0..7,
    );
    let methods = prop_oneof![
        Just("GET"),
        Just("POST"),
        Just("DELETE"),
        Just("PATCH"),
        Just("PUT")
    ];
    let bodies = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64)
    ];
    runner
        .run(&(segments, methods, bodies), |(segments, method, body)| {
            let path = format!("/{}", segments.join("/"));
            let (status, answer) =
                runtime.block_on(send(&client, &base, method, &path, Some(body)));
            prop_assert!(status < 500, "{method} {path} answered {status}");
            if status >= 400 {
                prop_assert!(
                    answer["error"]["code"].is_string(),
                    "{method} {path}: {answer}"
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn reports_killed_at_any_moment_are_whole_or_absent() {
    let runtime = common::runtime();
    let server = common::reference_server_with(
        &runtime,
        conform::mock::behaviour::MockConfig {
            delay: Duration::from_millis(20),
            ..common::shipped()
        },
    );
    let reports = tempfile::tempdir().unwrap();
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut rounds = 0;
    let mut delay_ms = 50;
    while Instant::now() < deadline && rounds < 12 {
        let mut child = spawn_run(&server.base_url(), "2", reports.path());
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        delay_ms = (delay_ms * 7 / 5) % 700 + 30;
        rounds += 1;
        for entry in std::fs::read_dir(reports.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".tmp") {
                continue; // a write in progress when killed; never read as a report
            }
            let text = std::fs::read_to_string(&path).unwrap();
            match name.as_str() {
                "report.json" => {
                    let value: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("round {rounds}: {e}"));
                    assert_eq!(value["summary"]["total"], 7);
                }
                "junit.xml" => {
                    let mut reader = quick_xml::Reader::from_str(&text);
                    loop {
                        match reader
                            .read_event()
                            .unwrap_or_else(|e| panic!("round {rounds}: {e}"))
                        {
                            quick_xml::events::Event::Eof => break,
                            _ => continue,
                        }
                    }
                }
                "report.html" => assert!(text.trim_end().ends_with("</html>"), "round {rounds}"),
                "report.md" => assert!(text.contains("cases:"), "round {rounds}"),
                // A stream, not a report: whole lines are whole records; a kill may cut the last.
                "records.jsonl" => {
                    for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                        let record: Value = serde_json::from_str(line)
                            .unwrap_or_else(|e| panic!("round {rounds}: {e}: {line}"));
                        assert!(record["name"].is_string(), "round {rounds}: {line}");
                    }
                }
                other => panic!("unexpected file {other}"),
            }
        }
    }
    assert!(rounds >= 3);
}

#[test]
fn records_can_be_followed_while_the_run_goes_on() {
    let runtime = common::runtime();
    let config = conform::mock::behaviour::MockConfig {
        delay: Duration::from_millis(300),
        ..common::shipped()
    };
    let server = common::reference_server_with(&runtime, config);
    let reports = tempfile::tempdir().unwrap();
    let mut child = spawn_run(&server.base_url(), "1", reports.path());
    // Seven cases, one at a time, each request 300 ms: several seconds in all.
    let records = reports.path().join("records.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        let text = std::fs::read_to_string(&records).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            break line.to_string();
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended first");
        assert!(Instant::now() < deadline, "no record within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        child.try_wait().unwrap().is_none(),
        "a record is in the file while the run goes on"
    );
    let record: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(record["decision"], "passed", "{first}");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let lines = std::fs::read_to_string(&records).unwrap().lines().count();
    assert_eq!(lines, 7);
}

/// `conform run` against `base_url` in the background, `jobs` at a time, reports to `reports`.
fn spawn_run(base_url: &str, jobs: &str, reports: &std::path::Path) -> std::process::Child {
    Test::remote(base_url, Some(reports))
        .args(["--jobs", jobs])
        .env("CONFORM_TOKEN", "t0ken-value")
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}
