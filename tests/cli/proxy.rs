//! `conform proxy` between a client and an upstream: every exchange judged and named, secrets
//! kept out of everything written, the session recorded and replayed, an upstream that is gone
//! answered as a gateway answers.

use crate::common::Test;

use std::path::Path;
use std::process::{Child, Stdio};

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::common;

/// A running `conform proxy` and the address it listens on.
struct Proxy {
    child: Child,
    base: String,
}

impl Proxy {
    fn start(dir: &Path, args: &[&str]) -> Self {
        let test = Test::in_dir(dir).arg("proxy").args(args);
        let (child, base) = common::spawn_listening(test, "proxy", Stdio::piped());
        assert!(base.starts_with("http://"), "{base}");
        Self { child, base }
    }

    /// Stops it (`POST /_proxy/stop`); its exit code and everything it printed.
    fn stop(self, runtime: &tokio::runtime::Runtime) -> (Option<i32>, String) {
        runtime.block_on(async {
            let stopped = common::http_client()
                .post(format!("{}/_proxy/stop", self.base))
                .send()
                .await
                .unwrap();
            assert_eq!(stopped.status().as_u16(), 204);
        });
        let output = self.child.wait_with_output().unwrap();
        (output.status.code(), common::text(&output))
    }
}

/// Sends a request through the proxy: (status, headers, body).
fn send(
    runtime: &tokio::runtime::Runtime,
    base: &str,
    (method, path): (&str, &str),
    body: Option<(&str, String)>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    runtime.block_on(async {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = common::http_client()
            .request(method, format!("{base}{path}"))
            .bearer_auth("tok-SECRET-4711")
            .header("accept-encoding", "gzip, br");
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, body)
    })
}

/// An upstream that drifts from the contract, one way per path; it echoes what it was sent.
async fn drifting(
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let json_headers = [("content-type", "application/json"), ("request-id", "r-1")];
    let echo = json!({
        "auth": headers.get("authorization").and_then(|v| v.to_str().ok()),
        "accepts": headers.get("accept-encoding").and_then(|v| v.to_str().ok()),
        "sent": body,
    });
    match (method.as_str(), uri.path()) {
        // A create answered 200, not 201.
        ("POST", "/v1.0/groups/g1/threads") => {
            let body =
                json!({"id": "t1", "topic": "Plans", "echo": echo, "password": "ANSWER-SECRET-pw"});
            (StatusCode::OK, json_headers, body.to_string()).into_response()
        }
        // An id of the wrong type.
        ("GET", "/v1.0/groups/g1") => (
            StatusCode::OK,
            json_headers,
            json!({"id": 42, "displayName": "Team"}).to_string(),
        )
            .into_response(),
        // A property the documented answer shows is missing.
        ("GET", "/v1.0/groups/g2") => (
            StatusCode::OK,
            json_headers,
            json!({"id": "g2"}).to_string(),
        )
            .into_response(),
        // More than --max-body.
        ("GET", "/v1.0/groups") => {
            let many: Vec<Value> = (0..100_000)
                .map(|i| json!({"id": format!("g{i}")}))
                .collect();
            (
                StatusCode::OK,
                json_headers,
                json!({"value": many}).to_string(),
            )
                .into_response()
        }
        // A plain-text error.
        _ => (
            StatusCode::NOT_FOUND,
            [("content-type", "text/plain"), ("request-id", "r-2")],
            "not found",
        )
            .into_response(),
    }
}

const READ_GROUP: &str = r#"[[case]]
name = "get_group"
[case.request]
method = "GET"
path = "/v1.0/groups/{group-id}"
[case.expect]
status = 200
required = ["/displayName"]
"#;

/// Every file below `dir`, as text.
fn written(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => all.push_str(&written(&path)),
            false => all.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap())),
        }
    }
    all
}

