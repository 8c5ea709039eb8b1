//! How the reference server behaves beyond the contract, so that conform's handling of real
//! tenants can be tested on loopback: OAuth tokens that expire, throttling, slow answers,
//! failing deletes. Also the test API (`/_mock/stats`) and the token endpoint.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::mock::broken::BrokenRule;

/// OAuth 2.0 client credentials, as the Microsoft identity platform answers them.
#[derive(Debug, Clone)]
pub struct OAuth {
    /// Accepted client id; any when `None`.
    pub client_id: Option<String>,
    pub client_secret: String,
    /// The lifetime announced in `expires_in`.
    pub expires_in: Duration,
    /// How long a token is really accepted (shorter than announced to test renewal on 401).
    pub valid_for: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// Require tokens issued by the token endpoint; any bearer token when `None`.
    pub oauth: Option<OAuth>,
    /// Every Nth API request answers 429 with `Retry-After`.
    pub throttle_every: Option<u64>,
    pub retry_after_seconds: u64,
    /// Wait this long before answering each API request.
    pub delay: Duration,
    /// DELETE answers 500: what was created cannot be removed.
    pub fail_deletes: bool,
    /// Faults to inject from the start (more can be added through `/_mock/faults`).
    pub faults: Vec<crate::mock::fault::FaultRule>,
    /// Rules of the contract to break (`--break`).
    pub broken: Vec<crate::mock::broken::BrokenRule>,
    /// The URL space the server serves and the documented answers it answers by; nothing
    /// without (every path is an unknown segment).
    pub served: Option<crate::mock::generic::served::Served>,
    /// Placeholder values whose entities exist from the start (`group-id` → a group).
    pub fixtures: Vec<(String, String)>,
    /// Requests without a bearer token are served (`conform mock --no-auth`).
    pub no_auth: bool,
    /// Start without the entities the documented reads and lists show (`--empty`).
    pub empty: bool,
    /// What is created stays unseen this long, as on an eventually consistent service
    /// (`--consistency-lag-ms`).
    pub consistency_lag: Duration,
    /// Served over HTTPS: the links the server writes say so.
    pub https: bool,
    /// Starts with a small organisation (users, groups, events), as `conform mock` does.
    pub organisation: bool,
}

/// Counters and issued tokens, shared by all requests.
#[derive(Debug, Default)]
pub struct Behaviour {
    pub config: MockConfig,
    pub faults: crate::mock::fault::Faults,
    api_requests: AtomicU64,
    token_requests: AtomicU64,
    throttled: AtomicU64,
    issued: Mutex<HashMap<String, Instant>>,
}

/// What the gate decided about an API request.
pub enum Gate {
    Pass,
    Unauthorized(&'static str),
    Throttle(u64),
    FailDelete,
}

impl Behaviour {
    pub fn new(config: MockConfig) -> Self {
        Self {
            faults: crate::mock::fault::Faults::new(config.faults.clone()),
            config,
            ..Self::default()
        }
    }

    pub fn breaks(&self, rule: BrokenRule) -> bool {
        self.config.broken.contains(&rule)
    }

    /// Decides an API request from its bearer token and method; waits out the delay first.
    pub async fn gate(&self, bearer: Option<&str>, method: &axum::http::Method) -> Gate {
        if !self.config.delay.is_zero() {
            tokio::time::sleep(self.config.delay).await;
        }
        let Some(token) = bearer.filter(|t| !t.trim().is_empty()) else {
            if self.config.no_auth || self.breaks(BrokenRule::NoAuthCheck) {
                return Gate::Pass;
            }
            return Gate::Unauthorized("Access token is empty or is not a Bearer token.");
        };
        if self.config.oauth.is_some() {
            let issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
            match issued.get(token) {
                None => return Gate::Unauthorized("Access token validation failure."),
                Some(expiry) if Instant::now() >= *expiry => {
                    return Gate::Unauthorized("Lifetime validation failed, the token is expired.");
                }
                Some(_) => {}
            }
        }
        let count = self.api_requests.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(every) = self.config.throttle_every
            && count % every == 0
        {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Gate::Throttle(self.config.retry_after_seconds);
        }
        if self.config.fail_deletes && method == axum::http::Method::DELETE {
            return Gate::FailDelete;
        }
        Gate::Pass
    }

