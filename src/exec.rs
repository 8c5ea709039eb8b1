//! Sending requests: the case's setup steps, its request and its teardown, over one shared
//! HTTP client. What was sent and received is recorded as an `Exchange` for the checks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::case::{Case, Request, Step};
use crate::target::Target;

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

/// Builds the one client every request of a run shares (keep-alive pool).
pub fn client(limits: &Limits) -> Result<reqwest::Client, String> {
    // reqwest is built without a default TLS provider (ring builds far faster than aws-lc);
    // installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(limits.request_timeout)
        .connect_timeout(limits.connect_timeout)
        // A redirect is an answer to check, not to follow.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
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

/// One request sent and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// The path as sent (placeholders filled).
    pub path: String,
    pub request_body: Option<String>,
    pub result: Result<Response, TransportError>,
    pub duration: Duration,
}

/// Everything that happened while running one case.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// Why the case's own request could not be sent (a setup step failed).
    pub setup_failure: Option<String>,
    pub exchange: Option<Exchange>,
    /// Teardown problems: they do not fail the case but must not go unseen.
    pub warnings: Vec<String>,
    pub duration: Duration,
}

/// Runs setup, the case's request and teardown (always, once setup has started).
pub async fn run_case(
    client: &reqwest::Client,
    target: &Target,
    limits: &Limits,
    case: &Case,
) -> CaseRun {
    let started = Instant::now();
    let mut vars = target.vars.clone();
    let mut setup_failure = None;
    let mut exchange = None;
    for (index, step) in case.setup.iter().enumerate() {
        if let Err(message) = run_step(client, target, limits, step, &mut vars).await {
            setup_failure = Some(format!("setup step {}: {message}", index + 1));
            break;
        }
    }
    if setup_failure.is_none() {
        match render(&case.request, &vars) {
            Ok((path, headers)) => {
                let sent = send(client, target, limits, &case.request, path, headers).await;
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
    for step in &case.teardown {
        if let Err(message) = run_step(client, target, limits, step, &mut vars).await {
            warnings.push(format!("teardown: {message}"));
        }
    }
    CaseRun {
        setup_failure,
        exchange,
        warnings,
        duration: started.elapsed(),
    }
}

/// Sends a setup or teardown step; any deviation is an error message.
async fn run_step(
    client: &reqwest::Client,
    target: &Target,
    limits: &Limits,
    step: &Step,
    vars: &mut HashMap<String, String>,
) -> Result<(), String> {
    let request = &step.request;
    let (path, headers) = render(request, vars).map_err(|name| {
        format!(
            "{} {}: skipped, {{{name}}} has no value (not captured)",
            request.method, request.path.raw
        )
    })?;
    let sent = send(client, target, limits, request, path, headers).await;
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

async fn send(
    client: &reqwest::Client,
    target: &Target,
    limits: &Limits,
    request: &Request,
    path: String,
    headers: Vec<(String, String)>,
) -> Exchange {
    let started = Instant::now();
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = client
        .request(method, target.url(&path))
        .header("accept", "application/json")
        .header("client-request-id", uuid::Uuid::new_v4().to_string());
    if let Some(token) = &target.token {
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
    let result = receive(builder, limits.max_body_bytes).await;
    Exchange {
        method: request.method.clone(),
        path,
        request_body: request.json.as_deref().map(str::to_string),
        result,
        duration: started.elapsed(),
    }
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