#[test]
fn each_exchange_with_a_drifting_upstream_names_its_violation_and_no_secret_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    common::import_schemas("office.csdl", &schemas);
    std::fs::create_dir_all(dir.path().join("cases")).unwrap();
    std::fs::write(dir.path().join("cases/groups.toml"), READ_GROUP).unwrap();
    let runtime = common::runtime();
    let upstream = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            async move { axum::serve(listener, axum::Router::new().fallback(drifting)).await },
        );
        format!("http://{addr}")
    });
    let proxy = Proxy::start(
        dir.path(),
        &[
            "--upstream",
            &upstream,
            "--cases",
            "cases",
            "--annotate",
            "--record",
            "recorded",
        ],
    );
    let form = "grant_type=client_credentials&client_secret=SEKRET-form-value".to_string();
    let (status, headers, body) = send(
        &runtime,
        &proxy.base,
        ("POST", "/v1.0/groups/g1/threads"),
        Some(("application/x-www-form-urlencoded", form)),
    );
    assert_eq!(status, 200, "answered unchanged");
    assert_eq!(
        body["echo"]["auth"], "Bearer tok-SECRET-4711",
        "forwarded unchanged"
    );
    assert_eq!(
        body["echo"]["accepts"],
        Value::Null,
        "answers are asked for uncompressed, to be judged as read"
    );
    let violations = headers
        .get("conform-violations")
        .expect("--annotate")
        .to_str()
        .unwrap();
    assert!(violations.contains("status"), "{violations}");
    send(&runtime, &proxy.base, ("GET", "/v1.0/groups/g1"), None);
    send(&runtime, &proxy.base, ("GET", "/v1.0/groups/g2"), None);
    send(&runtime, &proxy.base, ("GET", "/v1.0/groups/g3"), None);
    let (status, _, big) = send(&runtime, &proxy.base, ("GET", "/v1.0/groups"), None);
    assert_eq!(
        (status, big["value"].as_array().map(Vec::len)),
        (200, Some(100_000)),
        "streamed through whole"
    );
    let (code, text) = proxy.stop(&runtime);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("test POST /v1.0/groups/{group-id}/threads #1 ... FAILED"),
        "{text}"
    );

    let report = common::report(&dir.path().join("reports"));
    let failures = |n: usize| report["cases"][n]["failures"].as_array().unwrap().clone();
    assert_eq!(failures(0)[0]["kind"], "status", "{report}");
    assert_eq!(failures(1)[0]["pointer"], "/id", "an id of the wrong type");
    assert_eq!(
        failures(2)[0]["pointer"],
        "/displayName",
        "a documented property missing"
    );
    let plain = failures(3);
    assert!(
        plain
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("error envelope")),
        "{plain:?}"
    );
    assert_eq!(
        report["cases"][0]["operation"],
        "v1.0 conversationThread create"
    );

    let everything = written(&dir.path().join("reports")) + &written(&dir.path().join("recorded"));
    assert!(
        everything.contains("[REDACTED]"),
        "the echoed secrets were there to remove"
    );
    for secret in ["tok-SECRET-4711", "SEKRET-form-value", "ANSWER-SECRET-pw"] {
        assert!(!everything.contains(secret), "{secret} was written");
    }
}

#[test]
fn a_recorded_session_replays_against_a_fresh_server() {
    let dir = tempfile::tempdir().unwrap();
    common::import_schemas("office.csdl", &dir.path().join("schemas"));
    let runtime = common::runtime();
    let proxy = Proxy::start(
        dir.path(),
        &["--upstream", "embedded", "--record", "recorded"],
    );
    let group = json!({"displayName": "Team", "mailEnabled": false, "mailNickname": "team", "securityEnabled": true});
    let (status, headers, created) = send(
        &runtime,
        &proxy.base,
        ("POST", "/v1.0/groups"),
        Some(("application/json", group.to_string())),
    );
    assert_eq!(status, 201, "{created}");
    let location = headers["location"].to_str().unwrap();
    assert!(
        location.starts_with(&proxy.base),
        "a link leads back through the proxy: {location}"
    );
    let id = created["id"].as_str().unwrap().to_string();
    let threads = format!("/v1.0/groups/{id}/threads");
    let thread = json!({"topic": "Plans"});
    let (status, _, made) = send(
        &runtime,
        &proxy.base,
        ("POST", &threads),
        Some(("application/json", thread.to_string())),
    );
    assert_eq!(status, 201, "{made}");
    let read = format!("{threads}/{}", made["id"].as_str().unwrap());
    assert_eq!(send(&runtime, &proxy.base, ("GET", &read), None).0, 200);
    assert_eq!(send(&runtime, &proxy.base, ("GET", &threads), None).0, 200);
    let (code, text) = proxy.stop(&runtime);
    assert_eq!(code, Some(0), "every exchange follows the contract: {text}");

    let recorded = std::fs::read_to_string(dir.path().join("recorded/session.toml")).unwrap();
    let file: toml::Value = toml::from_str(&recorded).unwrap();
    for case in file["case"].as_array().unwrap() {
        let path = case["request"]["path"].as_str().unwrap();
        assert!(!path.contains(&id), "ids in paths are placeholders: {path}");
    }
    assert!(
        recorded.contains("/v1.0/groups/{group-id}/threads/{conversationThread-id}"),
        "{recorded}"
    );
    let replay = Test::in_dir(dir.path())
        .args([
            "run",
            "--cases",
            "recorded",
            "--schemas",
            "schemas",
            "--no-report",
        ])
        .run();
    let text = common::text(&replay);
    assert_eq!(replay.status.code(), Some(0), "{text}\n{recorded}");
    assert!(text.contains("4 passed"), "{text}");
}

