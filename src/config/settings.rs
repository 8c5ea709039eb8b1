//! What a run uses, from three sources in order of strength: command-line flags, environment
//! variables, then the `conform.toml` profile; built-in defaults last.

use crate::suite::shape::Writable;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::file::{AuthProfile, Profile};
use crate::error::{Error, Result};
use crate::exec::auth::{Auth, ClientCredentials, DEFAULT_AUTHORITY, DEFAULT_SCOPE, TokenSource};
use crate::exec::transport::{Limits, RetryPolicy};
use crate::probe_kind::ProbeSelection;
use crate::secret::{Redactor, Secret};

pub const TOKEN_VARIABLE: &str = "CONFORM_TOKEN";
pub const TENANT_VARIABLE: &str = "CONFORM_TENANT_ID";
pub const CLIENT_ID_VARIABLE: &str = "CONFORM_CLIENT_ID";
pub const CLIENT_SECRET_VARIABLE: &str = "CONFORM_CLIENT_SECRET";
pub const AUTHORITY_VARIABLE: &str = "CONFORM_AUTHORITY";
pub const SCOPE_VARIABLE: &str = "CONFORM_SCOPE";

const DEFAULT_JOBS: usize = 16;

/// Placeholder values used against the embedded server, which accepts any id.
const EMBEDDED_VARS: &[(&str, &str)] = &[
    ("group-id", "embedded-group"),
    ("user-id", "embedded-user"),
    ("channel-id", "embedded-channel"),
];
const EMBEDDED_CONSISTENCY_WAIT: Duration = Duration::from_millis(500);
const REMOTE_CONSISTENCY_WAIT: Duration = Duration::from_secs(5);

/// The flags of `conform run` that a profile may also set; `None` when not given.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub base_url: Option<String>,
    pub vars: Vec<(String, String)>,
    pub timeout: Option<f64>,
    pub budget: Option<f64>,
    pub jobs: Option<usize>,
    pub rate: Option<f64>,
    /// Sends per request (`--retries`).
    pub retries: Option<u32>,
    /// Largest response body, in MiB (`--max-body`).
    pub max_body_mib: Option<u32>,
    pub insecure: bool,
    pub probes: Option<ProbeSelection>,
    pub consistency_wait: Option<f64>,
    pub strict: bool,
    /// `--fixtures FILE`.
    pub fixtures: Option<std::path::PathBuf>,
    pub disposable_fixtures: bool,
    pub require_bound: bool,
    pub reset: bool,
}

/// Where requests go and how they are authorized.
#[derive(Debug, Clone)]
pub enum Destination {
    Embedded,
    Remote { base_url: String, auth: Auth },
}

/// Everything about the target and the traffic, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub destination: Destination,
    /// The placeholder values of the run, resolved once: the embedded server's defaults, the
    /// fixtures file, the target's values, then `--var` (a later source wins).
    pub vars: HashMap<String, String>,
    pub limits: Limits,
    pub retry: RetryPolicy,
    pub jobs: usize,
    pub rate: Option<f64>,
    pub budget: Option<Duration>,
    pub insecure: bool,
    /// The probes derived from each case (`--probes`).
    pub probes: ProbeSelection,
    /// How long `read-back` and `gone-after-delete` wait for the answer they expect.
    pub consistency_wait: Duration,
    /// Undocumented properties fail the case instead of warning.
    pub strict: bool,
    /// The given values name disposable entities: cases may change and delete them.
    pub disposable_fixtures: bool,
    /// A case the binding plan cannot send stops the run before anything is sent.
    pub require_bound: bool,
    /// The target, a `conform mock`, is reset to how it started before the run (`--reset`).
    pub reset: bool,
    /// Knows every secret of the run, including tokens fetched later.
    pub redactor: Redactor,
}

impl Settings {
    /// What the run may change: everything on conform's own server (embedded, or a `conform
    /// mock` reset before the run), which is disposable; else what it creates, and the given
    /// entities with `--disposable-fixtures`.
    pub fn writable(&self) -> Writable {
        let own_server = matches!(self.destination, Destination::Embedded) || self.reset;
        match (own_server, self.disposable_fixtures) {
            (true, _) => Writable::Everything,
            (false, true) => Writable::Given,
            (false, false) => Writable::Created,
        }
    }
}

