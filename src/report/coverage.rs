//! The coverage ledger: every operation the API models offer, grouped by workload, with what a
//! suite documents of each — or, after a run, one state each (passed, failed with its cause,
//! not served, not sent with the reason, not documented) — and the counts per workload. Built
//! from the models and the records; read by every report, the ratchet and `conform coverage`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::model::ApiModel;
use crate::api::operations::{self, Offered};
use crate::check::cause::Cause;
use crate::report::record::CaseRecord;
use crate::report::summary::Summary;

/// What became of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperationState {
    /// A case of it passed, and none failed.
    Passed,
    /// A case of it failed (or erred), for a cause other than the target not serving it.
    Failed,
    /// Every failing case of it was answered as an operation the target does not have.
    NotServed,
    /// The suite documents it, but none of its cases was sent: the binding plan's reason.
    NotSent,
    /// The suite documents it; nothing was run (a ledger without a run).
    Documented,
    /// No case of the suite is of it.
    NotDocumented,
}

impl OperationState {
    pub const ALL: [Self; 6] = [
        Self::Passed,
        Self::Failed,
        Self::NotServed,
        Self::NotSent,
        Self::Documented,
        Self::NotDocumented,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::NotServed => "not served",
            Self::NotSent => "not sent",
            Self::Documented => "documented",
            Self::NotDocumented => "not documented",
        }
    }
}

/// One operation of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationEntry {
    /// `v1.0 message create`.
    pub operation: String,
    pub workload: String,
    /// False for an operation the suite has that no model offers: outside every count.
    #[serde(default = "offered_by_default", skip_serializing_if = "Clone::clone")]
    pub offered: bool,
    pub state: OperationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// Why it was not sent, or what shows the cause of its failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Its cases, by decision (after a run) or documented (`total`, without a run).
    #[serde(default, skip_serializing_if = "Summary::is_empty")]
    pub cases: Summary,
}

fn offered_by_default() -> bool {
    true
}

/// Which model a ledger counts: ledgers, and a ledger and a ratchet file, compare only when
/// they are of the same models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelStamp {
    pub version: String,
    pub fingerprint: String,
    pub operations: usize,
}

/// The states of one workload's operations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadCount {
    pub version: String,
    pub workload: String,
    /// What the models offer: the sum of the counts that follow.
    pub offered: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_served: usize,
    pub not_sent: usize,
    pub documented: usize,
    pub not_documented: usize,
}

impl WorkloadCount {
    fn slot(&mut self, state: OperationState) -> &mut usize {
        match state {
            OperationState::Passed => &mut self.passed,
            OperationState::Failed => &mut self.failed,
            OperationState::NotServed => &mut self.not_served,
            OperationState::NotSent => &mut self.not_sent,
            OperationState::Documented => &mut self.documented,
            OperationState::NotDocumented => &mut self.not_documented,
        }
    }

    pub fn count(&self, state: OperationState) -> usize {
        match state {
            OperationState::Passed => self.passed,
            OperationState::Failed => self.failed,
            OperationState::NotServed => self.not_served,
            OperationState::NotSent => self.not_sent,
            OperationState::Documented => self.documented,
            OperationState::NotDocumented => self.not_documented,
        }
    }

    fn add(&mut self, state: OperationState, operations: usize) {
        self.offered += operations;
        *self.slot(state) += operations;
    }
}

/// The ledger as reports carry it (`coverage` in `report.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub models: Vec<ModelStamp>,
    /// Per API version and workload, in name order; a version's total is the sum of its rows.
    pub workloads: Vec<WorkloadCount>,
    /// Every offered operation, then what the suite has beyond the models; by workload, then
    /// operation.
    pub operations: Vec<OperationEntry>,
}

/// What the models offer, before anything is counted against it.
#[derive(Debug, Clone, Default)]
pub struct Denominator {
    models: Vec<ModelStamp>,
    /// Operation → (version, workload).
    offered: BTreeMap<String, (String, String)>,
}

impl Denominator {
    pub fn of(models: &[&ApiModel]) -> Self {
        let mut denominator = Self::default();
        for model in models {
            let offered: Vec<Offered> = operations::offered(model);
            denominator.models.push(ModelStamp {
                version: model.version.clone(),
                fingerprint: operations::fingerprint(&offered),
                operations: offered.len(),
            });
            for operation in offered {
                let place = (model.version.clone(), operation.workload);
                denominator.offered.insert(operation.id.to_string(), place);
            }
        }
        denominator
    }

