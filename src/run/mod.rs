//! `conform run`: the phases of a run, the scheduler that produces verdicts, the printer that
//! shows them libtest's way, and what the terminal shows.

pub mod destination;
pub mod dry_run;
pub mod engine;
pub mod pipeline;
pub mod printer;
pub mod progress;
pub mod scheduler;
pub mod terminal;
pub mod trial;
