//! Faults the reference server can inject, so that conform's handling of a broken server is
//! tested: resets, stalls, slow or cut bodies, garbage, huge bodies, wrong labels, 5xx, 429.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use futures_util::stream;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The connection drops before a complete response.
    Reset,
    /// Accepts the request and never answers.
    Stall,
    /// Sends the body a byte at a time, slowly.
    Drip,
    /// Announces a longer body than it sends.
    Truncated,
    /// Sends bytes that are neither JSON nor UTF-8, labelled JSON.
    Garbage,
    /// Sends 50 MB of body.
    Oversize,
    /// Labels the JSON body `text/html`.
    WrongContentType,
    /// 500 Internal Server Error.
    #[serde(rename = "500")]
    ServerError,
    /// 501 Not Implemented: the operation is not served, as a release that drops it answers.
    #[serde(rename = "501")]
    NotImplemented,
    /// 503 without Retry-After.
    #[serde(rename = "503")]
    Unavailable,
    /// 503 with Retry-After: 0.
    #[serde(rename = "503-retry-after")]
    UnavailableRetryAfter,
    /// 429 with Retry-After: 1, every time.
    #[serde(rename = "429")]
    TooManyRequests,
}

impl FaultKind {
    /// Whether the fault answers in the server's place (an error status) rather than spoiling
    /// the server's answer.
    pub fn replaces_answer(self) -> bool {
        matches!(
            self,
            Self::ServerError
                | Self::NotImplemented
                | Self::Unavailable
                | Self::UnavailableRetryAfter
                | Self::TooManyRequests
        )
    }
}

impl std::str::FromStr for FaultKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|_| {
            format!(
                "unknown fault `{text}`: reset, stall, drip, truncated, garbage, oversize, wrong-content-type, 500, 501, 503, 503-retry-after, 429"
            )
        })
    }
}

/// A fault for the requests it matches, injected at `rate` (0 to 1) of them.
#[derive(Debug, Clone, Deserialize)]
pub struct FaultRule {
    pub kind: FaultKind,
    #[serde(default = "always")]
    pub rate: f64,
    /// Only requests of this method.
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path contains this.
    #[serde(default)]
    pub path: Option<String>,
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// `KIND[=RATE]`, as `conform mock --fault` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, rate) = match text.split_once('=') {
            Some((kind, rate)) => {
                let rate: f64 = rate
                    .parse()
                    .map_err(|_| format!("`{rate}` is not a rate from 0 to 1"))?;
                (kind, rate)
            }
            None => (text, 1.0),
        };
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("`{rate}` is not a rate from 0 to 1"));
        }
        Ok(Self {
            kind: kind.parse()?,
            rate,
            method: None,
            path: None,
        })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// The rules in force, each with how many requests it has seen.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<(FaultRule, u64)>>,
}

impl Faults {
    pub fn new(rules: Vec<FaultRule>) -> Self {
        Self {
            rules: Mutex::new(rules.into_iter().map(|r| (r, 0)).collect()),
        }
    }

    pub fn add(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((rule, 0));
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The fault for this request, if any: deterministic, `rate` of the matching requests.
    pub fn pick(&self, method: &Method, path: &str) -> Option<FaultKind> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        for (rule, seen) in rules.iter_mut() {
            if !rule.matches(method, path) {
                continue;
            }
            *seen += 1;
            // Fires when the running count of `rate * seen` steps up.
            let before = (rule.rate * (*seen - 1) as f64).floor();
            let after = (rule.rate * *seen as f64).floor();
            if after > before {
                return Some(rule.kind);
            }
        }
        None
    }
}

fn failing_body() -> Body {
    Body::from_stream(stream::iter([Err::<Bytes, std::io::Error>(
        std::io::Error::other("fault: reset"),
    )]))
}

/// Applies `kind` to the real response (`None` when the fault answers before the handler runs).
pub async fn apply(kind: FaultKind, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    match kind {
        FaultKind::Reset => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, failing_body())
        }
        FaultKind::Stall => std::future::pending().await,
        FaultKind::Drip => {
            parts.headers.remove(header::CONTENT_LENGTH);
            let chunks = (0..bytes.len()).map(move |i| bytes.slice(i..=i));
            let drip = stream::unfold(chunks, |mut chunks| async move {
                let chunk = chunks.next()?;
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((Ok::<Bytes, std::io::Error>(chunk), chunks))
            });
            Response::from_parts(parts, Body::from_stream(drip))
        }
        FaultKind::Truncated => {
            let announced = bytes.len() + 100;
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
            let cut = stream::iter([
                Ok(bytes.slice(..bytes.len() / 2)),
                Err(std::io::Error::other("fault: truncated")),
            ]);
            Response::from_parts(parts, Body::from_stream(cut))
        }
        FaultKind::Garbage => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(vec![0xff, 0xfe, b'{', 0x00, 0xc3, b'"']))
        }
        FaultKind::Oversize => {
            parts.headers.remove(header::CONTENT_LENGTH);
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let huge =
                stream::iter((0..800).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())));
            Response::from_parts(parts, Body::from_stream(huge))
        }
        FaultKind::WrongContentType => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Response::from_parts(parts, Body::from(bytes))
        }
        FaultKind::ServerError
        | FaultKind::NotImplemented
        | FaultKind::Unavailable
        | FaultKind::UnavailableRetryAfter
        | FaultKind::TooManyRequests => injected_error(kind),
    }
}

/// The error envelope an error fault answers with instead of the server.
fn injected_error(kind: FaultKind) -> Response {
    let (status, code, retry_after) = match kind {
        FaultKind::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            None,
        ),
        FaultKind::NotImplemented => (StatusCode::NOT_IMPLEMENTED, "NotImplemented", None),
        FaultKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", None),
        FaultKind::UnavailableRetryAfter => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            Some(0),
        ),
        _ => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", Some(1)),
    };
    let body = serde_json::json!({ "error": { "code": code, "message": "injected fault" } });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinds_and_rates() {
        assert_eq!(FaultRule::parse("reset").unwrap().kind, FaultKind::Reset);
        let rule = FaultRule::parse("503-retry-after=0.5").unwrap();
        assert_eq!(
            (rule.kind, rule.rate),
            (FaultKind::UnavailableRetryAfter, 0.5)
        );
        assert!(FaultRule::parse("explode").is_err());
        assert!(FaultRule::parse("stall=2").is_err());
    }

    #[test]
    fn fires_at_its_rate_and_only_where_it_matches() {
        let faults = Faults::new(vec![FaultRule {
            kind: FaultKind::Garbage,
            rate: 0.5,
            method: Some("POST".into()),
            path: Some("/threads".into()),
        }]);
        let fired: Vec<bool> = (0..4)
            .map(|_| {
                faults
                    .pick(&Method::POST, "/v1.0/groups/g/threads")
                    .is_some()
            })
            .collect();
        assert_eq!(fired, vec![false, true, false, true]);
        assert!(
            faults
                .pick(&Method::GET, "/v1.0/groups/g/threads")
                .is_none()
        );
        assert!(
            faults
                .pick(&Method::POST, "/v1.0/groups/g/conversations")
                .is_none()
        );
    }
}
