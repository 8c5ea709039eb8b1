//! The request as the generic server reads it (`Incoming`), and the pieces every answer is
//! made of: JSON answers, an entity's text with its context, the documented status.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::api::model::ApiModel;
use crate::api::typing::TypedPath;
use crate::mock::answer::{GraphError, JSON_CONTENT_TYPE, error, read_body, require_json};
use crate::mock::generic::entities::Entity;
use crate::mock::generic::examples::Example;
use crate::mock::generic::properties;
use crate::mock::generic::query;
use crate::mock::generic::validate::Refused;

/// Graph's message for a request that sends no body where the operation takes one.
pub(super) const EMPTY_PAYLOAD: &str = "Empty Payload. JSON content expected.";

/// A request, read whole before the store is locked.
pub struct Incoming {
    pub method: Method,
    pub version: String,
    pub headers: HeaderMap,
    pub query: Option<String>,
    /// `scheme://host` the request was sent to, for `Location` and `@odata.nextLink`.
    pub origin: String,
    pub path: String,
    pub body: Vec<u8>,
}

impl Incoming {
    pub async fn read(
        request: Request,
        typed: &TypedPath,
        scheme: &str,
    ) -> Result<Self, GraphError> {
        let (parts, body) = request.into_parts();
        let body = read_body(body).await?;
        let host = crate::mock::answer::addressed_host(&parts.headers).unwrap_or("localhost");
        Ok(Self {
            method: parts.method.clone(),
            version: typed.version.clone().unwrap_or_else(|| typed.model.clone()),
            origin: format!("{scheme}://{host}"),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts.headers,
            body: body.to_vec(),
        })
    }

    /// The body as a JSON object: 415 for another media type, 400 when not JSON or when there
    /// is none (Graph's `Empty Payload`).
    pub(super) fn json(&self, malformed_as_empty: bool) -> Result<Map<String, Value>, GraphError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            if malformed_as_empty {
                return Ok(Map::new());
            }
            return Err(error(StatusCode::BAD_REQUEST, "BadRequest", EMPTY_PAYLOAD));
        }
        require_json(&self.headers)?;
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "The request body must be a JSON object.",
            )),
            Err(_) if malformed_as_empty => Ok(Map::new()),
            Err(e) => Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Unable to read JSON request payload: {e}"),
            )),
        }
    }

    /// The URL Graph would give `path` (`/$metadata#…`, `/users/{id}`) in this request's version.
    pub(super) fn graph_url(&self, path: &str) -> String {
        format!("https://graph.microsoft.com/{}{path}", self.version)
    }

    pub(super) fn context(&self, what: &str) -> String {
        self.graph_url(&format!("/$metadata#{what}"))
    }

    /// The media type of the body sent, `application/octet-stream` when unsaid.
    pub(super) fn media_type(&self) -> String {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string()
    }

    pub(super) fn prefers_representation(&self) -> bool {
        self.prefers("return=representation")
    }

    /// Whether a `Prefer` header states `preference` (lower case).
    pub(super) fn prefers(&self, preference: &str) -> bool {
        self.headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains(preference))
    }
}

pub(super) type Reply = Result<Response, GraphError>;

pub(super) fn json_response(status: StatusCode, body: Value) -> Response {
    json_text_response(status, body.to_string())
}

pub(super) fn json_text_response(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], text).into_response()
}

/// An entity's body as answered: `@odata.context`, then its properties — written from the
/// stored entity, not from a copy of it.
pub(super) fn entity_text(entity: &Entity, exchange: &Incoming, context: &str) -> String {
    let context = Value::String(exchange.context(context)).to_string();
    match entity.text().strip_prefix('{') {
        Some(rest) if rest != "}" => format!("{{\"@odata.context\":{context},{rest}"),
        _ => format!("{{\"@odata.context\":{context}}}"),
    }
}

/// An entity's body as answered: its `$select`ed properties, else its type's default set.
pub(super) fn shown_text(
    model: &ApiModel,
    entity: &Entity,
    exchange: &Incoming,
    context: &str,
) -> String {
    let select = query::parse(exchange.query.as_deref())
        .map(|q| q.select)
        .unwrap_or_default();
    if !properties::narrowed(&entity.ty, &select) {
        return entity_text(entity, exchange, context);
    }
    let mut body = properties::shown(model, &entity.ty, entity.body(), &select);
    // Maps keep their keys sorted: the context, an annotation, comes first.
    body.insert(
        "@odata.context".into(),
        Value::String(exchange.context(context)),
    );
    Value::Object(body).to_string()
}

pub(super) fn context_of(path: &str) -> String {
    path.trim_start_matches('/').to_string()
}

/// The example's status where it is a success other than `default` (202 for an
/// asynchronous create, 200 for one answered so).
pub(super) fn documented_status(example: Option<&Example>, default: StatusCode) -> StatusCode {
    example
        .and_then(|e| StatusCode::from_u16(e.status).ok())
        .filter(StatusCode::is_success)
        .unwrap_or(default)
}

pub(super) fn refused(Refused(message): Refused) -> GraphError {
    error(StatusCode::BAD_REQUEST, "BadRequest", &message)
}

pub(super) fn last_collection(path: &str) -> &str {
    path.rsplit('/').nth(1).unwrap_or(path)
}
