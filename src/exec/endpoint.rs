//! Where requests go: a base URL, the variables that fill path placeholders, and the bearer
//! token, which is kept out of every output.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::exec::auth::Auth;
use crate::secret::Redactor;

/// The server under test as the run's requests reach it (what `--target` names in conform.toml
/// and `Destination` says where to find, resolved).
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Scheme, host, port and an optional path prefix, without a trailing slash.
    pub base_url: String,
    /// What reports call the target (`embedded` or the base URL).
    pub label: String,
    /// Values for path placeholders.
    pub vars: HashMap<String, String>,
    pub auth: Auth,
    /// Every secret of this endpoint, for redaction.
    pub redactor: Redactor,
}

impl Endpoint {
    /// An endpoint at `base_url`, checked to be an absolute http(s) URL.
    pub fn remote(
        base_url: &str,
        vars: HashMap<String, String>,
        auth: Auth,
        redactor: Redactor,
    ) -> Result<Self> {
        check_base_url(base_url).map_err(|message| {
            Error::new(format!("--base-url: {message}"))
                .with_help("give scheme, host and port, e.g. --base-url http://127.0.0.1:8080")
        })?;
        let base_url = base_url.trim_end_matches('/').to_string();
        Ok(Self {
            label: base_url.clone(),
            base_url,
            vars,
            auth,
            redactor,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// Checks that `base_url` is an absolute http(s) URL with a host and no query or fragment.
pub fn check_base_url(base_url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(base_url).map_err(|e| format!("`{base_url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!(
            "`{base_url}` must be an http:// or https:// URL with a host"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{base_url}` must not carry a query or fragment"));
    }
    Ok(())
}

/// Parses `--var name=value`.
pub fn parse_var(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    if name.is_empty() {
        return Err(format!("`{text}` has an empty variable name"));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let t = Endpoint::remote(
            "http://127.0.0.1:8080/",
            HashMap::new(),
            Auth::None,
            Redactor::default(),
        )
        .unwrap();
        assert_eq!(t.url("/v1.0/x"), "http://127.0.0.1:8080/v1.0/x");
        assert!(check_base_url("127.0.0.1:8080").is_err());
        assert!(check_base_url("ftp://host").is_err());
        assert!(check_base_url("http://h/?a=b").is_err());
    }

    #[test]
    fn parses_vars() {
        assert_eq!(
            parse_var("group-id=g=1"),
            Ok(("group-id".into(), "g=1".into()))
        );
        assert!(parse_var("novalue").is_err());
        assert!(parse_var("=x").is_err());
    }
}
