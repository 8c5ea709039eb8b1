//! The generated suites the benchmark runs, written as case files of 1,000 cases each.

use std::path::{Path, PathBuf};

use crate::roles::THREAD_REQUEST;

const CASES_PER_FILE: usize = 1000;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped cases repeated to `count` cases (renamed), in `dir`.
pub fn shipped_repeated(dir: &Path, count: usize) {
    let mut blocks = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for block in text.split("\n[[case]]\n").skip(1) {
            blocks.push(block.to_string());
        }
    }
    write_files(dir, count, |n| {
        let block = &blocks[n % blocks.len()];
        block.replacen("name = \"", &format!("name = \"n{n}_"), 1)
    });
}

/// `count` creates of one thread, each checking status, content type, the schema (formats
/// included), six required properties and three echoed values: what the static responder
/// answers passes every check.
pub fn static_creates(dir: &Path, count: usize) {
    write_files(dir, count, |n| {
        format!(
            "name = \"create_thread_{n}\"\n\n[case.request]\nmethod = \"POST\"\n\
             path = \"/beta/groups/{{group-id}}/threads\"\njson = '''{THREAD_REQUEST}'''\n\n\
             [case.expect]\nstatus = 201\nschema = \"conversationThread\"\n\
             required = [\"toRecipients\", \"topic\", \"hasAttachments\", \"lastDeliveredDateTime\", \"uniqueSenders\", \"ccRecipients\"]\n\
             body = '''{{\"topic\": \"topic-value\", \"hasAttachments\": true, \"uniqueSenders\": [\"uniqueSenders-value\"]}}'''\n"
        )
    });
}

fn write_files(dir: &Path, count: usize, case: impl Fn(usize) -> String) {
    let mut out = String::new();
    for n in 0..count {
        out.push_str("\n[[case]]\n");
        out.push_str(&case(n));
        if (n + 1) % CASES_PER_FILE == 0 || n + 1 == count {
            let file = dir.join(format!("s{:04}.toml", n / CASES_PER_FILE));
            std::fs::write(file, &out).unwrap();
            out.clear();
        }
    }
}
