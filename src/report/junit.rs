//! `junit.xml`: one `<testsuite>` per case file (one documentation page), one `<testcase>` per
//! case, as CI systems (GitHub, GitLab, Jenkins) read it. quick-junit writes each suite; the
//! document is assembled a suite at a time so that only one file's cases are in memory.

use std::io;
use std::ops::Range;
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::report::json::Report;
use crate::report::record::{CaseRecord, Cases, Decision, Outline};
use crate::report::summary::Summary;

const CLOSING: &str = "</testsuites>";

/// Writes the document to `to`.
pub fn render(report: &Report<impl Cases>, to: &mut dyn io::Write) -> io::Result<()> {
    let Outline { files, .. } = report.cases.outline()?;
    let document = |suite: Option<TestSuite>, totals: Option<&Summary>| {
        let mut junit = quick_junit::Report::new("conform");
        junit.set_time(Duration::from_millis(report.duration_ms));
        junit.add_test_suites(suite);
        if let Some(totals) = totals {
            junit.tests = totals.total;
            junit.failures = totals.failed;
            junit.errors = totals.errors;
            // JUnit's skipped holds what the terminal shows as ignored.
            junit.skipped = totals.skipped + totals.known_failures + totals.not_run;
        }
        junit.to_string().map_err(io::Error::other)
    };
    if files.is_empty() {
        return to.write_all(document(None, None)?.as_bytes());
    }
    // The document's opening tag carries the totals of every suite.
    let head = document(None, Some(&report.summary))?;
    to.write_all(&head.as_bytes()[..opening_end(&head)])?;
    let mut tail = String::new();
    for (file, ranges) in &files {
        let one = document(Some(suite(file, ranges, &report.cases)?), None)?;
        let closing = one.rfind(CLOSING).unwrap_or(one.len());
        let body = &one[opening_end(&one)..closing];
        to.write_all(body.strip_suffix('\n').unwrap_or(body).as_bytes())?;
        tail = format!("\n{}", &one[closing..]);
    }
    to.write_all(tail.as_bytes())
}

/// Where the `<testsuites …>` opening tag of a document ends.
fn opening_end(document: &str) -> usize {
    let opening = document.find("<testsuites").unwrap_or(0);
    document[opening..]
        .find('>')
        .map_or(document.len(), |end| opening + end + 1)
}

fn suite(file: &str, ranges: &[Range<usize>], cases: &impl Cases) -> io::Result<TestSuite> {
    let mut suite = TestSuite::new(file);
    let mut time = Duration::ZERO;
    for range in ranges {
        cases.visit(range.clone(), &mut |case| {
            time += Duration::from_millis(case.duration_ms);
            suite.add_test_case(test_case(case));
            Ok(())
        })?;
    }
    suite.set_time(time);
    Ok(suite)
}

fn test_case(case: &CaseRecord) -> TestCase {
    // As the run decided: what the baseline knows, and what did not run, is skipped.
    let status = match case.decision {
        Decision::Passed | Decision::Flaky => TestCaseStatus::success(),
        Decision::Skipped | Decision::NotRun => {
            skipped(case.skip_reason.as_deref().map(|why| match case.decision {
                Decision::NotRun => format!("not run: {why}"),
                _ => why.to_string(),
            }))
        }
        Decision::KnownFailure => {
            let first = case.failures.first().map_or("", |f| f.message.as_str());
            skipped(Some(format!("known failure: {first}")))
        }
        Decision::Failed => non_success(case, NonSuccessKind::Failure),
        Decision::Error => non_success(case, NonSuccessKind::Error),
    };
    let mut test_case = TestCase::new(case.name.as_str(), status);
    match case.decision {
        Decision::KnownFailure => {
            test_case.set_system_out(case.failure_text());
        }
        Decision::Flaky => {
            test_case.set_system_out(format!("flaky: {}", case.retries.join("; ")));
        }
        _ => {}
    }
    test_case.set_classname(case.file.as_str());
    test_case.set_time(Duration::from_millis(case.duration_ms));
    test_case
}

fn skipped(message: Option<String>) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    if let Some(message) = message {
        status.set_message(message);
    }
    status
}

fn non_success(case: &CaseRecord, kind: NonSuccessKind) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    if let Some(first) = case.failures.first() {
        status.set_message(first.message.as_str());
        // `service/status`: whose the failure is, then what kind it is.
        let kind = match case.cause {
            Some(cause) => format!("{}/{}", cause.as_str(), first.kind.as_str()),
            None => first.kind.as_str().to_string(),
        };
        status.set_type(kind);
    }
    status.set_description(case.failure_text());
    status
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

    /// The document quick-junit writes with every suite in memory at once.
    fn whole(report: &Report) -> String {
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
            suite.add_test_cases(cases.into_iter().map(test_case));
            junit.add_test_suite(suite);
        }
        junit.to_string().unwrap()
    }

    fn streamed(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_a_suite_at_a_time_it_is_the_document_quick_junit_writes_whole() {
        let cases = [
            record("b1", "cases/b.toml", Decision::Passed),
            record("b2", "cases/b.toml", Decision::Failed),
            record("a1", "cases/a.toml", Decision::Skipped),
            record("a2", "cases/a.toml", Decision::Error),
            record("c1", "cases/c-d.toml", Decision::Flaky),
            record("b3", "cases/b.toml", Decision::Passed),
        ];
        for count in [0, 1, 2, 6] {
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
