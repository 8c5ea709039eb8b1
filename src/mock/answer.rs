//! How the reference server answers: Graph's JSON media type, resources with their OData
//! context, collections, and the Graph error envelope.

use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::mock::store::Invalid;

/// Graph's JSON media type, parameters included, as a real service sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Request bodies larger than this are refused with 413.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// Marks an error envelope, so that its `innerError` gets the request ids.
#[derive(Clone, Copy)]
pub struct ErrorMarker;

/// A Graph error: answered with the error envelope.
pub struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

pub fn error(status: StatusCode, code: &'static str, message: &str) -> GraphError {
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

pub fn not_found(what: &str) -> GraphError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The {what} does not exist."),
    )
}

pub fn invalid(Invalid(message): Invalid) -> GraphError {
    error(StatusCode::BAD_REQUEST, "BadRequest", &message)
}

pub async fn unknown_route(method: Method, uri: axum::http::Uri) -> GraphError {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "Resource not found for the segment in {method} {}.",
            uri.path()
        ),
    )
}

pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> GraphError {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("{method} is not allowed on {}.", uri.path()),
    )
}

/// A resource with its OData context, as Graph answers.
pub fn resource(
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

pub fn collection(version: &str, context: &str, items: Vec<Map<String, Value>>) -> Response {
    let mut body = Map::new();
    body.insert(
        "value".into(),
        Value::Array(items.into_iter().map(Value::Object).collect()),
    );
    resource(StatusCode::OK, version, context, body)
}
