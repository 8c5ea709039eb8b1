//! conform: contract-conformance tests for Microsoft Graph-compatible services.
//!
//! The pipeline, one folder a stage, dependencies running one way (down this list):
//! `cli` → `run` → `report` and `baseline` → `check` → `exec` → `suite` → `api` (the URL
//! space) → `schema`; `docs` (pages, import, lint) and `config` sit beside them; `mock` is the
//! reference server. The leaves — `error`, `exit`, `secret`, `fs`, `graph`, `probe_kind` — use
//! nothing of conform.

// The house rules: no function over 80 lines (the limit is in clippy.toml); no unwrap or
// expect outside tests, so that no input or answer can make conform panic through one.
#![warn(clippy::too_many_lines)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod docs;
pub mod error;
pub mod exec;
pub mod exit;
pub mod fs;
pub mod graph;
pub mod mock;
pub mod probe_kind;
pub mod proxy;
pub mod report;
pub mod run;
pub mod schema;
pub mod secret;
pub mod suite;
