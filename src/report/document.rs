//! The report of a run as `report.json` holds it: the head — the counts, groups, baseline
//! comparison and coverage — that every report writes around the cases, and the cases.

use serde::{Deserialize, Serialize};

use crate::report::record::{CaseRecord, Comparison, UndocumentedCount, millis};
use crate::report::summary::{GroupCount, GroupTally, Summary};
use crate::suite::partition::Shard;

/// Version of the report.json format; raised when a field changes meaning or goes away.
pub const REPORT_VERSION: u32 = 2;

/// The whole of `report.json`. `C` holds the cases: in memory when a report is read back or
/// merged; `()` for the head a run writes around the cases it rendered as they came.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report<C = Vec<CaseRecord>> {
    pub version: u32,
    pub target: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// False when the run was interrupted: cases not run are `skip`.
    pub complete: bool,
    /// Fingerprint of the suite's case names: reports merge only within one suite. Written as
    /// `suite` in `report.json`.
    #[serde(rename = "suite")]
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    pub summary: Summary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Comparison>,
    /// Undocumented properties summed per resource type (schema), over all cases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undocumented: Vec<UndocumentedCount>,
    /// Outcomes per documentation page, in name order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_page: Vec<GroupCount>,
    /// Outcomes per resource type, in name order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_resource_type: Vec<GroupCount>,
    /// The coverage ledger: every operation of the API models and what the run made of it;
    /// absent without metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<crate::report::coverage::Coverage>,
    pub cases: C,
}

impl<C> Report<C> {
    /// The report with other cases (its header copied).
    pub fn with_cases<D>(&self, cases: D) -> Report<D> {
        Report {
            version: self.version,
            target: self.target.clone(),
            started_at: self.started_at.clone(),
            duration_ms: self.duration_ms,
            complete: self.complete,
            fingerprint: self.fingerprint.clone(),
            shard: self.shard,
            summary: self.summary,
            baseline: self.baseline.clone(),
            undocumented: self.undocumented.clone(),
            by_page: self.by_page.clone(),
            by_resource_type: self.by_resource_type.clone(),
            coverage: self.coverage.clone(),
            cases,
        }
    }
}

impl Report<()> {
    /// Everything of a report but its cases.
    pub fn head(
        target: &str,
        started_at: std::time::SystemTime,
        duration: std::time::Duration,
        summary: Summary,
        undocumented: Vec<UndocumentedCount>,
    ) -> Self {
        Self {
            version: REPORT_VERSION,
            target: target.to_string(),
            started_at: humantime::format_rfc3339_millis(started_at).to_string(),
            duration_ms: millis(duration),
            complete: true,
            fingerprint: String::new(),
            shard: None,
            summary,
            baseline: None,
            undocumented,
            by_page: Vec::new(),
            by_resource_type: Vec::new(),
            coverage: None,
            cases: (),
        }
    }
}

impl Report {
    pub fn new(
        target: &str,
        started_at: std::time::SystemTime,
        duration: std::time::Duration,
        cases: Vec<CaseRecord>,
    ) -> Self {
        let head = Report::head(target, started_at, duration, Summary::default(), Vec::new());
        let mut report = head.with_cases(cases);
        report.count_cases();
        report
    }

    /// Counts what the head counts of the cases (the summary, undocumented properties, the
    /// groups) again over its cases.
    pub fn count_cases(&mut self) {
        self.summary = Summary::of(&self.cases);
        self.undocumented = UndocumentedCount::of(&self.cases);
        let groups = GroupTally::of(&self.cases);
        self.by_page = groups.by_page();
        self.by_resource_type = groups.by_resource_type();
    }
}
