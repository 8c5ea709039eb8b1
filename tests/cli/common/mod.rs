//! Helpers shared by the integration tests: run the real binary, start servers on loopback.

#![allow(dead_code)]

pub mod agree;
pub mod drift;
pub mod golden;
pub mod project;
pub mod test;
pub mod tls;

pub use test::Test;

use std::path::{Path, PathBuf};
use std::process::Output;

use conform::mock::behaviour::MockConfig;
use conform::mock::server::Server;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Values for every placeholder of the shipped cases, as a user passes them to a remote target.
pub const REMOTE_VARS: &[&str] = &[
    "--var",
    "group-id=g",
    "--var",
    "user-id=u",
    "--var",
    "conversation-id=c",
    "--var",
    "channel-id=ch",
];

/// `conform schemas import` of the fixture `tests/fixtures/csdl/{fixture}` into `out`, which
/// must succeed.
pub fn import_schemas(fixture: &str, out: &Path) {
    let csdl = root().join("tests/fixtures/csdl").join(fixture);
    let args = [
        "schemas",
        "import",
        "--csdl",
        csdl.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    Test::new().args(args).status(0).run();
}

pub fn text(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn report(dir: &Path) -> Value {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json was written");
    serde_json::from_slice(&bytes).expect("report.json is JSON")
}

/// `test` (a `conform mock` or `conform proxy` command line) started, and the address its first
/// line says `conform WHAT` listens on; its stderr goes to `stderr`.
pub fn spawn_listening(
    test: Test,
    what: &str,
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = test
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let prefix = format!("conform {what} listening on ");
    let base = line
        .trim()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    (child, base)
}

/// The record of the case named `name` in a report.
pub fn record_of<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["cases"]
        .as_array()
        .expect("report.json has cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case named {name} in the report"))
}

/// (case name, outcome) of every case of a report.
pub fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["cases"]
        .as_array()
        .expect("cases is an array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A current-thread runtime for starting servers from synchronous tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The reference server on a free loopback port, in the background of `runtime`.
pub fn reference_server(runtime: &tokio::runtime::Runtime) -> Server {
    reference_server_with(runtime, shipped())
}

/// The reference server as it serves the shipped suite: the URL space the paths of `cases/`
/// show, typed by `schemas/`, answered as the cases document.
pub fn shipped() -> MockConfig {
    serving(&root().join("schemas"), &root().join("cases"))
}

/// A reference server serving the suite in `cases`, typed by the schemas folder `schemas`.
pub fn serving(schemas: &Path, cases: &Path) -> MockConfig {
    let served = conform::mock::generic::served::Served::from_dirs(schemas, cases).unwrap();
    MockConfig {
        served: Some(served),
        ..MockConfig::default()
    }
}

/// An HTTP client for talking to test servers directly.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A server on loopback that accepts connections and never answers.
pub fn stalled_server(runtime: &tokio::runtime::Runtime) -> std::net::SocketAddr {
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        addr
    })
}

/// The reference server with non-default behaviour, in the background of `runtime`.
pub fn reference_server_with(runtime: &tokio::runtime::Runtime, config: MockConfig) -> Server {
    runtime
        .block_on(Server::start_with(([127, 0, 0, 1], 0).into(), config))
        .unwrap()
}

/// GET `path` of `base_url` with a bearer token, as JSON.
pub fn get_json(
    runtime: &tokio::runtime::Runtime,
    base_url: &str,
    path: &str,
    token: &str,
) -> Value {
    runtime.block_on(async {
        let response = http_client()
            .get(format!("{base_url}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    })
}

/// Everything a run printed and wrote: stdout, stderr and every report file.
pub fn everything(output: &Output, reports: &Path) -> String {
    let mut all = text(output);
    for file in ["report.json", "junit.xml", "report.md", "report.html"] {
        all.push_str(&std::fs::read_to_string(reports.join(file)).unwrap_or_default());
    }
    all
}