/// Resolves flags, environment (read through `env`) and profile into settings.
pub fn resolve(
    flags: Flags,
    profile: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let redactor = Redactor::default();
    let base_url = flags.base_url.clone().or_else(|| profile.base_url.clone());
    if flags.reset && base_url.is_none() {
        return Err(Error::new(
            "--reset resets a `conform mock` at --base-url (or the target's base_url); the embedded server starts afresh every run",
        ));
    }
    let destination = match base_url {
        None => Destination::Embedded,
        Some(base_url) => Destination::Remote {
            auth: auth(profile, &env, &redactor)?,
            base_url,
        },
    };
    let mut vars: HashMap<String, String> = HashMap::new();
    if matches!(destination, Destination::Embedded) {
        vars.extend(
            EMBEDDED_VARS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    // The fixtures file first, then the target's values, then --var: the later wins.
    if let Some(file) = flags.fixtures.as_ref().or(profile.fixtures.as_ref()) {
        vars.extend(crate::config::fixtures::load(file)?);
    }
    vars.extend(profile.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.extend(flags.vars);
    let mut limits = Limits::default();
    if let Some(seconds) = flags.timeout.or(profile.timeout) {
        limits.request_timeout = Duration::from_secs_f64(seconds);
    }
    if let Some(mib) = flags.max_body_mib {
        limits.max_body_bytes = mib as usize * 1024 * 1024;
    }
    let mut retry = RetryPolicy::default();
    if let Some(attempts) = flags.retries.or(profile.retry_attempts) {
        retry.attempts = attempts;
    }
    if let Some(seconds) = profile.retry_max_wait {
        retry.max_wait = Duration::from_secs_f64(seconds);
    }
    let consistency_wait = match flags.consistency_wait.or(profile.consistency_wait) {
        Some(seconds) => Duration::from_secs_f64(seconds),
        // The embedded server is consistent at once; a real service may take seconds.
        None if matches!(destination, Destination::Embedded) => EMBEDDED_CONSISTENCY_WAIT,
        None => REMOTE_CONSISTENCY_WAIT,
    };
    Ok(Settings {
        probes: flags
            .probes
            .or_else(|| profile.probes.clone())
            .unwrap_or_default(),
        consistency_wait,
        strict: flags.strict || profile.strict,
        disposable_fixtures: flags.disposable_fixtures || profile.disposable_fixtures,
        require_bound: flags.require_bound,
        reset: flags.reset,
        destination,
        vars,
        limits,
        retry,
        jobs: flags.jobs.or(profile.jobs).unwrap_or(DEFAULT_JOBS),
        rate: flags.rate.or(profile.rate),
        budget: flags.budget.or(profile.budget).map(Duration::from_secs_f64),
        insecure: flags.insecure || profile.insecure,
        redactor,
    })
}

fn auth(
    profile: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
    redactor: &Redactor,
) -> Result<Auth> {
    let client_credentials = |credentials: ClientCredentials| {
        Auth::ClientCredentials(Arc::new(TokenSource::new(credentials, redactor.clone())))
    };
    // Client credentials from the environment alone, as CI secrets usually arrive.
    if let Some(client_id) = env(CLIENT_ID_VARIABLE) {
        return Ok(client_credentials(credentials_from_env(client_id, env)?));
    }
    let bearer = |token: String| {
        let token = Secret::new(token);
        redactor.add(token.clone());
        Auth::Bearer(token)
    };
    match &profile.auth {
        Some(AuthProfile::ClientCredentials {
            tenant,
            client_id,
            client_secret_env,
            authority,
            scope,
        }) => {
            let secret = env(client_secret_env).ok_or_else(|| {
                Error::new(format!(
                    "target `{}` uses client credentials, but the environment variable {client_secret_env} holding the secret is not set",
                    profile.name
                ))
            })?;
            Ok(client_credentials(ClientCredentials {
                tenant: tenant.clone(),
                client_id: client_id.clone(),
                client_secret: Secret::new(secret),
                authority: env(AUTHORITY_VARIABLE)
                    .or_else(|| authority.clone())
                    .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string()),
                scope: env(SCOPE_VARIABLE)
                    .or_else(|| scope.clone())
                    .unwrap_or_else(|| DEFAULT_SCOPE.to_string()),
            }))
        }
        Some(AuthProfile::Bearer {
            token_env,
            token_file,
        }) => bearer_token(profile, token_env.as_deref(), token_file.as_ref(), env).map(bearer),
        Some(AuthProfile::None) => Ok(Auth::None),
        None => Ok(env(TOKEN_VARIABLE).map_or(Auth::None, bearer)),
    }
}

/// Client credentials given by `CONFORM_CLIENT_ID` and its companions.
fn credentials_from_env(
    client_id: String,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ClientCredentials> {
    let missing = |name: &str| {
        Error::new(format!(
            "{CLIENT_ID_VARIABLE} is set, so client credentials are used, but {name} is not"
        ))
    };
    Ok(ClientCredentials {
        tenant: env(TENANT_VARIABLE).ok_or_else(|| missing(TENANT_VARIABLE))?,
        client_id,
        client_secret: Secret::new(
            env(CLIENT_SECRET_VARIABLE).ok_or_else(|| missing(CLIENT_SECRET_VARIABLE))?,
        ),
        authority: env(AUTHORITY_VARIABLE).unwrap_or_else(|| DEFAULT_AUTHORITY.to_string()),
        scope: env(SCOPE_VARIABLE).unwrap_or_else(|| DEFAULT_SCOPE.to_string()),
    })
}

/// A bearer target's token: from its variable (`CONFORM_TOKEN` unless named), else its file.
fn bearer_token(
    profile: &Profile,
    token_env: Option<&str>,
    token_file: Option<&PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String> {
    let variable = token_env.unwrap_or(TOKEN_VARIABLE);
    match (env(variable), token_file) {
        (Some(token), _) => Ok(token),
        (None, Some(file)) => read_token_file(file),
        (None, None) => Err(Error::new(format!(
            "target `{}` uses a bearer token, but {variable} is not set",
            profile.name
        ))),
    }
}

fn read_token_file(file: &PathBuf) -> Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::in_file(format!("cannot read the token file: {e}"), file))?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(Error::in_file("the token file is empty", file));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn remote_profile(auth: Option<AuthProfile>) -> Profile {
        Profile {
            name: "t".into(),
            base_url: Some("http://127.0.0.1:1".into()),
            auth,
            timeout: Some(5.0),
            jobs: Some(2),
            vars: [("group-id".to_string(), "from-profile".to_string())].into(),
            ..Profile::default()
        }
    }

    #[test]
    fn flags_beat_profile_and_defaults_fill_the_rest() {
        let flags = Flags {
            timeout: Some(1.5),
            vars: vec![("group-id".into(), "from-flag".into())],
            ..Flags::default()
        };
        let s = resolve(flags, &remote_profile(None), &env_of(&[])).unwrap();
        assert_eq!(s.limits.request_timeout, Duration::from_secs_f64(1.5));
        assert_eq!(s.jobs, 2);
        assert_eq!(s.vars["group-id"], "from-flag");
        assert!(matches!(
            s.destination,
            Destination::Remote {
                auth: Auth::None,
                ..
            }
        ));
        let embedded = resolve(Flags::default(), &Profile::default(), &env_of(&[])).unwrap();
        assert!(matches!(embedded.destination, Destination::Embedded));
        assert_eq!(embedded.jobs, DEFAULT_JOBS);
    }

    #[test]
    fn client_credentials_from_the_environment_alone() {
        let env = env_of(&[
            (CLIENT_ID_VARIABLE, "app"),
            (TENANT_VARIABLE, "contoso"),
            (CLIENT_SECRET_VARIABLE, "s3cret-value"),
            (TOKEN_VARIABLE, "ignored"),
        ]);
        let s = resolve(Flags::default(), &remote_profile(None), &env).unwrap();
        assert!(matches!(
            s.destination,
            Destination::Remote {
                auth: Auth::ClientCredentials(_),
                ..
            }
        ));
        assert_eq!(s.redactor.redact("x s3cret-value"), "x [REDACTED]");
        let missing = env_of(&[(CLIENT_ID_VARIABLE, "app"), (TENANT_VARIABLE, "contoso")]);
        let err = resolve(Flags::default(), &remote_profile(None), &missing).unwrap_err();
        assert!(err.message().contains(CLIENT_SECRET_VARIABLE), "{err}");
    }

    #[test]
    fn profile_auth_needs_its_secret_from_the_environment() {
        let profile = remote_profile(Some(AuthProfile::ClientCredentials {
            tenant: "t".into(),
            client_id: "c".into(),
            client_secret_env: "MY_SECRET".into(),
            authority: None,
            scope: None,
        }));
        assert!(
            resolve(Flags::default(), &profile, &env_of(&[]))
                .unwrap_err()
                .message()
                .contains("MY_SECRET")
        );
        assert!(resolve(Flags::default(), &profile, &env_of(&[("MY_SECRET", "x")])).is_ok());
        let bearer = remote_profile(Some(AuthProfile::Bearer {
            token_env: Some("TOK".into()),
            token_file: None,
        }));
        let s = resolve(Flags::default(), &bearer, &env_of(&[("TOK", "abcd-token")])).unwrap();
        assert!(matches!(
            s.destination,
            Destination::Remote {
                auth: Auth::Bearer(_),
                ..
            }
        ));
        assert!(resolve(Flags::default(), &bearer, &env_of(&[])).is_err());
    }

    #[test]
    fn a_token_file_is_read_trimmed_and_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token.txt");
        std::fs::write(&file, "file-token-value\n").unwrap();
        let profile = remote_profile(Some(AuthProfile::Bearer {
            token_env: None,
            token_file: Some(file.clone()),
        }));
        let s = resolve(Flags::default(), &profile, &env_of(&[])).unwrap();
        assert!(
            matches!(&s.destination, Destination::Remote { auth: Auth::Bearer(t), .. } if t.expose() == "file-token-value")
        );
        assert_eq!(s.redactor.redact("file-token-value"), "[REDACTED]");
        std::fs::write(&file, " \n").unwrap();
        assert!(
            resolve(Flags::default(), &profile, &env_of(&[]))
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }
}
