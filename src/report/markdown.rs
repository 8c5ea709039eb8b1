//! `report.md`: a conformance matrix for a CI summary, one row per documented operation.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::check::FailureKind;
use crate::check::cause::Cause;
use crate::report::coverage::Coverage;
use crate::report::coverage_text;
use crate::report::document::Report;
use crate::report::record::{CaseRecord, Decision};
use crate::report::render::{Body, Render};
use crate::report::summary::{CauseCounts, GroupCount};

/// `report.md` rendered as the records come: a row a case; the headline, the groups and the
/// ledger written above the rows when the run ends, the undocumented properties below them.
#[derive(Default)]
pub struct MarkdownReport {
    /// The lines of the undocumented section: only the cases that have such properties.
    undocumented_lines: String,
}

impl Render for MarkdownReport {
    fn file_name(&self) -> &'static str {
        "report.md"
    }

    fn case(&mut self, case: &CaseRecord, body: &mut Body) -> io::Result<()> {
        undocumented_line(&mut self.undocumented_lines, case);
        let mut out = String::with_capacity(256);
        let _ = writeln!(
            out,
            "| `{} {}`<br>{} | {} | {} | {} | {} | {} | {} | {} |",
            case.method,
            cell(&case.path_template),
            cell(&case.name),
            cell(case.page.as_deref().unwrap_or(&case.file)),
            column(
                case,
                &[
                    FailureKind::Status,
                    FailureKind::Transport,
                    FailureKind::Timeout,
                    FailureKind::Setup
                ]
            ),
            column(case, &[FailureKind::Header]),
            column(case, &[FailureKind::Schema]),
            column(case, &[FailureKind::Body]),
            outcome(case),
            case.cause.map_or("", |c| c.as_str()),
        );
        body.write_all(out.as_bytes())
    }

    fn finish(&mut self, head: &Report<()>, body: &mut Body, to: &mut dyn Write) -> io::Result<()> {
        to.write_all(headline(head).as_bytes())?;
        body.copy_all(to)?;
        undocumented(head, &self.undocumented_lines, to)
    }
}

/// What the report says above its rows: the headline, the causes, the baseline, the ledger, the
/// groups, and the head of the table.
fn headline(report: &Report<()>) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# Graph contract conformance\n");
    let _ = writeln!(
        out,
        "Target `{}` · started {} · {} ms{}\n",
        report.target,
        report.started_at,
        report.duration_ms,
        if report.complete {
            ""
        } else {
            " · **interrupted: incomplete**"
        }
    );
    let _ = writeln!(out, "**{} cases: {}**\n", s.total, s.describe());
    causes(&mut out, s.causes);
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "Baseline: {} new, {} known, {} fixed, {} expired\n",
            baseline.new,
            baseline.known,
            baseline.fixed.len(),
            baseline.expired
        );
    }
    if let Some(ledger) = &report.coverage {
        coverage_section(&mut out, ledger);
    }
    groups(&mut out, "By page", &report.by_page);
    groups(&mut out, "By resource type", &report.by_resource_type);
    let _ = writeln!(
        out,
        "| operation | page | status | headers | schema | body | outcome | cause |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    out
}

/// The cases that did not pass, by whose it is; written when there are any.
fn causes(out: &mut String, counts: CauseCounts) {
    if Cause::ALL.iter().all(|c| counts.get(*c) == 0) {
        return;
    }
    let _ = writeln!(out, "## By cause\n\n| cause | cases |\n|---|---|");
    for cause in Cause::ALL {
        let _ = writeln!(out, "| {} | {} |", cause.as_str(), counts.get(cause));
    }
    out.push('\n');
}

/// The rows a group table shows in a CI summary: the worst; report.json and report.html have
/// every one.
const MAX_GROUP_ROWS: usize = 25;