#[test]
fn an_upstream_that_is_gone_is_answered_as_a_gateway_answers_and_the_proxy_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let runtime = common::runtime();
    let proxy = Proxy::start(dir.path(), &["--upstream", &upstream]);
    for _ in 0..2 {
        let (status, headers, body) = send(&runtime, &proxy.base, ("GET", "/v1.0/me"), None);
        assert_eq!(status, 502, "{body}");
        assert_eq!(body["error"]["code"], "BadGateway", "{body}");
        assert!(headers.contains_key("request-id"));
    }
    // A client whose body breaks off sends nothing upstream: no failure of the upstream's.
    let address = proxy.base.trim_start_matches("http://");
    let mut client = std::net::TcpStream::connect(address).unwrap();
    std::io::Write::write_all(
        &mut client,
        b"POST /v1.0/groups HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"a\"",
    )
    .unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut client, &mut answer);
    let (code, text) = proxy.stop(&runtime);
    assert_eq!(code, Some(1), "{text}");
    let report = common::report(&dir.path().join("reports"));
    assert_eq!(report["summary"]["failed"], 2, "{report}");
    assert_eq!(report["cases"][0]["failures"][0]["kind"], "transport");
    assert_eq!(report["summary"]["skipped"], 1, "{report}");
    assert!(
        report["cases"][2]["skip_reason"]
            .as_str()
            .is_some_and(|why| why.starts_with("not sent upstream")),
        "{report}"
    );
}

#[test]
fn one_slow_answer_holds_no_other_client() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = common::runtime();
    // The slow path answers only once the test lets it: no clock decides anything here.
    let release = std::sync::Arc::new(tokio::sync::Notify::new());
    let upstream = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let held = release.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let held = held.clone();
            async move {
                if uri.path() == "/v1.0/slow" {
                    held.notified().await;
                }
                (
                    [("content-type", "application/json"), ("request-id", "r")],
                    "{}",
                )
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    });
    let proxy = Proxy::start(dir.path(), &["--upstream", &upstream]);
    let base = proxy.base.clone();
    runtime.block_on(async {
        let client = common::http_client();
        let slow = tokio::spawn(client.get(format!("{base}/v1.0/slow")).send());
        let fast: Vec<_> = (0..200)
            .map(|i| {
                let request = client.get(format!("{base}/v1.0/fast/{i}")).send();
                tokio::spawn(request)
            })
            .collect();
        let all_fast = async {
            for answer in fast {
                assert_eq!(answer.await.unwrap().unwrap().status().as_u16(), 200);
            }
        };
        // A guard against a hang, not a measure: 200 answers on loopback take far less.
        tokio::time::timeout(std::time::Duration::from_secs(60), all_fast)
            .await
            .expect("the fast answers came while the slow one was held");
        assert!(!slow.is_finished(), "the slow answer is still held");
        release.notify_one();
        assert_eq!(slow.await.unwrap().unwrap().status().as_u16(), 200);
    });
    let (code, text) = proxy.stop(&runtime);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("201 ignored") || text.contains("201 skipped"),
        "untyped, forwarded: {text}"
    );
}
