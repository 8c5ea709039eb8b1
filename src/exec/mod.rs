//! Sending: the HTTP transport, the setup → request → teardown protocol of a case, the target
//! and its authentication.

pub mod auth;
pub mod probe;
pub mod protocol;
pub mod target;
pub mod transport;
