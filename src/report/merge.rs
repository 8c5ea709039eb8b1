//! `conform report merge`: the reports of a suite's shards, run on several machines, as one.

use std::collections::BTreeSet;

use crate::report::coverage::{Coverage, CoverageTally, Denominator, ModelStamp};
use crate::report::document::Report;
use crate::report::record::Comparison;

/// Merges shard reports of one suite; refuses reports of different suites, of different shard
/// counts, of the same shard twice, or that share a case.
pub fn merge(reports: Vec<(String, Report)>) -> Result<Report, String> {
    let Some((first_name, first)) = reports.first() else {
        return Err("no reports to merge".to_string());
    };
    let (first_name, suite) = (first_name.clone(), first.fingerprint.clone());
    let mut shards = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (name, report) in &reports {
        if report.fingerprint != suite {
            return Err(format!(
                "{name} is a report of another suite than {first_name} (suite {} vs {suite}): merge only shards of one suite",
                report.fingerprint
            ));
        }
        if let Some(shard) = report.shard {
            if first.shard.is_none_or(|s| s.total != shard.total) {
                return Err(format!(
                    "{name} is shard {}/{}, which does not fit the shards of {first_name}",
                    shard.index, shard.total
                ));
            }
            if !shards.insert(shard.index) {
                return Err(format!(
                    "{name} is shard {}/{} again: each shard may be merged once",
                    shard.index, shard.total
                ));
            }
        }
        for case in &report.cases {
            if !names.insert(case.name.as_str()) {
                return Err(format!(
                    "case `{}` is in more than one report ({name} overlaps an earlier one)",
                    case.name
                ));
            }
        }
    }
    let total_shards = first.shard.map(|s| s.total);
    let every_shard = total_shards.is_some_and(|n| shards.len() == n);
    let mut merged = reports[0].1.clone();
    merged.started_at = reports
        .iter()
        .map(|(_, r)| r.started_at.clone())
        .min()
        .unwrap_or_default();
    merged.duration_ms = reports
        .iter()
        .map(|(_, r)| r.duration_ms)
        .max()
        .unwrap_or(0);
    merged.complete =
        reports.iter().all(|(_, r)| r.complete) && (total_shards.is_none() || every_shard);
    merged.shard = None;
    let targets: BTreeSet<&str> = reports.iter().map(|(_, r)| r.target.as_str()).collect();
    merged.target = targets.into_iter().collect::<Vec<_>>().join(", ");
    merged.baseline = reports
        .iter()
        .filter_map(|(_, r)| r.baseline.clone())
        .reduce(|a, b| Comparison {
            new: a.new + b.new,
            known: a.known + b.known,
            expired: a.expired + b.expired,
            fixed: a.fixed.into_iter().chain(b.fixed).collect(),
        });
    let reports_coverage: Vec<(String, Option<Coverage>)> = reports
        .iter()
        .map(|(name, r)| (name.clone(), r.coverage.clone()))
        .collect();
    let mut cases: Vec<_> = reports.into_iter().flat_map(|(_, r)| r.cases).collect();
    cases.sort_by(|a, b| (&a.file, &a.name).cmp(&(&b.file, &b.name)));
    merged.coverage = merged_coverage(&reports_coverage, &cases)?;
    merged.cases = cases;
    // Everything counted over the cases is counted again over all of them.
    merged.count_cases();
    Ok(merged)
}

/// The ledger over every shard's records, counted against the shards' one denominator; shards
/// of different models are refused.
fn merged_coverage(
    shards: &[(String, Option<Coverage>)],
    cases: &[crate::report::record::CaseRecord],
) -> Result<Option<Coverage>, String> {
    let Some((first_name, Some(first))) = shards.iter().find(|(_, c)| c.is_some()) else {
        return Ok(None);
    };
    for (name, coverage) in shards {
        let models = coverage.as_ref().map(|c| &c.models);
        if models != Some(&first.models) {
            return Err(format!(
                "{name} counts coverage against other API models than {first_name} ({} vs {}): merge only shards of one suite and one model",
                describe_models(models.map_or(&[][..], Vec::as_slice)),
                describe_models(&first.models)
            ));
        }
    }
    let denominator = Denominator::of_coverage(first);
    Ok(Some(CoverageTally::of(cases).ledger(&denominator, true)))
}

/// `v1.0 (5a1c…), beta (…)`, or `no model`.
pub fn describe_models(models: &[ModelStamp]) -> String {
    if models.is_empty() {
        return "no model".to_string();
    }
    let named: Vec<String> = models
        .iter()
        .map(|m| format!("{} {}", m.version, m.fingerprint))
        .collect();
    named.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::undocumented::Undocumented;
    use crate::report::decision::Decision;
    use crate::report::recording::sample_record;
    use crate::suite::partition::Shard;

    /// Shard `index` of 2 holding `cases`, each with an undocumented `threads.extra`.
    fn shard(index: usize, cases: &[(&str, Decision)]) -> Report {
        let records = cases
            .iter()
            .map(|(name, outcome)| {
                let mut record = sample_record(name, "cases/t.toml");
                record.decision = *outcome;
                record.page = Some("Create thread".into());
                record.resource_type = Some("conversationThread".into());
                record.undocumented.push(Undocumented {
                    pointer: "/extra".into(),
                    schema: "conversationThread".into(),
                    property: "extra".into(),
                });
                record
            })
            .collect();
        let mut report = Report::new(
            "t",
            std::time::SystemTime::UNIX_EPOCH,
            Default::default(),
            records,
        );
        report.shard = Some(Shard { index, total: 2 });
        report
    }

    #[test]
    fn what_is_counted_over_the_cases_is_counted_over_all_shards() {
        let first = shard(1, &[("a", Decision::Passed), ("b", Decision::Failed)]);
        let second = shard(2, &[("c", Decision::Failed)]);
        let merged = merge(vec![("one".into(), first), ("two".into(), second)]).unwrap();
        assert_eq!((merged.summary.total, merged.summary.failed), (3, 2));
        assert_eq!(merged.undocumented.len(), 1);
        assert_eq!(merged.undocumented[0].cases, 3, "every shard's cases");
        assert_eq!(merged.by_page.len(), 1);
        assert_eq!(merged.by_page[0].summary.total, 3);
        assert_eq!(merged.by_resource_type[0].name, "conversationThread");
        assert_eq!(merged.by_resource_type[0].trouble(), 2);
    }
}
