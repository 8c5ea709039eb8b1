//! `junit.xml`: one `<testsuite>` per case file (one documentation page), one `<testcase>` per
//! case, as CI systems (GitHub, GitLab, Jenkins) read it. Each case is rendered as it comes; a
//! file's suite is put together when the run ends, from the runs of its cases in the body.
//! Text is cleaned of what XML cannot hold only where there is some.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::time::Duration;

use quick_xml::escape::escape;

use crate::report::document::Report;
use crate::report::record::{CaseRecord, Decision};
use crate::report::render::{Body, Render};

/// `junit.xml` rendered as the records come.
#[derive(Default)]
pub struct JunitReport {
    /// The file of the cases being rendered, and their run in the body so far.
    current: Option<(String, Run)>,
    /// Each file's runs of consecutive cases in the body, by file name.
    files: BTreeMap<String, Vec<Run>>,
}

/// Consecutive cases of one file, where they are in the body, and their counts.
#[derive(Clone)]
struct Run {
    bytes: Range<u64>,
    counts: Counts,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    skipped: usize,
    errors: usize,
    failures: usize,
    time: Duration,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.tests += other.tests;
        self.skipped += other.skipped;
        self.errors += other.errors;
        self.failures += other.failures;
        self.time += other.time;
    }
}

impl Render for JunitReport {
    fn file_name(&self) -> &'static str {
        "junit.xml"
    }

    fn case(&mut self, case: &CaseRecord, body: &mut Body) -> io::Result<()> {
        let start = body.position();
        if self
            .current
            .as_ref()
            .is_none_or(|(file, _)| *file != case.file)
        {
            self.close_run(start);
            let run = Run {
                bytes: start..start,
                counts: Counts::default(),
            };
            self.current = Some((case.file.clone(), run));
        }
        let mut text = String::with_capacity(256);
        let counted = write_case(&mut text, case);
        body.write_all(text.as_bytes())?;
        if let Some((_, run)) = &mut self.current {
            run.bytes.end = body.position();
            run.counts.add(counted);
        }
        Ok(())
    }

    fn finish(&mut self, head: &Report<()>, body: &mut Body, to: &mut dyn Write) -> io::Result<()> {
        self.close_run(body.position());
        let totals = &head.summary;
        // JUnit's skipped holds what the terminal shows as ignored.
        let skipped = totals.skipped + totals.known_failures + totals.not_run;
        write!(
            to,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conform\" tests=\"{}\" skipped=\"{skipped}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
            totals.total,
            totals.failed,
            totals.errors,
            seconds(Duration::from_millis(head.duration_ms)),
        )?;
        for (file, runs) in &self.files {
            let mut counts = Counts::default();
            runs.iter().for_each(|run| counts.add(run.counts));
            write!(
                to,
                "\n    <testsuite name=\"{}\" tests=\"{}\" skipped=\"{}\" errors=\"{}\" failures=\"{}\" time=\"{}\">",
                escape(clean(file)),
                counts.tests,
                counts.skipped,
                counts.errors,
                counts.failures,
                seconds(counts.time)
            )?;
            for run in runs {
                body.copy(run.bytes.clone(), to)?;
            }
            to.write_all(b"\n    </testsuite>")?;
        }
        to.write_all(b"\n</testsuites>\n")
    }
}

impl JunitReport {
    /// Files the run of cases being rendered, which ends at `end` of the body.
    fn close_run(&mut self, end: u64) {
        if let Some((file, mut run)) = self.current.take() {
            run.bytes.end = end;
            self.files.entry(file).or_default().push(run);
        }
    }
}

/// Writes `case`'s `<testcase>`, as the run decided it; what it counts for in its suite.
fn write_case(out: &mut String, case: &CaseRecord) -> Counts {
    use std::fmt::Write as _;
    let time = Duration::from_millis(case.duration_ms);
    let mut counts = Counts {
        tests: 1,
        time,
        ..Counts::default()
    };
    let _ = write!(
        out,
        "\n        <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        escape(clean(&case.name)),
        escape(clean(&case.file)),
        seconds(time)
    );
    let status = status(case);
    let system_out = match case.decision {
        Decision::KnownFailure => Some(case.failure_text()),
        Decision::Flaky => Some(format!("flaky: {}", case.retries.join("; "))),
        _ => None,
    };
    if status.is_none() && system_out.is_none() {
        out.push_str("/>");
        return counts;
    }
    out.push('>');
    match status {
        None => {}
        Some(Status::Skipped(message)) => {
            counts.skipped = 1;
            out.push_str("\n            <skipped");
            if let Some(message) = message {
                let _ = write!(out, " message=\"{}\"", escape(clean(&message)));
            }
            out.push_str("/>");
        }
        Some(Status::NonSuccess { tag, message, ty }) => {
            match tag {
                "error" => counts.errors = 1,
                _ => counts.failures = 1,
            }
            let _ = write!(out, "\n            <{tag}");
            if let Some(message) = message {
                let _ = write!(out, " message=\"{}\"", escape(clean(message)));
            }
            if let Some(ty) = ty {
                let _ = write!(out, " type=\"{}\"", escape(clean(&ty)));
            }
            let text = case.failure_text();
            let _ = write!(out, ">{}</{tag}>", escape(clean(&text)));
        }
    }
    if let Some(text) = system_out {
        let _ = write!(
            out,
            "\n            <system-out>{}</system-out>",
            escape(clean(&text))
        );
    }
    out.push_str("\n        </testcase>");
    counts
}

