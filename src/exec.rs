//! Sending requests: the case's setup steps, its request and its teardown, over one shared
//! HTTP client, with authentication, throttling retries, a request rate and the run's time
//! budget. What was sent and received is recorded as an `Exchange` for the checks.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{Case, Request, Step};
use crate::target::{Secret, Target};

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
    pub target: Target,
    pub limits: Limits,
    pub retry: RetryPolicy,
    pub rate: Option<RateLimiter>,
    /// End of the run's time budget.
    pub deadline: Option<Instant>,
    /// Skip teardown, leaving what the cases created.
    pub keep: bool,
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
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The Graph error code of the body, if it is an error envelope.
    fn graph_error_code(&self) -> Option<String> {
        crate::check::graph_error(&self.body).map(|(code, _)| code)
    }
}

/// Why no complete response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout(String),
    Transport(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout(m) | Self::Transport(m) => f.write_str(m),
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

/// A resource the case created that may still exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    pub method: String,
    pub url: String,
    pub reason: String,
}

/// Everything that happened while running one case.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// Why the case's own request could not be sent (a setup step failed).
    pub setup_failure: Option<String>,
    pub exchange: Option<Exchange>,
    /// Teardown problems: they do not fail the case but must not go unseen.
    pub warnings: Vec<String>,
    /// Retries of every request of the case, setup and teardown included.
    pub retries: Vec<String>,
    pub leaked: Vec<Leak>,
    pub duration: Duration,
}

/// The run of a case that never started because the run's time budget was spent.
pub fn out_of_time(case: &Case) -> CaseRun {
    CaseRun {
        setup_failure: None,
        exchange: Some(Exchange {
            method: case.request.method.clone(),
            path: case.request.path.raw.clone(),
            request_body: None,
            result: Err(TransportError::Timeout(
                "the run's time budget ran out before the case started".to_string(),
            )),
            duration: Duration::ZERO,
            retries: Vec::new(),
            diagnostics: Diagnostics::default(),
        }),
        warnings: Vec::new(),
        retries: Vec::new(),
        leaked: Vec::new(),
        duration: Duration::ZERO,
    }
}

/// Which part of a case a request is: it decides its timeout and what is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Setup,
    Main,
    Teardown,
}

impl Http {
    /// Runs setup, the case's request and teardown (always, once setup has started, unless
    /// `keep`).
    pub async fn run_case(&self, case: &Case) -> CaseRun {
        let started = Instant::now();
        let mut vars = self.target.vars.clone();
        // A captured id comes from this case's own responses, never from --var: when the
        // capture fails, teardown must not delete something the case did not create.
        for step in case.setup.iter().map(|s| &s.request).chain([&case.request]) {
            for capture in &step.capture {
                vars.remove(&capture.variable);
            }
        }
        let mut setup_failure = None;
        let mut exchange = None;
        let mut retries = Vec::new();
        for (index, step) in case.setup.iter().enumerate() {
            if let Err(message) = self
                .run_step(step, Role::Setup, &mut vars, &mut retries)
                .await
            {
                setup_failure = Some(format!("setup step {}: {message}", index + 1));
                break;
            }
        }
        if setup_failure.is_none() {
            match render(&case.request, &vars) {
                Ok((path, headers)) => {
                    let sent = self
                        .send(&case.request, Role::Main, case.retry_network, path, headers)
                        .await;
                    retries.extend(sent.retries.iter().cloned());
                    if let Ok(response) = &sent.result {
                        // Captures from the case's response feed teardown; a missing one only
                        // means there is nothing to clean up.
                        let _ = capture(&case.request, response, &mut vars);
                    }
                    exchange = Some(sent);
                }
                Err(name) => setup_failure = Some(format!("placeholder {{{name}}} has no value")),
            }
        }
        let mut warnings = Vec::new();
        let mut leaked = Vec::new();
        for step in &case.teardown {
            let Ok((path, _)) = render(&step.request, &vars) else {
                continue; // an id that was never captured: nothing was created
            };
            if self.keep {
                leaked.push(Leak {
                    method: step.request.method.clone(),
                    url: self.target.url(&path),
                    reason: "kept (--keep)".to_string(),
                });
                continue;
            }
            if let Err(message) = self
                .run_step(step, Role::Teardown, &mut vars, &mut retries)
                .await
            {
                warnings.push(format!("teardown: {message}"));
                leaked.push(Leak {
                    method: step.request.method.clone(),
                    url: self.target.url(&path),
                    reason: message,
                });
            }
        }
        CaseRun {
            setup_failure,
            exchange,
            warnings,
            retries,
            leaked,
            duration: started.elapsed(),
        }
    }

