//! The reference server's life: the router of the contract's routes, started in the
//! background (`conform run`) or served until stopped (`conform mock`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::mock::answer::{method_not_allowed, unknown_route};
use crate::mock::behaviour::{Behaviour, MockConfig};
use crate::mock::envelope::graph_envelope;
use crate::mock::generic::{self, Generic};
use crate::mock::routes::{
    AppState, create_chat_thread, create_conversation, create_conversation_thread,
    create_group_thread, create_joined_group_thread, delete_conversation, delete_thread,
    get_conversation, get_conversation_thread, get_thread, list_chat_threads,
    list_conversation_threads, list_conversations, reply,
};

/// A reference server running in the background.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free one) and serves until `shutdown` or drop.
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        Self::start_with(addr, MockConfig::default()).await
    }

    /// Like `start`, with non-default behaviour (OAuth, throttling, delays, failing deletes).
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

/// Serves until the process is stopped (`conform mock`).
pub async fn serve_forever(addr: SocketAddr, config: MockConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    println!(
        "conform mock listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, router(config)).await
}

/// The server: with API models, every operation they describe (`generic`), the seed routes
/// behind it for what no metadata describes; without, the seed routes alone. Every API request
/// passes the Graph envelope (auth, faults, throttling, request ids).
pub fn router(config: MockConfig) -> Router {
    let seeds = seed_routes(AppState::breaking(&config.broken));
    let (app, generic) = match &config.models {
        Some(models) if !models.is_empty() => {
            let generic = Generic::new(
                models.clone(),
                config.examples.clone().unwrap_or_default(),
                &config.broken,
                seeds,
            )
            .with_fixtures(&config.fixtures);
            let generic = Arc::new(if config.empty {
                generic
            } else {
                generic.seeded(&config.fixtures)
            });
            (generic::router(generic.clone()), Some(generic))
        }
        _ => (seeds, None),
    };
    let behaviour = Arc::new(Behaviour::new(config));
    let app = app.layer(middleware::from_fn_with_state(behaviour, graph_envelope));
    match generic {
        Some(generic) => test_api(generic).merge(app),
        None => app,
    }
}

/// `POST /_mock/reset` forgets every entity; `GET /_mock/routes?method=M&path=P` says how the
/// server serves an operation.
fn test_api(generic: Arc<Generic>) -> Router {
    let routes = generic.clone();
    Router::new()
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

/// The seed operations: the routes of the shipped contract, by hand. `{version}` is `v1.0` or
/// `beta`; any other is an unknown route.
fn seed_routes(state: AppState) -> Router {
    Router::new()
        .route(
            "/{version}/groups/{group}/threads",
            post(create_group_thread),
        )
        .route(
            "/{version}/users/{user}/joinedGroups/{group}/threads",
            post(create_joined_group_thread),
        )
        .route(
            "/{version}/drive/root/createdByUser/joinedGroups/{group}/threads",
            post(create_group_thread),
        )
        .route(
            "/{version}/groups/{group}/threads/{thread}",
            get(get_thread).delete(delete_thread),
        )
        .route(
            "/{version}/groups/{group}/threads/{thread}/reply",
            post(reply),
        )
        .route(
            "/{version}/groups/{group}/conversations",
            post(create_conversation).get(list_conversations),
        )
        .route(
            "/{version}/groups/{group}/conversations/{conversation}",
            get(get_conversation).delete(delete_conversation),
        )
        .route(
            "/{version}/groups/{group}/conversations/{conversation}/threads",
            post(create_conversation_thread).get(list_conversation_threads),
        )
        .route(
            "/{version}/groups/{group}/conversations/{conversation}/threads/{thread}",
            get(get_conversation_thread),
        )
        .route(
            "/{version}/groups/{group}/channels/{channel}/chatthreads",
            post(create_chat_thread).get(list_chat_threads),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}
