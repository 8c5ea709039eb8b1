//! The suite: the case-file format (model, reading, writing), loading, and the plan of a run.

pub mod format;
pub mod load;
pub mod model;
pub mod partition;
pub mod plan;
pub mod writer;
