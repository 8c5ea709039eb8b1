//! The reference server: the documented contract served by axum from in-memory state, with the
//! Graph error envelope for every error. `conform run` embeds it; `conform mock` serves it.

pub mod answer;
pub mod batch;
pub mod behaviour;
pub mod broken;
pub mod fault;
pub mod gateway;
pub mod generic;
pub mod server;
pub mod tls;
