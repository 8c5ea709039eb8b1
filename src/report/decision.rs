//! What a record comes to for the run (`CaseRecord::decision`, from its outcome and its
//! failures' standing in the baseline): what the terminal, the exit code and every report read.

/// What a record comes to for the run: the one decision the terminal's verdict line, the
/// progress line and the exit code all read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Passed,
    /// Failed (or could not run) on something a baseline does not list as known.
    Failed,
    /// Every failure is one the baseline lists as known and current.
    KnownFailure,
    Skipped,
}
