//! The four reports of a run read back as their readers read them, and checked to count every
//! decision alike: what CI systems, a step summary and a person see must agree.

use std::fs;
use std::path::Path;

use serde_json::Value;

/// (tests, failures, errors, skipped) and testcase names from junit.xml, read back with an XML
/// parser as CI readers do.
pub fn junit_counts(path: &Path) -> (usize, usize, usize, usize, Vec<String>, usize) {
    use quick_xml::events::Event;
    let text = fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures, mut errors, mut skipped, mut suites) = (0, 0, 0, 0, 0);
    let mut names = Vec::new();
    loop {
        match reader.read_event().expect("junit.xml is well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => {
                    cases += 1;
                    let name = e
                        .attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == b"name")
                        .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                        .unwrap();
                    names.push(name);
                }
                b"failure" => failures += 1,
                b"error" => errors += 1,
                b"skipped" => skipped += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, failures, errors, skipped, names, suites)
}

/// The seven decisions as `report.json` names them, with the word each report shows them by.
const DECISIONS: [(&str, &str, &str); 7] = [
    ("passed", "passed", "pass"),
    ("flaky", "flaky", "flaky"),
    ("failed", "failed", "fail"),
    ("known_failures", "known failure", "known"),
    ("errors", "error", "error"),
    ("skipped", "skipped", "skip"),
    ("not_run", "not run", "not-run"),
];

/// Checks that `report.json`'s cases, its summary, `junit.xml`, `report.md` and `report.html`
/// count every decision alike; returns the summary.
pub fn reports_agree(reports: &Path) -> Value {
    let json = crate::common::report(reports);
    let summary = json["summary"].clone();
    let count = |field: &str| summary[field].as_u64().unwrap() as usize;
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(count("total"), cases.len(), "{summary}");
    let mut sum = 0;
    for (field, word, _) in DECISIONS {
        let decided = word.replace(' ', "-");
        let of_cases = cases.iter().filter(|c| c["decision"] == decided.as_str());
        assert_eq!(of_cases.count(), count(field), "{field}: {summary}");
        sum += count(field);
    }
    assert_eq!(
        sum,
        count("total"),
        "every case has one decision: {summary}"
    );

    let (tests, failures, errors, skipped, _, _) = junit_counts(&reports.join("junit.xml"));
    let ignored = count("skipped") + count("known_failures") + count("not_run");
    assert_eq!(
        (tests, failures, errors, skipped),
        (count("total"), count("failed"), count("errors"), ignored),
        "junit.xml: {summary}"
    );
    let junit = fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert_eq!(
        junit.matches("known failure: ").count(),
        count("known_failures")
    );

    let markdown = fs::read_to_string(reports.join("report.md")).unwrap();
    let words: Vec<String> = DECISIONS
        .iter()
        .map(|(field, word, _)| {
            let n = count(field);
            let plural = matches!(*field, "known_failures" | "errors") && n != 1;
            format!("{n} {word}{}", if plural { "s" } else { "" })
        })
        .collect();
    let headline = format!("**{} cases: {}**", count("total"), words.join(", "));
    assert!(markdown.contains(&headline), "{headline}\n{markdown}");

    let html = fs::read_to_string(reports.join("report.html")).unwrap();
    for (field, _, badge) in DECISIONS {
        let shown = format!("<b id=\"count-{badge}\">{}</b>", count(field));
        assert!(html.contains(&shown), "report.html: {shown}");
        let sections = html.matches(&format!("data-outcome=\"{badge}\"")).count();
        assert_eq!(sections, count(field), "report.html sections of {badge}");
    }
    summary
}
