//! Baselines of known failures: a run with `--baseline FILE` fails only on failures the file
//! does not list (or lists with a passed `expires` date). Entries are keyed on case name,
//! failure kind and JSON pointer — nothing that changes from run to run.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::FailureKind;
use crate::error::{Error, Result};
use crate::fs::write_atomically;
use crate::report::document::Report;
use crate::report::record::{CaseRecord, Comparison, FailureRecord, Standing};

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub case: String,
    pub kind: FailureKind,
    /// JSON pointer, for schema and body failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `YYYY-MM-DD`: from this day on the failure counts as new again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl Entry {
    fn matches(&self, case: &str, failure: &FailureRecord) -> bool {
        self.case == case && self.kind == failure.kind && self.pointer == failure.pointer
    }

    fn key(&self) -> String {
        match &self.pointer {
            Some(pointer) => format!("{} {} {pointer}", self.case, self.kind.as_str()),
            None => format!("{} {}", self.case, self.kind.as_str()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    #[serde(default, rename = "known")]
    pub entries: Vec<Entry>,
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()[..10].to_string()
}

impl Baseline {
    /// Reads a baseline file; a missing file is an empty baseline only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Self> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => {
                return Err(Error::in_file(
                    format!("cannot read the baseline: {e}"),
                    path,
                ));
            }
        };
        let baseline: Self =
            toml::from_str(&text).map_err(|e| Error::from_toml(&e, path, &text))?;
        for entry in &baseline.entries {
            if let Some(date) = &entry.expires
                && !is_date(date)
            {
                let at = text.find(date.as_str()).unwrap_or(0);
                return Err(Error::at(
                    format!("`expires = \"{date}\"` is not a date (YYYY-MM-DD)"),
                    path,
                    &text,
                    at..at + date.len(),
                ));
            }
        }
        Ok(baseline)
    }

    /// The standing of one failure of `case`, on `today`.
    pub fn standing(&self, case: &str, failure: &FailureRecord, today: &str) -> Standing {
        match self.entries.iter().find(|e| e.matches(case, failure)) {
            Some(entry) if entry.expires.as_deref().is_some_and(|d| d <= today) => {
                Standing::Expired
            }
            Some(_) => Standing::Known,
            None => Standing::New,
        }
    }

    /// Marks every failure of `record` with its standing.
    pub fn annotate(&self, record: &mut CaseRecord, today: &str) {
        record.stand(|case, failure| self.standing(case, failure, today));
    }

    /// The cases the baseline lists: a run keeps their records to find the fixed entries.
    pub fn listed_cases(&self) -> HashSet<String> {
        self.entries.iter().map(|e| e.case.clone()).collect()
    }

    /// The standings `counted` over a run's records, with the entries that the records of
    /// the listed cases show fixed.
    pub fn compare(&self, counted: Comparison, listed: &[CaseRecord]) -> Comparison {
        Comparison {
            fixed: self.fixed(listed).map(Entry::key).collect(),
            ..counted
        }
    }

    /// Entries whose case ran and no longer fails that way.
    fn fixed<'a>(&'a self, records: &'a [CaseRecord]) -> impl Iterator<Item = &'a Entry> {
        self.entries.iter().filter(move |entry| {
            records
                .iter()
                .find(|r| r.name == entry.case && r.decision.was_judged())
                .is_some_and(|r| !r.failures.iter().any(|f| entry.matches(&r.name, f)))
        })
    }

    /// The baseline after `report`: every current failure listed (keeping reasons and expiry
    /// dates of entries that still match), fixed entries dropped, entries of cases the report
    /// did not run kept. Returns it with the keys of the dropped entries.
    pub fn updated(&self, report: &Report) -> (Self, Vec<String>) {
        let fixed: Vec<String> = self.fixed(&report.cases).map(Entry::key).collect();
        let ran: BTreeSet<&str> = report
            .cases
            .iter()
            .filter(|r| r.decision.was_judged())
            .map(|r| r.name.as_str())
            .collect();
        let mut entries: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| !ran.contains(e.case.as_str()))
            .cloned()
            .collect();
        for record in &report.cases {
            for failure in &record.failures {
                let previous = self
                    .entries
                    .iter()
                    .find(|e| e.matches(&record.name, failure));
                let entry = Entry {
                    case: record.name.clone(),
                    kind: failure.kind,
                    pointer: failure.pointer.clone(),
                    reason: previous.and_then(|e| e.reason.clone()),
                    expires: previous.and_then(|e| e.expires.clone()),
                };
                if !entries.contains(&entry) {
                    entries.push(entry);
                }
            }
        }
        entries.sort_by_key(Entry::key);
        (Self { entries }, fixed)
    }

    pub fn save(&self, path: &Path) -> std::result::Result<(), String> {
        let body = toml::to_string(self).map_err(|e| format!("cannot encode the baseline: {e}"))?;
        let text = format!(
            "# Known failures for `conform run --baseline`. Keyed on case, kind and pointer;\n\
             # `reason` and `expires = \"YYYY-MM-DD\"` are yours to add and are kept on update.\n\n{body}"
        );
        write_atomically(path, text.as_bytes()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::decision::Decision;
    use crate::report::recording::sample_record;

    fn record(name: &str, failures: &[(FailureKind, Option<&str>)]) -> CaseRecord {
        let mut record = sample_record(name, "cases/x.toml");
        record.decision = if failures.is_empty() {
            Decision::Passed
        } else {
            Decision::Failed
        };
        record.failures = failures
            .iter()
            .map(|(kind, pointer)| FailureRecord {
                kind: *kind,
                pointer: pointer.map(str::to_string),
                message: "m".into(),
                baseline: None,
            })
            .collect();
        record
    }

    fn baseline(text: &str) -> Baseline {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn known_new_expired_and_fixed() {
        let b = baseline(
            r#"
[[known]]
case = "a"
kind = "schema"
pointer = "/isLocked"
reason = "upstream bug"

[[known]]
case = "b"
kind = "status"
expires = "2020-01-01"

[[known]]
case = "c"
kind = "body"
pointer = "/topic"
"#,
        );
        let mut records = vec![
            record(
                "a",
                &[
                    (FailureKind::Schema, Some("/isLocked")),
                    (FailureKind::Schema, Some("/id")),
                ],
            ),
            record("b", &[(FailureKind::Status, None)]),
            record("c", &[]),
        ];
        for r in &mut records {
            b.annotate(r, "2026-11-22");
        }
        assert_eq!(records[0].failures[0].baseline, Some(Standing::Known));
        assert_eq!(records[0].failures[1].baseline, Some(Standing::New));
        assert_eq!(records[1].failures[0].baseline, Some(Standing::Expired));
        let mut tally = crate::report::tally::Tally::keeping(b.listed_cases());
        for r in &records {
            tally.add(r);
        }
        let listed = tally.listed_records();
        assert_eq!(listed.len(), 3);
        let comparison = b.compare(tally.comparison.clone(), listed);
        assert_eq!(
            (comparison.new, comparison.known, comparison.expired),
            (1, 1, 1)
        );
        assert_eq!(comparison.fixed, vec!["c body /topic"]);
        assert!(comparison.blocks());
    }

    #[test]
    fn update_keeps_reasons_prunes_fixed_and_keeps_cases_not_run() {
        let b = baseline(
            r#"
[[known]]
case = "a"
kind = "status"
reason = "kept"

[[known]]
case = "gone"
kind = "status"

[[known]]
case = "not-run"
kind = "header"
"#,
        );
        let report = Report::new(
            "t",
            std::time::SystemTime::now(),
            Default::default(),
            vec![
                record("a", &[(FailureKind::Status, None)]),
                record("gone", &[]),
                record("new", &[(FailureKind::Body, Some("/topic"))]),
            ],
        );
        let (updated, fixed) = b.updated(&report);
        assert_eq!(fixed, vec!["gone status"]);
        let keys: Vec<String> = updated.entries.iter().map(Entry::key).collect();
        assert_eq!(keys, vec!["a status", "new body /topic", "not-run header"]);
        assert_eq!(updated.entries[0].reason.as_deref(), Some("kept"));
        let round_trip: Baseline = toml::from_str(&toml::to_string(&updated).unwrap()).unwrap();
        assert_eq!(round_trip, updated);
    }

    #[test]
    fn bad_dates_and_unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        fs::write(
            &path,
            "[[known]]\ncase = \"a\"\nkind = \"status\"\nexpires = \"soon\"\n",
        )
        .unwrap();
        let err = Baseline::load(&path, false).unwrap_err();
        assert_eq!(err.location().unwrap().line, 4, "{err}");
        fs::write(&path, "[[known]]\ncase = \"a\"\nkinds = \"status\"\n").unwrap();
        assert!(
            Baseline::load(&path, false)
                .unwrap_err()
                .message()
                .contains("unknown field")
        );
        assert!(
            Baseline::load(&dir.path().join("none.toml"), true)
                .unwrap()
                .entries
                .is_empty()
        );
        assert!(Baseline::load(&dir.path().join("none.toml"), false).is_err());
    }
}
