//! What a run prints to stderr besides the verdicts: the binding plan's summary, warnings,
//! what was left behind, and how the failures stand against the baseline.

use std::io::Write as _;

use crate::exec::protocol::Leak;
use crate::report::record::{Comparison, UndocumentedCount};
use crate::suite::bind::{self, BindingPlan};

/// `(case, warning)` pairs.
pub fn print_warnings<'a>(warnings: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut stderr = std::io::stderr().lock();
    for (case, warning) in warnings {
        let _ = writeln!(stderr, "warning: {case}: {warning}");
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

/// `(case, leak)` pairs.
pub fn print_leaks(leaks: &[(&str, &Leak)]) {
    if leaks.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "left behind ({}), delete by hand:", leaks.len());
    for (case, leak) in leaks {
        let _ = writeln!(
            stderr,
            "  {} {}  ({}: {})",
            leak.method, leak.url, case, leak.reason
        );
    }
}

/// How many cases the binding plans send and skip, how many act on entities the run does not
/// create, and the values that would bind the most of the skipped ones.
/// Each plan stands for `counts[i]` cases (one each when `counts` is shorter).
pub fn print_binding(plans: &[BindingPlan], counts: &[usize]) {
    if plans.is_empty() {
        return;
    }
    let cases = |keep: &dyn Fn(&BindingPlan) -> bool| -> usize {
        plans
            .iter()
            .enumerate()
            .filter(|(_, p)| keep(p))
            .map(|(i, _)| counts.get(i).copied().unwrap_or(1))
            .sum()
    };
    let (all, skipped) = (cases(&|_| true), cases(&|p| p.skip.is_some()));
    let acting = cases(&|p| p.acts_on_existing);
    eprintln!(
        "binding: {} case(s) bound, {skipped} skipped (the reports say why), {acting} act on entities the run does not create",
        all - skipped
    );
    for (name, count) in bind::unbound_summary(plans, counts).iter().take(10) {
        eprintln!("  --var {name}=… would bind {count} more case(s)");
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
