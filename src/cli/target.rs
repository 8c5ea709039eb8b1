//! The flags that say which server a run is for, the values it has and what it may change:
//! shared by `conform run` and `conform list`, which plans as the run would.

use std::path::PathBuf;

use crate::config::file::{EMBEDDED, load_profile};
use crate::config::settings::{self, Flags, Settings};
use crate::error::Error;
use crate::exec::endpoint::parse_var;

#[derive(clap::Args, Debug)]
pub struct TargetArgs {
    /// Named target of the config file (`embedded`, the built-in reference server, by
    /// default). Example: --target staging
    #[arg(long, value_name = "NAME", default_value = EMBEDDED)]
    target: String,

    /// Config file with the targets [default: conform.toml in the working directory].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Server to test: scheme, host, port (and an optional path prefix); overrides the
    /// target's. Without one, conform starts its embedded reference server on a free loopback
    /// port.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Value for a path placeholder, e.g. --var group-id=02bd9fd6-8f93-4758-87c3-1fb73740a315.
    /// Repeatable; overrides the target's.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    /// Placeholder values from a TOML file (`group-id = "…"`, one per line); a target may name
    /// one (`fixtures = "…"`). The target's `vars` and --var override it.
    #[arg(long, value_name = "FILE")]
    fixtures: Option<PathBuf>,

    /// The given values (--var, --fixtures, the target's) name disposable entities: cases
    /// that change or delete them are sent. Never lifts the rule for entities only found by
    /// listing.
    #[arg(long)]
    disposable_fixtures: bool,

    /// Before the run, reset the `conform mock` at --base-url to how it started (POST
    /// /_mock/reset: what earlier runs made is gone, its fixtures and seeds are back), so that
    /// runs against a long-lived mock start alike.
    #[arg(long)]
    reset: bool,
}

impl TargetArgs {
    /// Settings from the target's profile, these flags and `flags` (the command's others),
    /// flags first, then the environment, then the file, then the defaults.
    pub fn resolve(self, flags: Flags) -> Result<Settings, Error> {
        let profile = load_profile(self.config.as_deref(), &self.target)?;
        let flags = Flags {
            base_url: self.base_url,
            vars: self.vars,
            fixtures: self.fixtures,
            disposable_fixtures: self.disposable_fixtures,
            reset: self.reset,
            ..flags
        };
        settings::resolve(flags, &profile, &|name| std::env::var(name).ok())
    }
}
