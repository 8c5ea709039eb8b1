//! The coverage ledger as text: a line per API version, then a row per workload with its
//! counts and a bar. What `conform coverage` prints, and the line a run prints after its
//! verdicts.

use std::fmt::Write as _;

use crate::report::coverage::{Coverage, OperationState, WorkloadCount};

const BAR_WIDTH: usize = 20;

/// `v1.0: 5321 operations; 12 passed, 3 failed, …` for each version the ledger counts; the
/// states that hold no operation are left out.
pub fn totals(coverage: &Coverage) -> Vec<String> {
    coverage
        .models
        .iter()
        .map(|model| {
            let total = coverage.total(&model.version);
            format!(
                "coverage of {}: {} operations; {}",
                model.version,
                total.offered,
                states(&total)
            )
        })
        .collect()
}

/// `12 passed, 3 not documented`: the states that hold operations, in a fixed order.
pub fn states(count: &WorkloadCount) -> String {
    let held: Vec<String> = OperationState::ALL
        .iter()
        .filter(|s| count.count(**s) > 0)
        .map(|s| format!("{} {}", count.count(*s), s.as_str()))
        .collect();
    held.join(", ")
}

/// `█████▒▒░░░░…`: passed or documented, then failed, not served or not sent, then the rest.
pub fn bar(count: &WorkloadCount, width: usize) -> String {
    let (good, bad) = shares(count, width);
    format!(
        "{}{}{}",
        "█".repeat(good),
        "▒".repeat(bad),
        "░".repeat(width - good - bad)
    )
}

/// How much of `width` the operations that pass (or are documented) fill, and how much those
/// that do not: rounded up, so that one operation of many is seen.
pub fn shares(count: &WorkloadCount, width: usize) -> (usize, usize) {
    let part = |n: usize| (n * width).div_ceil(count.offered.max(1)).min(width);
    let good = part(count.passed + count.documented);
    let bad = part(count.failed + count.not_served + count.not_sent).min(width - good);
    (good, bad)
}

/// The whole ledger: totals, then one row per workload — every workload with `all`, else only
/// those the suite documents something of.
pub fn render(coverage: &Coverage, all: bool) -> String {
    let mut out = String::new();
    for line in totals(coverage) {
        let _ = writeln!(out, "{line}");
    }
    let width = coverage
        .workloads
        .iter()
        .map(|w| w.workload.len())
        .max()
        .unwrap_or(0)
        .clamp(8, 40);
    let _ = writeln!(
        out,
        "\n{:<5} {:<width$} {:>7}  {:<BAR_WIDTH$}  states",
        "", "workload", "offered", ""
    );
    let mut quiet = 0;
    for count in &coverage.workloads {
        if !all && count.not_documented == count.offered {
            quiet += 1;
            continue;
        }
        let _ = writeln!(
            out,
            "{:<5} {:<width$} {:>7}  {}  {}",
            count.version,
            count.workload,
            count.offered,
            bar(count, BAR_WIDTH),
            states(count)
        );
    }
    if quiet > 0 {
        let _ = writeln!(
            out,
            "\n{quiet} workload(s) with nothing documented are not shown (--all shows them)"
        );
    }
    let outside = coverage.operations.iter().filter(|e| !e.offered).count();
    if outside > 0 {
        let _ = writeln!(
            out,
            "{outside} operation(s) of the suite are not in the models (report.json lists them)"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(offered: usize, passed: usize, failed: usize) -> WorkloadCount {
        WorkloadCount {
            version: "v1.0".into(),
            workload: "groups".into(),
            offered,
            passed,
            failed,
            not_documented: offered - passed - failed,
            ..WorkloadCount::default()
        }
    }

    #[test]
    fn a_bar_shows_the_shares_of_its_workload() {
        assert_eq!(bar(&count(4, 2, 1), 8), "████▒▒░░");
        assert_eq!(bar(&count(3, 0, 0), 4), "░░░░");
        assert_eq!(bar(&count(1, 1, 0), 4), "████");
        assert_eq!(bar(&count(1000, 1, 0), 4), "█░░░", "one is seen");
    }

    #[test]
    fn states_that_hold_nothing_are_left_out() {
        assert_eq!(
            states(&count(4, 2, 1)),
            "2 passed, 1 failed, 1 not documented"
        );
    }
}
