//! `junit.xml`: one `<testsuite>` per case file (one documentation page), one `<testcase>` per
//! case, as CI systems (GitHub, GitLab, Jenkins) read it.

use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::check::Outcome;
use crate::report::record::{CaseRecord, Report};

pub fn render(report: &Report) -> Result<String, String> {
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
        suite.add_test_cases(cases.into_iter().map(test_case));
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .map_err(|e| format!("cannot encode junit.xml: {e}"))
}

fn test_case(case: &CaseRecord) -> TestCase {
    let status = match case.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Skip => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &case.skip_reason {
                status.set_message(reason.as_str());
            }
            status
        }
        Outcome::Fail | Outcome::Error => {
            let kind = if case.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            if let Some(first) = case.failures.first() {
                status.set_message(first.message.as_str());
                status.set_type(first.kind.as_str());
            }
            status.set_description(case.failure_text());
            status
        }
    };
    let mut test_case = TestCase::new(case.name.as_str(), status);
    test_case.set_classname(case.file.as_str());
    test_case.set_time(Duration::from_millis(case.duration_ms));
    test_case
}
