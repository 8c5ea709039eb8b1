//! The counts a report opens with: every decision's, per cause (`Summary`), and per page and
//! per resource type (`GroupTally`), gathered record by record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::cause::Cause;
use crate::report::decision::Decision;
use crate::report::record::CaseRecord;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// The sum of the seven counts that follow, one a decision.
    pub total: usize,
    pub passed: usize,
    /// Passed after retries: not counted as passed.
    #[serde(default)]
    pub flaky: usize,
    pub failed: usize,
    /// Failed only as the baseline says they are known to: not counted as failed.
    #[serde(default)]
    pub known_failures: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Interrupted before they ran.
    #[serde(default)]
    pub not_run: usize,
    /// Resources left behind, over all cases.
    #[serde(default)]
    pub leaked: usize,
    /// The cases that did not pass, by cause.
    #[serde(default)]
    pub causes: CauseCounts,
}

/// How many cases each cause holds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct CauseCounts {
    pub service: usize,
    pub documentation: usize,
    pub not_served: usize,
    pub setup: usize,
    pub reference_server: usize,
}

impl CauseCounts {
    fn slot(&mut self, cause: Cause) -> &mut usize {
        match cause {
            Cause::Service => &mut self.service,
            Cause::Documentation => &mut self.documentation,
            Cause::NotServed => &mut self.not_served,
            Cause::Setup => &mut self.setup,
            Cause::ReferenceServer => &mut self.reference_server,
        }
    }

    pub fn get(mut self, cause: Cause) -> usize {
        *self.slot(cause)
    }

    /// `12 service, 3 documentation`: the causes that hold cases, in a fixed order.
    pub fn describe(self) -> String {
        Cause::ALL
            .iter()
            .filter(|c| self.get(**c) > 0)
            .map(|c| format!("{} {}", self.get(*c), c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Summary {
    fn count_mut(&mut self, decision: Decision) -> &mut usize {
        match decision {
            Decision::Passed => &mut self.passed,
            Decision::Flaky => &mut self.flaky,
            Decision::Failed => &mut self.failed,
            Decision::KnownFailure => &mut self.known_failures,
            Decision::Error => &mut self.errors,
            Decision::Skipped => &mut self.skipped,
            Decision::NotRun => &mut self.not_run,
        }
    }

    /// How many records came to `decision`.
    pub fn count(mut self, decision: Decision) -> usize {
        *self.count_mut(decision)
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// What fails the run: failed and erred cases.
    pub fn failing(self) -> usize {
        self.failed + self.errors
    }

    /// `3 passed, 0 flaky, 1 failed, …`: every decision's count, in the reports' order.
    pub fn describe(self) -> String {
        Decision::ALL
            .iter()
            .map(|d| d.counted(self.count(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn of(cases: &[CaseRecord]) -> Self {
        let mut summary = Self::default();
        cases.iter().for_each(|case| summary.add(case));
        summary
    }

    pub fn add(&mut self, record: &CaseRecord) {
        self.total += 1;
        *self.count_mut(record.decision) += 1;
        self.leaked += record.leaked.len();
        if let Some(cause) = record.cause {
            *self.causes.slot(cause) += 1;
        }
    }
}

/// The outcomes of the cases that share a page or a resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCount {
    pub name: String,
    #[serde(flatten)]
    pub summary: Summary,
}

impl GroupCount {
    /// Failed and erred cases: what a reader looks at first.
    pub fn trouble(&self) -> usize {
        self.summary.failing()
    }

    /// `groups` with the most failed and erred cases first, then by name.
    pub fn worst_first(groups: &[Self]) -> Vec<&Self> {
        let mut sorted: Vec<&Self> = groups.iter().collect();
        sorted.sort_by(|a, b| b.trouble().cmp(&a.trouble()).then(a.name.cmp(&b.name)));
        sorted
    }
}

/// What a record is grouped under when it has no page or no resource type.
const NO_PAGE: &str = "(no page)";
const NO_RESOURCE_TYPE: &str = "(untyped)";

/// Outcome counts per page and per resource type, gathered record by record; its size grows
/// with the pages and types of a suite, not with its cases.
#[derive(Debug, Default)]
pub struct GroupTally {
    pages: BTreeMap<String, Summary>,
    types: BTreeMap<String, Summary>,
}

impl GroupTally {
    pub fn of(cases: &[CaseRecord]) -> Self {
        let mut tally = Self::default();
        cases.iter().for_each(|case| tally.add(case));
        tally
    }

    pub fn add(&mut self, record: &CaseRecord) {
        let page = record.page.as_deref().unwrap_or(NO_PAGE);
        let ty = record.resource_type.as_deref().unwrap_or(NO_RESOURCE_TYPE);
        for (groups, name) in [(&mut self.pages, page), (&mut self.types, ty)] {
            match groups.get_mut(name) {
                Some(summary) => summary.add(record),
                None => {
                    let mut summary = Summary::default();
                    summary.add(record);
                    groups.insert(name.to_string(), summary);
                }
            }
        }
    }

    pub fn by_page(&self) -> Vec<GroupCount> {
        counts(&self.pages)
    }

    pub fn by_resource_type(&self) -> Vec<GroupCount> {
        counts(&self.types)
    }
}

fn counts(groups: &BTreeMap<String, Summary>) -> Vec<GroupCount> {
    groups
        .iter()
        .map(|(name, summary)| GroupCount {
            name: name.clone(),
            summary: *summary,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recording::sample_record;

    #[test]
    fn the_summary_counts_each_record_under_its_one_decision() {
        let records: Vec<CaseRecord> = Decision::ALL
            .iter()
            .map(|decision| {
                let mut record = sample_record("c", "cases/x.toml");
                record.decision = *decision;
                record
            })
            .collect();
        let summary = Summary::of(&records);
        assert_eq!(summary.total, 7);
        assert!(Decision::ALL.iter().all(|d| summary.count(*d) == 1));
        assert_eq!(summary.failing(), 2);
        assert_eq!(
            summary.describe(),
            "1 passed, 1 flaky, 1 failed, 1 known failure, 1 error, 1 skipped, 1 not run"
        );
        assert_eq!(
            Summary::default().describe(),
            "0 passed, 0 flaky, 0 failed, 0 known failures, 0 errors, 0 skipped, 0 not run"
        );
    }
}
