//! What a run keeps of its records while they stream to disk: the counts the reports open
//! with, and the few lines the terminal prints after the verdicts. Its size grows with the
//! warnings, leaks and baseline entries of a run, never with the number of cases.

use std::collections::HashSet;

use crate::exec::protocol::Leak;
use crate::report::coverage::CoverageTally;
use crate::report::document::Report;
use crate::report::record::{CaseRecord, Comparison, UndocumentedCount, UndocumentedTally};
use crate::report::summary::{GroupTally, Summary};

/// Counts and notes gathered from records as they come, in plan order.
#[derive(Debug, Default)]
pub struct Tally {
    pub summary: Summary,
    undocumented: UndocumentedTally,
    pub groups: GroupTally,
    /// The records of each operation of the API models.
    pub coverage: CoverageTally,
    /// Standings of the failures, when the run has a baseline (`fixed` is left to the baseline).
    pub comparison: Comparison,
    /// `(case, warning)`.
    warnings: Vec<(String, String)>,
    leaks: Vec<(String, Leak)>,
    /// Names of the cases the baseline lists, and their records: what finds fixed entries.
    listed: HashSet<String>,
    listed_records: Vec<CaseRecord>,
}

impl Tally {
    /// A tally that keeps the records of the `listed` cases whole.
    pub fn keeping(listed: HashSet<String>) -> Self {
        Self {
            listed,
            ..Self::default()
        }
    }

    /// Counts the next record.
    pub fn add(&mut self, record: &CaseRecord) {
        self.summary.add(record);
        self.undocumented.add(record);
        self.groups.add(record);
        self.coverage.add(record);
        self.comparison.add(record);
        for warning in &record.warnings {
            self.warnings.push((record.name.clone(), warning.clone()));
        }
        for leak in &record.leaked {
            self.leaks.push((record.name.clone(), leak.clone()));
        }
        if self.listed.contains(&record.name) {
            self.listed_records.push(record.clone());
        }
    }

    pub fn undocumented(&self) -> Vec<UndocumentedCount> {
        self.undocumented.counts()
    }

    /// Everything of the run's report but its cases: what the tally counted.
    pub fn report_head(
        &self,
        target: &str,
        started_at: std::time::SystemTime,
        duration: std::time::Duration,
    ) -> Report<()> {
        let mut head = Report::head(
            target,
            started_at,
            duration,
            self.summary,
            self.undocumented(),
        );
        head.by_page = self.groups.by_page();
        head.by_resource_type = self.groups.by_resource_type();
        head
    }

    /// `(case, warning)` in plan order.
    pub fn warnings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.warnings.iter().map(|(c, w)| (c.as_str(), w.as_str()))
    }

    /// `(case, leak)` in plan order.
    pub fn leaks(&self) -> Vec<(&str, &Leak)> {
        self.leaks.iter().map(|(c, l)| (c.as_str(), l)).collect()
    }

    /// The records of the cases the baseline lists, in plan order.
    pub fn listed_records(&self) -> &[CaseRecord] {
        &self.listed_records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::protocol::Leak;
    use crate::report::recording::sample_record;

    #[test]
    fn keeps_warnings_leaks_and_the_baseline_cases_in_order() {
        let mut tally = Tally::keeping(["c1".to_string()].into());
        for position in [0, 1, 2] {
            let mut record = sample_record(&format!("c{position}"), "cases/x.toml");
            record.warnings.push(format!("w{position}"));
            record.leaked.push(Leak {
                method: "DELETE".into(),
                url: format!("/x/{position}"),
                reason: "kept".into(),
            });
            tally.add(&record);
        }
        let warnings: Vec<(String, String)> = tally
            .warnings()
            .map(|(c, w)| (c.to_string(), w.to_string()))
            .collect();
        assert_eq!(warnings[0], ("c0".to_string(), "w0".to_string()));
        assert_eq!(warnings[2], ("c2".to_string(), "w2".to_string()));
        let leaks: Vec<String> = tally.leaks().iter().map(|(c, _)| c.to_string()).collect();
        assert_eq!(leaks, ["c0", "c1", "c2"]);
        assert_eq!(tally.summary.total, 3);
        assert_eq!(tally.summary.leaked, 3);
        let listed = tally.listed_records();
        assert_eq!(listed.len(), 1, "only the baseline's cases are kept whole");
        assert_eq!(listed[0].name, "c1");
    }
}