    /// `POST /{tenant}/oauth2/v2.0/token`: (status, JSON body).
    pub fn token(&self, form: &[u8]) -> (u16, serde_json::Value) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let Some(oauth) = &self.config.oauth else {
            return (
                400,
                json!({ "error": "unsupported", "error_description": "this server takes any bearer token" }),
            );
        };
        let fields: HashMap<String, String> =
            url::form_urlencoded::parse(form).into_owned().collect();
        let field = |name: &str| fields.get(name).map(String::as_str);
        if field("grant_type") != Some("client_credentials") {
            return (
                400,
                json!({ "error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials" }),
            );
        }
        let id_ok = oauth
            .client_id
            .as_deref()
            .is_none_or(|id| field("client_id") == Some(id));
        if !id_ok || field("client_secret") != Some(oauth.client_secret.as_str()) {
            return (
                401,
                json!({ "error": "invalid_client", "error_description": "invalid client id or secret" }),
            );
        }
        if field("scope").is_none() {
            return (
                400,
                json!({ "error": "invalid_scope", "error_description": "scope is required" }),
            );
        }
        let token = format!("mock-{}", uuid::Uuid::new_v4().simple());
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token.clone(), Instant::now() + oauth.valid_for);
        (
            200,
            json!({ "token_type": "Bearer", "expires_in": oauth.expires_in.as_secs(), "access_token": token }),
        )
    }

    /// `GET /_mock/stats`: what a test needs to know about the traffic.
    pub fn stats(&self) -> serde_json::Value {
        let issued: Vec<String> = self
            .issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        json!({
            "api_requests": self.api_requests.load(Ordering::Relaxed),
            "token_requests": self.token_requests.load(Ordering::Relaxed),
            "throttled": self.throttled.load(Ordering::Relaxed),
            "issued_tokens": issued,
        })
    }
}

/// Whether `path` is the identity platform's token endpoint: `/{tenant}/oauth2/v2.0/token`.
pub fn is_token_path(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segments.as_slice(), [tenant, "oauth2", "v2.0", "token"] if !tenant.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> MockConfig {
        MockConfig {
            oauth: Some(OAuth {
                client_id: Some("app".into()),
                client_secret: "s3cret".into(),
                expires_in: Duration::from_secs(3600),
                valid_for: Duration::from_secs(3600),
            }),
            ..MockConfig::default()
        }
    }

    #[tokio::test]
    async fn issues_tokens_only_for_the_right_secret_and_accepts_only_those() {
        let b = Behaviour::new(oauth());
        let (status, _) =
            b.token(b"grant_type=client_credentials&client_id=app&client_secret=nope&scope=x");
        assert_eq!(status, 401);
        let (status, body) =
            b.token(b"grant_type=client_credentials&client_id=app&client_secret=s3cret&scope=x");
        assert_eq!(status, 200);
        let token = body["access_token"].as_str().unwrap();
        let get = axum::http::Method::GET;
        assert!(matches!(b.gate(Some(token), &get).await, Gate::Pass));
        assert!(matches!(
            b.gate(Some("forged"), &get).await,
            Gate::Unauthorized(_)
        ));
        assert_eq!(b.stats()["token_requests"], 2);
    }

    #[tokio::test]
    async fn throttles_every_nth_request() {
        let b = Behaviour::new(MockConfig {
            throttle_every: Some(2),
            retry_after_seconds: 1,
            ..MockConfig::default()
        });
        let get = axum::http::Method::GET;
        assert!(matches!(b.gate(Some("t"), &get).await, Gate::Pass));
        assert!(matches!(b.gate(Some("t"), &get).await, Gate::Throttle(1)));
        assert!(matches!(b.gate(Some("t"), &get).await, Gate::Pass));
    }

    #[test]
    fn recognises_the_token_path() {
        assert!(is_token_path("/contoso/oauth2/v2.0/token"));
        assert!(!is_token_path("/v1.0/groups/g/threads"));
        assert!(!is_token_path("//oauth2/v2.0/token"));
    }
}
