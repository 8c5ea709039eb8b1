//! Sending one request over the run's shared HTTP client: authentication (renewing a rejected
//! token once), throttling retries, a request rate and the run's time budget. What was sent
//! and received is recorded as an `Exchange` for the checks.

use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::exec::endpoint::Endpoint;
use crate::graph;
use crate::secret::Secret;
use crate::suite::model::Request;

/// Limits that keep a misbehaving server from hanging or exhausting conform.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole request, from connecting to the last body byte.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Response bodies larger than this are a failure, not read further.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// When to send a request again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Sends per request, the first included.
    pub attempts: u32,
    /// Waiting per request, all retries together.
    pub max_wait: Duration,
    /// Wait when a throttled answer has no `Retry-After`, doubled at each retry.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            max_wait: Duration::from_secs(60),
            backoff: Duration::from_secs(1),
        }
    }
}

/// Statuses that mean "later": throttled or temporarily unavailable.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Teardown may outlive the run's budget by this much, so that what was created is deleted.
const TEARDOWN_GRACE: Duration = Duration::from_secs(5);

/// Spaces requests evenly to at most a given rate, across all cases.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: std::sync::Mutex<Instant>,
}

impl RateLimiter {
    pub fn per_second(rate: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: std::sync::Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// Everything requests of a run share.
pub struct Http {
    pub client: reqwest::Client,
    pub endpoint: Endpoint,
    pub limits: Limits,
    pub retry: RetryPolicy,
    pub rate: Option<RateLimiter>,
    /// End of the run's time budget.
    pub deadline: Option<Instant>,
    /// How long a read waits for what was just created, on a service that is eventually
    /// consistent (`--consistency-wait`).
    pub consistency_wait: Duration,
}

/// Builds the one client every request of a run shares (keep-alive pool).
pub fn client(limits: &Limits, insecure: bool) -> Result<reqwest::Client, String> {
    // reqwest is built without a default TLS provider (ring builds far faster than aws-lc);
    // installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(limits.request_timeout)
        .connect_timeout(limits.connect_timeout)
        // A redirect is an answer to check, not to follow.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(insecure)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// A response as received.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Names lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body as JSON, parsed once by whichever reader asks first: captures, checks,
    /// probes and the error envelope all read this one value.
    json: std::sync::OnceLock<Result<serde_json::Value, String>>,
}

impl Response {
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            json: std::sync::OnceLock::new(),
        }
    }

    /// The body as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<&serde_json::Value, &str> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The Graph error code of the body, if it is an error envelope.
    fn graph_error_code(&self) -> Option<String> {
        graph::error_code_and_message(self.json().ok()?).map(|(code, _)| code)
    }
}

/// Why no complete response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout(String),
    Transport(String),
    /// The run could not get a token for the request, which was not sent: the run's
    /// credentials, not the target, are at fault.
    NoToken(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout(m) | Self::Transport(m) => f.write_str(m),
            Self::NoToken(m) => write!(f, "not sent, no token: {m}"),
        }
    }
}

/// What identifies a request to Microsoft support: the ids and the server's date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// The `client-request-id` conform sent.
    pub client_request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// One request sent (perhaps several times) and what finally came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// The path as sent (placeholders filled).
    pub path: String,
    pub request_body: Option<String>,
    pub result: Result<Response, TransportError>,
    pub duration: Duration,
    /// One line per retry: what came back and how long conform waited.
    pub retries: Vec<String>,
    pub diagnostics: Diagnostics,
}

/// Which part of a case a request is: it decides its timeout and what is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Setup,
    Main,
    /// A probe's request that must go without the run's token (`auth`).
    Unauthenticated,
    Teardown,
}

impl Http {
    /// When requests of `role` must be done: the run's budget, plus a grace for teardown.
    fn hard_deadline(&self, role: Role) -> Option<Instant> {
        let deadline = self.deadline?;
        Some(if role == Role::Teardown {
            deadline + TEARDOWN_GRACE
        } else {
            deadline
        })
    }

