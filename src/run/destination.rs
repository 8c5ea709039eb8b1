//! Where the run's requests go: the embedded reference server, started on a free loopback
//! port, or a remote endpoint checked to be reachable (and its credentials to work) before any
//! case starts.

use std::time::Duration;

use tokio::runtime::Runtime;

use crate::config::settings::{Destination, Settings, TOKEN_VARIABLE};
use crate::error::{Error, Result};
use crate::exec::auth::Auth;
use crate::exec::endpoint::Endpoint;
use crate::mock::behaviour::MockConfig;
use crate::mock::generic::served::Served;
use crate::mock::server::Server;
use crate::secret::Secret;

/// How long the connectivity check waits for an answer; a slow answer still counts as reachable.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(2);

/// The endpoint of the run, and the embedded server when the run started one.
pub fn prepare(
    runtime: &Runtime,
    client: &reqwest::Client,
    settings: &Settings,
    served: Option<&Served>,
) -> Result<(Endpoint, Option<Server>)> {
    let vars = settings.vars.clone();
    match &settings.destination {
        Destination::Remote { base_url, auth } => {
            let endpoint =
                Endpoint::remote(base_url, vars, auth.clone(), settings.redactor.clone())?;
            runtime.block_on(preflight(client, &endpoint))?;
            if settings.reset {
                runtime.block_on(reset(client, &endpoint))?;
            }
            if matches!(endpoint.auth, Auth::None) {
                eprintln!(
                    "note: {TOKEN_VARIABLE} is not set: requests carry no Authorization header"
                );
            }
            Ok((endpoint, None))
        }
        Destination::Embedded => {
            // The API models of the run's schemas make the server serve what they describe;
            // the run's placeholder values name entities that exist from the start.
            let config = MockConfig {
                served: served.cloned(),
                fixtures: vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ..MockConfig::default()
            };
            let server = runtime
                .block_on(Server::start_with(([127, 0, 0, 1], 0).into(), config))
                .map_err(|e| {
                    Error::new(format!("cannot start the embedded reference server: {e}"))
                })?;
            let token = Secret::new(uuid::Uuid::new_v4().to_string());
            settings.redactor.add(token.clone());
            let endpoint = Endpoint {
                base_url: server.base_url(),
                label: "embedded".to_string(),
                vars,
                auth: Auth::Bearer(token),
                redactor: settings.redactor.clone(),
            };
            Ok((endpoint, Some(server)))
        }
    }
}

/// `--reset`: asks the `conform mock` at the endpoint to come back to how it started.
async fn reset(client: &reqwest::Client, endpoint: &Endpoint) -> Result<()> {
    let url = format!("{}/_mock/reset", endpoint.base_url.trim_end_matches('/'));
    let answer = client.post(&url).timeout(PREFLIGHT_TIMEOUT).send().await;
    match answer {
        Ok(response) if response.status() == reqwest::StatusCode::NO_CONTENT => Ok(()),
        Ok(response) => Err(Error::new(format!(
            "--reset: POST {url} answered {}: the target is not a conform mock",
            response.status()
        ))
        .with_help("--reset is for a `conform mock` reused across runs; leave it out against another server")),
        Err(e) => Err(Error::new(format!("--reset: POST {url}: {e}"))),
    }
}

/// Checks that the endpoint accepts connections, so an unreachable server is one clear error
/// rather than a failure per case. A server that connects but answers slowly or badly is the
/// cases' business.
async fn preflight(client: &reqwest::Client, endpoint: &Endpoint) -> Result<()> {
    // Bad credentials are a setup mistake, not a failure of every case.
    if let Err(message) = endpoint.auth.token(client).await {
        return Err(Error::new(message).with_help(
            "check CONFORM_TENANT_ID, CONFORM_CLIENT_ID, CONFORM_CLIENT_SECRET and CONFORM_AUTHORITY (or the target's auth)",
        ));
    }
    let probe = client.get(&endpoint.base_url).timeout(PREFLIGHT_TIMEOUT);
    match probe.send().await {
        Err(e) if e.is_connect() => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            Err(
                Error::new(format!("cannot reach {}: {message}", endpoint.base_url))
                    .with_help("check --base-url and that the server is running"),
            )
        }
        _ => Ok(()),
    }
}
