//! The coverage ratchet's file: the operations that passed, one a line, sorted, below the
//! models they were counted against. `conform baseline update --coverage FILE` writes it;
//! `--coverage-baseline FILE` fails a run when one of them no longer passes.

use std::collections::BTreeSet;
use std::path::Path;

use crate::api::operations::OperationId;
use crate::error::{Error, Result};
use crate::fs::write_atomically;
use crate::report::coverage::{Coverage, ModelStamp, OperationState};
use crate::report::merge::describe_models;

const HEADER: &str = "\
# The operations that passed: `conform run --coverage-baseline FILE` fails when one of them no
# longer passes or is no longer served. Written by `conform baseline update --coverage FILE`.
";

/// What a coverage baseline holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageBaseline {
    pub models: Vec<ModelStamp>,
    pub passed: BTreeSet<String>,
}

/// What a run's ledger is, set against a coverage baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ratchet {
    /// Operations that passed in the baseline and do not now, with their state now.
    pub lost: Vec<(String, OperationState)>,
    /// Operations that pass now and did not in the baseline.
    pub gained: Vec<String>,
}

impl CoverageBaseline {
    /// The operations of `coverage` that passed.
    pub fn of(coverage: &Coverage) -> Self {
        Self {
            models: coverage.models.clone(),
            passed: coverage
                .operations
                .iter()
                .filter(|entry| entry.offered && entry.state == OperationState::Passed)
                .map(|entry| entry.operation.clone())
                .collect(),
        }
    }

    pub fn text(&self) -> String {
        let mut text = HEADER.to_string();
        for model in &self.models {
            text.push_str(&format!(
                "model {} {} {}\n",
                model.version, model.fingerprint, model.operations
            ));
        }
        for operation in &self.passed {
            text.push_str(operation);
            text.push('\n');
        }
        text
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, self.text().as_bytes())
            .map(|_| ())
            .map_err(Error::new)
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(path, &text)
    }

    /// Reads what `text` writes; a line that is neither a model nor an operation is an error
    /// at that line.
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut baseline = Self {
            models: Vec::new(),
            passed: BTreeSet::new(),
        };
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let span = start..start + line.trim_end().len();
            let refused = |why: String| Error::at(why, path, text, span.clone());
            if let Some(model) = content.strip_prefix("model ") {
                baseline.models.push(model_line(model).map_err(refused)?);
                continue;
            }
            let operation: OperationId = content.parse().map_err(refused)?;
            baseline.passed.insert(operation.to_string());
        }
        if baseline.models.is_empty() {
            return Err(Error::in_file(
                "names no model (`model VERSION FINGERPRINT OPERATIONS`): write it with `conform baseline update --coverage FILE`",
                path,
            ));
        }
        Ok(baseline)
    }

    /// An error naming both when the baseline (read from `path`) counts other models.
    pub fn check_models(&self, models: &[ModelStamp], path: &Path) -> Result<()> {
        if self.models == models {
            return Ok(());
        }
        Err(Error::new(format!(
            "{} is a coverage baseline of other API models than the run's: it counts {}, the run {}",
            path.display(),
            describe_models(&self.models),
            describe_models(models)
        ))
        .with_help("write it anew with `conform baseline update --coverage FILE`"))
    }

    /// `coverage` set against the baseline; an error when they count different models.
    pub fn ratchet(&self, coverage: &Coverage, path: &Path) -> Result<Ratchet> {
        self.check_models(&coverage.models, path)?;
        let mut ratchet = Ratchet::default();
        for entry in coverage.operations.iter().filter(|e| e.offered) {
            let was = self.passed.contains(&entry.operation);
            match (was, entry.state == OperationState::Passed) {
                (true, false) => ratchet.lost.push((entry.operation.clone(), entry.state)),
                (false, true) => ratchet.gained.push(entry.operation.clone()),
                _ => {}
            }
        }
        Ok(ratchet)
    }
}

