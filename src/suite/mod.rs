//! The suite: the case-file format (model, reading, writing), loading, the probes derived from
//! each case, and the plan of a run.

pub mod bind;
pub mod binder;
pub mod binding;
pub mod fill;
pub mod format;
pub mod load;
pub mod model;
pub mod partition;
pub mod plan;
pub mod probes;
pub mod producers;
pub mod shape;
pub mod sorted;
pub mod sources;
pub mod spill;
pub mod writer;
