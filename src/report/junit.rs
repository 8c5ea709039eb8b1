//! `junit.xml`: one `<testsuite>` per case file (one documentation page), one `<testcase>` per
//! case, as CI systems (GitHub, GitLab, Jenkins) read it. Written with quick-xml a suite at a
//! time, so that only one file's cases are in memory; text is cleaned of what XML cannot hold
//! only where there is some.

use std::borrow::Cow;
use std::io;
use std::ops::Range;
use std::time::Duration;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::report::json::Report;
use crate::report::record::{CaseRecord, Cases, Decision, Outline};

/// Writes the document to `to`.
pub fn render(report: &Report<impl Cases>, to: &mut dyn io::Write) -> io::Result<()> {
    let Outline { files, .. } = report.cases.outline()?;
    let mut writer = Writer::new_with_indent(to, b' ', 4);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let totals = &report.summary;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "conform"));
    root.extend_attributes([
        ("tests", totals.total.to_string().as_str()),
        // JUnit's skipped holds what the terminal shows as ignored.
        (
            "skipped",
            (totals.skipped + totals.known_failures + totals.not_run)
                .to_string()
                .as_str(),
        ),
        ("failures", totals.failed.to_string().as_str()),
        ("errors", totals.errors.to_string().as_str()),
        (
            "time",
            seconds(Duration::from_millis(report.duration_ms)).as_str(),
        ),
    ]);
    writer.write_event(Event::Start(root))?;
    for (file, ranges) in &files {
        let rows = rows(ranges, &report.cases)?;
        write_suite(&mut writer, file, &rows)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuites")))?;
    // A trailing newline.
    writer.write_indent()
}

/// One `<testcase>`, as the run decided it.
struct Row {
    name: String,
    classname: String,
    time: Duration,
    status: Status,
    system_out: Option<String>,
}

enum Status {
    Success,
    Skipped(Option<String>),
    /// `<failure>` or `<error>`, its message, type and text.
    NonSuccess {
        tag: &'static str,
        message: Option<String>,
        ty: Option<String>,
        text: String,
    },
}

fn rows(ranges: &[Range<usize>], cases: &impl Cases) -> io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for range in ranges {
        cases.visit(range.clone(), &mut |case| {
            rows.push(row(case));
            Ok(())
        })?;
    }
    Ok(rows)
}

fn row(case: &CaseRecord) -> Row {
    // As the run decided: what the baseline knows, and what did not run, is skipped.
    let status = match case.decision {
        Decision::Passed | Decision::Flaky => Status::Success,
        Decision::Skipped | Decision::NotRun => {
            Status::Skipped(case.skip_reason.as_deref().map(|why| match case.decision {
                Decision::NotRun => format!("not run: {why}"),
                _ => why.to_string(),
            }))
        }
        Decision::KnownFailure => {
            let first = case.failures.first().map_or("", |f| f.message.as_str());
            Status::Skipped(Some(format!("known failure: {first}")))
        }
        Decision::Failed => non_success(case, "failure"),
        Decision::Error => non_success(case, "error"),
    };
    let system_out = match case.decision {
        Decision::KnownFailure => Some(case.failure_text()),
        Decision::Flaky => Some(format!("flaky: {}", case.retries.join("; "))),
        _ => None,
    };
    Row {
        name: case.name.clone(),
        classname: case.file.clone(),
        time: Duration::from_millis(case.duration_ms),
        status,
        system_out,
    }
}

fn non_success(case: &CaseRecord, tag: &'static str) -> Status {
    let first = case.failures.first();
    Status::NonSuccess {
        tag,
        message: first.map(|f| f.message.clone()),
        // `service/status`: whose the failure is, then what kind it is.
        ty: first.map(|first| match case.cause {
            Some(cause) => format!("{}/{}", cause.as_str(), first.kind.as_str()),
            None => first.kind.as_str().to_string(),
        }),
        text: case.failure_text(),
    }
}

