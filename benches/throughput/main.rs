//! `cargo bench --bench throughput`: what conform costs on top of the HTTP exchanges it makes,
//! as ratios measured in one run on one machine. `CONFORM_BENCH_QUICK=1` runs a small version
//! of every measure; `CONFORM_BENCH_MILLION=1` adds a run of 1,000,000 cases;
//! `CONFORM_BENCH_SERVER=1` measures the reference servers alone.

/// The allocator the `conform` binary runs with, so that a server or client measured in this
/// process allocates as it does there; every role gets it alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod generic;
mod measure;
mod roles;
mod suites;

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conform::schema::registry::Schemas;
use serde_json::Value;

use crate::measure::Cost;
use crate::suites::root;

const JOBS: usize = 16;

/// Sizes of the measures: full, or quick for a smoke run.
struct Sizes {
    concurrent: usize,
    sequential: usize,
    big: usize,
    rounds: usize,
    load_seconds: f64,
}

fn main() {
    // libtest flags (`--bench`) are passed to bench targets; this one takes none.
    // reqwest is built without a default TLS provider; conform installs ring, and so does this.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if roles::play() {
        return;
    }
    let quick = std::env::var_os("CONFORM_BENCH_QUICK").is_some();
    let sizes = if quick {
        Sizes {
            concurrent: 1000,
            sequential: 300,
            big: 2000,
            rounds: 1,
            load_seconds: 0.5,
        }
    } else {
        Sizes {
            concurrent: 20_000,
            sequential: 5_000,
            big: 100_000,
            rounds: 3,
            load_seconds: 3.0,
        }
    };
    println!(
        "conform benchmark ({} mode, {} cores)",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let work = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = conform::mock::behaviour::MockConfig {
        served: Some(
            conform::mock::generic::served::Served::from_dirs(
                &root.join("schemas"),
                &root.join("cases"),
            )
            .unwrap(),
        ),
        ..Default::default()
    };
    let server = runtime
        .block_on(conform::mock::server::Server::start_with(
            ([127, 0, 0, 1], 0).into(),
            shipped,
        ))
        .unwrap();
    let reference_url = server.base_url();
    let (responder, static_url) = start_responder();

    // `CONFORM_BENCH_SERVER=1`: the reference servers alone.
    let servers_only = std::env::var_os("CONFORM_BENCH_SERVER").is_some();
    if !servers_only {
        // Memory first, while this process is small.
        memory(work.path(), &sizes, &reference_url, &static_url);
        against_static_responder(work.path(), &sizes, &static_url);
        validation_alone(&runtime, &reference_url, quick);
    }
    let static_rate = reference_server_against_static(&runtime, &reference_url, sizes.load_seconds);
    generic::generic_server(
        &runtime,
        work.path(),
        sizes.load_seconds,
        if quick { 5_000 } else { 100_000 },
        static_rate,
    );
    if !servers_only {
        list_time();
    }

    runtime.block_on(server.shutdown());
    drop(responder);
}

/// The static responder's process, stopped when dropped (a failing measure included).
struct Responder(Child);

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The static responder, in its own process, and its base URL.
fn start_responder() -> (Responder, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(roles::ROLE, "responder")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    (
        Responder(child),
        format!("http://127.0.0.1:{}", port.trim()),
    )
}

/// `conform run` of the suite in `cases` against `base_url`, `jobs` at a time.
fn conform(cases: &Path, base_url: &str, jobs: usize, reports: Option<&Path>) -> Command {
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
        .current_dir(root());
    match reports {
        Some(dir) => command.args(["--report", dir.to_str().unwrap()]),
        None => command.arg("--no-report"),
    };
    command
}

fn conform_passes(command: &mut Command) -> Cost {
    let cost = measure::run(command);
    assert_eq!(cost.exit_code, 0, "conform run did not pass: {command:?}");
    cost
}

