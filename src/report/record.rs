//! The plain record of a run: one record per case (verdict, what was sent and received,
//! secrets removed), the summary, and the baseline comparison. Reporters and baselines read
//! records; nothing here sends or checks anything.

pub use crate::report::decision::Decision;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::FailureKind;
use crate::check::cause::Cause;
use crate::check::undocumented::Undocumented;
use crate::exec::protocol::Leak;
use crate::exec::transport::Diagnostics;

/// The recorded result of one case, secrets already removed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The case's name; a probe's is `case-name::probe`.
    pub name: String,
    /// The probe this record is of (`auth`, `read-back`, …); absent for a documented case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// What the probe changed or how long it waited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_detail: Option<String>,
    pub file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The documentation page the case comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The entity type the case's operation acts on: as the API model types its path, else the
    /// schema its answer is judged by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// The operation of the model the case is of (`v1.0 message create`), as its version's
    /// model types its path: what the coverage ledger counts it under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Where each placeholder's value came from (`given`, `captured`, `created by CASE`,
    /// `discovered in /collection`), as the binding plan said.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub binding: BTreeMap<String, String>,
    /// The case changed an entity the run did not create: an action on a given entity, or a
    /// write to a disposable fixture.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub acts_on_existing: bool,
    /// The path with its placeholders, as in the case file.
    pub path_template: String,
    pub method: String,
    /// The path as sent, placeholders filled; the template when the request was not sent.
    pub path: String,
    pub expected_status: u16,
    pub actual_status: Option<u16>,
    /// What the case comes to for the run, a baseline applied: what every report reads.
    pub decision: Decision,
    pub duration_ms: u64,
    pub failures: Vec<FailureRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Properties of the answer that neither its schema nor its documented example knows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undocumented: Vec<Undocumented>,
    /// One line per retry of any request of the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
    /// What the case created and could not delete (or kept with `--keep`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaked: Vec<Leak>,
    /// Ids of the case's request, for Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Whose it is that the case did not pass, decided once beside its verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// What shows the cause: the first failure, the broken rule, the unknown segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause_detail: Option<String>,
    /// How long setup read what its chain created before it could be read (`2 reads over
    /// 0.3s`): an eventually consistent service's delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_for_created: Option<String>,
}

impl CaseRecord {
    /// Stands the record's failures against a baseline's `standing`, and decides again.
    pub fn stand(&mut self, mut standing: impl FnMut(&str, &FailureRecord) -> Standing) {
        for failure in &mut self.failures {
            failure.baseline = Some(standing(&self.name, failure));
        }
        let all_known = !self.failures.is_empty()
            && self
                .failures
                .iter()
                .all(|f| f.baseline == Some(Standing::Known));
        self.decision = self.decision.with_baseline(all_known);
    }
}

/// The response as received, for the reader of a report: headers and the start of the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// UTF-8 (lossy), cut at `MAX_RECORDED_BODY` bytes.
    pub body: String,
}

pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One undocumented property of one resource type, and in how many cases it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndocumentedCount {
    pub schema: String,
    pub property: String,
    pub cases: usize,
}

impl UndocumentedCount {
    /// Per schema and property, in name order; a property counts once per case.
    pub fn of(cases: &[CaseRecord]) -> Vec<Self> {
        let mut tally = UndocumentedTally::default();
        cases.iter().for_each(|case| tally.add(case));
        tally.counts()
    }
}

/// Undocumented properties per resource type, a property counted once per case.
#[derive(Debug, Default)]
pub struct UndocumentedTally {
    counts: std::collections::BTreeMap<(String, String), usize>,
}

impl UndocumentedTally {
    pub fn add(&mut self, record: &CaseRecord) {
        let mut seen = std::collections::BTreeSet::new();
        for found in &record.undocumented {
            if seen.insert((found.schema.as_str(), found.property.as_str())) {
                let key = (found.schema.clone(), found.property.clone());
                *self.counts.entry(key).or_default() += 1;
            }
        }
    }

    /// Per schema and property, in name order.
    pub fn counts(&self) -> Vec<UndocumentedCount> {
        self.counts
            .iter()
            .map(|((schema, property), cases)| UndocumentedCount {
                schema: schema.clone(),
                property: property.clone(),
                cases: *cases,
            })
            .collect()
    }
}

/// One deviation as recorded: the check's failure, secrets removed, and how it stands against
/// the run's baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    pub kind: FailureKind,
    /// JSON pointer into the response body, for schema and body failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub message: String,
    /// Set when the run has a baseline: whether this failure was already known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Standing>,
}

