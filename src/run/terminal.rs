//! What a run prints to stderr after the verdicts: warnings, what was left behind, and how the
//! failures stand against the baseline.

use std::io::Write as _;

use crate::report::record::{CaseRecord, Comparison, UndocumentedCount};

pub fn print_warnings(cases: &[CaseRecord]) {
    let mut stderr = std::io::stderr().lock();
    for case in cases {
        for warning in &case.warnings {
            let _ = writeln!(stderr, "warning: {}: {warning}", case.name);
        }
    }
}

/// Undocumented properties, per resource type: what Graph added (or the server invented) since
/// the documentation was written.
pub fn print_undocumented(counts: &[UndocumentedCount]) {
    if counts.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "warning: undocumented properties (neither the schema nor the documented example has them; --strict fails them):"
    );
    for count in counts {
        let plural = if count.cases == 1 { "" } else { "s" };
        let _ = writeln!(
            stderr,
            "  {}.{}  ({} case{plural})",
            count.schema, count.property, count.cases
        );
    }
}

pub fn print_leaks(cases: &[CaseRecord]) {
    let leaks: Vec<_> = cases
        .iter()
        .flat_map(|c| c.leaked.iter().map(move |l| (c, l)))
        .collect();
    if leaks.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "left behind ({}), delete by hand:", leaks.len());
    for (case, leak) in leaks {
        let _ = writeln!(
            stderr,
            "  {} {}  ({}: {})",
            leak.method, leak.url, case.name, leak.reason
        );
    }
}

pub fn print_baseline(comparison: &Comparison) {
    eprintln!(
        "baseline: {} new, {} known, {} fixed, {} expired",
        comparison.new,
        comparison.known,
        comparison.fixed.len(),
        comparison.expired
    );
    for fixed in &comparison.fixed {
        eprintln!("  fixed: {fixed} (run `conform baseline update` to drop it)");
    }
}
