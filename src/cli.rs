//! The command line: `conform run`, `conform mock`. Parses flags and hands over to the library.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::baseline::Baseline;
use crate::config;
use crate::error::Error;
use crate::exit;
use crate::plan::parse_shard;
use crate::report::{self, Report, Shard};
use crate::runner::{self, RunOptions};
use crate::settings::{self, Flags};
use crate::target::parse_var;

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
    /// Maintain a baseline of known failures.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Work with reports already written.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Turn documentation pages into case files: one TOML file per page, one case per
    /// documented request/response pair.
    ///
    /// Example: conform import docs/group-post-threads.md --out cases
    Import {
        /// Pages (Markdown with annotated code blocks).
        #[arg(required = true, value_name = "PAGE")]
        pages: Vec<PathBuf>,
        /// Where to write the case files.
        #[arg(long, value_name = "DIR", default_value = "cases")]
        out: PathBuf,
        /// Schemas that `@odata.type` annotations are matched against.
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        schemas: PathBuf,
        /// Overwrite existing case files.
        #[arg(long)]
        force: bool,
    },
    /// List every case: name, file, tags, method, path, expected status, schema.
    ///
    /// Example: conform list --format json
    List {
        #[arg(long, value_name = "DIR", default_value = "cases")]
        cases: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Find defects in documentation pages and case files, like a compiler's diagnostics.
    ///
    /// Example: conform lint --docs docs/*.md --deny warnings
    Lint {
        /// Documentation pages to check.
        #[arg(long, value_name = "PAGE", num_args = 1..)]
        docs: Vec<PathBuf>,
        #[arg(long, value_name = "DIR", default_value = "cases")]
        cases: PathBuf,
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        schemas: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Also fail (exit 1) on warnings: `--deny warnings`.
        #[arg(long, value_name = "LEVEL", value_parser = ["warnings"])]
        deny: Option<String>,
    },
    /// Print shell completions.
    ///
    /// Example: conform completions bash > /etc/bash_completion.d/conform
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum BaselineCommand {
    /// Write FILE from a report: every current failure becomes a known failure, entries that
    /// no longer fail are dropped (and listed as fixed), reasons and expiry dates are kept.
    ///
    /// Example: conform baseline update --baseline conform-baseline.toml --report reports
    Update {
        /// The baseline file (TOML); created when missing.
        #[arg(long, value_name = "FILE")]
        baseline: PathBuf,
        /// Directory holding the report.json to read.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        report: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// Merge the report.json files of a sharded run into one set of reports.
    ///
    /// Example: conform report merge shard-1 shard-2 shard-3 --out reports
    Merge {
        /// Directories holding a report.json each.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where to write the merged reports.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Named target of the config file (`embedded`, the built-in reference server, by
    /// default). Example: --target staging
    #[arg(long, value_name = "NAME", default_value = config::EMBEDDED)]
    target: String,

    /// Config file with the targets [default: conform.toml in the working directory].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Server to test: scheme, host, port (and an optional path prefix); overrides the
    /// target's. Without one, conform starts its embedded reference server on a free loopback
    /// port.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Value for a path placeholder, e.g. --var group-id=02bd9fd6-8f93-4758-87c3-1fb73740a315.
    /// Repeatable; overrides the target's.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    /// Directory of case files (*.toml).
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,

    /// Directory of JSON Schemas (*.json).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,

    /// Directory for the reports (report.json, junit.xml, report.md, report.html).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    report: PathBuf,

    /// Write no report.
    #[arg(long, conflicts_with = "report")]
    no_report: bool,

    /// Known failures (TOML, see `conform baseline update`): the run fails only on failures
    /// not listed, or listed with a passed `expires` date.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Run only shard K of N: the selected cases sorted by name, dealt round-robin.
    /// Example: --shard 2/3. Merge the shards' reports with `conform report merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<Shard>,

    /// Cases in flight at once [default: 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,

    /// Seconds one request may take, from connecting to the last body byte [default: 30].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<f64>,

    /// Seconds the whole run may take; cases not started by then fail with `timeout`.
    /// Teardown gets 5 seconds more.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    budget: Option<f64>,

    /// At most N requests per second, over all cases, e.g. --rate 5/s.
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    rate: Option<f64>,

    /// Largest response body read, in MiB; a larger one is a `transport` failure [default: 8].
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=4096))]
    max_body: Option<u32>,

    /// Sends per request when throttled or unavailable, the first included [default: 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    retries: Option<u32>,

    /// Leave what the cases create (no teardown); it is listed in the reports as leaked.
    #[arg(long)]
    keep: bool,

    /// Accept any TLS certificate (self-signed test servers only).
    #[arg(long)]
    insecure: bool,

    /// Print every request as a curl command (secrets left out) and send nothing.
    #[arg(long)]
    dry_run: bool,

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
    /// Require OAuth tokens from the server's own token endpoint
    /// (POST /{tenant}/oauth2/v2.0/token), with the client secret read from this environment
    /// variable. Example: --client-secret-env MOCK_SECRET
    #[arg(long, value_name = "VAR")]
    client_secret_env: Option<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 3599,
        requires = "client_secret_env"
    )]
    token_lifetime: u64,
    /// Answer every Nth API request with 429 and Retry-After.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    throttle_every: Option<u64>,
    /// Seconds sent in Retry-After when throttling.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    retry_after: u64,
    /// Wait this many milliseconds before answering each API request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Answer every DELETE with 500, so created resources cannot be removed.
    #[arg(long)]
    fail_deletes: bool,
    /// Inject a fault into RATE (0 to 1, default 1) of the API requests: reset, stall, drip,
    /// truncated, garbage, oversize, wrong-content-type, 500, 503, 503-retry-after, 429.
    /// Repeatable. Example: --fault reset=0.25
    #[arg(long, value_name = "KIND[=RATE]", value_parser = crate::mock::FaultRule::parse)]
    fault: Vec<crate::mock::FaultRule>,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!("`{text}` is not a rate such as 5/s")),
    }
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
        Command::Baseline(BaselineCommand::Update { baseline, report }) => {
            update_baseline(&baseline, &report)
        }
        Command::Report(ReportCommand::Merge { dirs, out }) => merge_reports(&dirs, &out),
        Command::Import {
            pages,
            out,
            schemas,
            force,
        } => import(&pages, &out, &schemas, force),
        Command::List { cases, format } => list(&cases, format),
        Command::Lint {
            docs,
            cases,
            schemas,
            format,
            deny,
        } => lint(&docs, &cases, &schemas, format, deny.is_some()),
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

