//! Authentication: a static bearer token, or OAuth 2.0 client credentials against the
//! Microsoft identity platform, fetched once, shared by all cases, refreshed before it
//! expires and after the server rejects it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::secret::{Redactor, Secret};

/// The public cloud's identity platform.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// How requests are authorized.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(Secret),
    ClientCredentials(Arc<TokenSource>),
}

impl Auth {
    /// The token to send now, fetching or refreshing one when needed.
    pub async fn token(&self, client: &reqwest::Client) -> Result<Option<Secret>, String> {
        match self {
            Self::None => Ok(None),
            Self::Bearer(token) => Ok(Some(token.clone())),
            Self::ClientCredentials(source) => source.token(client).await.map(Some),
        }
    }

    /// After the server rejected `rejected`: a fresh token to retry with, once, when one can
    /// be had.
    pub async fn renew(&self, client: &reqwest::Client, rejected: &Secret) -> Option<Secret> {
        match self {
            Self::ClientCredentials(source) => source.renew(client, rejected).await.ok(),
            _ => None,
        }
    }
}

/// The settings of the client credentials grant. The secret comes from the environment.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scope: String,
}

impl ClientCredentials {
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            self.tenant
        )
    }
}

#[derive(Debug)]
struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// One token shared by every case of a run.
#[derive(Debug)]
pub struct TokenSource {
    credentials: ClientCredentials,
    cached: Mutex<Option<Cached>>,
    fetches: AtomicU32,
    redactor: Redactor,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// When to refresh a token that lives `lifetime`: a minute early, or a fifth of its life for
/// short-lived ones.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(Duration::from_secs(60))
}

impl TokenSource {
    pub fn new(credentials: ClientCredentials, redactor: Redactor) -> Self {
        redactor.add(credentials.client_secret.clone());
        Self {
            credentials,
            cached: Mutex::new(None),
            fetches: AtomicU32::new(0),
            redactor,
        }
    }

    /// How many tokens were fetched so far.
    pub fn fetches(&self) -> u32 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn token(&self, client: &reqwest::Client) -> Result<Secret, String> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && Instant::now() < current.refresh_at
        {
            return Ok(current.token.clone());
        }
        let fresh = self.fetch(client).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    async fn renew(&self, client: &reqwest::Client, rejected: &Secret) -> Result<Secret, String> {
        let mut cached = self.cached.lock().await;
        // Another case may have renewed it already.
        if let Some(current) = cached.as_ref()
            && &current.token != rejected
        {
            return Ok(current.token.clone());
        }
        let fresh = self.fetch(client).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<Cached, String> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let c = &self.credentials;
        let url = c.token_url();
        let started = Instant::now();
        let response = client
            .post(&url)
            .form(&[
                ("client_id", c.client_id.as_str()),
                ("client_secret", c.client_secret.expose()),
                ("scope", c.scope.as_str()),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .map_err(|e| {
                self.redactor
                    .redact(&format!("cannot get a token from {url}: {e}"))
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("cannot read the token answer from {url}: {e}"))?;
        if !status.is_success() {
            let detail: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let reason = detail["error_description"]
                .as_str()
                .or(detail["error"].as_str())
                .unwrap_or("");
            return Err(self.redactor.redact(&format!(
                "the identity platform refused a token ({status}) at {url}: {reason}"
            )));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| format!("the token answer from {url} is not a token: {e}"))?;
        let token = Secret::new(answer.access_token);
        self.redactor.add(token.clone());
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3599));
        Ok(Cached {
            token,
            refresh_at: started + lifetime.saturating_sub(refresh_margin(lifetime)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_a_minute_early_or_a_fifth_of_a_short_life_early() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3599)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(10)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn builds_the_token_url() {
        let credentials = ClientCredentials {
            authority: "https://login.microsoftonline.com/".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "id".into(),
            client_secret: Secret::new("s"),
            scope: DEFAULT_SCOPE.into(),
        };
        assert_eq!(
            credentials.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }
}
