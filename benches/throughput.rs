//! `cargo bench`: what conform costs on top of the HTTP exchanges it makes, as ratios measured
//! in one run on one machine. `CONFORM_BENCH_QUICK=1` runs a small version of every measure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conform::schema::registry::Schemas;
use conform::suite::load;
use conform::suite::model::Case;
use serde_json::Value;
use tokio::sync::Semaphore;

const JOBS: usize = 16;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped cases repeated to `count` cases (renamed, `[doc]` tables dropped), in `dir`.
fn synthetic_suite(dir: &Path, count: usize) {
    let mut blocks = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for block in text.split("\n[[case]]\n").skip(1) {
            blocks.push(block.to_string());
        }
    }
    let mut out = String::new();
    let mut written = 0;
    let mut file_index = 0;
    while written < count {
        let block = &blocks[written % blocks.len()];
        let renamed = block.replacen("name = \"", &format!("name = \"n{written}_"), 1);
        out.push_str("\n[[case]]\n");
        out.push_str(&renamed);
        written += 1;
        if written % 1000 == 0 || written == count {
            std::fs::write(dir.join(format!("s{file_index:04}.toml")), &out).unwrap();
            out.clear();
            file_index += 1;
        }
    }
}

struct Run {
    seconds: f64,
    max_rss_kib: i64,
    report: Option<Value>,
}

/// Peak resident memory of the largest child waited for so far, in KiB.
fn children_max_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

fn conform_run(cases: &Path, base_url: &str, jobs: usize, reports: Option<&Path>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
    command
        .args([
            "run",
            "--cases",
            cases.to_str().unwrap(),
            "--base-url",
            base_url,
        ])
        .args([
            "--var",
            "group-id=g",
            "--var",
            "user-id=u",
            "--var",
            "channel-id=c",
        ])
        .args(["--jobs", &jobs.to_string(), "-q"])
        .env("CONFORM_TOKEN", "bench-token")
        .env_remove("CI")
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match reports {
        Some(dir) => command.args(["--report", dir.to_str().unwrap()]),
        None => command.arg("--no-report"),
    };
    let started = Instant::now();
    let status = command.status().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "conform run failed: {status}"
    );
    Run {
        seconds,
        max_rss_kib: children_max_rss_kib(),
        report: reports.map(|dir| {
            serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
        }),
    }
}

