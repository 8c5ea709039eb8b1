//! Configuration: `conform.toml` targets, and the settings of a run resolved from flags,
//! environment, file and defaults.

pub mod file;
pub mod fixtures;
pub mod settings;
