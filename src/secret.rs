//! Secrets (tokens, client secrets): a type that never prints, and the one place that removes
//! them from text about to be shown or written.

use std::fmt;
use std::sync::{Arc, RwLock};

/// A value that must never be printed. `Debug` and `Display` show `[REDACTED]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Removes every known secret from text that is about to be shown or written. Clones share
/// one list, so a token fetched during the run is redacted everywhere from then on.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Secret>>>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let redactor = Self::default();
        for secret in secrets {
            redactor.add(secret);
        }
        redactor
    }

    /// Adds a secret to redact from now on.
    pub fn add(&self, secret: Secret) {
        // Very short values would blank out ordinary text; no real token is that short.
        if secret.0.len() < 4 {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        secrets.iter().fold(text.to_string(), |acc, secret| {
            acc.replace(secret.expose(), "[REDACTED]")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("s3cr3t-token");
        assert_eq!(format!("{secret} {secret:?}"), "[REDACTED] [REDACTED]");
        let redactor = Redactor::new([secret]);
        assert_eq!(
            redactor.redact("echo: Bearer s3cr3t-token!"),
            "echo: Bearer [REDACTED]!"
        );
    }
}
