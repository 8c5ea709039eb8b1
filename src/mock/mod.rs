//! The reference server: the documented contract served by axum from in-memory state, with the
//! Graph error envelope for every error. `conform run` embeds it; `conform mock` serves it.

mod behaviour;
mod fault;
mod store;

pub use behaviour::{MockConfig, OAuth};
pub use fault::{FaultKind, FaultRule};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use behaviour::{Behaviour, Gate};
use store::{ChatThreadInput, ConversationInput, Invalid, Store, ThreadInput};

/// Graph's JSON media type, parameters included, as a real service sends it.
const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Request bodies larger than this are refused with 413.
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

const API_VERSIONS: &[&str] = &["v1.0", "beta"];

#[derive(Clone, Default)]
struct AppState {
    store: Arc<Mutex<Store>>,
}

impl AppState {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a way later
        // requests could not use, so a poisoned lock is still served.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

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

/// The contract's routes. `{version}` is `v1.0` or `beta`; any other is an unknown route.
pub fn router(config: MockConfig) -> Router {
    let behaviour = Arc::new(Behaviour::new(config));
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
        .with_state(AppState::default())
        .layer(middleware::from_fn_with_state(behaviour, graph_envelope))
}

/// Every request: the token endpoint and the test API are answered here; API requests need
/// a bearer token and pass the configured behaviour (throttling, delay, failing deletes);
/// every response carries `request-id` and echoes `client-request-id`.
async fn graph_envelope(
    State(behaviour): State<Arc<Behaviour>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if request.method() == Method::POST && behaviour::is_token_path(&path) {
        let body = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BYTES)
            .await
            .unwrap_or_default();
        let (status, answer) = behaviour.token(&body);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        return (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            answer.to_string(),
        )
            .into_response();
    }
    if request.method() == Method::GET && path == "/_mock/stats" {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            behaviour.stats().to_string(),
        )
            .into_response();
    }
    if path == "/_mock/faults" {
        return fault_api(&behaviour, request).await;
    }
    let fault = behaviour.faults.pick(request.method(), &path);
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let mut response = match behaviour.gate(bearer.as_deref(), request.method()).await {
        Gate::Pass => match fault {
            Some(
                kind @ (fault::FaultKind::ServerError
                | fault::FaultKind::Unavailable
                | fault::FaultKind::UnavailableRetryAfter
                | fault::FaultKind::TooManyRequests),
            ) => fault::apply(kind, Response::default()).await,
            Some(kind) => fault::apply(kind, next.run(request).await).await,
            None => next.run(request).await,
        },
        Gate::Unauthorized(message) => error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
        .into_response(),
        Gate::Throttle(seconds) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests: retry after the time in Retry-After.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Gate::FailDelete => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "The resource could not be deleted.",
        )
        .into_response(),
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if let Some(value) = client_request_id.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert("client-request-id", value);
    }
    fill_inner_error(response, &request_id).await
}

/// `POST /_mock/faults` adds a rule (`{"kind", "rate", "method", "path"}`); `DELETE` removes all.
async fn fault_api(behaviour: &Behaviour, request: Request) -> Response {
    match *request.method() {
        Method::POST => {
            let body = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BYTES)
                .await
                .unwrap_or_default();
            match serde_json::from_slice::<FaultRule>(&body) {
                Ok(rule) => {
                    behaviour.faults.add(rule);
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(e) => error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("not a fault rule: {e}"),
                )
                .into_response(),
            }
        }
        Method::DELETE => {
            behaviour.faults.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "POST or DELETE",
        )
        .into_response(),
    }
}

/// Adds the request ids to an error envelope's `innerError`, as Graph does.
async fn fill_inner_error(response: Response, request_id: &str) -> Response {
    if response.status().is_success() || response.extensions().get::<ErrorMarker>().is_none() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Some(inner) = value
        .pointer_mut("/error/innerError")
        .and_then(Value::as_object_mut)
    {
        inner.insert("request-id".into(), json!(request_id));
        if let Some(id) = parts
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
        {
            inner.insert("client-request-id".into(), json!(id));
        }
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

#[derive(Clone, Copy)]
struct ErrorMarker;

/// A Graph error: answered with the error envelope.
struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn error(status: StatusCode, code: &'static str, message: &str) -> GraphError {
    GraphError {
        status,
        code,
        message: message.to_string(),
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
                }
            }
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
            body.to_string(),
        )
            .into_response();
        response.extensions_mut().insert(ErrorMarker);
        response
    }
}

fn not_found(what: &str) -> GraphError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The {what} does not exist."),
    )
}

fn invalid(Invalid(message): Invalid) -> GraphError {
    error(StatusCode::BAD_REQUEST, "BadRequest", &message)
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> GraphError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "Resource not found for the segment in {method} {}.",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> GraphError {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("{method} is not allowed on {}.", uri.path()),
    )
}