    /// The denominator a report's ledger was counted against: to count merged records again.
    pub fn of_coverage(coverage: &Coverage) -> Self {
        Self {
            models: coverage.models.clone(),
            offered: coverage
                .operations
                .iter()
                .filter(|entry| entry.offered)
                .map(|entry| {
                    let version = entry.operation.split(' ').next().unwrap_or_default();
                    let place = (version.to_string(), entry.workload.clone());
                    (entry.operation.clone(), place)
                })
                .collect(),
        }
    }

    pub fn models(&self) -> &[ModelStamp] {
        &self.models
    }
}

/// The records of each operation, gathered as they come: its size grows with the operations
/// a suite has, not with its cases.
#[derive(Debug, Default)]
pub struct CoverageTally {
    operations: BTreeMap<String, Fold>,
}

#[derive(Debug, Default, Clone)]
struct Fold {
    cases: Summary,
    /// What shows the cause of the first failure, and why the first case not sent was not.
    failure: Option<String>,
    not_sent: Option<String>,
}

impl CoverageTally {
    pub fn of(records: &[CaseRecord]) -> Self {
        let mut tally = Self::default();
        records.iter().for_each(|record| tally.add(record));
        tally
    }

    /// Counts a documented case's record; probes judge the error contract, not the operation.
    pub fn add(&mut self, record: &CaseRecord) {
        let (None, Some(operation)) = (&record.probe, &record.operation) else {
            return;
        };
        let fold = self.operations.entry(operation.clone()).or_default();
        fold.cases.add(record);
        let (kept, reason) = match record.decision.was_judged() {
            true => (&mut fold.failure, &record.cause_detail),
            false => (&mut fold.not_sent, &record.skip_reason),
        };
        if kept.is_none() {
            kept.clone_from(reason);
        }
    }

    /// A case the suite documents, counted without a run.
    pub fn add_documented(&mut self, operation: String) {
        self.operations.entry(operation).or_default().cases.total += 1;
    }

    /// The ledger of `denominator` with these records; `ran` when they are a run's.
    pub fn ledger(&self, denominator: &Denominator, ran: bool) -> Coverage {
        let mut workloads: BTreeMap<(String, String), WorkloadCount> = BTreeMap::new();
        let mut operations = Vec::new();
        let empty = Fold::default();
        for (operation, (version, workload)) in &denominator.offered {
            let fold = self.operations.get(operation).unwrap_or(&empty);
            let entry = entry(operation, workload, fold, ran);
            let key = (version.clone(), workload.clone());
            let count = workloads.entry(key).or_insert_with(|| WorkloadCount {
                version: version.clone(),
                workload: workload.clone(),
                ..WorkloadCount::default()
            });
            count.add(entry.state, 1);
            operations.push(entry);
        }
        for (operation, fold) in &self.operations {
            if !denominator.offered.contains_key(operation) {
                let mut entry = entry(operation, OUTSIDE, fold, ran);
                entry.offered = false;
                operations.push(entry);
            }
        }
        operations.sort_by(|a, b| {
            (!a.offered, &a.workload, &a.operation).cmp(&(!b.offered, &b.workload, &b.operation))
        });
        Coverage {
            models: denominator.models.clone(),
            workloads: workloads.into_values().collect(),
            operations,
        }
    }
}

/// The workload of what the suite has that no model offers.
const OUTSIDE: &str = "(outside the models)";

fn entry(operation: &str, workload: &str, fold: &Fold, ran: bool) -> OperationEntry {
    let (state, cause) = match ran {
        true => state_after_run(&fold.cases),
        false if fold.cases.total > 0 => (OperationState::Documented, None),
        false => (OperationState::NotDocumented, None),
    };
    OperationEntry {
        operation: operation.to_string(),
        workload: workload.to_string(),
        offered: true,
        state,
        cause,
        reason: match state {
            OperationState::Failed | OperationState::NotServed => fold.failure.clone(),
            OperationState::NotSent => fold.not_sent.clone(),
            _ => None,
        },
        cases: fold.cases,
    }
}

/// One state from an operation's cases: a failure outweighs a pass, a pass a case not sent.
fn state_after_run(cases: &Summary) -> (OperationState, Option<Cause>) {
    let failing = cases.failed + cases.errors + cases.known_failures;
    if failing > 0 {
        if cases.causes.not_served >= failing {
            return (OperationState::NotServed, Some(Cause::NotServed));
        }
        let cause = Cause::ALL
            .into_iter()
            .filter(|c| *c != Cause::NotServed && cases.causes.get(*c) > 0)
            .max_by_key(|c| (cases.causes.get(*c), std::cmp::Reverse(*c)));
        return (OperationState::Failed, cause);
    }
    if cases.passed + cases.flaky > 0 {
        (OperationState::Passed, None)
    } else if cases.total > 0 {
        (OperationState::NotSent, None)
    } else {
        (OperationState::NotDocumented, None)
    }
}