fn run(args: RunArgs) -> Result<u8, Error> {
    let profile = config::load_profile(args.config.as_deref(), &args.target)?;
    let flags = Flags {
        base_url: args.base_url,
        vars: args.vars,
        timeout: args.timeout,
        budget: args.budget,
        jobs: args.jobs.map(usize::from),
        rate: args.rate,
        retries: args.retries,
        max_body_mib: args.max_body,
        insecure: args.insecure,
    };
    let settings = settings::resolve(flags, &profile, &|name| std::env::var(name).ok())?;
    runner::run(RunOptions {
        cases_dir: args.cases,
        schemas_dir: args.schemas,
        settings,
        report_dir: (!args.no_report).then_some(args.report),
        baseline: args.baseline,
        shard: args.shard,
        keep: args.keep,
        dry_run: args.dry_run,
        test_args: args.test_args,
    })
}

fn mock(args: MockArgs) -> Result<u8, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    let oauth = match &args.client_secret_env {
        Some(variable) => {
            let secret = std::env::var(variable)
                .ok()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Error::new(format!("--client-secret-env: {variable} is not set")))?;
            let lifetime = std::time::Duration::from_secs(args.token_lifetime);
            Some(crate::mock::OAuth {
                client_id: None,
                client_secret: secret,
                expires_in: lifetime,
                valid_for: lifetime,
            })
        }
        None => None,
    };
    let config = crate::mock::MockConfig {
        oauth,
        throttle_every: args.throttle_every,
        retry_after_seconds: args.retry_after,
        delay: std::time::Duration::from_millis(args.delay_ms),
        fail_deletes: args.fail_deletes,
        faults: args.fault,
    };
    let addr = SocketAddr::new(args.host, args.port);
    runtime
        .block_on(crate::mock::serve_forever(addr, config))
        .map_err(|e| Error::new(format!("cannot serve on {addr}: {e}")))?;
    Ok(exit::PASS)
}

