//! `conform import`, `conform list` and `conform lint` on pages written for these tests (the
//! same annotations and the same kinds of defects as Graph's pages), pinned in golden files;
//! and on the real documentation pages when they are beside the project.

use crate::common;
use crate::common::Test;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

const PAGES: &[&str] = &[
    "channel-messages.md",
    "post-thread.md",
    "start-conversation.md",
];

fn fixtures() -> PathBuf {
    common::root().join("tests/fixtures")
}

fn page_args() -> Vec<String> {
    PAGES
        .iter()
        .map(|p| format!("tests/fixtures/pages/{p}"))
        .collect()
}

/// Compares `actual` with the golden file `relative` under tests/fixtures.
fn golden(relative: &str, actual: &str) {
    common::golden::assert_matches(&fixtures().join(relative), actual);
}

/// `conform list --format json` of a cases directory.
fn list_json(cases: &Path) -> common::test::Ran {
    Test::new()
        .args([
            "list",
            "--format",
            "json",
            "--cases",
            cases.to_str().unwrap(),
        ])
        .run()
}

fn import_into(out: &Path, pages: &[String], extra: &[&str]) -> common::test::Ran {
    let mut args: Vec<&str> = vec!["import"];
    args.extend(pages.iter().map(String::as_str));
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    Test::new().args(&args).run()
}

#[test]
fn import_derives_the_pinned_cases_and_is_stable() {
    let out = tempfile::tempdir().unwrap();
    let first = import_into(out.path(), &page_args(), &[]);
    assert_eq!(first.status.code(), Some(0), "{}", common::text(&first));
    assert!(
        common::text(&first).contains("skipped: the request at line"),
        "the unpaired DELETE"
    );
    let mut generated = Vec::new();
    for page in PAGES {
        let name = page.replace(".md", ".toml");
        let text = fs::read_to_string(out.path().join(&name)).unwrap();
        golden(&format!("imported/{name}"), &text);
        generated.push((name, text));
    }
    // Refuses to overwrite, then overwrites byte for byte the same with --force.
    let again = import_into(out.path(), &page_args(), &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(common::text(&again).contains("pass --force"));
    let forced = import_into(out.path(), &page_args(), &["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    for (name, text) in generated {
        assert_eq!(fs::read_to_string(out.path().join(name)).unwrap(), text);
    }
}

#[test]
fn imported_cases_list_and_run() {
    let out = tempfile::tempdir().unwrap();
    import_into(out.path(), &page_args(), &[]);
    let listed = list_json(out.path());
    assert_eq!(listed.status.code(), Some(0));
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let summary: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r["name"], r["method"], r["path"], r["status"], r["schema"]
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            r#""send_message" "POST" "/beta/groups/{group-id}/channels/{channel-id}/chatthreads" 204 null"#,
            r#""list_conversations" "GET" "/beta/groups/{group-id}/conversations" 200 "conversation""#,
            r#""post_thread" "POST" "/beta/groups/{group-id}/threads" 201 "conversationThread""#,
            r#""post_thread_via_users_joinedgroups" "POST" "/beta/users/{user-id}/joinedGroups/{group-id}/threads" 201 "conversationThread""#,
            r#""start_conversation" "POST" "/v1.0/groups/{group-id}/conversations" 201 "conversation""#,
        ]
    );
    // They run against the embedded server: the well-formed ones pass, the one whose example
    // sends "Boolean" for a boolean is refused by the server.
    let reports = tempfile::tempdir().unwrap();
    let run = Test::new()
        .args([
            "run",
            "--cases",
            out.path().to_str().unwrap(),
            "--report",
            reports.path().to_str().unwrap(),
        ])
        .run();
    let outcomes = common::outcomes(&common::report(reports.path()));
    assert_eq!(run.status.code(), Some(1), "{}", common::text(&run));
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| o != "passed")
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        failed,
        vec!["post_thread", "post_thread_via_users_joinedgroups"]
    );
}

