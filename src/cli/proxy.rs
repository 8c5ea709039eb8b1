//! `conform proxy`: judge the live traffic of any client against the contract.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use crate::api::file::Models;
use crate::check::traffic::DocumentedStatuses;
use crate::cli::tls_args::TlsArgs;
use crate::error::Error;
use crate::exec::transport::{self, Limits};
use crate::mock::behaviour::MockConfig;
use crate::mock::generic::served::Served;
use crate::mock::server::Server;
use crate::proxy::forward::Upstream;
use crate::proxy::session::{Session, SessionOptions};
use crate::schema::registry::Schemas;
use crate::suite::load::load_dir;
use crate::suite::model::Case;

#[derive(clap::Args, Debug)]
pub struct ProxyArgs {
    /// Where requests go: a base URL (`https://graph.microsoft.com`), or `embedded` for
    /// conform's reference server, started for the session.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Port to listen on (0 picks a free one; the first line printed names it).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The schemas (and API models) exchanges are judged by.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    /// A suite whose documented statuses an operation's answers must have (and, with
    /// `--upstream embedded`, whose examples shape the reference server's answers).
    #[arg(long, value_name = "DIR")]
    cases: Option<PathBuf>,
    /// Where the reports go when the session ends (Ctrl-C or `POST /_proxy/stop`).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    report: PathBuf,
    /// Keep the session as a suite in DIR, replayable with `conform run --cases DIR`.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Tell the client what broke the contract, in a `conform-violations` response header.
    #[arg(long)]
    annotate: bool,
    /// A header, form field or JSON property whose values are secrets (repeatable); the bearer
    /// token, cookies and credentials (`client_secret`, `password`, …) always are.
    #[arg(long, value_name = "NAME")]
    redact: Vec<String>,
    /// Largest body judged, in MiB; a longer one streams through unjudged.
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    max_body: usize,
    /// Seconds upstream may take to answer, before the client gets 504.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    tls: TlsArgs,
}

pub fn execute(args: ProxyArgs) -> Result<u8, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the async runtime: {e}")))?;
    let schemas = match args.schemas.is_dir() {
        true => Schemas::load_dir(&args.schemas)?,
        false => {
            eprintln!(
                "{} is not there: exchanges are placed and judged by no model (import one with `conform schemas import`)",
                args.schemas.display()
            );
            Schemas::compile(&[])?
        }
    };
    // The suite named is read once, whole (a file that does not load is exit 2): it places
    // the exchanges and documents their statuses.
    let documenting = match &args.cases {
        Some(cases) => load_dir(cases)?,
        None => Vec::new(),
    };
    let served = served(&args, &schemas, &documenting)?;
    let documented = documented(&documenting, &served.models);
    let tls = args.tls.acceptor(&args.host, "proxy")?;
    let limits = Limits {
        request_timeout: std::time::Duration::from_secs(args.timeout),
        ..Limits::default()
    };
    let client = transport::client(&limits, false).map_err(Error::new)?;
    let addr = SocketAddr::new(args.host, args.port);
    runtime.block_on(async {
        let (base, embedded) = upstream(&args, &served).await?;
        let session = Arc::new(Session::new(
            (&served, schemas, documented),
            SessionOptions {
                upstream: if embedded.is_some() {
                    "embedded".into()
                } else {
                    base.clone()
                },
                annotate: args.annotate,
                redact: args.redact.clone(),
                report_dir: Some(args.report.clone()),
                record_dir: args.record.clone(),
            },
        )?);
        let upstream = Upstream {
            client,
            base: base.trim_end_matches('/').to_string(),
            max_body: args.max_body.saturating_mul(1024 * 1024),
        };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error::new(format!("cannot listen on {addr}: {e}")))?;
        crate::proxy::serve(listener, upstream, session.clone(), tls)
            .await
            .map_err(|e| Error::new(format!("cannot serve on {addr}: {e}")))?;
        if let Some(server) = embedded {
            server.shutdown().await;
        }
        session.finish()
    })
}

/// The URL space exchanges are placed in: the metadata's models, else (with a suite) the one
/// its paths show — as `conform mock` serves. Without `--cases`, an embedded upstream serves
/// the project's `cases/` as `conform mock` would (files that do not load passed over).
fn served(args: &ProxyArgs, schemas: &Schemas, cases: &[Case]) -> Result<Served, Error> {
    let default = PathBuf::from("cases");
    if args.cases.is_none() && args.upstream == "embedded" && default.is_dir() {
        return Served::from_dirs(&args.schemas, &default);
    }
    let models = Models::load(&args.schemas)?;
    Ok(Served::from_loaded(models, Some(schemas), cases))
}

/// The upstream's base URL, and the reference server started for `embedded`.
async fn upstream(args: &ProxyArgs, served: &Served) -> Result<(String, Option<Server>), Error> {
    if args.upstream != "embedded" {
        let parsed = url::Url::parse(&args.upstream)
            .map_err(|e| Error::new(format!("--upstream `{}` is not a URL: {e}", args.upstream)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::new(format!(
                "--upstream `{}` is not an http(s) URL",
                args.upstream
            )));
        }
        return Ok((args.upstream.clone(), None));
    }
    let config = MockConfig {
        served: Some(served.clone()),
        organisation: true,
        ..MockConfig::default()
    };
    let server = Server::start_with(([127, 0, 0, 1], 0).into(), config)
        .await
        .map_err(|e| Error::new(format!("cannot start the reference server: {e}")))?;
    Ok((server.base_url(), Some(server)))
}

/// The statuses `cases` document per operation.
fn documented(cases: &[Case], models: &Models) -> DocumentedStatuses {
    let mut documented = DocumentedStatuses::default();
    for case in cases {
        if let Some(operation) = case.operation(models) {
            documented.add(operation, case.expect.status, &case.expect.required);
        }
    }
    documented
}