fn update_baseline(path: &std::path::Path, report_dir: &std::path::Path) -> Result<u8, Error> {
    let report = Report::read(&report_dir.join("report.json")).map_err(Error::new)?;
    if !report.complete {
        return Err(Error::new(
            "the report is of an interrupted run: update the baseline from a complete run",
        ));
    }
    let baseline = Baseline::load(path, true)?;
    let (updated, fixed) = baseline.updated(&report);
    for key in &fixed {
        println!("fixed: {key}");
    }
    updated.save(path).map_err(Error::new)?;
    println!(
        "{}: {} known failure(s), {} fixed and dropped",
        path.display(),
        updated.entries.len(),
        fixed.len()
    );
    Ok(exit::PASS)
}

fn merge_reports(dirs: &[PathBuf], out: &std::path::Path) -> Result<u8, Error> {
    let reports = dirs
        .iter()
        .map(|dir| {
            let path = dir.join("report.json");
            Report::read(&path).map(|r| (path.display().to_string(), r))
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(Error::new)?;
    let merged = report::merge(reports).map_err(Error::new)?;
    runner::write_reports(&merged, out).map_err(Error::new)?;
    let s = merged.summary;
    println!(
        "merged {} report(s): {} cases, {} passed, {} failed, {} errors, {} skipped",
        dirs.len(),
        s.total,
        s.passed,
        s.failed,
        s.errors,
        s.skipped
    );
    Ok(exit::PASS)
}

fn import(
    pages: &[PathBuf],
    out: &std::path::Path,
    schemas: &std::path::Path,
    force: bool,
) -> Result<u8, Error> {
    let names: Vec<String> = crate::schema::Schemas::load_dir(schemas)?
        .names()
        .map(str::to_string)
        .collect();
    let mut imported = Vec::new();
    for path in pages {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::in_file(format!("cannot read the page: {e}"), path))?;
        let page = crate::page::parse(path, text);
        let result = crate::import::import(&page, &names);
        let target = out.join(&result.file_name);
        if target.exists() && !force {
            return Err(Error::new(format!(
                "{} exists; pass --force to overwrite it",
                target.display()
            )));
        }
        imported.push((path, target, result));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    for (page, target, result) in imported {
        crate::report::write_atomically(&target, result.toml.as_bytes()).map_err(Error::new)?;
        let cases = result.toml.matches("\n[[case]]\n").count();
        println!(
            "{} -> {} ({cases} case(s))",
            page.display(),
            target.display()
        );
        for reason in result.skipped {
            eprintln!("  skipped: {reason}");
        }
    }
    Ok(exit::PASS)
}

fn list(cases: &std::path::Path, format: OutputFormat) -> Result<u8, Error> {
    let cases = crate::case::load_dir(cases)?;
    let rows: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| {
            serde_json::json!({
                "name": case.name,
                "file": case.file().display().to_string(),
                "tags": case.tags,
                "method": case.request.method,
                "path": case.request.path.raw,
                "status": case.expect.status,
                "schema": case.expect.schema.as_ref().map(|s| s.name.as_str()),
            })
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    use std::io::Write as _;
    let written = match format {
        OutputFormat::Json => writeln!(stdout, "{}", serde_json::Value::Array(rows)),
        OutputFormat::Text => cases.iter().try_for_each(|case| {
            writeln!(
                stdout,
                "{}  {} {}  -> {} {}  [{}]  ({})",
                case.name,
                case.request.method,
                case.request.path.raw,
                case.expect.status,
                case.expect.schema.as_ref().map_or("-", |s| s.name.as_str()),
                case.tags.join(", "),
                case.file().display()
            )
        }),
    };
    let _ = written;
    Ok(exit::PASS)
}

fn lint(
    docs: &[PathBuf],
    cases_dir: &std::path::Path,
    schemas: &std::path::Path,
    format: OutputFormat,
    deny_warnings: bool,
) -> Result<u8, Error> {
    use crate::lint::Severity;
    let schemas = crate::schema::Schemas::load_dir(schemas)?;
    let mut findings = crate::lint::lint_page_files(docs, &schemas)?;
    // Without pages, the cases are what there is to check; with pages, only when present.
    if docs.is_empty() || cases_dir.is_dir() {
        findings.extend(crate::lint::lint_cases(
            &crate::case::load_dir(cases_dir)?,
            &schemas,
        ));
    }
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        ),
        OutputFormat::Text => {
            for finding in &findings {
                println!("{}\n", finding.render());
            }
        }
    }
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    eprintln!("lint: {errors} error(s), {warnings} warning(s), {notes} note(s)");
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        exit::FAILURES
    } else {
        exit::PASS
    })
}
