//! `conform.toml`: named targets (base URL, variables, auth, timeouts, concurrency, retries),
//! chosen with `--target NAME`. Command-line flags and environment variables override it.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::exec::endpoint::check_base_url;
use crate::probe_kind::ProbeSelection;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "conform.toml";
/// The built-in target: the embedded reference server.
pub const EMBEDDED: &str = "embedded";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    targets: BTreeMap<String, Spanned<TargetToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetToml {
    base_url: Option<Spanned<String>>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    auth: Option<AuthToml>,
    timeout: Option<Spanned<f64>>,
    budget: Option<Spanned<f64>>,
    jobs: Option<Spanned<i64>>,
    rate: Option<Spanned<f64>>,
    retry: Option<RetryToml>,
    insecure: Option<bool>,
    /// `all`, `none`, or probe names separated by commas.
    probes: Option<Spanned<String>>,
    consistency_wait: Option<Spanned<f64>>,
    strict: Option<bool>,
    /// A fixtures file, relative to this file.
    fixtures: Option<String>,
    /// The fixtures name disposable entities: the run may change and delete them.
    disposable_fixtures: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthToml {
    kind: Spanned<String>,
    token_env: Option<String>,
    token_file: Option<String>,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret_env: Option<String>,
    /// Refused with a clear message: secrets never live in this file.
    client_secret: Option<Spanned<toml::Value>>,
    authority: Option<String>,
    scope: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryToml {
    attempts: Option<Spanned<i64>>,
    max_wait: Option<Spanned<f64>>,
}

/// How a profile authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthProfile {
    None,
    /// A token from an environment variable or a file.
    Bearer {
        token_env: Option<String>,
        token_file: Option<PathBuf>,
    },
    ClientCredentials {
        tenant: String,
        client_id: String,
        client_secret_env: String,
        authority: Option<String>,
        scope: Option<String>,
    },
}

/// One named target of `conform.toml`, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub name: String,
    pub base_url: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub auth: Option<AuthProfile>,
    pub timeout: Option<f64>,
    pub budget: Option<f64>,
    pub jobs: Option<usize>,
    pub rate: Option<f64>,
    pub retry_attempts: Option<u32>,
    pub retry_max_wait: Option<f64>,
    pub insecure: bool,
    pub probes: Option<ProbeSelection>,
    pub consistency_wait: Option<f64>,
    pub strict: bool,
    /// The fixtures file, as a path from the working directory.
    pub fixtures: Option<PathBuf>,
    pub disposable_fixtures: bool,
}

/// The profile `name` from `path` (or `conform.toml` in the working directory). The name
/// `embedded` needs no file.
pub fn load_profile(path: Option<&Path>, name: &str) -> Result<Profile> {
    let default_path = Path::new(DEFAULT_FILE);
    let file = path.unwrap_or(default_path);
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(_) if path.is_none() && name == EMBEDDED => return Ok(Profile::named(EMBEDDED)),
        Err(e) => {
            return Err(Error::new(format!(
                "cannot read {} for --target {name}: {e}",
                file.display()
            ))
            .with_help("write a [targets.NAME] table in conform.toml, or pass --config FILE"));
        }
    };
    parse(file, &text, name)
}

impl Profile {
    fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }
}

fn at(file: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Error {
    Error::at(message, file, text, span)
}

/// Parses a config file's text and returns target `name`.
pub fn parse(file: &Path, text: &str, name: &str) -> Result<Profile> {
    let parsed: FileToml = toml::from_str(text).map_err(|e| Error::from_toml(&e, file, text))?;
    if let Some(embedded) = parsed.targets.get(EMBEDDED) {
        return Err(at(
            file,
            text,
            embedded.span(),
            "`embedded` is the built-in target; name yours otherwise",
        ));
    }
    let Some(raw) = parsed.targets.get(name) else {
        if name == EMBEDDED {
            return Ok(Profile::named(EMBEDDED));
        }
        let known: Vec<&str> = parsed.targets.keys().map(String::as_str).collect();
        return Err(
            Error::new(format!("no target `{name}` in {}", file.display())).with_help(format!(
                "targets there: {}; `embedded` is built in",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )),
        );
    };
    profile(&Source { file, text }, name, raw.get_ref())
}

/// The text of a config file, for errors pointing into it.
struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    /// `value`, or an error at its place saying what it must be.
    fn within<T: Copy>(&self, value: &Spanned<T>, ok: bool, must: String) -> Result<T> {
        if ok {
            Ok(*value.get_ref())
        } else {
            Err(at(self.file, self.text, value.span(), must))
        }
    }

    fn positive(&self, value: &Spanned<f64>, what: &str) -> Result<f64> {
        let v = *value.get_ref();
        let must = format!("`{what}` must be a positive number");
        self.within(value, v > 0.0 && v.is_finite(), must)
    }

    fn count(&self, value: &Spanned<i64>, what: &str, max: i64) -> Result<i64> {
        let must = format!("`{what}` must be a whole number from 1 to {max}");
        self.within(value, (1..=max).contains(value.get_ref()), must)
    }
}