/// `v1.0 0123456789abcdef 1234`.
fn model_line(text: &str) -> std::result::Result<ModelStamp, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [version, fingerprint, operations] => Ok(ModelStamp {
            version: version.to_string(),
            fingerprint: fingerprint.to_string(),
            operations: operations
                .parse()
                .map_err(|_| format!("`{operations}` is not a number of operations"))?,
        }),
        _ => Err(format!(
            "`model {text}` is not `model VERSION FINGERPRINT OPERATIONS`"
        )),
    }
}

impl Ratchet {
    pub fn blocks(&self) -> bool {
        !self.lost.is_empty()
    }

    /// What the terminal says of it: each lost operation, then what was gained.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "coverage: {} operation(s) lost, {} gained against the coverage baseline",
            self.lost.len(),
            self.gained.len()
        )];
        for (operation, state) in &self.lost {
            lines.push(format!("  lost: {operation} (now {})", state.as_str()));
        }
        for operation in &self.gained {
            lines.push(format!("  gained: {operation}"));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::coverage::{CoverageTally, Denominator};
    use crate::report::decision::Decision;
    use crate::report::recording::sample_record;

    fn ledger(passed: &[&str], failed: &[&str]) -> Coverage {
        let model = crate::api::fixtures::office_model();
        let mut records = Vec::new();
        for (operations, decision) in [(passed, Decision::Passed), (failed, Decision::Failed)] {
            for operation in operations {
                let mut record = sample_record("c", "cases/x.toml");
                record.operation = Some(operation.to_string());
                record.decision = decision;
                records.push(record);
            }
        }
        CoverageTally::of(&records).ledger(&Denominator::of(&[&model]), true)
    }

    #[test]
    fn a_baseline_reads_back_as_written() {
        let baseline =
            CoverageBaseline::of(&ledger(&["v1.0 group list", "v1.0 group create"], &[]));
        let text = baseline.text();
        assert!(
            text.contains("v1.0 group create\nv1.0 group list\n"),
            "sorted:\n{text}"
        );
        let read = CoverageBaseline::parse(Path::new("c.txt"), &text).unwrap();
        assert_eq!(read, baseline);
    }

    #[test]
    fn an_operation_that_stops_passing_is_lost_and_one_that_starts_is_gained() {
        let before = CoverageBaseline::of(&ledger(&["v1.0 group list", "v1.0 group create"], &[]));
        let after = ledger(
            &["v1.0 group list", "v1.0 group update"],
            &["v1.0 group create"],
        );
        let ratchet = before.ratchet(&after, Path::new("c.txt")).unwrap();
        assert_eq!(
            ratchet.lost,
            vec![("v1.0 group create".to_string(), OperationState::Failed)]
        );
        assert_eq!(ratchet.gained, vec!["v1.0 group update".to_string()]);
        assert!(ratchet.blocks());
        let gained_only = before.ratchet(
            &ledger(
                &["v1.0 group list", "v1.0 group create", "v1.0 group update"],
                &[],
            ),
            Path::new("c.txt"),
        );
        assert!(
            !gained_only.unwrap().blocks(),
            "a gain is listed, not failed"
        );
    }

    #[test]
    fn a_hand_edited_line_or_another_model_is_refused_with_where() {
        let text = "model v1.0 00ff 12\nv1.0 group list\nv1.0 group frobnicate\n";
        let error = CoverageBaseline::parse(Path::new("c.txt"), text)
            .unwrap_err()
            .to_string();
        assert!(error.contains("c.txt:3:1"), "{error}");
        assert!(error.contains("`v1.0 group frobnicate`"), "{error}");
        let other = CoverageBaseline::parse(Path::new("c.txt"), "model v1.0 00ff 12\n").unwrap();
        let error = other
            .ratchet(&ledger(&[], &[]), Path::new("c.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("v1.0 00ff"),
            "names the baseline's model: {error}"
        );
        let run = ledger(&[], &[]).models[0].fingerprint.clone();
        assert!(error.contains(&run), "names the run's model: {error}");
        let none = CoverageBaseline::parse(Path::new("c.txt"), "v1.0 group list\n").unwrap_err();
        assert!(none.to_string().contains("names no model"), "{none}");
    }
}
