//! Integration tests: the real `conform` binary, and servers it talks to on 127.0.0.1 only,
//! one module per topic. `cargo test --test cli`.

mod common;

mod api_model;
mod bad_input;
mod ci_gating;
mod coverage;
mod docs;
mod drift;
mod embedded;
mod faults;
mod generic_server;
mod import_lint;
mod metadata_judged;
mod probes;
mod proxy;
mod reference_server;
mod remote;
mod robustness;
mod schemas_import;
mod tenant;
