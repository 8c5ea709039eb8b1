//! The API model: `schemas import` keeps the URL space per API version; `explain`, `import`,
//! `list` and `lint` type paths by it. On a metadata file and pages written for these tests.

use crate::common::Test;
use std::path::Path;

use serde_json::Value;

use crate::common;

fn office_csdl() -> String {
    common::root()
        .join("tests/fixtures/csdl/office.csdl")
        .display()
        .to_string()
}

/// A schemas folder with the office metadata imported as v1.0 (and as beta when asked).
fn schemas(dir: &Path, beta: bool) -> String {
    let out = dir.join("schemas").display().to_string();
    common::import_schemas("office.csdl", &dir.join("schemas"));
    if beta {
        let args = [
            "schemas",
            "import",
            "--csdl",
            &office_csdl(),
            "--out",
            &out,
            "--api",
            "beta",
        ];
        Test::new().args(args).status(0).run();
    }
    out
}

#[test]
fn versions_are_kept_apart_in_one_schemas_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = schemas(dir.path(), true);
    let root = Path::new(&out);
    for file in ["api.model", "user.json", "beta/api.model", "beta/user.json"] {
        assert!(root.join(file).is_file(), "{file} is missing");
    }
    let beta: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("beta/api.model")).unwrap())
            .unwrap();
    assert_eq!(beta["model"]["version"], "beta");
    let v1: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("api.model")).unwrap()).unwrap();
    assert_eq!(
        v1["model"]["version"], "v1.0",
        "the beta import left v1.0's model alone"
    );
    let bad = Test::new()
        .args([
            "schemas",
            "import",
            "--csdl",
            &office_csdl(),
            "--out",
            &out,
            "--api",
            "../x",
        ])
        .status(2)
        .run();
    assert!(common::text(&bad).contains("is not an API version"));
}

#[test]
fn explain_types_a_path_segment_by_segment() {
    let dir = tempfile::tempdir().unwrap();
    let out = schemas(dir.path(), false);
    let explained = Test::new()
        .args([
            "explain",
            "/v1.0/groups/{group-id}/threads/{id}/reply",
            "-X",
            "POST",
            "--schemas",
            &out,
        ])
        .status(0)
        .run();
    let text = common::text(&explained);
    assert!(
        text.contains("threads")
            && text.contains(
                "navigation (contained) -> collection of microsoft.graph.conversationThread"
            ),
        "{text}"
    );
    assert!(
        text.contains("operation: action; typed by the v1.0 model"),
        "{text}"
    );
    let unplaced = Test::new()
        .args(["explain", "/v1.0/groups/{id}/thread", "--schemas", &out])
        .status(1)
        .run();
    assert!(
        common::text(&unplaced).contains("did you mean: threads"),
        "{}",
        common::text(&unplaced)
    );
    let unbalanced = Test::new()
        .args(["explain", "/v1.0/users('x", "--schemas", &out])
        .status(2)
        .run();
    assert!(common::text(&unbalanced).contains("a quote is not closed"));
    let none = Test::new()
        .args([
            "explain",
            "/v1.0/users",
            "--schemas",
            dir.path().join("nothing").to_str().unwrap(),
        ])
        .status(2)
        .run();
    assert!(common::text(&none).contains("holds no API model"));
}