fn profile(source: &Source<'_>, name: &str, raw: &TargetToml) -> Result<Profile> {
    let (file, text) = (source.file, source.text);
    if let Some(url) = &raw.base_url {
        check_base_url(url.get_ref()).map_err(|e| at(file, text, url.span(), e))?;
    }
    let positive = |value: &Option<Spanned<f64>>, what: &str| {
        value.as_ref().map(|v| source.positive(v, what)).transpose()
    };
    let retry = raw.retry.as_ref();
    Ok(Profile {
        name: name.to_string(),
        base_url: raw.base_url.as_ref().map(|u| u.get_ref().clone()),
        vars: raw.vars.clone(),
        auth: raw.auth.as_ref().map(|a| auth(file, text, a)).transpose()?,
        timeout: positive(&raw.timeout, "timeout")?,
        budget: positive(&raw.budget, "budget")?,
        jobs: raw
            .jobs
            .as_ref()
            .map(|v| source.count(v, "jobs", 1024).map(|n| n as usize))
            .transpose()?,
        rate: positive(&raw.rate, "rate")?,
        retry_attempts: retry
            .and_then(|r| r.attempts.as_ref())
            .map(|v| source.count(v, "retry.attempts", 100).map(|n| n as u32))
            .transpose()?,
        retry_max_wait: match retry {
            Some(r) => positive(&r.max_wait, "retry.max_wait")?,
            None => None,
        },
        insecure: raw.insecure.unwrap_or(false),
        probes: raw
            .probes
            .as_ref()
            .map(|v| v.get_ref().parse().map_err(|e| at(file, text, v.span(), e)))
            .transpose()?,
        consistency_wait: positive(&raw.consistency_wait, "consistency_wait")?,
        strict: raw.strict.unwrap_or(false),
        fixtures: raw.fixtures.as_ref().map(|relative| {
            file.parent()
                .map_or_else(|| PathBuf::from(relative), |dir| dir.join(relative))
        }),
        disposable_fixtures: raw.disposable_fixtures.unwrap_or(false),
    })
}

