//! `conform mock`: the reference server, served until stopped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::cli::tls_args::TlsArgs;
use crate::error::Error;
use crate::exit;
use crate::mock::behaviour::{MockConfig, OAuth};
use crate::mock::broken::BrokenRule;
use crate::mock::fault::FaultRule;
use crate::mock::generic::served::Served;
use crate::mock::server;

#[derive(clap::Args, Debug)]
pub struct MockArgs {
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
    /// truncated, garbage, oversize, wrong-content-type, 500, 501, 503, 503-retry-after, 429.
    /// Repeatable. Example: --fault reset=0.25
    #[arg(long, value_name = "KIND[=RATE]", value_parser = FaultRule::parse)]
    fault: Vec<FaultRule>,
    /// Break one rule of Graph's contract, to see conform's probes catch it: no-auth-check,
    /// plain-text-errors, accepts-malformed-json, accepts-wrong-types, 404-for-wrong-method,
    /// forgets-created, ignores-deletes. Repeatable.
    #[arg(long = "break", value_name = "RULE")]
    broken: Vec<BrokenRule>,
    /// Serve requests that carry no bearer token (by default they answer 401
    /// `InvalidAuthenticationToken`, as Graph does).
    #[arg(long, conflicts_with = "client_secret_env")]
    no_auth: bool,
    /// Start without the entities that the suite's documented reads and lists show, and without
    /// the small organisation (users, groups, the signed-in user's events) the server otherwise
    /// starts with.
    #[arg(long)]
    empty: bool,
    /// What is created answers 404 for this many milliseconds — to it and below it — as on an
    /// eventually consistent service, to rehearse `conform run --consistency-wait`.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    consistency_lag_ms: u64,
    /// The schemas folder whose API models (`conform schemas import`) say what to serve: every
    /// entity set, navigation and bound operation they describe. Without a model, the
    /// operations the paths of --cases show.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: std::path::PathBuf,
    /// The suite whose documented examples shape the answers of the operations they show
    /// (their status, and the properties a request did not set).
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: std::path::PathBuf,
    #[command(flatten)]
    tls: TlsArgs,
}

/// Says what the server serves, before it listens (on stderr: the first line of stdout is the
/// address).
fn describe(served: &Served, args: &MockArgs) {
    if served.from_suite {
        eprintln!(
            "{} holds no API model: serving the operations the paths of {} show (import the metadata with `conform schemas import` to serve the whole API)",
            args.schemas.display(),
            args.cases.display()
        );
    }
    if !served.examples.is_empty() {
        eprintln!(
            "answers shaped by {} documented operation(s) of {}",
            served.examples.len(),
            args.cases.display()
        );
    }
    for model in served.models.all().filter(|_| !served.from_suite) {
        eprintln!(
            "serving {} from {}: {} entity sets and singletons, {} bound operations",
            model.version,
            model.source,
            model.roots.len(),
            model.operations.len()
        );
    }
}

pub fn execute(args: MockArgs) -> Result<u8, Error> {
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
            Some(OAuth {
                client_id: None,
                client_secret: secret,
                expires_in: lifetime,
                valid_for: lifetime,
            })
        }
        None => None,
    };
    let tls = args.tls.acceptor(&args.host, "mock")?;
    let served = Served::from_dirs(&args.schemas, &args.cases)?;
    describe(&served, &args);
    let config = MockConfig {
        served: Some(served),
        fixtures: Vec::new(),
        no_auth: args.no_auth,
        empty: args.empty,
        consistency_lag: std::time::Duration::from_millis(args.consistency_lag_ms),
        oauth,
        throttle_every: args.throttle_every,
        retry_after_seconds: args.retry_after,
        delay: std::time::Duration::from_millis(args.delay_ms),
        fail_deletes: args.fail_deletes,
        faults: args.fault,
        broken: args.broken,
        https: false,
        organisation: !args.empty,
    };
    let addr = SocketAddr::new(args.host, args.port);
    runtime
        .block_on(server::serve_forever(addr, config, tls))
        .map_err(|e| Error::new(format!("cannot serve on {addr}: {e}")))?;
    Ok(exit::PASS)
}