fn write_suite(
    writer: &mut Writer<&mut dyn io::Write>,
    file: &str,
    rows: &[Row],
) -> io::Result<()> {
    let count = |wanted: fn(&Status) -> bool| rows.iter().filter(|r| wanted(&r.status)).count();
    let skipped = count(|s| matches!(s, Status::Skipped(_)));
    let errors = count(|s| matches!(s, Status::NonSuccess { tag: "error", .. }));
    let failures = count(|s| matches!(s, Status::NonSuccess { tag: "failure", .. }));
    let time: Duration = rows.iter().map(|r| r.time).sum();
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", clean(file).as_ref()));
    suite.extend_attributes([
        ("tests", rows.len().to_string().as_str()),
        ("skipped", skipped.to_string().as_str()),
        ("errors", errors.to_string().as_str()),
        ("failures", failures.to_string().as_str()),
        ("time", seconds(time).as_str()),
    ]);
    if rows.is_empty() {
        return writer.write_event(Event::Empty(suite));
    }
    writer.write_event(Event::Start(suite))?;
    for row in rows {
        write_case(writer, row)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn write_case(writer: &mut Writer<&mut dyn io::Write>, row: &Row) -> io::Result<()> {
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", clean(&row.name).as_ref()));
    case.push_attribute(("classname", clean(&row.classname).as_ref()));
    case.push_attribute(("time", seconds(row.time).as_str()));
    if matches!(row.status, Status::Success) && row.system_out.is_none() {
        return writer.write_event(Event::Empty(case));
    }
    writer.write_event(Event::Start(case))?;
    match &row.status {
        Status::Success => {}
        Status::Skipped(message) => {
            let mut skipped = BytesStart::new("skipped");
            if let Some(message) = message {
                skipped.push_attribute(("message", clean(message).as_ref()));
            }
            writer.write_event(Event::Empty(skipped))?;
        }
        Status::NonSuccess {
            tag,
            message,
            ty,
            text,
        } => {
            let mut start = BytesStart::new(*tag);
            if let Some(message) = message {
                start.push_attribute(("message", clean(message).as_ref()));
            }
            if let Some(ty) = ty {
                start.push_attribute(("type", clean(ty).as_ref()));
            }
            write_text_element(writer, start, text)?;
        }
    }
    if let Some(out) = &row.system_out {
        write_text_element(writer, BytesStart::new("system-out"), out)?;
    }
    writer.write_event(Event::End(BytesEnd::new("testcase")))
}

/// `<tag …>text</tag>`.
fn write_text_element(
    writer: &mut Writer<&mut dyn io::Write>,
    start: BytesStart<'_>,
    text: &str,
) -> io::Result<()> {
    let end = BytesEnd::new(String::from_utf8_lossy(start.name().as_ref()).into_owned());
    writer.write_event(Event::Start(start))?;
    writer.write_event(Event::Text(BytesText::new(&clean(text))))?;
    writer.write_event(Event::End(end))
}

/// Seconds with three decimals, as JUnit readers expect.
fn seconds(time: Duration) -> String {
    format!("{:.3}", time.as_secs_f64())
}

/// `text` without the control characters XML 1.0 cannot hold (a server's answer may carry
/// some); borrowed when it has none, as nearly every text has.
fn clean(text: &str) -> Cow<'_, str> {
    let invalid = |c: char| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f');
    if text.contains(invalid) {
        Cow::Owned(text.replace(invalid, ""))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::FailureKind;
    use crate::report::record::FailureRecord;
    use crate::report::recording::sample_record;

    fn record(name: &str, file: &str, decision: Decision) -> CaseRecord {
        let mut record = sample_record(name, file);
        record.skip_reason = Some("not today <&>".into());
        record.decision = decision;
        record.duration_ms = name.len() as u64;
        if matches!(decision, Decision::Failed | Decision::Error) {
            record.failures.push(FailureRecord {
                kind: FailureKind::Status,
                pointer: None,
                message: "expected 201 Created,\ngot \"500\" <oops>".into(),
                baseline: None,
            });
        }
        record
    }

    /// The document quick-junit (the crate CI tools' JUnit writers share) writes of the same
    /// rows with every suite in memory at once.
    fn whole(report: &Report) -> String {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut junit = quick_junit::Report::new("conform");
        junit.set_time(Duration::from_millis(report.duration_ms));
        let mut by_file: std::collections::BTreeMap<&str, Vec<&CaseRecord>> =
            std::collections::BTreeMap::new();
        for case in &report.cases {
            by_file.entry(&case.file).or_default().push(case);
        }
        for (file, cases) in by_file {
            let mut suite = TestSuite::new(file);
            suite.set_time(Duration::from_millis(
                cases.iter().map(|c| c.duration_ms).sum(),
            ));
            for row in cases.into_iter().map(row) {
                let status = match row.status {
                    Status::Success => TestCaseStatus::success(),
                    Status::Skipped(message) => {
                        let mut status = TestCaseStatus::skipped();
                        if let Some(message) = message {
                            status.set_message(message);
                        }
                        status
                    }
                    Status::NonSuccess {
                        tag,
                        message,
                        ty,
                        text,
                    } => {
                        let kind = match tag {
                            "error" => NonSuccessKind::Error,
                            _ => NonSuccessKind::Failure,
                        };
                        let mut status = TestCaseStatus::non_success(kind);
                        if let Some(message) = message {
                            status.set_message(message);
                        }
                        if let Some(ty) = ty {
                            status.set_type(ty);
                        }
                        status.set_description(text);
                        status
                    }
                };
                let mut case = TestCase::new(row.name, status);
                if let Some(out) = row.system_out {
                    case.set_system_out(out);
                }
                case.set_classname(row.classname);
                case.set_time(row.time);
                suite.add_test_case(case);
            }
            junit.add_test_suite(suite);
        }
        let totals = &report.summary;
        junit.tests = totals.total;
        junit.failures = totals.failed;
        junit.errors = totals.errors;
        junit.skipped = totals.skipped + totals.known_failures + totals.not_run;
        junit.to_string().unwrap()
    }

    fn streamed(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_a_suite_at_a_time_it_is_the_document_quick_junit_writes_whole() {
        let mut control = record("b4", "cases/b.toml", Decision::Failed);
        control.failures[0].message.push_str(" \u{1}bell\u{7}");
        let cases = [
            record("b1", "cases/b.toml", Decision::Passed),
            record("b2", "cases/b.toml", Decision::Failed),
            record("a1", "cases/a.toml", Decision::Skipped),
            record("a2", "cases/a.toml", Decision::Error),
            record("c1", "cases/c-d.toml", Decision::Flaky),
            record("b3", "cases/b.toml", Decision::Passed),
            record("d1", "cases/d.toml", Decision::KnownFailure),
            record("d2", "cases/d.toml", Decision::NotRun),
            control,
        ];
        for count in [0, 1, 2, 6, 9] {
            let report = Report::new(
                "t",
                std::time::SystemTime::now(),
                Duration::from_millis(1234),
                cases[..count].to_vec(),
            );
            assert_eq!(streamed(&report), whole(&report), "{count} cases");
        }
    }
}
