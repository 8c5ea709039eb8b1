//! `conform proxy`: a forward proxy for Graph clients that judges every exchange against the
//! contract as it passes (`session`, over `check::traffic`), forwards it unchanged
//! (`forward`), keeps the session as a replayable suite (`recording`) without its secrets
//! (`secrets`), and writes the same reports and coverage ledger as a run.

pub mod forward;
pub mod recording;
pub mod secrets;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::mock::tls::TlsListener;
use crate::proxy::forward::Upstream;
use crate::proxy::session::Session;

/// What every request reaches.
struct Proxy {
    upstream: Upstream,
    session: Arc<Session>,
    stop: watch::Sender<bool>,
}

/// The proxy's own routes (`/_proxy/report`, `/_proxy/stop`), and every other request forwarded.
fn router(proxy: Arc<Proxy>) -> Router {
    Router::new()
        .route(
            "/_proxy/report",
            get(|State(proxy): State<Arc<Proxy>>| async move {
                let live = proxy.session.live().to_string();
                ([("content-type", "application/json")], live)
            }),
        )
        .route(
            "/_proxy/stop",
            post(|State(proxy): State<Arc<Proxy>>| async move {
                let _ = proxy.stop.send(true);
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .fallback(pass)
        .with_state(proxy)
}

async fn pass(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (mut response, seen) = forward::forward(&proxy.upstream, request).await;
    // Judging and keeping an exchange takes microseconds: no hand-off to another thread.
    let annotation = proxy.session.take(seen);
    if let Some(value) = annotation.and_then(|a| HeaderValue::from_str(&a).ok()) {
        let name = HeaderName::from_static("conform-violations");
        response.headers_mut().insert(name, value);
    }
    response.into_response()
}

/// Serves on `listener` until Ctrl-C or `POST /_proxy/stop`; prints where it listens.
pub async fn serve(
    listener: TcpListener,
    upstream: Upstream,
    session: Arc<Session>,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<()> {
    let local: SocketAddr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("conform proxy listening on {scheme}://{local}");
    let app = router(Arc::new(Proxy {
        upstream,
        session,
        stop,
    }));
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = stopped.wait_for(|s| *s) => {}
        }
    };
    match tls {
        Some(acceptor) => {
            axum::serve(TlsListener::new(listener, acceptor)?, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
}
