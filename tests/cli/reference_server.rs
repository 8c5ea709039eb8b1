//! The reference server's contract beyond the happy path: state, and the Graph error envelope
//! for every error.

use crate::common;
use crate::common::Test;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

async fn call(
    base: &str,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let client = common::http_client();
    let mut request = client.request(method.parse().unwrap(), format!("{base}{path}"));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    Answer {
        status,
        content_type,
        body,
    }
}

const AUTH: Option<&str> = Some("Bearer test-token");

fn assert_envelope(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(answer.content_type.starts_with("application/json"));
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.body);
    assert!(answer.body["error"]["message"].is_string());
    assert!(answer.body["error"]["innerError"]["request-id"].is_string());
}

#[test]
fn created_resources_can_be_fetched_and_deleted() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    runtime.block_on(async {
        let created = call(&base, "POST", "/v1.0/groups/g/conversations", AUTH, Some(r#"{"topic":"t","threads":[{"posts":[{"body":{"contentType":"text","content":"hi"}}]}]}"#)).await;
        assert_eq!(created.status, 201);
        assert!(created.body["@odata.context"].is_string());
        let id = created.body["id"].as_str().unwrap().to_string();
        let path = format!("/v1.0/groups/g/conversations/{id}");
        let fetched = call(&base, "GET", &path, AUTH, None).await;
        assert_eq!((fetched.status, fetched.body["topic"].clone()), (200, json!("t")));
        assert_eq!(fetched.body["preview"], "hi");

        let thread = call(&base, "POST", &format!("{path}/threads"), AUTH, Some(r#"{"topic":"x"}"#)).await;
        assert_eq!(thread.status, 201);
        let listed = call(&base, "GET", &format!("{path}/threads"), AUTH, None).await;
        assert_eq!(listed.body["value"].as_array().unwrap().len(), 2);

        assert_eq!(call(&base, "DELETE", &path, AUTH, None).await.status, 204);
        assert_envelope(&call(&base, "GET", &path, AUTH, None).await, 404, "ResourceNotFound");
        assert_envelope(&call(&base, "DELETE", &path, AUTH, None).await, 404, "ResourceNotFound");
    });
}

/// A thread posted to a group starts a conversation that holds it, as in Graph: the group's
/// threads are its conversations' threads.
#[test]
fn a_group_thread_is_fetched_and_deleted_by_id() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    runtime.block_on(async {
        let created = call(
            &base,
            "POST",
            "/beta/groups/g/threads",
            AUTH,
            Some(r#"{"topic":"t","isLocked":true}"#),
        )
        .await;
        assert_eq!(created.status, 201);
        assert_eq!(created.body["isLocked"], true);
        let path = format!(
            "/beta/groups/g/threads/{}",
            created.body["id"].as_str().unwrap()
        );
        assert_eq!(call(&base, "GET", &path, AUTH, None).await.status, 200);
        let conversations = call(&base, "GET", "/beta/groups/g/conversations", AUTH, None).await;
        let started = &conversations.body["value"][0];
        assert_eq!(started["topic"], "t", "{}", conversations.body);
        let threads = format!(
            "/beta/groups/g/conversations/{}/threads",
            started["id"].as_str().unwrap()
        );
        let held = call(&base, "GET", &threads, AUTH, None).await;
        assert_eq!(held.body["value"][0]["id"], created.body["id"]);
        assert_eq!(call(&base, "DELETE", &path, AUTH, None).await.status, 204);
        assert_eq!(call(&base, "GET", &path, AUTH, None).await.status, 404);
    });
}

#[test]
fn errors_use_the_graph_envelope() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    runtime.block_on(async {
        let threads = "/v1.0/groups/g/threads";
        assert_envelope(
            &call(&base, "POST", threads, None, Some("{}")).await,
            401,
            "InvalidAuthenticationToken",
        );
        assert_envelope(
            &call(&base, "POST", threads, Some("Basic dXNlcg=="), Some("{}")).await,
            401,
            "InvalidAuthenticationToken",
        );
        assert_envelope(
            &call(&base, "POST", threads, Some("Bearer "), Some("{}")).await,
            401,
            "InvalidAuthenticationToken",
        );
        assert_envelope(
            &call(&base, "GET", "/nowhere", None, None).await,
            401,
            "InvalidAuthenticationToken",
        );
        assert_envelope(
            &call(&base, "POST", threads, AUTH, Some("{\"topic\": ")).await,
            400,
            "BadRequest",
        );
        assert_envelope(
            &call(
                &base,
                "POST",
                threads,
                AUTH,
                Some(r#"{"hasAttachments":"Boolean"}"#),
            )
            .await,
            400,
            "BadRequest",
        );
        assert_envelope(
            &call(
                &base,
                "POST",
                threads,
                AUTH,
                Some(r#"{"lastDeliveredDateTime":"datetime-value"}"#),
            )
            .await,
            400,
            "BadRequest",
        );
        assert_envelope(
            &call(&base, "GET", "/v1.0/nowhere", AUTH, None).await,
            400,
            "BadRequest",
        );
        assert_envelope(
            &call(&base, "POST", "/v2.0/groups/g/threads", AUTH, Some("{}")).await,
            400,
            "BadRequest",
        );
        assert_envelope(
            &call(&base, "PUT", threads, AUTH, Some("{}")).await,
            405,
            "MethodNotAllowed",
        );
        assert_envelope(
            &call(
                &base,
                "POST",
                "/v1.0/groups/g/conversations/missing/threads",
                AUTH,
                Some("{}"),
            )
            .await,
            404,
            "ResourceNotFound",
        );
        assert_envelope(
            &call(
                &base,
                "POST",
                "/beta/groups/g/channels/c/chatthreads",
                AUTH,
                Some(r#"{"rootMessage":{"body":{"contentType":"xml"}}}"#),
            )
            .await,
            400,
            "BadRequest",
        );
        let client = common::http_client();
        let wrong_type = client
            .post(format!("{base}{threads}"))
            .header("authorization", "Bearer t")
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_type.status().as_u16(), 415);
    });
}

#[test]
fn answers_carry_request_ids_and_echo_the_client_request_id() {
    let runtime = common::runtime();
    let server = common::reference_server(&runtime);
    let base = server.base_url();
    runtime.block_on(async {
        let response = common::http_client()
            .get(format!("{base}/v1.0/groups/g/conversations"))
            .header("authorization", "Bearer t")
            .header("client-request-id", "abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers().contains_key("request-id"));
        assert_eq!(response.headers()["client-request-id"], "abc-123");
    });
}

/// `conform mock` with `args`, and the address it says it listens on.
fn conform_mock(args: &[&str]) -> (std::process::Child, String) {
    let test = Test::new().arg("mock").args(args);
    common::spawn_listening(test, "mock", std::process::Stdio::null())
}

#[test]
fn conform_mock_prints_its_address_and_serves() {
    let (mut child, base) = conform_mock(&["--port", "0"]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let runtime = common::runtime();
    let answer = runtime.block_on(call(
        &base,
        "POST",
        "/beta/groups/g/threads",
        AUTH,
        Some(r#"{"topic":"t"}"#),
    ));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(answer.status, 201);
}

/// `--tls` serves HTTPS with a certificate its written authority vouches for, and the links
/// it writes are `https://`.
#[test]
fn conform_mock_serves_https_with_a_certificate_clients_can_trust() {
    let dir = tempfile::tempdir().unwrap();
    let authority = dir.path().join("authority.pem");
    let authority_arg = authority.to_str().unwrap();
    let (mut child, base) = conform_mock(&["--tls", "--tls-authority", authority_arg]);
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let runtime = common::runtime();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(&authority).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let base = base.replace("127.0.0.1", "localhost");
    let created = runtime.block_on(async {
        client
            .post(format!("{base}/beta/groups/g/threads"))
            .header("authorization", "Bearer t")
            .header("content-type", "application/json")
            .body(r#"{"topic":"t"}"#)
            .send()
            .await
    });
    let untrusting = runtime.block_on(common::http_client().get(format!("{base}/v1.0/me")).send());
    child.kill().unwrap();
    let _ = child.wait();
    let created = created.unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let location = created.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("https://localhost:"), "{location}");
    assert!(
        untrusting.is_err(),
        "a client that does not trust the authority is refused"
    );
}

#[test]
fn conform_mock_refuses_a_certificate_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let output = Test::new()
        .command()
        .args(["mock", "--tls-cert", cert.to_str().unwrap(), "--tls-key"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cert.pem"), "{stderr}");
}