impl Coverage {
    /// The counts of every workload of `version`, summed.
    pub fn total(&self, version: &str) -> WorkloadCount {
        let mut total = WorkloadCount {
            version: version.to_string(),
            workload: "(all)".to_string(),
            ..WorkloadCount::default()
        };
        for count in self.workloads.iter().filter(|w| w.version == version) {
            for state in OperationState::ALL {
                total.add(state, count.count(state));
            }
        }
        total
    }

    /// The state of `operation`, when the ledger has it.
    pub fn state_of(&self, operation: &str) -> Option<OperationState> {
        self.operations
            .iter()
            .find(|entry| entry.operation == operation)
            .map(|entry| entry.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::decision::Decision;
    use crate::report::recording::sample_record;

    fn record(operation: &str, decision: Decision, cause: Option<Cause>) -> CaseRecord {
        let mut record = sample_record("c", "cases/x.toml");
        record.operation = Some(operation.to_string());
        record.decision = decision;
        record.cause = cause;
        record.skip_reason = Some("no value binds {group-id}".into());
        record
    }

    #[test]
    fn every_operation_of_the_model_is_counted_once_and_the_counts_add_up() {
        let model = crate::api::fixtures::office_model();
        let denominator = Denominator::of(&[&model]);
        let records = [
            record("v1.0 group create", Decision::Passed, None),
            record("v1.0 group create", Decision::Flaky, None),
            record("v1.0 group list", Decision::Skipped, None),
            CaseRecord {
                cause_detail: Some("the answer is not the list's".into()),
                ..record("v1.0 group list", Decision::Failed, Some(Cause::Service))
            },
            record("v1.0 group list", Decision::Passed, None),
            record(
                "v1.0 conversationThread create",
                Decision::Failed,
                Some(Cause::NotServed),
            ),
            record(
                "v1.0 conversationThread action reply",
                Decision::Skipped,
                None,
            ),
            record("v1.0 group replace", Decision::Passed, None),
        ];
        let ledger = CoverageTally::of(&records).ledger(&denominator, true);
        let offered = ledger.models[0].operations;
        let total = ledger.total("v1.0");
        assert_eq!(total.offered, offered);
        let summed: usize = OperationState::ALL.iter().map(|s| total.count(*s)).sum();
        assert_eq!(summed, offered, "every offered operation has one state");
        assert_eq!(
            (total.passed, total.failed, total.not_served, total.not_sent),
            (1, 1, 1, 1)
        );
        assert_eq!(total.not_documented, offered - 4);
        assert_eq!(
            ledger.state_of("v1.0 group list"),
            Some(OperationState::Failed)
        );
        let list = ledger
            .operations
            .iter()
            .find(|e| e.operation == "v1.0 group list");
        assert_eq!(
            list.and_then(|e| e.reason.as_deref()),
            Some("the answer is not the list's"),
            "a failed operation shows its failure, not why a case of it was not sent"
        );
        let sent = ledger
            .operations
            .iter()
            .find(|e| e.state == OperationState::NotSent);
        assert_eq!(
            sent.and_then(|e| e.reason.as_deref()),
            Some("no value binds {group-id}")
        );
        let outside: Vec<_> = ledger.operations.iter().filter(|e| !e.offered).collect();
        assert_eq!(
            outside.len(),
            1,
            "a PUT the model does not offer is listed, not counted"
        );
        assert_eq!(outside[0].workload, OUTSIDE);
    }

    #[test]
    fn without_a_run_an_operation_is_documented_or_not() {
        let model = crate::api::fixtures::office_model();
        let denominator = Denominator::of(&[&model]);
        let mut tally = CoverageTally::default();
        tally.add_documented("v1.0 group create".into());
        tally.add_documented("v1.0 group create".into());
        let ledger = tally.ledger(&denominator, false);
        let total = ledger.total("v1.0");
        assert_eq!(
            (total.documented, total.not_documented),
            (1, total.offered - 1)
        );
        let again = CoverageTally::default().ledger(&Denominator::of_coverage(&ledger), false);
        assert_eq!(
            again.models, ledger.models,
            "a ledger's denominator is read back whole"
        );
        assert_eq!(again.total("v1.0").offered, total.offered);
    }
}
