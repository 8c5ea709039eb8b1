//! report.html in a real browser: headless Chromium loads the file, its script runs, and the
//! DOM shows the counts of report.json and opens the failing case named in the address.
//!
//! A libtest-mimic target, so that a machine without Chromium reports the test as ignored and
//! says why, rather than passing it silently. `CONFORM_REQUIRE_BROWSER=1` (set by .ci/run,
//! which installs Chromium) turns a missing browser into a failure.

#[path = "cli/common/mod.rs"]
mod common;

use crate::common::Test;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use common::drift::{self, Deviation};

fn main() {
    let args = Arguments::from_args();
    let trial = Trial::ignorable_test(
        "report_html_shows_the_counts_and_expands_a_failing_case",
        || match chromium() {
            Some(browser) => std::panic::catch_unwind(|| {
                the_html_report_shows_the_counts_and_expands_a_failing_case(&browser)
            })
            .map(|()| Completion::Completed)
            .map_err(|panic| Failed::from(panic_message(&panic))),
            None if std::env::var_os("CONFORM_REQUIRE_BROWSER").is_some() => Err(Failed::from(
                "CONFORM_REQUIRE_BROWSER is set, but no Chromium was found (set CHROMIUM=/path)",
            )),
            None => Ok(Completion::ignored_with(
                "no Chromium found: install Debian's `chromium` (.ci/run does) or set CHROMIUM=/path",
            )),
        },
    );
    libtest_mimic::run(&args, vec![trial]).exit();
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "the test panicked".to_string())
}

/// `CHROMIUM`, or the first browser found where Debian and others install it.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|candidate| candidate.exists())
}

/// The DOM after the page's script ran.
fn dump_dom(browser: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(browser)
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

fn the_html_report_shows_the_counts_and_expands_a_failing_case(browser: &Path) {
    let runtime = common::runtime();
    let addr = runtime.block_on(drift::start(&[Deviation::WrongStatus]));
    let reports = tempfile::tempdir().unwrap();
    Test::remote(&format!("http://{addr}"), Some(reports.path()))
        .status(1)
        .run();
    let report = common::report(reports.path());

    let page = reports.path().join("report.html");
    let failing = "case-create_conversationthread_from_group";
    let dom = dump_dom(browser, &format!("file://{}#{failing}", page.display()));

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

    // The pages, the one with the most failures first.
    let pages = report["by_page"].as_array().unwrap();
    let trouble =
        |p: &serde_json::Value| p["failed"].as_u64().unwrap() + p["errors"].as_u64().unwrap();
    let worst = pages.iter().map(trouble).max().unwrap();
    let first = pages.iter().find(|p| trouble(p) == worst).unwrap();
    let table = &dom[dom.find("id=\"by-page\"").expect("the table of pages")..];
    let first_row = table.split("<tr><td>").nth(1).unwrap();
    assert!(
        first_row.starts_with(first["name"].as_str().unwrap()),
        "{first_row}"
    );

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