#[test]
fn import_types_paths_and_pairs_unannotated_pages_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = schemas(dir.path(), false);
    let pages = common::root()
        .join("tests/fixtures/office")
        .display()
        .to_string();
    let cases = dir.path().join("cases").display().to_string();
    Test::new()
        .args(["import", &pages, "--out", &cases, "--schemas", &out])
        .status(0)
        .run();
    assert!(
        !Path::new(&cases).join("thread-reply.toml").exists(),
        "no annotations, no case"
    );
    // Planned for a server that is not conform's own (nothing is listening there).
    let listed = Test::new()
        .args([
            "list",
            "--cases",
            &cases,
            "--schemas",
            &out,
            "--format",
            "json",
            "--base-url",
            "http://127.0.0.1:9",
        ])
        .run();
    let rows: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    let threads = row("list_threads");
    assert_eq!(threads["path"], "/v1.0/groups/{group-id}/Threads");
    assert_eq!(threads["operation"], "list");
    assert_eq!(
        threads["resource_type"],
        "microsoft.graph.conversationThread"
    );
    assert_eq!(
        threads["binding"]["placeholders"]["group-id"],
        "discovered in /groups"
    );
    assert_eq!(threads["binding"]["skip"], Value::Null);
    let given = Test::new()
        .args([
            "list",
            "--cases",
            &cases,
            "--schemas",
            &out,
            "--format",
            "json",
            "--var",
            "group-id=g1",
        ])
        .run();
    let given: Value = serde_json::from_slice(&given.stdout).unwrap();
    let listed = given
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "list_threads")
        .unwrap();
    assert_eq!(listed["binding"]["placeholders"]["group-id"], "given");
    let message = row("get_message");
    assert_eq!(
        message["path"], "/v1.0/me/mesages/{mesage-id}",
        "the page's folder gives the version"
    );
    assert_eq!(message["operation"], Value::Null);

    let paired = dir.path().join("paired").display().to_string();
    let imported = Test::new()
        .args([
            "import",
            &pages,
            "--out",
            &paired,
            "--schemas",
            &out,
            "--unannotated",
        ])
        .run();
    assert!(
        common::text(&imported).contains("1 page(s) had blocks paired without annotations"),
        "{}",
        common::text(&imported)
    );
    let reply = std::fs::read_to_string(Path::new(&paired).join("thread-reply.toml")).unwrap();
    assert!(
        reply.contains("path = \"/v1.0/groups/{group-id}/threads/{conversationThread-id}/reply\""),
        "{reply}"
    );
    assert!(reply.contains("status = 202"), "{reply}");
    assert!(reply.contains("Paired without annotations"), "{reply}");
}

#[test]
fn lint_names_what_the_model_cannot_place_and_what_disagrees_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = schemas(dir.path(), false);
    let pages = common::root()
        .join("tests/fixtures/office")
        .display()
        .to_string();
    let nothing = dir.path().join("none").display().to_string();
    let linted = Test::new()
        .args([
            "lint",
            "--docs",
            &pages,
            "--schemas",
            &out,
            "--cases",
            &nothing,
            "--format",
            "json",
        ])
        .run();
    let findings: Value = serde_json::from_slice(&linted.stdout).unwrap();
    let codes: Vec<(&str, &str)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["text"].as_str().unwrap()))
        .collect();
    let has = |code: &str, text: &str| codes.iter().any(|(c, t)| *c == code && t.contains(text));
    assert!(has("L009", "mesages"), "{codes:?}");
    assert!(has("L010", "Threads"), "{codes:?}");
    assert!(has("L011", "microsoft.graph.post"), "{codes:?}");
    assert!(has("L012", "/me/mesages"), "{codes:?}");

    let cases = dir.path().join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(
        cases.join("c.toml"),
        "[[case]]\nname = \"c\"\n[case.request]\nmethod = \"GET\"\npath = \"/v1.0/groups/{g}/threads/{thread-id}\"\n[case.expect]\nstatus = 200\n\n[[case]]\nname = \"d\"\n[case.request]\nmethod = \"GET\"\npath = \"/groups/{group-id}\"\n[case.expect]\nstatus = 200\n",
    )
    .unwrap();
    let linted = Test::new()
        .args([
            "lint",
            "--schemas",
            &out,
            "--cases",
            cases.to_str().unwrap(),
        ])
        .run();
    let text = common::text(&linted);
    assert!(text.contains("warning[C006]: {g} stands for a key of `microsoft.graph.group`: Graph's docs name it {group-id}"), "{text}");
    assert!(
        text.contains("{thread-id} stands for a key of `microsoft.graph.conversationThread`"),
        "{text}"
    );
    assert!(text.contains("c.toml:5:"), "{text}");
    assert!(text.contains("warning[C007]"), "{text}");
}
