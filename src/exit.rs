//! Process exit codes, defined once.

/// Every case run passed (or every failure is known to the baseline).
pub const PASS: u8 = 0;
/// A case failed (a new failure, when a baseline is given) or could not set up.
pub const FAILURES: u8 = 1;
/// conform could not run: bad input, bad flag, unreachable server.
pub const COULD_NOT_RUN: u8 = 2;
/// Stopped by Ctrl-C (SIGINT); the reports are written and marked incomplete.
pub const INTERRUPTED: u8 = 130;
