//! JSON batching (`POST /{version}/$batch`): up to 20 requests in one, each served by the
//! whole server as if it were sent alone — authentication, faults, throttling and broken rules
//! apply to each — in `dependsOn` order; a request whose dependency did not succeed answers
//! 424. Graph's answer shape: `{"responses": [{"id", "status", "headers", "body"}]}`.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};
use tower_service::Service as _;

use crate::mock::answer::error;

/// The most requests one batch may hold, as Graph allows.
pub const MAX_REQUESTS: usize = 20;

/// One request of a batch, as read.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    id: String,
    method: Method,
    /// Relative to the version: `/me/messages?$top=1`.
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

/// The batch route, serving each request through `app` (the whole server, gateway included).
pub fn router(app: Router) -> Router {
    Router::new()
        .route("/{version}/$batch", post(batch))
        .with_state(app)
}

async fn batch(
    State(app): State<Router>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = crate::mock::answer::addressed_host(&headers);
    let steps = read(&body).and_then(|steps| relative(steps, &version, host));
    let steps = match steps.and_then(ordered) {
        Ok(steps) => steps,
        Err(message) => {
            return error(StatusCode::BAD_REQUEST, "BadRequest", &message).into_response();
        }
    };
    let mut succeeded: HashMap<String, bool> = HashMap::new();
    let mut responses = Vec::with_capacity(steps.len());
    for step in &steps {
        let blocked = step
            .depends_on
            .iter()
            .any(|id| !succeeded.get(id).copied().unwrap_or(false));
        let answer = if blocked {
            failed_dependency(&step.id)
        } else {
            send(&app, &version, step, &headers).await
        };
        let status = answer["status"].as_u64().unwrap_or(500);
        succeeded.insert(step.id.clone(), (200..300).contains(&status));
        responses.push(answer);
    }
    let mut response = (
        StatusCode::OK,
        json!({ "responses": responses }).to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The requests of a batch body, or Graph's reason to refuse it.
fn read(body: &[u8]) -> Result<Vec<Step>, String> {
    let invalid = || "Invalid batch payload format.".to_string();
    let parsed: Value = serde_json::from_slice(body).map_err(|_| invalid())?;
    let requests = parsed
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(invalid)?;
    if requests.len() > MAX_REQUESTS {
        return Err(format!(
            "The number of batch requests ({}) exceeds the limit of {MAX_REQUESTS}.",
            requests.len()
        ));
    }
    let steps = requests.iter().map(step).collect::<Result<Vec<_>, _>>()?;
    let mut ids = HashSet::new();
    if let Some(twice) = steps.iter().find(|s| !ids.insert(s.id.as_str())) {
        return Err(format!("Request id '{}' is used more than once.", twice.id));
    }
    Ok(steps)
}

/// One request of a batch.
fn step(request: &Value) -> Result<Step, String> {
    let text = |name: &str| request.get(name).and_then(Value::as_str);
    let id = match request.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err("Every batch request needs an `id`.".to_string()),
    };
    let method = text("method")
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| format!("Batch request '{id}' needs a `method`."))?;
    let url = text("url").ok_or_else(|| format!("Batch request '{id}' needs a `url`."))?;
    let headers = request
        .get("headers")
        .and_then(Value::as_object)
        .map(|headers| {
            headers
                .iter()
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let depends_on = match request.get("dependsOn") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|d| {
                d.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| d.to_string())
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Step {
        id,
        method,
        url: url.to_string(),
        headers,
        body: request.get("body").cloned(),
        depends_on,
    })
}

/// Each step's url made relative to the version (`/me`): a url may also name the version
/// (`/v1.0/me`) or be absolute on the batch's own host, as SDKs write them; another host is
/// refused.
fn relative(mut steps: Vec<Step>, version: &str, host: Option<&str>) -> Result<Vec<Step>, String> {
    for step in &mut steps {
        let mut url = step.url.as_str();
        if let Some((_, rest)) = url.split_once("://") {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            if host.is_none_or(|host| !host.eq_ignore_ascii_case(authority)) {
                return Err(format!(
                    "Batch request '{}': `{}` is not on this server; a url is relative (`/me`).",
                    step.id, step.url
                ));
            }
            url = path;
        }
        let url = url.trim_start_matches('/');
        let url = url
            .strip_prefix(version)
            .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
            .unwrap_or(url)
            .trim_start_matches('/');
        step.url = format!("/{url}");
    }
    Ok(steps)
}

/// The steps in an order where each comes after what it depends on (the written order where
/// nothing says otherwise); a dependency on no request of the batch, or a cycle, is refused.
fn ordered(steps: Vec<Step>) -> Result<Vec<Step>, String> {
    let known: HashSet<&str> = steps.iter().map(|s| s.id.as_str()).collect();
    if let Some((step, missing)) = steps.iter().find_map(|s| {
        s.depends_on
            .iter()
            .find(|d| !known.contains(d.as_str()))
            .map(|d| (s, d))
    }) {
        return Err(format!(
            "Batch request '{}' depends on '{missing}', which the batch does not hold.",
            step.id
        ));
    }
    let mut done: Vec<Step> = Vec::with_capacity(steps.len());
    let mut waiting = steps;
    while !waiting.is_empty() {
        let ready = waiting.iter().position(|s| {
            s.depends_on
                .iter()
                .all(|d| done.iter().any(|finished| finished.id == *d))
        });
        let Some(ready) = ready else {
            return Err("The batch's dependsOn form a cycle.".to_string());
        };
        done.push(waiting.remove(ready));
    }
    Ok(done)
}

/// Serves `step` through the whole server, with the batch's own authorization.
async fn send(app: &Router, version: &str, step: &Step, batch_headers: &HeaderMap) -> Value {
    let mut request = axum::http::Request::builder()
        .method(step.method.clone())
        .uri(format!("/{version}{}", step.url));
    if let Some(token) = batch_headers.get(header::AUTHORIZATION) {
        request = request.header(header::AUTHORIZATION, token);
    }
    let mut typed = false;
    for (name, value) in &step.headers {
        typed |= name.eq_ignore_ascii_case("content-type");
        request = request.header(name.as_str(), value.as_str());
    }
    let body = match &step.body {
        None | Some(Value::Null) => Body::empty(),
        Some(Value::String(text)) => Body::from(text.clone()),
        Some(value) => {
            if !typed {
                request = request.header(header::CONTENT_TYPE, "application/json");
            }
            Body::from(value.to_string())
        }
    };
    let Ok(request) = request.body(body) else {
        return answer(
            &step.id,
            400,
            Map::new(),
            json!({"error": {"code": "BadRequest", "message": "The request cannot be built."}}),
        );
    };
    // A router is always ready: it is called without waiting for readiness.
    let Ok(response) = app.clone().call(request).await;
    let status = response.status().as_u16();
    let headers: Map<String, Value> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((title_case(name.as_str()), json!(value.to_str().ok()?))))
        .collect();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => value,
        Err(_) if bytes.is_empty() => Value::Null,
        Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
    };
    answer(&step.id, status, headers, body)
}

