//! The user's mistakes end in exit code 2 with a message that says where and what — never a
//! panic, never a run. tests/bad-input/ pins the message of each malformed input; the tests
//! after it cover what a pinned file cannot (flags, servers, files changing mid-run).

use crate::common::Test;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, golden, project::Project};

/// Exit code 2, no panic, and stderr containing every one of `needles`.
/// `test` ends with exit code 2, its message saying each of `needles`, never a panic.
fn could_not_run(test: Test, needles: &[&str]) {
    let test = test.status(2).stderr_lacks("panicked");
    needles
        .iter()
        .fold(test, |test, needle| test.stderr_has(needle))
        .run();
}

/// Files of an item directory, relative to it.
fn files(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, base, out);
        } else {
            out.push(path.strip_prefix(base).unwrap().to_path_buf());
        }
    }
}

/// A case file of about 10 MB whose one mistake is on its last line.
fn huge_case_file() -> String {
    let mut text = String::from("[[case]]\nname = \"huge\"\n");
    let padding = "# padding padding padding padding padding padding padding padding padding\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(padding);
    }
    text.push_str("oops\n");
    text
}

#[test]
fn every_bad_input_exits_2_with_its_pinned_message() {
    let corpus = common::root().join("tests/bad-input");
    let mut items: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    items.sort();
    assert!(items.len() >= 20, "the corpus holds at least 20 inputs");
    let mut mismatches = Vec::new();
    for item in &items {
        let project = Project::new();
        let mut args: Vec<String> = vec!["run".into(), "--no-report".into()];
        let mut listed = Vec::new();
        files(item, item, &mut listed);
        for relative in listed {
            let source = item.join(&relative);
            match relative.to_str().unwrap() {
                "expected.txt" => {}
                "args" => args.extend(
                    fs::read_to_string(&source)
                        .unwrap()
                        .lines()
                        .map(str::to_string),
                ),
                "generate" => {
                    fs::write(project.root().join("cases/huge.toml"), huge_case_file()).unwrap()
                }
                _ => {
                    let target = project.root().join(&relative);
                    fs::create_dir_all(target.parent().unwrap()).unwrap();
                    fs::copy(&source, &target).unwrap();
                }
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = Test::in_dir(project.root()).args(&args).run();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = item.file_name().unwrap().to_string_lossy();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name}: {}",
            common::text(&output)
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        if let Err(difference) = golden::check(&item.join("expected.txt"), &stderr) {
            mismatches.push(difference);
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn bad_case_files_of_every_shape_are_errors() {
    for (contents, needle) in [
        (&b"[[case]]\nname = \"x\"\n"[..], "missing field `request`"),
        (&b"[[case]]\nname = 3\n"[..], "invalid type"),
    ] {
        let p = Project::new();
        p.write("cases/zz_bad.toml", contents);
        could_not_run(p.test_run(), &["zz_bad.toml", needle]);
    }
}

#[test]
fn missing_directories_are_named() {
    let p = Project::new();
    fs::remove_dir_all(p.path("cases")).unwrap();
    could_not_run(p.test_run(), &["cannot read the cases directory"]);
}

#[test]
fn a_log_file_that_cannot_be_created_is_named_before_anything_runs() {
    let p = Project::new();
    let log = p.path("no-such-dir/log.txt");
    could_not_run(
        p.test_run().arg("--logfile").arg(&log),
        &["cannot create the log file", "no-such-dir"],
    );
    assert!(!p.path("reports/report.json").exists(), "nothing ran");
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
        let output = Test::new().args(&args).run();
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
    could_not_run(
        Test::remote(&base_url, None),
        &[&format!("cannot reach {base_url}")],
    );
}

#[test]
fn help_exits_0() {
    Test::new()
        .args(["run", "--help"])
        .status(0)
        .stdout_has("--base-url")
        .run();
}

fn one_get_case(name: &str) -> String {
    format!(
        "[[case]]\nname = \"{name}\"\n[case.request]\nmethod = \"GET\"\npath = \"/v1.0/groups/g/threads\"\n[case.expect]\nstatus = 200\n"
    )
}

#[test]
fn a_case_file_edited_during_the_run_changes_nothing_the_run_planned() {
    let project = Project::new();
    let cases = project.path("edited-cases");
    fs::create_dir(&cases).unwrap();
    for file in ["a", "b", "c", "d"] {
        fs::write(cases.join(format!("{file}.toml")), one_get_case(file)).unwrap();
    }
    // Beyond the first MiB of case text a plan keeps parsed: e.toml's cases wait in the spill.
    let padding = format!("# {}\n", "-".repeat(1 << 20));
    fs::write(cases.join("e.toml"), padding + &one_get_case("e")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let child = Test::in_dir(project.root())
        .command()
        .args(["run", "--cases", "edited-cases", "--base-url", &base_url])
        .args(["--jobs", "1", "--report", "edited"])
        .env_remove("CONFORM_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first request comes after planning: e.toml is edited before its case is sent.
    let (first, _) = listener.accept().unwrap();
    fs::write(cases.join("e.toml"), "this is no longer a case file").unwrap();
    std::thread::spawn(move || {
        let answer = |mut stream: std::net::TcpStream| {
            let mut head = String::new();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            while std::io::BufRead::read_line(&mut reader, &mut head).is_ok_and(|n| n > 2) {
                head.clear();
            }
            let ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
            let _ = std::io::Write::write_all(&mut stream, ok.as_bytes());
        };
        answer(first);
        listener.incoming().flatten().for_each(answer);
    });
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("test e::e ... ok"), "{stdout}");
    let report = common::report(&project.path("edited"));
    assert_eq!(report["complete"], true);
    let outcomes = common::outcomes(&report);
    let ran: Vec<&str> = outcomes.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(ran, ["a", "b", "c", "d", "e"]);
}