    /// Sends a setup or teardown step; any deviation is an error message.
    async fn run_step(
        &self,
        step: &Step,
        role: Role,
        vars: &mut HashMap<String, String>,
        retries: &mut Vec<String>,
    ) -> Result<(), String> {
        let request = &step.request;
        let (path, headers) = render(request, vars).map_err(|name| {
            format!(
                "{} {}: skipped, {{{name}}} has no value (not captured)",
                request.method, request.path.raw
            )
        })?;
        // Reading and deleting are safe to repeat after a network error.
        let idempotent = matches!(request.method.as_str(), "GET" | "DELETE" | "HEAD");
        let sent = self.send(request, role, idempotent, path, headers).await;
        retries.extend(sent.retries.iter().cloned());
        let line = format!("{} {}", sent.method, sent.path);
        let response = sent.result.map_err(|e| format!("{line}: {e}"))?;
        let status_ok = match step.status {
            Some(expected) => response.status == expected,
            None => (200..300).contains(&response.status),
        };
        if !status_ok {
            let expected = step
                .status
                .map_or_else(|| "a 2xx status".to_string(), |s| s.to_string());
            return Err(format!(
                "{line}: expected {expected}, got {}{}",
                response.status,
                crate::check::graph_error_summary(&response.body)
            ));
        }
        capture(request, &response, vars).map_err(|message| format!("{line}: {message}"))
    }

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
    async fn send(
        &self,
        request: &Request,
        role: Role,
        retry_network: bool,
        path: String,
        headers: Vec<(String, String)>,
    ) -> Exchange {
        let started = Instant::now();
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut retries = Vec::new();
        let mut waited = Duration::ZERO;
        let mut renewed = false;
        let mut token = None;
        let mut attempt = 1;
        let result = loop {
            let Some(timeout) = self.time_left(role) else {
                break Err(TransportError::Timeout(
                    "the run's time budget ran out before this request".to_string(),
                ));
            };
            if token.is_none() {
                token = match self.target.auth.token(&self.client).await {
                    Ok(token) => token,
                    Err(message) => break Err(TransportError::Transport(message)),
                };
            }
            if let Some(rate) = &self.rate {
                rate.wait().await;
            }
            let builder = self.build(request, &path, &headers, token.as_ref(), &client_request_id);
            let result = receive(builder.timeout(timeout), self.limits.max_body_bytes).await;
            let wait = match &result {
                Ok(response) if response.status == 401 && !renewed => {
                    let rejected = response.graph_error_code().as_deref()
                        == Some("InvalidAuthenticationToken");
                    if let (true, Some(stale)) = (rejected, token.as_ref())
                        && let Some(fresh) = self.target.auth.renew(&self.client, stale).await
                    {
                        renewed = true;
                        retries
                            .push("401 InvalidAuthenticationToken: renewed the token".to_string());
                        token = Some(fresh);
                        continue;
                    }
                    None
                }
                Ok(response) if is_retryable_status(response.status) => Some((
                    retry_after(response).unwrap_or(self.backoff(attempt)),
                    status_line(response.status),
                )),
                Err(error) if retry_network => Some((self.backoff(attempt), error.to_string())),
                _ => None,
            };
            match wait {
                Some((wait, what))
                    if attempt < self.retry.attempts && waited + wait <= self.retry.max_wait =>
                {
                    if self.deadline.is_some_and(|d| Instant::now() + wait >= d)
                        && role != Role::Teardown
                    {
                        break result;
                    }
                    retries.push(format!(
                        "{} {path}: {what}; retried after {:.1}s",
                        request.method,
                        wait.as_secs_f64()
                    ));
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    attempt += 1;
                }
                _ => break result,
            }
        };
        let diagnostics = Diagnostics {
            request_id: result
                .as_ref()
                .ok()
                .and_then(|r| r.header("request-id"))
                .map(str::to_string),
            date: result
                .as_ref()
                .ok()
                .and_then(|r| r.header("date"))
                .map(str::to_string),
            client_request_id,
        };
        Exchange {
            method: request.method.clone(),
            path,
            request_body: request.json.as_deref().map(str::to_string),
            result,
            duration: started.elapsed(),
            retries,
            diagnostics,
        }
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
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self
            .client
            .request(method, self.target.url(path))
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

fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    format!("{status} {}", reason.unwrap_or(""))
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

fn render(
    request: &Request,
    vars: &HashMap<String, String>,
) -> Result<(String, Vec<(String, String)>), String> {
    let path = request.path.render(vars)?;
    let headers = request
        .headers
        .iter()
        .map(|(name, value)| Ok((name.clone(), value.render(vars)?)))
        .collect::<Result<_, String>>()?;
    Ok((path, headers))
}

/// Stores the request's captures from the response body into `vars`.
fn capture(
    request: &Request,
    response: &Response,
    vars: &mut HashMap<String, String>,
) -> Result<(), String> {
    if request.capture.is_empty() {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("cannot capture from a body that is not JSON: {e}"))?;
    for capture in &request.capture {
        let value = match body.pointer(&capture.pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Some(other) => {
                return Err(format!(
                    "cannot capture {{{}}} from `{}`: {other} is not a string or number",
                    capture.variable, capture.pointer
                ));
            }
            None => {
                return Err(format!(
                    "cannot capture {{{}}}: the body has nothing at `{}`",
                    capture.variable, capture.pointer
                ));
            }
        };
        vars.insert(capture.variable.clone(), value);
    }
    Ok(())
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
    Ok(Response {
        status,
        headers,
        body,
    })
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
