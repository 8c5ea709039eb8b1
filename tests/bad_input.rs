//! The user's mistakes end in exit code 2 with a message that says where and what — never a
//! panic, never a run.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

/// A copy of the shipped cases and schemas that a test may break.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cases", "schemas"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
            for entry in fs::read_dir(common::root().join(sub)).unwrap() {
                let path = entry.unwrap().path();
                fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
        Self { dir }
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
        fs::write(self.path(relative), contents).unwrap();
    }

    /// Replaces the first `from` in case file `file` with `to`.
    fn edit(&self, file: &str, from: &str, to: &str) {
        let relative = format!("cases/{file}");
        let text = fs::read_to_string(self.path(&relative)).unwrap();
        assert!(text.contains(from), "{from} not in {relative}");
        self.write(&relative, text.replacen(from, to, 1));
    }

    fn run(&self, extra: &[&str]) -> Output {
        let cases = self.path("cases");
        let schemas = self.path("schemas");
        let reports = self.path("reports");
        let mut args = vec![
            "run",
            "--cases",
            cases.to_str().unwrap(),
            "--schemas",
            schemas.to_str().unwrap(),
            "--report",
            reports.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::conform(&args, &[])
    }
}

/// Exit code 2, no panic, and stderr containing every one of `needles`.
fn assert_could_not_run(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{}", common::text(output));
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` not in:\n{stderr}");
    }
}

fn location(project: &Project, file: &str, line_column: &str) -> String {
    format!(
        "{}:{line_column}",
        Path::new(&project.path("cases")).join(file).display()
    )
}

#[test]
fn toml_syntax_error_points_at_line_and_column() {
    let p = Project::new();
    p.edit(
        "003_create_conversation.toml",
        "status = 201\nschema",
        "status = = 201\nschema",
    );
    let output = p.run(&[]);
    assert_could_not_run(
        &output,
        &[&location(&p, "003_create_conversation.toml", "39:10"), "^"],
    );
}

#[test]
fn unknown_key_names_the_key_and_its_place() {
    let p = Project::new();
    p.edit(
        "003_create_conversation.toml",
        "required = [",
        "requird = [",
    );
    let output = p.run(&[]);
    assert_could_not_run(
        &output,
        &[
            "unknown field `requird`",
            &location(&p, "003_create_conversation.toml", "41:1"),
        ],
    );
}

#[test]
fn unknown_schema_suggests_the_near_name() {
    let p = Project::new();
    p.edit(
        "002_create_thread_in_conversation.toml",
        "schema = \"conversationThread\"",
        "schema = \"conversationthread\"",
    );
    let output = p.run(&[]);
    assert_could_not_run(
        &output,
        &[
            "unknown schema `conversationthread`",
            "did you mean `conversationThread`",
            &location(&p, "002_create_thread_in_conversation.toml", "43:10"),
        ],
    );
}

#[test]
fn invalid_json_body_points_into_the_case_file() {
    let p = Project::new();
    p.edit(
        "004_create_chat_thread.toml",
        "\"contentType\": 1,",
        "\"contentType\": 1,,",
    );
    let output = p.run(&[]);
    assert_could_not_run(
        &output,
        &[
            "invalid JSON",
            &location(&p, "004_create_chat_thread.toml", "27:32"),
        ],
    );
}

#[test]
fn a_placeholder_without_a_value_names_the_variable_and_the_flag() {
    let p = Project::new();
    let output = p.run(&["--base-url", "http://127.0.0.1:9"]);
    assert_could_not_run(
        &output,
        &[
            "placeholder {group-id} has no value",
            "--var group-id=VALUE",
            "cases",
        ],
    );
}

#[test]
fn duplicate_case_names_are_refused() {
    let p = Project::new();
    p.edit(
        "001_create_threads.toml",
        "name = \"create_conversationthread_typed\"",
        "name = \"create_conversationthread_from_group\"",
    );
    let output = p.run(&[]);
    assert_could_not_run(
        &output,
        &[
            "duplicate case name `create_conversationthread_from_group`",
            "first defined at",
        ],
    );
}

#[test]
fn bad_case_files_of_every_shape_are_errors() {
    for (contents, needle) in [
        (&b""[..], "no [[case]] tables"),
        (&b"\xff\xfe\x00junk"[..], "not UTF-8"),
        (&b"[[case]]\nname = \"x\"\n"[..], "missing field `request`"),
        (&b"[[case]]\nname = 3\n"[..], "invalid type"),
    ] {
        let p = Project::new();
        p.write("cases/zz_bad.toml", contents);
        assert_could_not_run(&p.run(&[]), &["zz_bad.toml", needle]);
    }
}

#[test]
fn a_schema_that_is_not_json_is_located() {
    let p = Project::new();
    p.write("schemas/broken.json", "{\n  \"type\": \"object\",\n}");
    assert_could_not_run(
        &p.run(&[]),
        &["schema is not valid JSON", "broken.json:3:1"],
    );
}

#[test]
fn a_schema_that_breaks_the_meta_schema_is_refused() {
    let p = Project::new();
    p.write("schemas/odd.json", r#"{"type": "objekt"}"#);
    assert_could_not_run(&p.run(&[]), &["odd.json", "not a valid JSON Schema"]);
}

#[test]
fn a_ref_to_a_missing_schema_file_names_both_files() {
    let p = Project::new();
    fs::remove_file(p.path("schemas/recipient.json")).unwrap();
    assert_could_not_run(
        &p.run(&[]),
        &["conversationThread.json", "`$ref` to `recipient.json`"],
    );
}

#[test]
fn missing_directories_are_named() {
    let p = Project::new();
    fs::remove_dir_all(p.path("cases")).unwrap();
    assert_could_not_run(&p.run(&[]), &["cannot read the cases directory"]);
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        vec!["run", "--bogus"],
        vec!["run", "--jobs", "0"],
        vec!["run", "--var", "novalue"],
        vec!["run", "--timeout", "-1"],
        vec!["run", "--base-url", "not a url"],
        vec!["run", "--base-url", "ftp://example.org"],
        vec!["frobnicate"],
    ] {
        let output = common::conform(&args, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            common::text(&output)
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).is_empty(),
            "{args:?}"
        );
    }
}

#[test]
fn an_unreachable_server_is_one_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    let output = common::run_remote(&base_url, None, &[], &[]);
    assert_could_not_run(&output, &[&format!("cannot reach {base_url}")]);
}

#[test]
fn help_exits_0() {
    let output = common::conform(&["run", "--help"], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("--base-url"));
}

fn one_get_case(name: &str) -> String {
    format!(
        "[[case]]\nname = \"{name}\"\n[case.request]\nmethod = \"GET\"\npath = \"/v1.0/groups/g/threads\"\n[case.expect]\nstatus = 200\n"
    )
}

#[test]
fn a_case_file_edited_during_the_run_stops_it_with_exit_2() {
    let project = Project::new();
    let cases = project.path("slow-cases");
    fs::create_dir(&cases).unwrap();
    for file in ["a", "b", "c", "d", "e"] {
        fs::write(cases.join(format!("{file}.toml")), one_get_case(file)).unwrap();
    }
    // Accepts and never answers: each case takes its whole timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .current_dir(project.dir.path())
        .args(["run", "--cases", "slow-cases", "--base-url", &base_url])
        .args(["--jobs", "1", "--timeout", "1", "--report", "partial"])
        .env_remove("CONFORM_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first connection comes after planning; with one case at a time, e.toml is read again
    // only once a.toml's case has timed out.
    let (first, _) = listener.accept().unwrap();
    fs::write(cases.join("e.toml"), one_get_case("e_renamed")).unwrap();
    std::thread::spawn(move || {
        let mut held = vec![first];
        held.extend(listener.incoming().flatten());
    });
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("e.toml: changed while the run was in progress"),
        "{stderr}"
    );
    assert!(
        stdout.contains("test e::e ... FAILED")
            && stdout.contains("not run: ")
            && stdout.contains("test a::a ... FAILED"),
        "{stdout}"
    );
    let report = common::report(&project.path("partial"));
    assert_eq!(report["complete"], false);
    let ran: Vec<String> = common::outcomes(&report)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(ran, ["a", "b", "c", "d"]);
}
