//! How the reference server answers: Graph's JSON media type, resources with their OData
//! context, collections, and the Graph error envelope.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Graph's JSON media type, parameters included, as a real service sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Request bodies larger than this are refused with 413.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// How much of a body past `MAX_REQUEST_BYTES` is read and dropped before the 413 is sent: a
/// client still sending when the connection closes never sees the answer.
const DRAINED_BYTES: usize = 64 * 1024 * 1024;

/// A request body read whole: 413 past `MAX_REQUEST_BYTES`.
pub async fn read_body(body: Body) -> Result<Bytes, GraphError> {
    use futures_util::StreamExt as _;
    let mut chunks = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = chunks.next().await {
        // A body cut off on the way is not a shorter body.
        let chunk = chunk.map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "The request body could not be read to its end.",
            )
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_REQUEST_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > DRAINED_BYTES {
            break;
        }
    }
    if seen > MAX_REQUEST_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &format!("The request body exceeds {MAX_REQUEST_BYTES} bytes."),
        ));
    }
    Ok(Bytes::from(kept))
}

/// The host a client addressed: behind a proxy (`conform proxy`) the one it forwards, so that
/// the links an answer gives (`Location`, `@odata.nextLink`) lead back through it.
pub fn addressed_host(headers: &HeaderMap) -> Option<&str> {
    ["x-forwarded-host", header::HOST.as_str()]
        .into_iter()
        .find_map(|name| headers.get(name).and_then(|h| h.to_str().ok()))
}

/// 415 unless the request says its body is JSON.
pub fn require_json(headers: &HeaderMap) -> Result<(), GraphError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if crate::graph::is_json_media_type(content_type) {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "The request body must be application/json.",
        ))
    }
}

/// With `malformed_as_empty` (the broken rule `accepts-malformed-json`) a body that is not JSON
/// reads as an empty object.
pub async fn json_body(
    headers: &HeaderMap,
    body: Body,
    malformed_as_empty: bool,
) -> Result<Value, GraphError> {
    require_json(headers)?;
    let bytes = read_body(body).await?;
    if malformed_as_empty && serde_json::from_slice::<Value>(&bytes).is_err() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Unable to read JSON request payload: {e}"),
        )
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(chunks: Vec<std::io::Result<Bytes>>) -> Body {
        Body::from_stream(futures_util::stream::iter(chunks))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_refused_past_the_limit_and_never_taken_cut_short() {
        let part = |text: &'static str| Ok(Bytes::from_static(text.as_bytes()));
        let whole = read_body(body_of(vec![part("{\"a\":"), part("1}")])).await;
        assert_eq!(whole.ok(), Some(Bytes::from_static(b"{\"a\":1}")));
        let reset = Err(std::io::Error::other("reset"));
        let cut = read_body(body_of(vec![part("{\"a\":"), reset])).await;
        assert_eq!(cut.err().map(|e| e.status), Some(StatusCode::BAD_REQUEST));
        let large = Ok(Bytes::from(vec![b' '; MAX_REQUEST_BYTES + 1]));
        let refused = read_body(body_of(vec![large])).await;
        assert_eq!(
            refused.err().map(|e| e.status),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
    }
}