/// A header's name as Graph writes it in a batch answer (`Content-Type`): clients look it up
/// so.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + letters.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A request not served because one it depends on did not succeed.
fn failed_dependency(id: &str) -> Value {
    answer(
        id,
        424,
        Map::new(),
        json!({"error": {"code": "FailedDependency", "message": "A request this one depends on did not succeed."}}),
    )
}

fn answer(id: &str, status: u16, headers: Map<String, Value>, body: Value) -> Value {
    let mut answer = json!({ "id": id, "status": status, "headers": headers });
    if !body.is_null() {
        answer["body"] = body;
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(body: Value) -> Result<Vec<Step>, String> {
        read(body.to_string().as_bytes())
            .and_then(|steps| relative(steps, "v1.0", Some("127.0.0.1:8080")))
            .and_then(ordered)
    }

    #[test]
    fn a_batch_is_read_in_dependency_order_or_refused_with_graph_s_reason() {
        let ordered = steps(json!({"requests": [
            {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]},
            {"id": "1", "method": "post", "url": "me/messages", "body": {"subject": "s"}},
        ]}))
        .unwrap();
        let ids: Vec<&str> = ordered.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"], "what a request depends on runs first");
        assert_eq!(ordered[0].method, Method::POST);
        assert_eq!(ordered[0].url, "/me/messages");
        let written = steps(json!({"requests": [
            {"id": "1", "method": "GET", "url": "/v1.0/users?$top=1"},
            {"id": "2", "method": "GET", "url": "http://127.0.0.1:8080/v1.0/me"},
        ]}))
        .unwrap();
        let urls: Vec<&str> = written.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["/users?$top=1", "/me"], "as SDKs write them");
        let refused = [
            (json!({"requests": "no"}), "Invalid batch payload"),
            (
                json!({"requests": (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"})).collect::<Vec<_>>()}),
                "limit of 20",
            ),
            (
                json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}, {"id": "1", "method": "GET", "url": "/me"}]}),
                "more than once",
            ),
            (
                json!({"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": ["2"]}, {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]}]}),
                "cycle",
            ),
            (
                json!({"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": ["9"]}]}),
                "does not hold",
            ),
            (
                json!({"requests": [{"id": "1", "method": "GET", "url": "https://elsewhere.example/v1.0/me"}]}),
                "not on this server",
            ),
            (
                json!({"requests": [{"method": "GET", "url": "/me"}]}),
                "needs an `id`",
            ),
        ];
        for (body, reason) in refused {
            let message = steps(body.clone()).unwrap_err();
            assert!(message.contains(reason), "{body}: {message}");
        }
    }
}
