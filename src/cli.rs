//! The command line: `conform run`, `conform mock`. Parses flags and hands over to the library.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::exec::Limits;
use crate::runner::{self, RunOptions, TOKEN_VARIABLE, exit};
use crate::target::{Secret, parse_var};

#[derive(Parser, Debug)]
#[command(
    name = "conform",
    version,
    about = "Checks that a Microsoft Graph-compatible server answers as its documentation says",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the cases against a server (the embedded reference server by default).
    ///
    /// Example: conform run --base-url http://127.0.0.1:8080 --var group-id=g1 --var user-id=u1
    /// --var channel-id=c1
    Run(Box<RunArgs>),
    /// Serve the reference server: the documented contract, in memory.
    ///
    /// Example: conform mock --port 8080
    Mock(MockArgs),
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Server to test: scheme, host, port (and an optional path prefix). Without it, conform
    /// starts its embedded reference server on a free loopback port.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Value for a path placeholder, e.g. --var group-id=02bd9fd6-8f93-4758-87c3-1fb73740a315.
    /// Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    /// Directory of case files (*.toml).
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,

    /// Directory of JSON Schemas (*.json).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,

    /// Directory for report.json.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    report: PathBuf,

    /// Write no report.
    #[arg(long, conflicts_with = "report")]
    no_report: bool,

    /// Cases in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: u16,

    /// Seconds one request may take, from connecting to the last body byte.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_seconds)]
    timeout: f64,

    #[command(flatten)]
    test_args: libtest_mimic::Arguments,
}

#[derive(clap::Args, Debug)]
struct MockArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(seconds),
        _ => Err(format!(
            "`{text}` is not a number of seconds between 0 and 86400"
        )),
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::COULD_NOT_RUN
            } else {
                exit::PASS
            };
        }
    };
    match cli.command {
        Command::Run(args) => run(*args),
        Command::Mock(args) => mock(args),
    }
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        exit::COULD_NOT_RUN
    })
}

fn run(args: RunArgs) -> Result<u8, Error> {
    let token = std::env::var(TOKEN_VARIABLE)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(Secret::new);
    let limits = Limits {
        request_timeout: Duration::from_secs_f64(args.timeout),
        ..Limits::default()
    };
    runner::run(RunOptions {
        cases_dir: args.cases,
        schemas_dir: args.schemas,
        base_url: args.base_url,
        vars: args.vars,
        report_dir: (!args.no_report).then_some(args.report),
        jobs: usize::from(args.jobs),
        limits,
        token,
        test_args: args.test_args,
    })
}

fn mock(args: MockArgs) -> Result<u8, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    let addr = SocketAddr::new(args.host, args.port);
    runtime
        .block_on(crate::mock::serve_forever(addr))
        .map_err(|e| Error::new(format!("cannot serve on {addr}: {e}")))?;
    Ok(exit::PASS)
}
