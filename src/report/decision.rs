//! What a case comes to for the run, decided once when its record is made and once more when
//! a baseline stands its failures: stored in the record as `decision`, and read by the
//! terminal, the exit code and every report. No reporter decides it again from failures.

use serde::{Deserialize, Serialize};

use crate::check::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Passed,
    /// Passed, but only after retries.
    Flaky,
    /// Failed on something a baseline does not list as known.
    Failed,
    /// Every failure is one the baseline lists as known and current.
    KnownFailure,
    /// Could not be judged: its setup failed, or the run's time ran out before it.
    Error,
    /// Not to be run: ignored, not bound, or nothing to probe.
    Skipped,
    /// Would have run, but the run was interrupted first.
    NotRun,
}

impl Decision {
    /// Every decision, in the order reports count them.
    pub const ALL: [Self; 7] = [
        Self::Passed,
        Self::Flaky,
        Self::Failed,
        Self::KnownFailure,
        Self::Error,
        Self::Skipped,
        Self::NotRun,
    ];

    /// The checks' outcome of a case that ran, `retried` or not.
    pub fn of_outcome(outcome: Outcome, retried: bool) -> Self {
        match outcome {
            Outcome::Pass if retried => Self::Flaky,
            Outcome::Pass => Self::Passed,
            Outcome::Fail => Self::Failed,
            Outcome::Error => Self::Error,
            Outcome::Skip => Self::Skipped,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Flaky => "flaky",
            Self::Failed => "failed",
            Self::KnownFailure => "known failure",
            Self::Error => "error",
            Self::Skipped => "skipped",
            Self::NotRun => "not run",
        }
    }

    /// `2 known failures`: `count` records of this decision.
    pub fn counted(self, count: usize) -> String {
        let plural = if count == 1 { "" } else { "s" };
        match self {
            Self::KnownFailure | Self::Error => format!("{count} {}{plural}", self.as_str()),
            _ => format!("{count} {}", self.as_str()),
        }
    }

    /// A short word for the decision, as HTML classes and element ids use it.
    pub fn badge(self) -> &'static str {
        match self {
            Self::Passed => "pass",
            Self::Flaky => "flaky",
            Self::Failed => "fail",
            Self::KnownFailure => "known",
            Self::Error => "error",
            Self::Skipped => "skip",
            Self::NotRun => "not-run",
        }
    }

    /// Fails the run: exit code 1.
    pub fn fails_the_run(self) -> bool {
        matches!(self, Self::Failed | Self::Error)
    }

    /// Was sent and judged: a baseline may stand its failures, and a fixed entry shows.
    pub fn was_judged(self) -> bool {
        !matches!(self, Self::Skipped | Self::NotRun)
    }

    /// The decision once a baseline has stood the record's failures: a failure or an error
    /// whose every failure the baseline knows is a known failure.
    pub fn with_baseline(self, all_known: bool) -> Self {
        match self {
            Self::Failed | Self::Error if all_known => Self::KnownFailure,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_after_retries_is_flaky_and_does_not_fail_the_run() {
        assert_eq!(Decision::of_outcome(Outcome::Pass, true), Decision::Flaky);
        assert_eq!(Decision::of_outcome(Outcome::Pass, false), Decision::Passed);
        assert!(!Decision::Flaky.fails_the_run());
        assert!(Decision::Error.fails_the_run());
        assert!(!Decision::KnownFailure.fails_the_run());
    }

    #[test]
    fn only_failures_and_errors_become_known() {
        assert_eq!(Decision::Error.with_baseline(true), Decision::KnownFailure);
        assert_eq!(Decision::Failed.with_baseline(false), Decision::Failed);
        assert_eq!(Decision::Passed.with_baseline(true), Decision::Passed);
        assert_eq!(Decision::NotRun.with_baseline(true), Decision::NotRun);
    }

    #[test]
    fn decisions_are_written_in_kebab_case() {
        let written = serde_json::to_string(&Decision::KnownFailure).unwrap();
        assert_eq!(written, "\"known-failure\"");
        let read: Decision = serde_json::from_str("\"not-run\"").unwrap();
        assert_eq!(read, Decision::NotRun);
    }
}
