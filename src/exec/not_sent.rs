//! Why a case's own request was not sent, by kind: a placeholder without a value, a setup
//! step that failed (and how: unfilled, no answer, a timeout, another status, a missing
//! capture), or a life-cycle probe whose create gave it nothing to read. Reports and
//! baselines tell them apart by kind; the text is rendered here, once.

use std::fmt;

use crate::exec::transport::TransportError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// A placeholder of the case's own request had no value.
    Unfilled(String),
    /// Setup step `step` (from 1) failed.
    Setup { step: usize, failed: StepFailed },
    /// A life-cycle probe could not go on from what the case's create answered.
    Probe(String),
}

/// How a setup or teardown step failed; `request` is its method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepFailed {
    Unfilled {
        request: String,
        name: String,
    },
    NoAnswer {
        request: String,
        error: TransportError,
    },
    Status {
        request: String,
        expected: Option<u16>,
        got: u16,
        summary: String,
    },
    Capture {
        request: String,
        message: String,
    },
}

impl StepFailed {
    /// The step timed out, rather than answering wrong.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::NoAnswer {
                error: TransportError::Timeout(_),
                ..
            }
        )
    }
}

impl fmt::Display for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unfilled { request, name } => {
                write!(
                    f,
                    "{request}: skipped, {{{name}}} has no value (not captured)"
                )
            }
            Self::NoAnswer { request, error } => write!(f, "{request}: {error}"),
            Self::Status {
                request,
                expected,
                got,
                summary,
            } => {
                let expected =
                    expected.map_or_else(|| "a 2xx status".to_string(), |s| s.to_string());
                write!(f, "{request}: expected {expected}, got {got}{summary}")
            }
            Self::Capture { request, message } => write!(f, "{request}: {message}"),
        }
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unfilled(name) => write!(f, "placeholder {{{name}}} has no value"),
            Self::Setup { step, failed } => write!(f, "setup step {step}: {failed}"),
            Self::Probe(why) => f.write_str(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_as_it_did_and_a_setup_timeout_is_told_from_a_status() {
        let timeout = StepFailed::NoAnswer {
            request: "POST /groups".into(),
            error: TransportError::Timeout("timed out after 30s".into()),
        };
        let status = StepFailed::Status {
            request: "POST /groups".into(),
            expected: None,
            got: 400,
            summary: String::new(),
        };
        assert!(timeout.is_timeout() && !status.is_timeout());
        let not_sent = NotSent::Setup {
            step: 1,
            failed: status,
        };
        assert_eq!(
            not_sent.to_string(),
            "setup step 1: POST /groups: expected a 2xx status, got 400"
        );
        assert_eq!(
            NotSent::Unfilled("group-id".into()).to_string(),
            "placeholder {group-id} has no value"
        );
    }
}
