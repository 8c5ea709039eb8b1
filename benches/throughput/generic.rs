//! The reference server over an API model: start-up with the model, its rate against a static
//! responder, and its memory with many entities stored.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use crate::suites::root;

/// The metadata served: Graph's v1.0 when it is beside the project, else the test fixture.
fn metadata() -> PathBuf {
    let graph = root().join("../shared/graph-metadata/v1.0.csdl");
    if graph.is_file() {
        graph
    } else {
        root().join("tests/fixtures/csdl/office.csdl")
    }
}

fn import(work: &Path) -> PathBuf {
    let schemas = work.join("generic-schemas");
    let status = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["schemas", "import", "--out"])
        .arg(&schemas)
        .arg("--csdl")
        .arg(metadata())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    schemas
}

/// `conform mock` over `schemas` in a process of its own, and its base URL.
fn spawn(schemas: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["mock", "--port", "0", "--schemas"])
        .arg(schemas)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    (child, url)
}

/// A process's resident memory now and at its peak, in MB (Linux).
fn memory_of(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub fn generic_server(
    runtime: &tokio::runtime::Runtime,
    work: &Path,
    seconds: f64,
    entities: usize,
    static_rate: f64,
) {
    let schemas = import(work);
    println!(
        "\nreference server over {}",
        metadata().file_name().unwrap().to_string_lossy()
    );
    let mut starts: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (mut child, _) = spawn(&schemas);
            let seconds = started.elapsed().as_secs_f64();
            let _ = child.kill();
            let _ = child.wait();
            seconds
        })
        .collect();
    starts.sort_by(f64::total_cmp);
    println!(
        "  start-up to listening, median of 5   {:>8.3} s   (target <= 0.5 s)",
        starts[2]
    );

    let models = conform::api::file::Models::load(&schemas).unwrap();
    let config = conform::mock::behaviour::MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(models),
            ..Default::default()
        }),
        fixtures: vec![("group-id".into(), "load".into())],
        ..Default::default()
    };
    let server = runtime
        .block_on(conform::mock::server::Server::start_with(
            ([127, 0, 0, 1], 0).into(),
            config,
        ))
        .unwrap();
    let url = format!("{}/v1.0/groups/load/threads", server.base_url());
    let rate = runtime.block_on(crate::load(url, 32, seconds));
    runtime.block_on(server.shutdown());
    println!("  create thread, 32 clients          {rate:>8.0} requests/s");
    println!(
        "  ratio to static axum               {:>8.2}   (target >= 0.50)",
        rate / static_rate
    );

    // A conversation is one entity; a thread posted to a group is two (it starts a
    // conversation that holds it), as in Graph.
    for (collection, what) in [
        ("conversations", "conversations (one entity each)"),
        ("threads", "group threads (two entities each)"),
    ] {
        let (mut child, base) = spawn(&schemas);
        let pid = child.id();
        let (before, _) = memory_of(pid);
        let started = Instant::now();
        runtime.block_on(create_many(&base, entities, collection));
        let elapsed = started.elapsed().as_secs_f64();
        let (now, peak) = memory_of(pid);
        let _ = child.kill();
        let _ = child.wait();
        println!(
            "  {entities} {what} created in {elapsed:.1} s: RSS {before:.0} MB before, {now:.0} MB after, peak {peak:.0} MB   (target <= 200 MB for 100,000 entities)"
        );
    }
}

/// `count` entities of a group's `collection` created, 32 at a time.
async fn create_many(base: &str, count: usize, collection: &str) {
    let client = reqwest::Client::new();
    let group: serde_json::Value = serde_json::from_slice(
        &client
            .post(format!("{base}/v1.0/groups"))
            .bearer_auth("t")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let url = format!(
        "{base}/v1.0/groups/{}/{collection}",
        group["id"].as_str().unwrap()
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                let response = client
                    .post(&url)
                    .bearer_auth("t")
                    .header("content-type", "application/json")
                    .body(r#"{"topic":"a thread of some length, as a client would send"}"#)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 201);
                let _ = response.bytes().await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
