//! Walks tests/bad-input/: every malformed input ends in exit code 2 with its pinned message
//! (file:line:col and a caret where there is a position), never a panic.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

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

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
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
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for item in &items {
        let project = tempfile::tempdir().unwrap();
        copy_dir(&common::root().join("cases"), &project.path().join("cases"));
        copy_dir(
            &common::root().join("schemas"),
            &project.path().join("schemas"),
        );
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
                    fs::write(project.path().join("cases/huge.toml"), huge_case_file()).unwrap()
                }
                _ => {
                    let target = project.path().join(&relative);
                    fs::create_dir_all(target.parent().unwrap()).unwrap();
                    fs::copy(&source, &target).unwrap();
                }
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = common::conform_in(project.path(), &args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = item.file_name().unwrap().to_string_lossy();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name}: {}",
            common::text(&output)
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let expected_path = item.join("expected.txt");
        if update {
            fs::write(&expected_path, stderr.as_bytes()).unwrap();
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if stderr != expected {
            mismatches.push(format!(
                "{name}:\n--- expected\n{expected}\n--- actual\n{stderr}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
