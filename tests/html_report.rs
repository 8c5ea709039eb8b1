//! report.html in a real browser: headless Chromium loads the file, its script runs, and the
//! DOM shows the counts of report.json and opens the failing case named in the address.

mod common;

use std::path::Path;
use std::process::Command;

use common::drift::{self, Deviation};

fn chromium() -> String {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return path;
    }
    for candidate in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(candidate).exists() {
            return candidate.to_string();
        }
    }
    panic!(
        "no Chromium found for the report.html test: install Debian's `chromium` package \
         (.ci/run does) or set CHROMIUM=/path/to/chromium"
    );
}

/// The DOM after the page's script ran.
fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap_or_else(|e| panic!("Chromium could not be started: {e}"));
    assert!(
        output.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The text of the element with `id`, from a DOM dump.
fn text_of(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in the DOM"))
        + marker.len();
    dom[start..].split('<').next().unwrap().to_string()
}

#[test]
fn the_html_report_shows_the_counts_and_expands_a_failing_case() {
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(&[Deviation::WrongStatus]));
    let reports = tempfile::tempdir().unwrap();
    let output = common::run_remote(&format!("http://{addr}"), Some(reports.path()), &[], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", common::text(&output));
    let report = common::report(reports.path());

    let page = reports.path().join("report.html");
    let failing = "case-create_conversationthread_from_group";
    let dom = dump_dom(&format!("file://{}#{failing}", page.display()));

    for (id, field) in [
        ("count-total", "total"),
        ("count-pass", "passed"),
        ("count-fail", "failed"),
        ("count-error", "errors"),
        ("count-skip", "skipped"),
    ] {
        assert_eq!(
            text_of(&dom, id),
            report["summary"][field].to_string(),
            "#{id}"
        );
    }
    // The script ran: it counted the cases it shows.
    assert_eq!(text_of(&dom, "shown"), "7");

    let tag_start = dom
        .find(&format!("id=\"{failing}\""))
        .expect("the failing case is on the page");
    let open_tag =
        &dom[dom[..tag_start].rfind('<').unwrap()..tag_start + dom[tag_start..].find('>').unwrap()];
    assert!(
        open_tag.contains(" open"),
        "the failing case named in the address is expanded: {open_tag}"
    );
    let section = &dom[tag_start..tag_start + dom[tag_start..].find("</details>").unwrap()];
    for shown in [
        "expected 201 Created, got 200 OK",
        "request",
        "response",
        "POST /beta/groups/g/threads",
    ] {
        assert!(
            section.contains(shown),
            "`{shown}` not in the expanded case:\n{section}"
        );
    }
    let passing = dom
        .find("id=\"case-create_conversation_from_group\"")
        .unwrap();
    let passing_tag =
        &dom[dom[..passing].rfind('<').unwrap()..passing + dom[passing..].find('>').unwrap()];
    assert!(
        !passing_tag.contains(" open"),
        "other cases stay closed: {passing_tag}"
    );
}
