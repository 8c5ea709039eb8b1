//! The command line: one file per command. Parses flags and hands over to the library.

pub mod baseline;
pub mod coverage;
pub mod explain;
pub mod import;
pub mod lint;
pub mod list;
pub mod mock;
pub mod output;
pub mod proxy;
pub mod report;
pub mod run;
pub mod schemas;
pub mod target;
pub mod tls_args;

use clap::{Parser, Subcommand};

use crate::exit;

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
    Run(Box<run::RunArgs>),
    /// Serve the reference server: the documented contract, in memory.
    ///
    /// Example: conform mock --port 8080
    Mock(mock::MockArgs),
    /// Maintain a baseline of known failures.
    #[command(subcommand)]
    Baseline(baseline::BaselineCommand),
    /// Work with reports already written.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Turn documentation pages into case files: one TOML file per page, one case per
    /// documented request/response pair.
    ///
    /// Example: conform import docs/group-post-threads.md --out cases
    Import(import::ImportArgs),
    /// Generate JSON Schemas from Microsoft's metadata (OData CSDL).
    #[command(subcommand)]
    Schemas(schemas::SchemasCommand),
    /// List every case: name, file, tags, method, path, expected status, schema.
    ///
    /// Example: conform list --format json
    List(list::ListArgs),
    /// Find defects in documentation pages and case files, like a compiler's diagnostics.
    ///
    /// Example: conform lint --docs docs/*.md --deny warnings
    Lint(lint::LintArgs),
    /// Show how the API model types a path: each segment, what it is, the type reached, and
    /// the operation a method makes of it.
    ///
    /// Example: conform explain /v1.0/groups/{group-id}/threads -X POST
    Explain(explain::ExplainArgs),
    /// Stand between a Graph client and a service: forward every request unchanged, judge
    /// every answer against the contract, write the reports when stopped (Ctrl-C, or
    /// POST /_proxy/stop), and with --record keep the session as a replayable suite.
    ///
    /// Example: conform proxy --upstream https://graph.microsoft.com --port 8000 --record recorded
    Proxy(proxy::ProxyArgs),
    /// Count the operations of the API models per workload: what the suite documents, or
    /// (with --report) what a run made of each; with --coverage-baseline, what was lost.
    ///
    /// Example: conform coverage --schemas schemas --cases cases
    Coverage(coverage::CoverageArgs),
    /// Print shell completions.
    ///
    /// Example: conform completions bash > /etc/bash_completion.d/conform
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// The command line `args` (the program's name first), read as `main` reads it.
fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    // The test-harness flags `run` borrows bring their own help template, one that names no
    // command: clap's is put back.
    let command = <Cli as clap::CommandFactory>::command().mut_subcommand("run", |run| {
        run.help_template("{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}")
    });
    command
        .try_get_matches_from(args)
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
}

/// Whether `args` (without the program's name) is a command line conform takes: what the
/// documentation's commands are checked by. The error is clap's message.
pub fn check_arguments(args: &[String]) -> Result<(), String> {
    let line = std::iter::once("conform".to_string()).chain(args.iter().cloned());
    match parse(line) {
        Ok(_) => Ok(()),
        Err(e) if !e.use_stderr() => Ok(()), // --help, --version
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> u8 {
    let cli = match parse(std::env::args_os()) {
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
        Command::Run(args) => run::execute(*args),
        Command::Mock(args) => mock::execute(args),
        Command::Baseline(command) => baseline::execute(command),
        Command::Report(command) => report::execute(command),
        Command::Import(args) => import::execute(args),
        Command::Schemas(command) => schemas::execute(command),
        Command::List(args) => list::execute(args),
        Command::Lint(args) => lint::execute(args),
        Command::Explain(args) => explain::execute(args),
        Command::Coverage(args) => coverage::execute(args),
        Command::Proxy(args) => proxy::execute(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "conform", &mut std::io::stdout());
            Ok(exit::PASS)
        }
    }
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        exit::COULD_NOT_RUN
    })
}
