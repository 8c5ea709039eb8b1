//! conform: contract-conformance tests for Microsoft Graph-compatible services.
//!
//! The pipeline, one module a stage: `case` (load) → `plan` → `exec` → `check` → `report`,
//! orchestrated by `runner`; `mock` is the reference server.

pub mod auth;
pub mod baseline;
pub mod case;
pub mod check;
pub mod cli;
pub mod config;
pub mod dry_run;
pub mod error;
pub mod exec;
pub mod exit;
pub mod import;
pub mod jsonpos;
pub mod lint;
pub mod mock;
pub mod page;
pub mod plan;
pub mod progress;
pub mod report;
pub mod runner;
pub mod schema;
pub mod settings;
pub mod target;
