//! `report.html`: one self-contained page (inline CSS and script, nothing fetched) with the
//! summary, filters by outcome and tag, and every case expandable to its request, response,
//! failures and diff. `#case-NAME` in the address opens that case.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::report::coverage::{Coverage, OperationState};
use crate::report::coverage_text;
use crate::report::document::Report;
use crate::report::record::{CaseRecord, Decision};
use crate::report::render::{Body, Render};
use crate::report::summary::GroupCount;

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d2125; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
.meta { color: #5a6570; margin-bottom: 1rem; }
.counts span { display: inline-block; margin-right: 1.2rem; font-weight: 600; }
.filters { margin: 1rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
details.case { border: 1px solid #d0d7de; border-radius: 6px; margin: .4rem 0; padding: .3rem .7rem; }
details.case[hidden] { display: none; }
summary { cursor: pointer; }
.badge { display: inline-block; min-width: 3.2rem; text-align: center; border-radius: 4px; padding: 0 .3rem; margin-right: .5rem; color: #fff; font-size: .8rem; }
.pass { background: #1f883d; } .fail { background: #cf222e; } .error { background: #9a6700; } .skip { background: #6e7781; } .known { background: #8250df; } .flaky { background: #bf8700; } .not-run { background: #57606a; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
table.failures { border-collapse: collapse; margin: .5rem 0; }
table.failures td, table.failures th { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: left; vertical-align: top; }
.bar { display: inline-flex; width: 10rem; height: .7rem; background: #eaeef2; vertical-align: middle; }
.bar i { display: block; height: 100%; } .bar .good { background: #1f883d; } .bar .bad { background: #cf222e; }
table.coverage td { padding: .1rem .5rem; }
.diff-add { color: #116329; } .diff-del { color: #82071e; }
"#;

const SCRIPT: &str = r#"
function applyFilters() {
  const outcomes = new Set([...document.querySelectorAll('input[name=outcome]:checked')].map(e => e.value));
  const tag = document.getElementById('tag').value;
  let shown = 0;
  for (const c of document.querySelectorAll('details.case')) {
    const tags = c.dataset.tags ? c.dataset.tags.split(' ') : [];
    const visible = outcomes.has(c.dataset.outcome) && (tag === '' || tags.includes(tag));
    c.hidden = !visible;
    if (visible) shown++;
  }
  document.getElementById('shown').textContent = shown;
}
function openFromHash() {
  if (!location.hash) return;
  const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === 'DETAILS') { target.open = true; target.scrollIntoView(); }
}
document.addEventListener('change', applyFilters);
window.addEventListener('hashchange', openFromHash);
applyFilters();
openFromHash();
"#;

/// `report.html` rendered as the records come: a section a case; the counts, the groups, the
/// ledger and the filters (which list every tag the cases carry) written above the sections
/// when the run ends.
#[derive(Default)]
pub struct HtmlReport {
    tags: BTreeSet<String>,
}

impl Render for HtmlReport {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn case(&mut self, case: &CaseRecord, body: &mut Body) -> io::Result<()> {
        for tag in &case.tags {
            if !self.tags.contains(tag) {
                self.tags.insert(tag.clone());
            }
        }
        let mut out = String::with_capacity(4096);
        case_section(&mut out, case);
        body.write_all(out.as_bytes())
    }

    fn finish(&mut self, head: &Report<()>, body: &mut Body, to: &mut dyn Write) -> io::Result<()> {
        let mut out = page_head(head);
        filters(&mut out, &self.tags);
        to.write_all(out.as_bytes())?;
        body.copy_all(to)?;
        writeln!(to, "<script>{SCRIPT}</script>\n</body></html>")
    }
}

/// The page above the case sections: the counts, the groups, the ledger, the undocumented
/// properties.
fn page_head(report: &Report<()>) -> String {
    let s = &report.summary;
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>conform report</title><style>{STYLE}</style></head><body>\n\
         <h1>Graph contract conformance</h1>\n\
         <div class=\"meta\">Target <code>{}</code> · started {} · {} ms{}</div>",
        escape(&report.target),
        escape(&report.started_at),
        report.duration_ms,
        if report.complete {
            ""
        } else {
            " · <strong id=\"incomplete\">interrupted: incomplete</strong>"
        }
    );
    let _ = write!(
        out,
        "<div class=\"counts\"><span>total <b id=\"count-total\">{}</b></span>",
        s.total
    );
    for decision in Decision::ALL {
        let _ = write!(
            out,
            "<span>{} <b id=\"count-{}\">{}</b></span>",
            decision.as_str(),
            decision.badge(),
            s.count(decision)
        );
    }
    out.push_str("</div>\n");
    if s.passed + s.flaky + s.skipped < s.total {
        out.push_str("<div class=\"counts\" id=\"causes\">by cause:");
        for cause in crate::check::cause::Cause::ALL {
            let _ = write!(
                out,
                " <span>{} <b>{}</b></span>",
                cause.as_str(),
                s.causes.get(cause)
            );
        }
        out.push_str("</div>\n");
    }
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "<div class=\"counts\">baseline: <span>new <b id=\"baseline-new\">{}</b></span>\
             <span>known <b id=\"baseline-known\">{}</b></span>\
             <span>fixed <b id=\"baseline-fixed\">{}</b></span>\
             <span>expired <b id=\"baseline-expired\">{}</b></span></div>",
            baseline.new,
            baseline.known,
            baseline.fixed.len(),
            baseline.expired
        );
    }
    groups(&mut out, "by-page", "By page", &report.by_page);
    groups(
        &mut out,
        "by-resource-type",
        "By resource type",
        &report.by_resource_type,
    );
    if let Some(ledger) = &report.coverage {
        coverage_section(&mut out, ledger);
    }
    undocumented(&mut out, report);
    out
}

fn filters(out: &mut String, tags: &BTreeSet<String>) {
    out.push_str("<div class=\"filters\">");
    for outcome in Decision::ALL.map(Decision::badge) {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"outcome\" value=\"{outcome}\" checked> {outcome}</label>"
        );
    }
    out.push_str("<label>tag <select id=\"tag\"><option value=\"\">all</option>");
    for tag in tags {
        let _ = write!(out, "<option>{}</option>", escape(tag));
    }
    out.push_str("</select></label> <span>showing <b id=\"shown\"></b></span></div>\n");
}

/// Why a case was skipped, or whose it is that it did not pass.
fn verdict_notes(out: &mut String, case: &CaseRecord) {
    if let Some(reason) = &case.skip_reason {
        let _ = writeln!(out, "<p>skipped: {}</p>", escape(reason));
    }
    if let Some(cause) = case.cause {
        let _ = writeln!(
            out,
            "<p class=\"cause\">cause: <b>{}</b> — {}</p>",
            cause.as_str(),
            escape(case.cause_detail.as_deref().unwrap_or(""))
        );
    }
}

fn case_section(out: &mut String, case: &CaseRecord) {
    let outcome = case.decision.badge();
    let _ = writeln!(
        out,
        "<details class=\"case\" id=\"case-{}\" data-outcome=\"{outcome}\" data-tags=\"{}\">\
         <summary><span class=\"badge {outcome}\">{outcome}</span><b>{}</b> \
         <code>{} {}</code></summary>",
        escape(&case.name),
        escape(&case.tags.join(" ")),
        escape(&case.name),
        escape(&case.method),
        escape(&case.path),
    );
    let _ = writeln!(
        out,
        "<p>{} · expected {} · got {} · {} ms</p>",
        escape(&case.file),
        case.expected_status,
        case.actual_status
            .map_or("no response".to_string(), |s| s.to_string()),
        case.duration_ms
    );
    verdict_notes(out, case);
    if !case.failures.is_empty() {
        out.push_str(
            "<table class=\"failures\"><tr><th>kind</th><th>pointer</th><th>message</th></tr>",
        );
        for failure in &case.failures {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                failure.kind.as_str(),
                escape(failure.pointer.as_deref().unwrap_or("")),
                escape(&failure.message)
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(diff) = &case.diff {
        out.push_str("<h4>diff</h4><pre class=\"diff\">");
        for line in diff.lines() {
            let class = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => " class=\"diff-add\"",
                Some('-') if !line.starts_with("---") => " class=\"diff-del\"",
                _ => "",
            };
            let _ = writeln!(out, "<span{class}>{}</span>", escape(line));
        }
        out.push_str("</pre>\n");
    }
    let _ = writeln!(
        out,
        "<h4>request</h4><pre>{} {}\n\n{}</pre>",
        escape(&case.method),
        escape(&case.path),
        escape(case.request_body.as_deref().unwrap_or(""))
    );
    if let Some(response) = &case.response {
        let mut head = String::new();
        for (name, value) in &response.headers {
            let _ = writeln!(head, "{name}: {value}");
        }
        let _ = writeln!(
            out,
            "<h4>response</h4><pre>{}\n{}\n{}</pre>",
            response.status,
            escape(&head),
            escape(&response.body)
        );
    }
    notes(out, case);
    out.push_str("</details>\n");
}

/// A case's warnings and undocumented properties.
fn notes(out: &mut String, case: &CaseRecord) {
    for warning in &case.warnings {
        let _ = writeln!(out, "<p>warning: {}</p>", escape(warning));
    }
    for found in &case.undocumented {
        let _ = writeln!(
            out,
            "<p>undocumented: <code>{}</code> ({})</p>",
            escape(&found.pointer),
            escape(&found.schema)
        );
    }
}

/// Outcomes per page or per resource type, the most failures first; shown when there are
/// several.
fn groups(out: &mut String, id: &str, title: &str, groups: &[GroupCount]) {
    if groups.len() < 2 {
        return;
    }
    let _ = write!(
        out,
        "<details class=\"groups\" open><summary><b>{title}</b> ({} groups)</summary>\n\
         <table id=\"{id}\"><tr><th>name</th><th>cases</th>",
        groups.len()
    );
    for d in Decision::ALL {
        let _ = write!(out, "<th>{}</th>", d.as_str());
    }
    out.push_str("</tr>\n");
    for group in GroupCount::worst_first(groups) {
        let s = &group.summary;
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            escape(&group.name),
            s.total
        );
        for d in Decision::ALL {
            let _ = write!(out, "<td>{}</td>", s.count(d));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></details>\n");
}

/// The coverage ledger: a row per workload with a bar; the workloads the suite has cases of
/// open to their operations, the passed ones folded away.
fn coverage_section(out: &mut String, ledger: &Coverage) {
    out.push_str("<h2>Coverage</h2>\n<ul id=\"coverage-totals\">");
    for line in coverage_text::totals(ledger) {
        let _ = write!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n<table class=\"coverage\" id=\"coverage\"><tr><th>version</th><th>workload</th><th>offered</th><th></th><th>states</th></tr>\n");
    for w in &ledger.workloads {
        let (good, bad) = coverage_text::shares(w, 100);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"bar\"><i class=\"good\" style=\"width:{good}%\"></i><i class=\"bad\" style=\"width:{bad}%\"></i></span></td><td>{}",
            escape(&w.version),
            escape(&w.workload),
            w.offered,
            coverage_text::states(w)
        );
        if w.not_documented < w.offered {
            operations(out, ledger, w);
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

/// The operations of workload `w` the suite has cases of: what did not pass, then the passed
/// ones folded.
fn operations(out: &mut String, ledger: &Coverage, w: &crate::report::coverage::WorkloadCount) {
    let version = format!("{} ", w.version);
    let of_workload = ledger
        .operations
        .iter()
        .filter(|e| e.offered && e.workload == w.workload && e.operation.starts_with(&version));
    let (passed, other): (Vec<_>, Vec<_>) = of_workload
        .filter(|e| e.state != OperationState::NotDocumented)
        .partition(|e| e.state == OperationState::Passed);
    out.push_str("<details><summary>operations</summary><ul>");
    for entry in other {
        let why = entry.reason.as_deref().map(escape).unwrap_or_default();
        let _ = write!(
            out,
            "<li><code>{}</code> {}{} {why}</li>",
            escape(&entry.operation),
            entry.state.as_str(),
            entry
                .cause
                .map(|c| format!(" ({})", c.as_str()))
                .unwrap_or_default()
        );
    }
    if !passed.is_empty() {
        let _ = write!(
            out,
            "<li><details><summary>{} passed</summary><ul>",
            passed.len()
        );
        for entry in passed {
            let _ = write!(out, "<li><code>{}</code></li>", escape(&entry.operation));
        }
        out.push_str("</ul></details></li>");
    }
    out.push_str("</ul></details>");
}

/// Undocumented properties per resource type.
fn undocumented(out: &mut String, report: &Report<()>) {
    if report.undocumented.is_empty() {
        return;
    }
    out.push_str(
        "<h2>Undocumented properties</h2>\n<p>Neither the schema nor the documented example has them.</p>\n<table id=\"undocumented\"><tr><th>resource type</th><th>property</th><th>cases</th></tr>\n",
    );
    for count in &report.undocumented {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&count.schema),
            escape(&count.property),
            count.cases
        );
    }
    out.push_str("</table>\n");
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
