//! The shipped suite as a test target: `cargo test --test suite` (and `cargo nextest run`)
//! runs every case against the embedded reference server, one trial per case.

use std::path::Path;
use std::process::ExitCode;

use conform::exec::Limits;
use conform::runner::{self, RunOptions};

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = RunOptions {
        cases_dir: root.join("cases"),
        schemas_dir: root.join("schemas"),
        base_url: None,
        vars: Vec::new(),
        report_dir: None,
        baseline: None,
        shard: None,
        jobs: 16,
        limits: Limits::default(),
        token: None,
        test_args: libtest_mimic::Arguments::from_args(),
    };
    match runner::run(options) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(conform::exit::COULD_NOT_RUN)
        }
    }
}