#[test]
fn lint_reports_every_defect_of_the_pages() {
    let mut args = vec![
        "lint".to_string(),
        "--format".into(),
        "json".into(),
        "--docs".into(),
    ];
    args.extend(page_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = Test::new().args(&args).run();
    assert_eq!(
        output.status.code(),
        Some(1),
        "errors found: {}",
        common::text(&output)
    );
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    let lines: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with(".md"))
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["text"].as_str().unwrap()
            )
        })
        .collect();
    golden("lint-findings.txt", &(lines.join("\n") + "\n"));

    let text = Test::new()
        .args(["lint", "--docs", "tests/fixtures/pages/channel-messages.md"])
        .run();
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains(
            "error[L002]: status line `204 Created`: the reason phrase of 204 is `No Content`"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("--> tests/fixtures/pages/channel-messages.md:19:10"),
        "{shown}"
    );
}

#[test]
fn lint_on_the_shipped_cases_finds_only_the_explained_conflict() {
    let output = Test::new().args(["lint", "--deny", "warnings"]).run();
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("note[C001]: case `create_conversation_from_group` expects 201"),
        "{text}"
    );
    assert!(
        text.contains("lint: 0 error(s), 0 warning(s), 1 note(s)"),
        "{text}"
    );
}

#[test]
fn lint_checks_case_variables_and_deny_warnings() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("v.toml"),
        r#"
[[case]]
name = "v"
[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}"
[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations"
capture = { conversation-id = "/id", unused-id = "/x" }
[case.request]
method = "GET"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}"
[case.expect]
status = 200
schema = "conversation"
"#,
    )
    .unwrap();
    let output = Test::new()
        .args(["lint", "--cases", dir.path().to_str().unwrap()])
        .run();
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[C003]: {conversation-id} is used before the step that captures it"),
        "{text}"
    );
    assert!(
        text.contains("warning[C004]: case `v` captures {unused-id}"),
        "{text}"
    );
}

/// The real pages beside the project (as in CI).
fn seeds() -> Vec<String> {
    let dir = common::root().join("../shared/seeds");
    let mut pages: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| p.display().to_string())
        .collect();
    pages.sort();
    pages
}

fn signature(rows: &Value) -> Vec<String> {
    let mut out: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["method"], r["path"], r["status"], r["schema"]
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
#[cfg_attr(
    not(seed_pages),
    ignore = "../shared/seeds is not beside the project: the fixture tests cover import and lint"
)]
fn the_seed_pages_import_to_the_shipped_cases_and_lint_finds_their_defects() {
    let pages = seeds();
    let out = tempfile::tempdir().unwrap();
    let imported = import_into(out.path(), &pages, &[]);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        common::text(&imported)
    );
    let list =
        |dir: &str| serde_json::from_slice::<Value>(&list_json(Path::new(dir)).stdout).unwrap();
    assert_eq!(
        signature(&list(out.path().to_str().unwrap())),
        signature(&list("cases"))
    );
    // Required properties: the same sets, pair by pair.
    let required = |dir: &Path| {
        let mut sets: Vec<Vec<String>> = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let value: toml::Value =
                toml::from_str(&fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
            for case in value["case"].as_array().unwrap() {
                let mut set: Vec<String> = case["expect"]
                    .get("required")
                    .and_then(|r| r.as_array())
                    .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                set.sort();
                sets.push(set);
            }
        }
        sets.sort();
        sets
    };
    assert_eq!(
        required(out.path()),
        required(&common::root().join("cases"))
    );

    let mut args = vec![
        "lint".to_string(),
        "--format".into(),
        "json".into(),
        "--docs".into(),
    ];
    args.extend(pages);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let findings: Value = serde_json::from_slice(&Test::new().args(&args).run().stdout).unwrap();
    let found: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (code, text) in [
        ("L001", "200"),
        ("L002", "204 Created"),
        ("L003", "\"Boolean\""),
        ("L004", "\"datetime-value\""),
        ("L004", "\"String (timestamp)\""),
        ("L005", "microsoft.graph.conversationthread"),
    ] {
        assert!(
            found.contains(&(code.to_string(), text.to_string())),
            "{code} {text} not found in {found:?}"
        );
    }
}