/// The same requests as the cases make (setup with captures, request, teardown), no checks.
async fn bare_loop(cases: Vec<Case>, base_url: String, jobs: usize) -> f64 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let permits = Arc::new(Semaphore::new(jobs));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(cases.len());
    for case in cases {
        let (client, base_url, permits) = (client.clone(), base_url.clone(), permits.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            let mut vars: std::collections::HashMap<String, String> =
                [("group-id", "g"), ("user-id", "u"), ("channel-id", "c")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            let requests = case
                .setup
                .iter()
                .map(|s| &s.request)
                .chain([&case.request])
                .chain(case.teardown.iter().map(|s| &s.request));
            for request in requests {
                let Ok(path) = request.path.render(&vars) else {
                    continue;
                };
                let mut builder = client
                    .request(request.method.parse().unwrap(), format!("{base_url}{path}"))
                    .bearer_auth("bench-token");
                if let Some(json) = &request.json {
                    builder = builder
                        .header("content-type", "application/json")
                        .body(json.to_string());
                }
                let body = builder.send().await.unwrap().bytes().await.unwrap();
                if !request.capture.is_empty() {
                    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    for capture in &request.capture {
                        if let Some(v) = value.pointer(&capture.pointer).and_then(Value::as_str) {
                            vars.insert(capture.variable.clone(), v.to_string());
                        }
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// Requests per second a handler serves to `concurrency` clients for `seconds`.
async fn load(url: String, body: Option<&'static str>, concurrency: usize, seconds: f64) -> f64 {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut count = 0u64;
            while Instant::now() < deadline {
                let request = match body {
                    Some(body) => client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body),
                    None => client.get(&url),
                };
                let response = request.bearer_auth("t").send().await.unwrap();
                let _ = response.bytes().await.unwrap();
                count += 1;
            }
            count
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / seconds
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    // libtest flags (`--bench`) are passed to bench targets; this one takes none.
    let quick = std::env::var_os("CONFORM_BENCH_QUICK").is_some();
    let (n, sequential_n, big_n, load_seconds) = if quick {
        (700, 140, 1400, 0.5)
    } else {
        (20_000, 2_000, 100_000, 3.0)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(conform::mock::server::Server::start(
            ([127, 0, 0, 1], 0).into(),
        ))
        .unwrap();
    let base_url = server.base_url();
    println!(
        "conform benchmark ({} mode, {} cores)",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let work = tempfile::tempdir().unwrap();

    // Memory for a large suite, first: a child's peak RSS (getrusage) counts the pages it
    // shared with this process until exec, so it is measured while this process is small.
    let big = work.path().join("big");
    std::fs::create_dir(&big).unwrap();
    synthetic_suite(&big, big_n);
    let no_reports = conform_run(&big, &base_url, JOBS, None);
    let rss_without = no_reports.max_rss_kib;
    let big_reports = work.path().join("big-reports");
    let with_reports = conform_run(&big, &base_url, JOBS, Some(&big_reports));
    println!("\npeak RSS, {big_n} cases");
    println!(
        "  --no-report      {:>6.0} MB  ({:.1} s)",
        rss_without as f64 / 1024.0,
        no_reports.seconds
    );
    println!(
        "  with reports     {:>6.0} MB  ({:.1} s)   (target <= 100 MB)",
        with_reports.max_rss_kib.max(rss_without) as f64 / 1024.0,
        with_reports.seconds
    );
    let summary = &with_reports.report.as_ref().unwrap()["summary"];
    println!(
        "  verdicts         {} passed, {} failed, {} errors",
        summary["passed"], summary["failed"], summary["errors"]
    );

    let suite = work.path().join("suite");
    std::fs::create_dir(&suite).unwrap();
    synthetic_suite(&suite, n);
    let cases = load::load_dir(&suite).unwrap();

    // Harness and floor, concurrent.
    let reports = work.path().join("reports");
    let harness = conform_run(&suite, &base_url, JOBS, Some(&reports));
    let bare = runtime.block_on(bare_loop(cases.clone(), base_url.clone(), JOBS));
    let mut durations: Vec<u64> = harness.report.as_ref().unwrap()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["duration_ms"].as_u64().unwrap())
        .collect();
    durations.sort_unstable();
    println!("\nharness, {n} cases, {JOBS} in flight (reports written)");
    println!(
        "  conform run     {:>9.0} cases/s   p50 {} ms  p99 {} ms",
        n as f64 / harness.seconds,
        percentile(&durations, 0.5),
        percentile(&durations, 0.99)
    );
    println!("  bare reqwest    {:>9.0} cases/s", n as f64 / bare);
    println!(
        "  ratio           {:>9.2}   (target >= 0.70)",
        bare / harness.seconds
    );

    // Sequential.
    let seq_dir = work.path().join("seq");
    std::fs::create_dir(&seq_dir).unwrap();
    synthetic_suite(&seq_dir, sequential_n);
    let seq_cases = load::load_dir(&seq_dir).unwrap();
    let harness_seq = conform_run(&seq_dir, &base_url, 1, None);
    let bare_seq = runtime.block_on(bare_loop(seq_cases, base_url.clone(), 1));
    println!("\nsequential, {sequential_n} cases, --jobs 1");
    println!(
        "  conform run     {:>9.0} cases/s",
        sequential_n as f64 / harness_seq.seconds
    );
    println!(
        "  bare reqwest    {:>9.0} cases/s",
        sequential_n as f64 / bare_seq
    );
    println!(
        "  ratio           {:>9.2}   (target >= 0.70)",
        bare_seq / harness_seq.seconds
    );

    // Validation alone.
    let schemas = Schemas::load_dir(&root().join("schemas")).unwrap();
    println!("\nschema validation alone");
    let samples = runtime.block_on(async {
        let client = reqwest::Client::new();
        let thread: Value = serde_json::from_slice(&client.post(format!("{base_url}/beta/groups/g/threads")).bearer_auth("t").header("content-type", "application/json").body(r#"{"topic":"t","toRecipients":[{"emailAddress":{"name":"n","address":"a"}}]}"#).send().await.unwrap().bytes().await.unwrap()).unwrap();
        let conversation: Value = serde_json::from_slice(&client.post(format!("{base_url}/beta/groups/g/conversations")).bearer_auth("t").header("content-type", "application/json").body(r#"{"topic":"t","threads":[{"posts":[{"body":{"contentType":"html","content":"x"}}]}]}"#).send().await.unwrap().bytes().await.unwrap()).unwrap();
        vec![("conversationThread", thread), ("conversation", conversation)]
    });
    for (name, body) in &samples {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed() < Duration::from_millis(if quick { 100 } else { 1000 }) {
            for _ in 0..100 {
                assert_eq!(schemas.validate(name, body).map(|v| v.len()), Some(0));
            }
            count += 100;
        }
        println!(
            "  {name:<20} {:>10.0} validations/s",
            count as f64 / started.elapsed().as_secs_f64()
        );
    }

    // The reference server against a static handler.
    let (stateful, fixed) = runtime.block_on(async {
        let body = r#"{"topic":"load"}"#;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let static_url = format!("http://{}/static", listener.local_addr().unwrap());
        let answer = serde_json::json!({"id": "x", "topic": "load", "toRecipients": [], "ccRecipients": [], "hasAttachments": false, "lastDeliveredDateTime": "2016-10-19T10:37:00Z", "uniqueSenders": [], "preview": "", "isLocked": false}).to_string();
        let app = axum::Router::new().route("/static", axum::routing::post(move || {
            let answer = answer.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], answer) }
        }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let stateful = load(format!("{base_url}/beta/groups/load/threads"), Some(body), 32, load_seconds).await;
        let fixed = load(static_url, Some(body), 32, load_seconds).await;
        (stateful, fixed)
    });
    println!("\nreference server, 32 clients, create thread (in-process load loop)");
    println!("  reference server {:>8.0} requests/s", stateful);
    println!("  static axum      {:>8.0} requests/s", fixed);
    println!(
        "  ratio            {:>8.2}   (target >= 0.50)",
        stateful / fixed
    );

    // conform list on the shipped suite.
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_conform"))
                .arg("list")
                .current_dir(root())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "\nconform list, shipped suite: median {:.1} ms   (target <= 30 ms)",
        times[times.len() / 2]
    );
    runtime.block_on(server.shutdown());
}