fn new_dir(parent: &Path, name: &str) -> std::path::PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Peak RSS of large runs, with and without reports.
fn memory(work: &Path, sizes: &Sizes, reference_url: &str, static_url: &str) {
    let shipped = new_dir(work, "shipped-big");
    suites::shipped_repeated(&shipped, sizes.big);
    let reports = new_dir(work, "shipped-big-reports");
    let without = measure::run(&mut conform(&shipped, reference_url, JOBS, None));
    let with = measure::run(&mut conform(&shipped, reference_url, JOBS, Some(&reports)));
    let report: Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    let summary = &report["summary"];
    println!(
        "\npeak RSS, {} shipped cases repeated, against the reference server",
        sizes.big
    );
    println!(
        "  --no-report      {:>6.0} MB  ({:.1} s)",
        without.max_rss_mb, without.seconds
    );
    println!(
        "  with reports     {:>6.0} MB  ({:.1} s)   (target <= 100 MB)",
        with.max_rss_mb, with.seconds
    );
    println!(
        "  verdicts         {} passed, {} failed, {} errors",
        summary["passed"], summary["failed"], summary["errors"]
    );
    let mut counts = vec![sizes.big];
    if std::env::var_os("CONFORM_BENCH_MILLION").is_some() {
        counts.push(sizes.big * 10);
    }
    println!("\npeak RSS, creates against the static responder, with reports");
    for count in counts {
        let cases = new_dir(work, &format!("static-{count}"));
        suites::static_creates(&cases, count);
        let reports = new_dir(work, &format!("static-{count}-reports"));
        let cost = conform_passes(&mut conform(&cases, static_url, JOBS, Some(&reports)));
        println!(
            "  {count:>9} cases  {:>6.0} MB  ({:.1} s)",
            cost.max_rss_mb, cost.seconds
        );
        std::fs::remove_dir_all(&cases).unwrap();
        std::fs::remove_dir_all(&reports).unwrap();
    }
}

/// conform against a raw client, both in processes of their own, against the static responder.
fn against_static_responder(work: &Path, sizes: &Sizes, static_url: &str) {
    let url = format!("{static_url}/beta/groups/g/threads");
    for (jobs, count, target) in [(JOBS, sizes.concurrent, 0.70), (1, sizes.sequential, 0.80)] {
        let cases = new_dir(work, &format!("static-{jobs}"));
        suites::static_creates(&cases, count);
        let reports = new_dir(work, &format!("static-{jobs}-reports"));
        let mut conform_costs = Vec::new();
        let mut quiet_costs = Vec::new();
        let mut raw_costs = Vec::new();
        for _ in 0..sizes.rounds {
            let raw = measure::run(&mut raw_client(&url, count, jobs));
            assert_eq!(raw.exit_code, 0, "the raw client failed");
            raw_costs.push(raw);
            let with_reports =
                conform_passes(&mut conform(&cases, static_url, jobs, Some(&reports)));
            conform_costs.push(with_reports);
            quiet_costs.push(conform_passes(&mut conform(&cases, static_url, jobs, None)));
        }
        let harness = measure::fastest(conform_costs);
        let quiet = measure::fastest(quiet_costs);
        let raw = measure::fastest(raw_costs);
        println!(
            "\nstatic responder, {count} creates, {jobs} in flight (best of {})",
            sizes.rounds
        );
        let line = |name: &str, cost: &Cost| {
            println!(
                "  {name:<22} {:>9.0} cases/s   {:>5.1} µs CPU a case",
                cost.rate(count),
                cost.cpu_micros_each(count)
            );
        };
        line("conform run", &harness);
        line("conform run --no-report", &quiet);
        line("raw reqwest", &raw);
        for peer in peers(&url, count, jobs, work) {
            line(peer.0, &peer.1);
        }
        println!(
            "  conform / raw          {:>9.2}   (target >= {target:.2}; {:.2} without reports)",
            raw.seconds / harness.seconds,
            raw.seconds / quiet.seconds
        );
    }
}

fn raw_client(url: &str, count: usize, jobs: usize) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .env(roles::ROLE, "raw-client")
        .args([url, &count.to_string(), &jobs.to_string()]);
    command
}