/// A resource with its OData context, as Graph answers.
fn resource(
    status: StatusCode,
    version: &str,
    context: &str,
    mut body: Map<String, Value>,
) -> Response {
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "https://graph.microsoft.com/{version}/$metadata#{context}"
        )),
    );
    (
        status,
        [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)],
        Value::Object(body).to_string(),
    )
        .into_response()
}

fn collection(version: &str, context: &str, items: Vec<Map<String, Value>>) -> Response {
    let mut body = Map::new();
    body.insert(
        "value".into(),
        Value::Array(items.into_iter().map(Value::Object).collect()),
    );
    resource(StatusCode::OK, version, context, body)
}

/// Reads a JSON request body: 415 for another media type, 413 when too large, 400 when malformed.
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, GraphError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !crate::check::is_json_media_type(content_type) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "The request body must be application/json.",
        ));
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("The request body exceeds {MAX_REQUEST_BYTES} bytes."),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Unable to read JSON request payload: {e}"),
        )
    })
}

async fn parsed<T: for<'de> serde::Deserialize<'de>>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, GraphError> {
    let value = json_body(headers, body).await?;
    store::parse(&value).map_err(invalid)
}

fn check_version(version: &str) -> Result<(), GraphError> {
    if API_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Unknown API version `{version}`."),
        ))
    }
}

type Reply = Result<Response, GraphError>;

async fn create_group_thread(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    create_thread(state, &version, &group, &headers, body).await
}

async fn create_joined_group_thread(
    State(state): State<AppState>,
    Path((version, _user, group)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    create_thread(state, &version, &group, &headers, body).await
}

async fn create_thread(
    state: AppState,
    version: &str,
    group: &str,
    headers: &HeaderMap,
    body: Body,
) -> Reply {
    check_version(version)?;
    let input: ThreadInput = parsed(headers, body).await?;
    let thread = state.store().create_thread(group, input).map_err(invalid)?;
    Ok(resource(
        StatusCode::CREATED,
        version,
        &format!("groups('{group}')/threads/$entity"),
        thread,
    ))
}

async fn get_thread(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .thread(&group, &thread)
        .ok_or_else(|| not_found("thread"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/threads/$entity"),
        found,
    ))
}

async fn delete_thread(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    if state.store().delete_thread(&group, &thread) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found("thread"))
    }
}

async fn reply(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    json_body(&headers, body).await?;
    if state.store().thread(&group, &thread).is_none() {
        return Err(not_found("thread"));
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn create_conversation(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ConversationInput = parsed(&headers, body).await?;
    let conversation = state
        .store()
        .create_conversation(&group, input)
        .map_err(invalid)?;
    Ok(resource(
        StatusCode::CREATED,
        &version,
        &format!("groups('{group}')/conversations/$entity"),
        conversation,
    ))
}

async fn list_conversations(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
) -> Reply {
    check_version(&version)?;
    let list = state.store().conversations(&group);
    Ok(collection(
        &version,
        &format!("groups('{group}')/conversations"),
        list,
    ))
}

async fn get_conversation(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .conversation(&group, &conversation)
        .ok_or_else(|| not_found("conversation"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/conversations/$entity"),
        found,
    ))
}

async fn delete_conversation(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    if state.store().delete_conversation(&group, &conversation) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found("conversation"))
    }
}

async fn create_conversation_thread(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ThreadInput = parsed(&headers, body).await?;
    let thread = state
        .store()
        .create_thread_in(&group, &conversation, input)
        .map_err(invalid)?
        .ok_or_else(|| not_found("conversation"))?;
    Ok(resource(
        StatusCode::CREATED,
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads/$entity"),
        thread,
    ))
}

async fn list_conversation_threads(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let threads = state
        .store()
        .conversation_threads(&group, &conversation)
        .ok_or_else(|| not_found("conversation"))?;
    Ok(collection(
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads"),
        threads,
    ))
}

async fn get_conversation_thread(
    State(state): State<AppState>,
    Path((version, group, conversation, thread)): Path<(String, String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .conversation_thread(&group, &conversation, &thread)
        .ok_or_else(|| not_found("thread"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads/$entity"),
        found,
    ))
}

async fn create_chat_thread(
    State(state): State<AppState>,
    Path((version, group, channel)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ChatThreadInput = parsed(&headers, body).await?;
    state
        .store()
        .create_chat_thread(&group, &channel, input)
        .map_err(invalid)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_chat_threads(
    State(state): State<AppState>,
    Path((version, group, channel)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let items = state
        .store()
        .chat_threads(&group, &channel)
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect();
    Ok(collection(
        &version,
        &format!("groups('{group}')/channels('{channel}')/chatThreads"),
        items,
    ))
}