/// How a failure stands against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    New,
    Known,
    /// Listed, but its `expires` date has passed: counts as new.
    Expired,
}

/// What a run's failures look like against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub new: usize,
    pub known: usize,
    pub expired: usize,
    /// Entries whose case ran without that failure: `case kind [pointer]`.
    pub fixed: Vec<String>,
}

impl Comparison {
    pub fn blocks(&self) -> bool {
        self.new + self.expired > 0
    }

    /// Counts the standings of an annotated record's failures.
    pub fn add(&mut self, record: &CaseRecord) {
        for failure in &record.failures {
            match failure.baseline {
                Some(Standing::Known) => self.known += 1,
                Some(Standing::Expired) => self.expired += 1,
                Some(Standing::New) | None => self.new += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Failure;
    use crate::check::Verdict;
    use crate::exec::protocol::Attempt;
    use crate::exec::protocol::CaseRun;
    use crate::report::recording::{CaseInfo, sample_record};
    use crate::secret::Redactor;
    use std::path::Path;

    fn info() -> CaseInfo<'static> {
        CaseInfo {
            name: "c".to_string(),
            resource_type: None,
            operation: None,
            binding: &[],
            acts_on_existing: false,
            probe: None,
            probe_detail: None,
            file: Path::new("cases/x.toml"),
            tags: &[],
            page: None,
            method: "POST",
            path_template: "/v1.0/groups/{group-id}/threads",
            expected_status: 201,
        }
    }

    #[test]
    fn a_baseline_turns_a_failure_whose_every_deviation_it_knows_into_a_known_one() {
        let mut record = sample_record("c", "cases/x.toml");
        record.decision = Decision::Failed;
        let failure = || FailureRecord {
            kind: FailureKind::Status,
            pointer: None,
            message: "expected 201".into(),
            baseline: None,
        };
        record.failures = vec![failure(), failure()];
        let mut expired = record.clone();
        record.stand(|_, _| Standing::Known);
        assert_eq!(record.decision, Decision::KnownFailure);
        let mut first = true;
        expired.stand(|_, _| {
            let standing = if first {
                Standing::Known
            } else {
                Standing::Expired
            };
            first = false;
            standing
        });
        assert_eq!(
            expired.decision,
            Decision::Failed,
            "an expired entry counts as new"
        );
    }

    #[test]
    fn failure_text_lists_request_failures_and_diff() {
        let mut record = CaseRecord::skipped(&info(), "");
        record.path = "/v1.0/groups/g/threads".into();
        record.failures = vec![
            FailureRecord {
                kind: FailureKind::Status,
                pointer: None,
                message: "expected 201 Created, got 200 OK".into(),
                baseline: None,
            },
            FailureRecord {
                kind: FailureKind::Schema,
                pointer: Some("/isLocked".into()),
                message: "\"x\" is not of type \"boolean\"".into(),
                baseline: None,
            },
        ];
        record.diff = Some("--- expected\n+++ actual\n".into());
        assert_eq!(
            record.failure_text(),
            "POST /v1.0/groups/g/threads\n  status: expected 201 Created, got 200 OK\n  schema at /isLocked: \"x\" is not of type \"boolean\"\n\n--- expected\n+++ actual"
        );
    }

    #[test]
    fn secrets_are_removed_from_recorded_text() {
        let run = CaseRun {
            attempt: Attempt::NotSent(crate::exec::not_sent::NotSent::Setup {
                step: 1,
                failed: crate::exec::not_sent::StepFailed::Capture {
                    request: "POST /groups".into(),
                    message: "boom".into(),
                },
            }),
            warnings: vec!["teardown saw token-1234".into()],
            retries: vec![],
            leaked: vec![],
            duration: Default::default(),
            probed: None,
            settled: None,
        };
        let verdict = Verdict {
            outcome: crate::check::Outcome::Fail,
            failures: vec![Failure {
                kind: FailureKind::Body,
                pointer: Some("/echo".into()),
                message: "expected \"a\", got \"token-1234\"".into(),
            }],
            diff: Some("+ token-1234".into()),
            undocumented: vec![],
        };
        let redactor = Redactor::new([crate::secret::Secret::new("token-1234")]);
        let record = CaseRecord::ran(&info(), &run, (verdict, None), &redactor);
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("token-1234"), "{json}");
        assert!(json.contains("[REDACTED]"));
    }
}
