//! Sending: the HTTP transport, the setup → request → teardown protocol of a case, the endpoint
//! and its authentication.

pub mod auth;
pub mod endpoint;
pub mod not_sent;
pub mod probe_run;
pub mod protocol;
pub mod transport;
