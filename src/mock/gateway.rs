//! What every request to the reference server passes through: the token endpoint and the
//! test API (`/_mock/...`) are answered here; API requests need a bearer token and pass the
//! configured behaviour and faults; every response carries the request ids.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::mock::answer::{ErrorMarker, MAX_REQUEST_BYTES, error};
use crate::mock::behaviour::{self, Behaviour, Gate};
use crate::mock::broken::BrokenRule;
use crate::mock::fault::{self, FaultRule};

/// Every request: the token endpoint and the test API are answered here; API requests need
/// a bearer token and pass the configured behaviour (throttling, delay, failing deletes);
/// every response carries `request-id` and echoes `client-request-id`.
pub async fn gateway(
    State(behaviour): State<Arc<Behaviour>>,
    request: Request,
    next: Next,
) -> Response {
    let request = match side_channel(&behaviour, request).await {
        Ok(answer) => return answer,
        Err(request) => request,
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut response = api_answer(&behaviour, request, next).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if let Some(value) = client_request_id.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert("client-request-id", value);
    }
    let response = fill_inner_error(response, &request_id).await;
    break_errors(&behaviour, response).await
}

/// The error rules a server may be told to break: 404 for a method not allowed, and errors
/// as plain text.
async fn break_errors(behaviour: &Behaviour, mut response: Response) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && behaviour.breaks(BrokenRule::NotFoundForWrongMethod)
    {
        response = error(StatusCode::NOT_FOUND, "ResourceNotFound", "Not found.").into_response();
    }
    if response.status().is_success() || !behaviour.breaks(BrokenRule::PlainTextErrors) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.pointer("/error/message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| parts.status.to_string());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(message))
}

/// Answers the token endpoint and the test API; hands any other request back.
async fn side_channel(behaviour: &Behaviour, request: Request) -> Result<Response, Request> {
    let path = request.uri().path();
    if request.method() == Method::POST && behaviour::is_token_path(path) {
        let body = axum::body::to_bytes(request.into_body(), MAX_REQUEST_BYTES)
            .await
            .unwrap_or_default();
        let (status, answer) = behaviour.token(&body);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        return Ok((
            status,
            [(header::CONTENT_TYPE, "application/json")],
            answer.to_string(),
        )
            .into_response());
    }
    if request.method() == Method::GET && path == "/_mock/stats" {
        return Ok((
            [(header::CONTENT_TYPE, "application/json")],
            behaviour.stats().to_string(),
        )
            .into_response());
    }
    if path == "/_mock/faults" {
        return Ok(fault_api(behaviour, request).await);
    }
    Err(request)
}

/// An API request through the gate (token, throttling, failing deletes) and the faults.
async fn api_answer(behaviour: &Behaviour, request: Request, next: Next) -> Response {
    let fault = behaviour
        .faults
        .pick(request.method(), request.uri().path());
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    match behaviour.gate(bearer.as_deref(), request.method()).await {
        Gate::Pass => match fault {
            // A fault that answers in the server's place: the request is not served.
            Some(kind) if kind.replaces_answer() => fault::apply(kind, Response::default()).await,
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
    }
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