/// How a case that did not simply pass shows in JUnit.
enum Status<'a> {
    Skipped(Option<String>),
    /// `<failure>` or `<error>`, with its first failure's message and type.
    NonSuccess {
        tag: &'static str,
        message: Option<&'a str>,
        ty: Option<String>,
    },
}

/// As the run decided: what the baseline knows, and what did not run, is skipped.
fn status(case: &CaseRecord) -> Option<Status<'_>> {
    let non_success = |tag| {
        let first = case.failures.first();
        Status::NonSuccess {
            tag,
            message: first.map(|f| f.message.as_str()),
            // `service/status`: whose the failure is, then what kind it is.
            ty: first.map(|first| match case.cause {
                Some(cause) => format!("{}/{}", cause.as_str(), first.kind.as_str()),
                None => first.kind.as_str().to_string(),
            }),
        }
    };
    match case.decision {
        Decision::Passed | Decision::Flaky => None,
        Decision::Skipped | Decision::NotRun => Some(Status::Skipped(
            case.skip_reason.as_deref().map(|why| match case.decision {
                Decision::NotRun => format!("not run: {why}"),
                _ => why.to_string(),
            }),
        )),
        Decision::KnownFailure => {
            let first = case.failures.first().map_or("", |f| f.message.as_str());
            Some(Status::Skipped(Some(format!("known failure: {first}"))))
        }
        Decision::Failed => Some(non_success("failure")),
        Decision::Error => Some(non_success("error")),
    }
}

/// Seconds with three decimals, as JUnit readers expect.
fn seconds(time: Duration) -> String {
    format!("{:.3}", time.as_secs_f64())
}

/// `text` without terminal escape sequences (a colour code would show as `[31m`) and without
/// the control characters XML 1.0 cannot hold (a server's answer may carry some), as JUnit
/// writers clean it; borrowed when it has none, as nearly every text has.
fn clean(text: &str) -> Cow<'_, str> {
    let invalid = |c: char| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f');
    let escapes = |c: char| matches!(c, '\x1b' | '\u{80}'..='\u{9f}');
    if text.contains(escapes) {
        Cow::Owned(strip_ansi_escapes::strip_str(text).replace(invalid, ""))
    } else if text.contains(invalid) {
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
    /// cases with every suite in memory at once.
    fn whole(report: &Report) -> String {
        use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
        let mut junit = quick_junit::Report::new("conform");
        junit.set_time(Duration::from_millis(report.duration_ms));
        let mut by_file: BTreeMap<&str, Vec<&CaseRecord>> = BTreeMap::new();
        for case in &report.cases {
            by_file.entry(&case.file).or_default().push(case);
        }
        for (file, cases) in by_file {
            let mut suite = TestSuite::new(file);
            suite.set_time(Duration::from_millis(
                cases.iter().map(|c| c.duration_ms).sum(),
            ));
            for case in cases {
                let test_status = match status(case) {
                    None => TestCaseStatus::success(),
                    Some(Status::Skipped(message)) => {
                        let mut skipped = TestCaseStatus::skipped();
                        if let Some(message) = message {
                            skipped.set_message(message);
                        }
                        skipped
                    }
                    Some(Status::NonSuccess { tag, message, ty }) => {
                        let kind = match tag {
                            "error" => NonSuccessKind::Error,
                            _ => NonSuccessKind::Failure,
                        };
                        let mut failed = TestCaseStatus::non_success(kind);
                        if let Some(message) = message {
                            failed.set_message(message);
                        }
                        if let Some(ty) = ty {
                            failed.set_type(ty);
                        }
                        failed.set_description(case.failure_text());
                        failed
                    }
                };
                let mut test_case = TestCase::new(case.name.as_str(), test_status);
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
                suite.add_test_case(test_case);
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
        let dir = tempfile::tempdir().unwrap();
        let mut body = Body::new(dir.path()).unwrap();
        let mut junit = JunitReport::default();
        for case in &report.cases {
            junit.case(case, &mut body).unwrap();
        }
        let mut out = Vec::new();
        junit
            .finish(&report.with_cases(()), &mut body, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_a_suite_at_a_time_it_is_the_document_quick_junit_writes_whole() {
        let mut control = record("b4", "cases/b.toml", Decision::Failed);
        control.failures[0]
            .message
            .push_str(" \u{1}bell\u{7} \u{9b}1m \u{85}");
        let mut coloured = record("b5", "cases/b.toml", Decision::Error);
        coloured.failures[0].message =
            "\u{1b}[31mred\u{1b}[0m, \u{1b}]0;title\u{7}c1 \u{9b}1m".into();
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
            coloured,
        ];
        for count in [0, 1, 2, 6, 10] {
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
