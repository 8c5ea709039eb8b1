//! Forwarding one request upstream unchanged — method, path, query, headers (`Authorization`
//! included), body — and its answer back unchanged; what passed is kept for the judge. Bodies up
//! to `--max-body` are read whole; a longer one streams through and is marked unjudged. An
//! upstream that cannot be reached or times out is answered as a gateway answers (502, 504)
//! with Graph's error envelope.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt, stream};

use crate::exec::transport::{self, TransportError};
use crate::mock::answer::error;

/// Where requests go, and how much of a body is read to be judged.
pub struct Upstream {
    pub client: reqwest::Client,
    /// Scheme, host, port and any path prefix, without a trailing `/`.
    pub base: String,
    pub max_body: usize,
}

/// An exchange as it passed.
pub struct Seen {
    pub method: String,
    /// The path and query as the client sent them.
    pub target: String,
    /// The request's headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The request's body; `None` when it was longer than `--max-body` and streamed through.
    pub body: Option<Vec<u8>>,
    pub answer: Answer,
    pub duration: Duration,
}

/// What came back from upstream.
pub enum Answer {
    /// Read whole: judged.
    Read(transport::Response),
    /// Longer than `--max-body`: passed through unjudged.
    Streamed { status: u16 },
    /// No answer: the client got a gateway's error.
    Failed(TransportError),
    /// Nothing went upstream (the client's request broke off): the client got a 400.
    NotForwarded(String),
}

/// Headers that belong to one connection, not to the exchange: never forwarded.
fn hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// A body read up to a limit: whole, or the part read and the rest still to come.
enum Gathered<S> {
    Whole(Vec<u8>),
    Over(Vec<Bytes>, S),
}

async fn gather<S, E>(mut chunks: S, max: usize) -> Result<Gathered<S>, E>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut read: Vec<Bytes> = Vec::new();
    let mut length = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        length += chunk.len();
        read.push(chunk);
        if length > max {
            return Ok(Gathered::Over(read, chunks));
        }
    }
    Ok(Gathered::Whole(read.concat()))
}

/// Forwards `request` and answers with what came back; with what passed, for the judge.
pub async fn forward(upstream: &Upstream, request: Request) -> (Response, Seen) {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut sent = upstream
        .client
        .request(parts.method.clone(), format!("{}{target}", upstream.base));
    // The answer is judged as it is read: asked for uncompressed (HTTP lets a server answer
    // identity to any client), or a client that accepts gzip would have it judged as bytes.
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(n, _)| !hop_by_hop(n.as_str()) && n.as_str() != "accept-encoding")
    {
        sent = sent.header(name, value);
    }
    // Upstream is addressed by its own host; the one the client addressed goes along.
    if let Some(host) = parts.headers.get("host") {
        sent = sent.header("x-forwarded-host", host);
    }
    let gathered = gather(body.into_data_stream(), upstream.max_body).await;
    let (sent, body) = match gathered {
        Ok(Gathered::Whole(bytes)) => (Some(sent.body(bytes.clone())), Some(bytes)),
        Ok(Gathered::Over(read, rest)) => {
            let all = stream::iter(read.into_iter().map(Ok::<_, axum::Error>)).chain(rest);
            (Some(sent.body(reqwest::Body::wrap_stream(all))), None)
        }
        Err(_) => (None, None),
    };
    let (response, answer) = match sent {
        None => {
            let why = "the client's request body broke off";
            let (response, _) = gateway_error(
                (StatusCode::BAD_REQUEST, "BadRequest"),
                TransportError::Transport(why.into()),
            );
            (response, Answer::NotForwarded(why.into()))
        }
        Some(sent) => match sent.send().await {
            Ok(answered) => answered_back(answered, upstream.max_body).await,
            Err(e) => gateway(&e),
        },
    };
    let seen = Seen {
        method: parts.method.as_str().to_string(),
        target,
        headers,
        body,
        answer,
        duration: started.elapsed(),
    };
    (response, seen)
}

/// Upstream's answer for the client, and what is kept of it.
async fn answered_back(answered: reqwest::Response, max_body: usize) -> (Response, Answer) {
    let status = answered.status().as_u16();
    let mut headers = HeaderMap::new();
    let mut kept = Vec::new();
    for (name, value) in answered.headers() {
        kept.push((
            name.as_str().to_string(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        ));
        if !hop_by_hop(name.as_str()) {
            headers.append(name.clone(), value.clone());
        }
    }
    let chunks = Box::pin(stream::unfold(answered, |mut answered| async move {
        match answered.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), answered)),
            Ok(None) => None,
            Err(e) => Some((Err(e), answered)),
        }
    }));
    let (body, answer) = match gather(chunks, max_body).await {
        Ok(Gathered::Whole(bytes)) => (
            Body::from(bytes.clone()),
            Answer::Read(transport::Response::new(status, kept, bytes)),
        ),
        Ok(Gathered::Over(read, rest)) => {
            let all = stream::iter(read.into_iter().map(Ok)).chain(rest);
            (Body::from_stream(all), Answer::Streamed { status })
        }
        Err(e) => return gateway(&e),
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    *response.headers_mut() = headers;
    (response, answer)
}

/// What a gateway answers when upstream gave nothing usable: 504 for a timeout, else 502.
fn gateway(e: &reqwest::Error) -> (Response, Answer) {
    let message = format!("the upstream did not answer: {e}");
    match e.is_timeout() {
        true => gateway_error(
            (StatusCode::GATEWAY_TIMEOUT, "GatewayTimeout"),
            TransportError::Timeout(message),
        ),
        false => gateway_error(
            (StatusCode::BAD_GATEWAY, "BadGateway"),
            TransportError::Transport(message),
        ),
    }
}

/// The proxy's own error answer, in Graph's envelope with a `request-id` of its own.
fn gateway_error(
    (status, code): (StatusCode, &'static str),
    failed: TransportError,
) -> (Response, Answer) {
    let mut response = error(status, code, &failed.to_string()).into_response();
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("request-id"), id);
    }
    (response, Answer::Failed(failed))
}
