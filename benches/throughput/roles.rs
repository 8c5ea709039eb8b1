//! The processes the benchmark starts besides conform: a static responder and a raw client.
//! Each is this benchmark's own binary started again with `CONFORM_BENCH_ROLE` set, so that
//! client, harness and server each have a process of their own and compete for the cores alike.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{StatusCode, header};

/// The environment variable that makes the benchmark binary play a role.
pub const ROLE: &str = "CONFORM_BENCH_ROLE";

/// The request body every static-suite case and the raw client send.
pub const THREAD_REQUEST: &str = r#"{"topic":"topic-value","toRecipients":[{"emailAddress":{"name":"name-value","address":"address-value"}}],"hasAttachments":true,"lastDeliveredDateTime":"2016-10-19T10:37:00Z","uniqueSenders":["uniqueSenders-value"],"ccRecipients":[]}"#;

/// What the static responder answers to every request: a created conversation thread.
const THREAD_ANSWER: &str = r#"{"@odata.context":"https://graph.microsoft.com/beta/$metadata#groups('g')/threads/$entity","id":"AAQkADMthread=","topic":"topic-value","toRecipients":[{"emailAddress":{"name":"name-value","address":"address-value"}}],"ccRecipients":[],"hasAttachments":true,"lastDeliveredDateTime":"2016-10-19T10:37:00Z","uniqueSenders":["uniqueSenders-value"],"preview":"","isLocked":false}"#;

const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Plays the role named in `CONFORM_BENCH_ROLE`, if any; true when it did.
pub fn play() -> bool {
    let Ok(role) = std::env::var(ROLE) else {
        return false;
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match role.as_str() {
        "responder" => respond(),
        "raw-client" => raw_client(&args),
        "measure" => crate::measure::measure_child(&args),
        other => panic!("unknown benchmark role {other}"),
    }
    true
}

/// Answers every request with 201 and the same thread, until killed; prints its port first.
fn respond() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        let app = axum::Router::new().fallback(|| async {
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
                THREAD_ANSWER,
            )
        });
        axum::serve(listener, app).await.unwrap();
    });
}

/// `URL COUNT JOBS`: sends COUNT POSTs of the thread body, JOBS at a time, reading every
/// answer and checking nothing.
fn raw_client(args: &[String]) {
    let [url, count, jobs] = args else {
        panic!("raw-client takes URL COUNT JOBS, got {args:?}");
    };
    let count: usize = count.parse().unwrap();
    let jobs: usize = jobs.parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let next = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..jobs {
            let (client, url, next) = (client.clone(), url.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let response = client
                        .post(&url)
                        .bearer_auth("bench-token")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(THREAD_REQUEST)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), StatusCode::CREATED);
                    let _ = response.bytes().await.unwrap();
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
    });
}