    /// How long a request of `role` may take now, or `None` when its time is spent.
    fn time_left(&self, role: Role) -> Option<Duration> {
        let Some(deadline) = self.hard_deadline(role) else {
            return Some(self.limits.request_timeout);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        (!left.is_zero()).then(|| left.min(self.limits.request_timeout))
    }

    /// Sends a request, retrying throttled answers (and network errors when `retry_network`),
    /// renewing a rejected token once.
    pub async fn send(
        &self,
        request: &Request,
        role: Role,
        retry_network: bool,
        path: String,
        headers: Vec<(String, String)>,
    ) -> Exchange {
        let started = Instant::now();
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut tries = Tries {
            attempt: 1,
            ..Tries::default()
        };
        let result = loop {
            let Some(timeout) = self.time_left(role) else {
                break Err(TransportError::Timeout(
                    "the run's time budget ran out before this request".to_string(),
                ));
            };
            if tries.token.is_none() && role != Role::Unauthenticated {
                tries.token = match self.endpoint.auth.token(&self.client).await {
                    Ok(token) => token,
                    Err(message) => break Err(TransportError::NoToken(message)),
                };
            }
            if let Some(rate) = &self.rate {
                rate.wait().await;
            }
            let builder = self.build(
                request,
                &path,
                &headers,
                tries.token.as_ref(),
                &client_request_id,
            );
            let result = receive(builder.timeout(timeout), self.limits.max_body_bytes).await;
            if self.renewed_rejected_token(&result, &mut tries).await {
                continue;
            }
            let Some((wait, what)) = self.retry_wait(&result, retry_network, role, &tries) else {
                break result;
            };
            tries.retries.push(format!(
                "{} {path}: {what}; retried after {:.1}s",
                request.method,
                wait.as_secs_f64()
            ));
            tokio::time::sleep(wait).await;
            tries.waited += wait;
            tries.attempt += 1;
        };
        Exchange {
            method: request.method.to_string(),
            path,
            request_body: request.json.as_deref().map(str::to_string),
            diagnostics: diagnostics(&result, client_request_id),
            result,
            duration: started.elapsed(),
            retries: tries.retries,
        }
    }

    /// After a 401 `InvalidAuthenticationToken`, renews the token once; true when it did.
    async fn renewed_rejected_token(
        &self,
        result: &Result<Response, TransportError>,
        tries: &mut Tries,
    ) -> bool {
        let Ok(response) = result else {
            return false;
        };
        if response.status != 401 || tries.renewed {
            return false;
        }
        let rejected = response.graph_error_code().as_deref() == Some("InvalidAuthenticationToken");
        let Some(stale) = tries.token.as_ref().filter(|_| rejected) else {
            return false;
        };
        let Some(fresh) = self.endpoint.auth.renew(&self.client, stale).await else {
            return false;
        };
        tries.renewed = true;
        tries
            .retries
            .push("401 InvalidAuthenticationToken: renewed the token".to_string());
        tries.token = Some(fresh);
        true
    }

    /// How long to wait before sending again, and why; `None` when the answer stands.
    fn retry_wait(
        &self,
        result: &Result<Response, TransportError>,
        retry_network: bool,
        role: Role,
        tries: &Tries,
    ) -> Option<(Duration, String)> {
        let (wait, what) = match result {
            Ok(response) if is_retryable_status(response.status) => (
                retry_after(response).unwrap_or(self.backoff(tries.attempt)),
                graph::status_text(response.status),
            ),
            Err(error) if retry_network => (self.backoff(tries.attempt), error.to_string()),
            _ => return None,
        };
        let allowed =
            tries.attempt < self.retry.attempts && tries.waited + wait <= self.retry.max_wait;
        // A retry that would outlast the run's budget is not made (teardown has its grace).
        let past_budget =
            self.deadline.is_some_and(|d| Instant::now() + wait >= d) && role != Role::Teardown;
        (allowed && !past_budget).then_some((wait, what))
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry.backoff * 2u32.saturating_pow(attempt.saturating_sub(1).min(16))
    }

    fn build(
        &self,
        request: &Request,
        path: &str,
        headers: &[(String, String)],
        token: Option<&Secret>,
        client_request_id: &str,
    ) -> reqwest::RequestBuilder {
        let mut builder = self
            .client
            .request(request.method.http(), self.endpoint.url(path))
            .header("accept", "application/json")
            .header("client-request-id", client_request_id);
        if let Some(token) = token {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(json) = &request.json {
            builder = builder
                .header("content-type", "application/json")
                .body(json.to_string());
        }
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder
    }
}

/// What one request's sends have in common.
#[derive(Default)]
struct Tries {
    /// 1-based: the send being made.
    attempt: u32,
    waited: Duration,
    renewed: bool,
    token: Option<Secret>,
    retries: Vec<String>,
}

/// What identifies the request to Microsoft support.
fn diagnostics(
    result: &Result<Response, TransportError>,
    client_request_id: String,
) -> Diagnostics {
    let header = |name| {
        result
            .as_ref()
            .ok()
            .and_then(|r| r.header(name))
            .map(str::to_string)
    };
    Diagnostics {
        request_id: header("request-id"),
        date: header("date"),
        client_request_id,
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(response: &Response) -> Option<Duration> {
    parse_retry_after(response.header("retry-after")?, SystemTime::now())
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

async fn receive(
    builder: reqwest::RequestBuilder,
    max_body_bytes: usize,
) -> Result<Response, TransportError> {
    let mut response = builder.send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > max_body_bytes {
            return Err(TransportError::Transport(format!(
                "the response body exceeds the limit of {max_body_bytes} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::new(status, headers, body))
}

fn transport_error(error: reqwest::Error) -> TransportError {
    // reqwest's messages nest their causes; show the whole chain, once.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    if error.is_timeout() {
        TransportError::Timeout(format!("no complete response in time: {message}"))
    } else {
        TransportError::Transport(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn only_throttling_and_unavailability_are_retried() {
        for status in [429, 503, 504] {
            assert!(is_retryable_status(status));
        }
        for status in [200, 400, 401, 404, 500, 502] {
            assert!(!is_retryable_status(status));
        }
    }
}