/// Outcomes per page or per resource type, the most failures first; written when there are
/// several.
fn groups(out: &mut String, title: &str, groups: &[GroupCount]) {
    if groups.len() < 2 {
        return;
    }
    let _ = write!(out, "## {title}\n\n| name | cases |");
    for d in Decision::ALL {
        let _ = write!(out, " {} |", d.as_str());
    }
    let _ = writeln!(out, "\n|---|---|{}", "---|".repeat(Decision::ALL.len()));
    let sorted = GroupCount::worst_first(groups);
    for group in sorted.iter().take(MAX_GROUP_ROWS) {
        let _ = write!(out, "| {} | {} |", cell(&group.name), group.summary.total);
        for d in Decision::ALL {
            let _ = write!(out, " {} |", group.summary.count(d));
        }
        out.push('\n');
    }
    if sorted.len() > MAX_GROUP_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more (report.json and report.html list every one).",
            sorted.len() - MAX_GROUP_ROWS
        );
    }
    out.push('\n');
}

/// The coverage ledger: each version's total, then the workloads the suite has cases of.
fn coverage_section(out: &mut String, ledger: &Coverage) {
    let _ = writeln!(out, "## Coverage\n");
    for line in coverage_text::totals(ledger) {
        let _ = writeln!(out, "- {line}");
    }
    let touched: Vec<_> = ledger
        .workloads
        .iter()
        .filter(|w| w.not_documented < w.offered)
        .collect();
    let _ = writeln!(
        out,
        "\n| version | workload | offered | | passed | failed | not served | not sent | documented | not documented |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    let shown = touched.len().min(MAX_GROUP_ROWS * 4);
    for w in &touched[..shown] {
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` | {} | {} | {} | {} | {} | {} |",
            w.version,
            cell(&w.workload),
            w.offered,
            coverage_text::bar(w, 10),
            w.passed,
            w.failed,
            w.not_served,
            w.not_sent,
            w.documented,
            w.not_documented
        );
    }
    let more = ledger.workloads.len() - shown;
    if more > 0 {
        let _ = writeln!(
            out,
            "\n{more} more workload(s), most with nothing documented: `conform coverage --report DIR --all` lists them."
        );
    }
    out.push('\n');
}

/// The line of the undocumented section naming `case` and where in its answer they were, when
/// it has undocumented properties.
fn undocumented_line(lines: &mut String, case: &CaseRecord) {
    if case.undocumented.is_empty() {
        return;
    }
    let pointers: Vec<String> = case
        .undocumented
        .iter()
        .map(|u| format!("`{}`", cell(&u.pointer)))
        .collect();
    let _ = writeln!(lines, "\n- {}: {}", cell(&case.name), pointers.join(", "));
}

/// Undocumented properties per resource type, then `cases`: the lines of the cases they came in.
fn undocumented(report: &Report<()>, cases: &str, to: &mut dyn io::Write) -> io::Result<()> {
    if report.undocumented.is_empty() {
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Undocumented properties\n\nNeither the schema nor the documented example has them.\n\n| resource type | property | cases |\n|---|---|---|"
    );
    for count in &report.undocumented {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            cell(&count.schema),
            cell(&count.property),
            count.cases
        );
    }
    to.write_all(out.as_bytes())?;
    to.write_all(cases.as_bytes())
}

/// How the case came out, as the run decided it.
fn outcome(case: &CaseRecord) -> &'static str {
    match case.decision {
        Decision::Passed => "✅ pass",
        Decision::Flaky => "🔁 flaky",
        Decision::Skipped => "⏭️ skip",
        Decision::NotRun => "⏹️ not run",
        Decision::KnownFailure => "🔕 known failure",
        Decision::Error => "⚠️ error",
        Decision::Failed => "❌ fail",
    }
}

/// ✅ when no failure of `kinds`, else ❌ with the failing pointers or the first message.
fn column(case: &CaseRecord, kinds: &[FailureKind]) -> String {
    if !case.decision.was_judged() {
        return "–".to_string();
    }
    let failures: Vec<_> = case
        .failures
        .iter()
        .filter(|f| kinds.contains(&f.kind))
        .collect();
    if failures.is_empty() {
        return "✅".to_string();
    }
    let details: Vec<String> = failures
        .iter()
        .map(|f| match f.pointer.as_deref() {
            Some("") => "`(body)`".to_string(),
            Some(pointer) => format!("`{}`", cell(pointer)),
            None => cell(&f.message),
        })
        .collect();
    format!("❌ {}", details.join("<br>"))
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
