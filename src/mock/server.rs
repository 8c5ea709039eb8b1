//! The reference server's life: its router, started in the background (`conform run`) or
//! served until stopped (`conform mock`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::mock::batch;
use crate::mock::behaviour::{Behaviour, MockConfig};
use crate::mock::gateway::gateway;
use crate::mock::generic::{self, Generic};
use crate::mock::tls::TlsListener;
use tokio_rustls::TlsAcceptor;

/// A reference server running in the background.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free one) and serves what `config` says until `shutdown`
    /// or drop.
    pub async fn start_with(addr: SocketAddr, config: MockConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router(config)).with_graceful_shutdown(async {
                let _ = stop.await;
            });
            // Accept errors are retried inside axum; serve only returns once shut down.
            let _ = serve.await;
        });
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
            task,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves until the process is stopped (`conform mock`); over HTTPS with `tls`.
pub async fn serve_forever(
    addr: SocketAddr,
    mut config: MockConfig,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    config.https = tls.is_some();
    match tls {
        Some(acceptor) => {
            println!("conform mock listening on https://{local}");
            axum::serve(TlsListener::new(listener, acceptor)?, router(config)).await
        }
        None => {
            println!("conform mock listening on http://{local}");
            axum::serve(listener, router(config)).await
        }
    }
}

/// The server: every operation of the URL space it serves (`generic`), each request through
/// the Graph envelope (auth, faults, throttling, request ids); the test API beside it.
pub fn router(config: MockConfig) -> Router {
    let served = config.served.clone().unwrap_or_default();
    let generic = Arc::new(
        Generic::new(served.models, served.examples, &config.broken)
            .over_https(config.https)
            .with_organisation(config.organisation)
            .lagging(config.consistency_lag)
            .starting_with(config.fixtures.clone(), !config.empty),
    );
    let behaviour = Arc::new(Behaviour::new(config));
    let gate = middleware::from_fn_with_state(behaviour, gateway);
    let app = generic::router(generic.clone()).layer(gate.clone());
    // A batch passes the gateway itself, and so does each request it holds.
    let batches = batch::router(app.clone()).layer(gate);
    test_api(generic).merge(batches).merge(app)
}

/// `POST /_mock/reset` forgets every entity; `GET /_mock/routes?method=M&path=P` says how the
/// server serves an operation; `GET /_mock/download/…` serves what a documented redirect
/// points to; `POST /_mock/seed/{collection}` makes an entity there and answers its id;
/// `GET /_mock/coverage` answers which operations clients asked for, and how each was served.
fn test_api(generic: Arc<Generic>) -> Router {
    let routes = generic.clone();
    let downloads = generic.clone();
    let seeds = generic.clone();
    let coverage = generic.clone();
    upload_routes(&generic)
        .route(
            "/_mock/seed/{*path}",
            post(
                move |axum::extract::Path(path): axum::extract::Path<String>,
                      shown: axum::body::Bytes| async move {
                    // The entity as the case documents it, when the run sends that.
                    let shown = serde_json::from_slice::<serde_json::Value>(&shown)
                        .ok()
                        .and_then(|v| v.as_object().cloned());
                    let (status, body) = match seeds.seed(&format!("/{path}"), shown) {
                        Ok(id) => (
                            axum::http::StatusCode::CREATED,
                            serde_json::json!({ "id": id }),
                        ),
                        Err(why) => (
                            axum::http::StatusCode::NOT_FOUND,
                            serde_json::json!({
                                "error": { "code": "NotSeeded", "message": why.to_string() }
                            }),
                        ),
                    };
                    (
                        status,
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body.to_string(),
                    )
                },
            ),
        )
        .route(
            "/_mock/download/{*path}",
            get(
                move |axum::extract::Path(path): axum::extract::Path<String>| async move {
                    let (content_type, bytes) = downloads.download(&format!("/{path}"));
                    ([(axum::http::header::CONTENT_TYPE, content_type)], bytes)
                },
            ),
        )
        .route(
            "/_mock/coverage",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    coverage.requested().to_string(),
                )
            }),
        )
        .route(
            "/_mock/reset",
            post(move || async move {
                generic.reset();
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_mock/routes",
            get(
                move |axum::extract::Query(query): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    let method = query.get("method").map_or("GET", String::as_str);
                    let path = query.get("path").map_or("/", String::as_str);
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        routes.route(method, path).to_string(),
                    )
                },
            ),
        )
}

/// A test-API answer: its status and JSON body (none when `null`).
fn json_answer((status, body): (u16, serde_json::Value)) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    if body.is_null() {
        return status.into_response();
    }
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `PUT /_mock/upload/{id}`: a range of a resumable upload; `DELETE` cancels it. Outside the
/// gateway: an upload URL needs no token, as Graph's is pre-authorised.
fn upload_routes(generic: &Arc<Generic>) -> Router {
    let (uploads, cancels) = (generic.clone(), generic.clone());
    Router::new().route(
        "/_mock/upload/{id}",
        axum::routing::put(
            move |axum::extract::Path(id): axum::extract::Path<String>,
                  headers: axum::http::HeaderMap,
                  bytes: axum::body::Bytes| async move {
                let range = headers
                    .get(axum::http::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok());
                json_answer(uploads.upload_range(&id, range, &bytes))
            },
        )
        .delete(
            move |axum::extract::Path(id): axum::extract::Path<String>| async move {
                json_answer(cancels.cancel_upload(&id))
            },
        ),
    )
}