/// oha and Hurl, when installed, against the same URL.
fn peers(url: &str, count: usize, jobs: usize, work: &Path) -> Vec<(&'static str, Cost)> {
    let mut found = Vec::new();
    let installed = |name: &str| {
        Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if installed("oha") {
        let mut oha = Command::new("oha");
        oha.args([
            "--no-tui",
            "-n",
            &count.to_string(),
            "-c",
            &jobs.to_string(),
            "-m",
            "POST",
        ])
        .args([
            "-H",
            "content-type: application/json",
            "-H",
            "authorization: Bearer t",
        ])
        .args(["-d", roles::THREAD_REQUEST, url]);
        found.push(("oha", measure::run(&mut oha)));
    }
    if installed("hurl") {
        let file = work.join("create.hurl");
        let hurl = format!(
            "POST {url}\nauthorization: Bearer t\n```json\n{}\n```\nHTTP 201\n[Asserts]\nheader \"content-type\" contains \"application/json\"\njsonpath \"$.id\" exists\njsonpath \"$.topic\" == \"topic-value\"\njsonpath \"$.hasAttachments\" == true\njsonpath \"$.toRecipients\" count == 1\n",
            roles::THREAD_REQUEST
        );
        std::fs::write(&file, hurl).unwrap();
        let mut command = Command::new("hurl");
        command
            .args(["--test", "--repeat", &count.to_string()])
            .args(["--jobs", &jobs.to_string()])
            .arg(&file);
        if jobs > 1 {
            command.arg("--parallel");
        }
        found.push(("hurl", measure::run(&mut command)));
    }
    found
}

/// Schema validations a second, of the bodies the reference server answers.
fn validation_alone(runtime: &tokio::runtime::Runtime, base_url: &str, quick: bool) {
    let schemas = Schemas::load_dir(&root().join("schemas")).unwrap();
    println!("\nschema validation alone");
    let samples = runtime.block_on(async {
        let client = reqwest::Client::new();
        let post = |path: &str, body: &'static str| {
            client
                .post(format!("{base_url}{path}"))
                .bearer_auth("t")
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let thread = post("/beta/groups/g/threads", roles::THREAD_REQUEST).await.unwrap();
        let thread: Value = serde_json::from_slice(&thread.bytes().await.unwrap()).unwrap();
        let conversation = post(
            "/beta/groups/g/conversations",
            r#"{"topic":"t","threads":[{"posts":[{"body":{"contentType":"html","content":"x"}}]}]}"#,
        )
        .await
        .unwrap();
        let conversation: Value =
            serde_json::from_slice(&conversation.bytes().await.unwrap()).unwrap();
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
}

/// Requests per second a handler serves to `concurrency` clients for `seconds`.
async fn load(url: String, concurrency: usize, seconds: f64) -> f64 {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut count = 0u64;
            while Instant::now() < deadline {
                let request = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(r#"{"topic":"load"}"#);
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

/// The reference server against a minimal axum handler answering a body of the same size, both
/// in this process.
fn reference_server_against_static(
    runtime: &tokio::runtime::Runtime,
    base_url: &str,
    seconds: f64,
) -> f64 {
    let (stateful, fixed) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let static_url = format!("http://{}/static", listener.local_addr().unwrap());
        let answer = serde_json::json!({"id": "x", "topic": "load", "toRecipients": [], "ccRecipients": [], "hasAttachments": false, "lastDeliveredDateTime": "2016-10-19T10:37:00Z", "uniqueSenders": [], "preview": "", "isLocked": false}).to_string();
        let app = axum::Router::new().route(
            "/static",
            axum::routing::post(move || {
                let answer = answer.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], answer) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let stateful = load(format!("{base_url}/beta/groups/load/threads"), 32, seconds).await;
        let fixed = load(static_url, 32, seconds).await;
        (stateful, fixed)
    });
    println!("\nreference server, 32 clients, create thread (in-process load loop)");
    println!("  reference server {:>8.0} requests/s", stateful);
    println!("  static axum      {:>8.0} requests/s", fixed);
    println!(
        "  ratio            {:>8.2}   (target >= 0.50)",
        stateful / fixed
    );
    fixed
}

/// `conform list` on the shipped suite, median of 15 runs.
fn list_time() {
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
            let cost = measure::run(command.arg("list").current_dir(root()));
            assert_eq!(cost.exit_code, 0);
            cost.seconds * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "\nconform list, shipped suite: median {:.1} ms   (target <= 30 ms)",
        times[times.len() / 2]
    );
}