/// Schemas generated from the workshop metadata (with the error envelope), for the tree's pages.
fn workshop_schemas() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::import_schemas("workshop.csdl", dir.path());
    assert!(
        dir.path().join("error.json").exists(),
        "the error envelope comes along"
    );
    dir
}

/// A folder of pages as a documentation repository has them: the same page name in `v1.0/` and
/// `beta/`, language tabs, a response shared by two requests, literal and mangled ids, a page
/// without a request.
#[test]
fn a_documentation_tree_imports_to_a_directory_that_loads() {
    let schemas = workshop_schemas();
    let out = tempfile::tempdir().unwrap();
    let tree = fixtures().join("tree");
    let output = import_into(
        out.path(),
        &[tree.to_str().unwrap().to_string()],
        &["--schemas", schemas.path().to_str().unwrap()],
    );
    let text = common::text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("workshop-overview.md: no case file: no annotated request (its http and json blocks have no annotation: lint L006)"),
        "{text}"
    );
    assert!(
        text.contains("5 page(s), 4 case file(s) with 6 case(s)"),
        "{text}"
    );
    let listed = list_json(out.path());
    assert_eq!(listed.status.code(), Some(0), "{}", common::text(&listed));
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let summary: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let file = Path::new(r["file"].as_str().unwrap()).file_name().unwrap();
            format!(
                "{} {} {} {} {} {}",
                file.to_string_lossy(),
                r["name"].as_str().unwrap(),
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["status"],
                r["schema"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "beta-widget-get.toml get_widget GET /beta/workshop/widgets/{widget-id}/parts/{part-id}/maker/{maker-id} 200 widget",
            "beta-widget-parts.toml list_parts_of_widget GET /beta/workshop/widgets/{widget-id}/parts 200 part",
            "beta-widget-parts.toml list_parts_of_maker GET /beta/workshop/makers/{maker-id}/parts 200 part",
            "beta-widget-parts.toml get_missing_part GET /beta/workshop/parts/{part-id} 404 error",
            "beta-widget-update.toml update_widget PATCH /beta/workshop/widgets/{widget-id} 204 -",
            "v1.0-widget-get.toml get_widget_2 GET /v1.0/workshop/widgets/{widget-id} 200 widget",
        ]
    );
    let parts = fs::read_to_string(out.path().join("beta-widget-parts.toml")).unwrap();
    assert_eq!(parts.matches("collection = true").count(), 2, "{parts}");
    assert!(
        !parts.contains("partNumber\"]"),
        "optional properties are not required"
    );
    let update = fs::read_to_string(out.path().join("beta-widget-update.toml")).unwrap();
    assert!(
        update.contains("headers = { \"Preference-Applied\" = \"return=minimal\" }\n"),
        "a contractual value is expected, a date is not: {update}"
    );
    let v1 = fs::read_to_string(out.path().join("v1.0-widget-get.toml")).unwrap();
    assert!(v1.contains("headers = { \"ETag\" = true }"), "{v1}");
    assert!(
        v1.contains("collection = true")
            && v1.contains("another imported case is named `get_widget`")
    );
}

#[test]
fn lint_of_a_tree_takes_failure_and_header_statuses_as_the_prose_means_them() {
    let schemas = workshop_schemas();
    let tree = fixtures().join("tree");
    let output = Test::new()
        .args([
            "lint",
            "--docs",
            tree.to_str().unwrap(),
            "--schemas",
            schemas.path().to_str().unwrap(),
            "--cases",
            "no-cases-here",
            "--format",
            "json",
        ])
        .run();
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    // The three beta pages show examples without an "HTTP request" section.
    assert_eq!(
        codes,
        vec!["L016", "L016", "L016", "L006"],
        "{}",
        common::text(&output)
    );
}