fn auth(file: &Path, text: &str, raw: &AuthToml) -> Result<AuthProfile> {
    if let Some(secret) = &raw.client_secret {
        return Err(at(file, text, secret.span(), "a client secret never goes in conform.toml")
            .with_help("name the environment variable that holds it: client_secret_env = \"CONFORM_CLIENT_SECRET\""));
    }
    let required = |value: &Option<String>, key: &str| -> Result<String> {
        value.clone().ok_or_else(|| {
            at(
                file,
                text,
                raw.kind.span(),
                format!("auth kind `client_credentials` needs `{key}`"),
            )
        })
    };
    match raw.kind.get_ref().as_str() {
        "none" => Ok(AuthProfile::None),
        "bearer" => Ok(AuthProfile::Bearer {
            token_env: raw.token_env.clone(),
            token_file: raw.token_file.as_ref().map(PathBuf::from),
        }),
        "client_credentials" => Ok(AuthProfile::ClientCredentials {
            tenant: required(&raw.tenant, "tenant")?,
            client_id: required(&raw.client_id, "client_id")?,
            client_secret_env: raw
                .client_secret_env
                .clone()
                .unwrap_or_else(|| "CONFORM_CLIENT_SECRET".to_string()),
            authority: raw.authority.clone(),
            scope: raw.scope.clone(),
        }),
        other => Err(at(
            file,
            text,
            raw.kind.span(),
            format!("unknown auth kind `{other}`; expected none, bearer or client_credentials"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe_kind::ProbeKind;

    const FILE: &str = r#"
[targets.staging]
base_url = "https://graph.microsoft.com"
vars = { group-id = "g1", user-id = "u1" }
timeout = 20
budget = 600
jobs = 4
rate = 5.5
insecure = false
probes = "auth,read-back"
consistency_wait = 2.5
strict = true
fixtures = "tenant/fixtures.toml"
disposable_fixtures = true

[targets.staging.retry]
attempts = 6
max_wait = 90

[targets.staging.auth]
kind = "client_credentials"
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"

[targets.local]
base_url = "http://127.0.0.1:8080"
auth = { kind = "bearer", token_file = "token.txt" }
"#;

    fn parse_named(text: &str, name: &str) -> Result<Profile> {
        parse(Path::new("conform.toml"), text, name)
    }

    #[test]
    fn reads_a_full_profile() {
        let p = parse_named(FILE, "staging").unwrap();
        assert_eq!(p.base_url.as_deref(), Some("https://graph.microsoft.com"));
        assert_eq!(p.vars["group-id"], "g1");
        assert_eq!(
            (p.timeout, p.budget, p.jobs, p.rate),
            (Some(20.0), Some(600.0), Some(4), Some(5.5))
        );
        assert_eq!((p.retry_attempts, p.retry_max_wait), (Some(6), Some(90.0)));
        assert_eq!(
            p.probes,
            Some(ProbeSelection::Only(vec![
                ProbeKind::Auth,
                ProbeKind::ReadBack
            ]))
        );
        assert_eq!((p.consistency_wait, p.strict), (Some(2.5), true));
        assert_eq!(
            (p.fixtures.as_deref(), p.disposable_fixtures),
            (Some(Path::new("tenant/fixtures.toml")), true),
            "relative to the config file's folder"
        );
        assert_eq!(
            p.auth,
            Some(AuthProfile::ClientCredentials {
                tenant: "contoso.onmicrosoft.com".into(),
                client_id: "11111111-2222-3333-4444-555555555555".into(),
                client_secret_env: "CONFORM_CLIENT_SECRET".into(),
                authority: None,
                scope: None,
            })
        );
        let local = parse_named(FILE, "local").unwrap();
        assert!(matches!(
            local.auth,
            Some(AuthProfile::Bearer {
                token_file: Some(_),
                ..
            })
        ));
        assert_eq!(parse_named(FILE, EMBEDDED).unwrap().name, EMBEDDED);
    }

    #[test]
    fn mistakes_point_at_their_line() {
        let unknown = FILE.replace("jobs = 4", "jbos = 4");
        let err = parse_named(&unknown, "staging").unwrap_err();
        assert!(err.message().contains("unknown field `jbos`"), "{err}");
        assert_eq!(err.location().unwrap().line, 7);

        let probes = FILE.replace("auth,read-back", "auth,readback");
        let err = parse_named(&probes, "staging").unwrap_err();
        assert!(err.message().contains("unknown probe `readback`"), "{err}");
        assert_eq!(err.location().unwrap().line, 10);

        let bad = FILE.replace("jobs = 4", "jobs = 0");
        let err = parse_named(&bad, "staging").unwrap_err();
        assert!(
            err.message().contains("`jobs` must be a whole number"),
            "{err}"
        );
        assert_eq!(err.location().unwrap().line, 7);

        let secret = FILE.replace(
            "client_id = \"1111",
            "client_secret = \"hunter2\"\nclient_id = \"1111",
        );
        let err = parse_named(&secret, "staging").unwrap_err();
        assert!(
            err.message().contains("never goes in conform.toml"),
            "{err}"
        );

        let url = FILE.replace("https://graph.microsoft.com", "graph.microsoft.com");
        assert!(parse_named(&url, "staging").is_err());
        let kind = FILE.replace("kind = \"client_credentials\"", "kind = \"saml\"");
        assert!(
            parse_named(&kind, "staging")
                .unwrap_err()
                .message()
                .contains("unknown auth kind")
        );
        assert!(
            parse_named(FILE, "prod")
                .unwrap_err()
                .to_string()
                .contains("targets there: local, staging")
        );
        let embedded = "[targets.embedded]\nbase_url = \"http://x\"\n";
        assert!(parse_named(embedded, "embedded").is_err());
    }
}
