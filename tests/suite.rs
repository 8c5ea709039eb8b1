//! The shipped suite as a test target: `cargo test --test suite` (and `cargo nextest run`)
//! runs every case against the embedded reference server, one trial per case.

use std::path::Path;
use std::process::ExitCode;

use conform::config::file::Profile;
use conform::config::settings::{self, Flags};
use conform::run::pipeline::{self, RunOptions};

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The embedded target: no flags, no profile, no environment.
    let settings = settings::resolve(Flags::default(), &Profile::default(), &|_| None);
    let run = settings.and_then(|settings| {
        pipeline::run(RunOptions {
            cases_dir: root.join("cases"),
            schemas_dir: root.join("schemas"),
            settings,
            report_dir: None,
            baseline: None,
            coverage_baseline: None,
            shard: None,
            keep: false,
            dry_run: false,
            test_args: libtest_mimic::Arguments::from_args(),
        })
    });
    match run {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(conform::exit::COULD_NOT_RUN)
        }
    }
}
