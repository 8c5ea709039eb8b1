//! The documentation cannot drift from the binary: every `conform` command the README and
//! `docs/` show must be a command line conform takes, and the `console` blocks (`$ conform …`
//! and the output it prints) are run in a copy of the shipped project, against the embedded
//! server, and their output compared — `...` stands for any lines, `[..]` for any text
//! within a line, runs of blanks compare as one, and a last line `? N` is the exit code.

use crate::common::Test;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use crate::common::project::Project;

/// The pages a newcomer reads.
fn pages() -> Vec<PathBuf> {
    let root = common::root();
    let mut pages = vec![root.join("README.md"), root.join("reports/README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// A fenced block: its language and its lines, with the line of the page it starts at.
struct Block {
    language: String,
    lines: Vec<String>,
    at: usize,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, open.take()) {
            (Some(_), Some(block)) => blocks.push(block),
            (Some(info), None) => {
                open = Some(Block {
                    language: info.split_whitespace().next().unwrap_or("").to_string(),
                    lines: Vec::new(),
                    at: index + 1,
                })
            }
            (None, Some(mut block)) => {
                block.lines.push(line.to_string());
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    blocks
}

/// Words as a POSIX shell splits them, quotes removed; what follows an unquoted `#` dropped.
fn words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut started) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, '#') if !started => break,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// The arguments after `conform` (or `cargo run [--release] --`) in a shell line, up to the
/// first `|`, `||`, `&&`, `;` or redirection; `None` when the line runs no conform.
fn conform_arguments(line: &str) -> Option<Vec<String>> {
    let words = words(line);
    let start = words
        .iter()
        .position(|w| w == "conform" || w.ends_with("/conform"))
        .map(|i| i + 1)
        .or_else(|| {
            let cargo = words.iter().position(|w| w == "cargo")?;
            (words.get(cargo + 1)? == "run").then_some(())?;
            words[cargo..]
                .iter()
                .position(|w| w == "--")
                .map(|i| cargo + i + 1)
        })?;
    let args: Vec<String> = words[start..]
        .iter()
        .take_while(|w| {
            !matches!(w.as_str(), "|" | "||" | "&&" | ";" | ">" | ">>" | "2>&1")
                && !w.starts_with('>')
        })
        .cloned()
        .collect();
    Some(args)
}

/// Logical lines: `\`-continued lines joined; in YAML, a command's more-indented next lines too;
/// CI variables given example values.
fn logical_lines(block: &Block) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut continued = false;
    let mut indent = 0;
    for (offset, raw) in block.lines.iter().enumerate() {
        let line = raw
            .replace("${{ matrix.shard }}", "1")
            .replace("${CI_NODE_INDEX}", "1")
            .replace("${CI_NODE_TOTAL}", "4");
        let this_indent = line.len() - line.trim_start().len();
        let folded = block.language == "yaml"
            && !lines.is_empty()
            && this_indent > indent
            && !line.trim_start().starts_with("- ")
            && !line.trim_end().ends_with(':');
        if (continued || folded) && !lines.is_empty() {
            let last = lines.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim().trim_end_matches('\\'));
        } else {
            indent = this_indent;
            lines.push((
                block.at + offset + 1,
                line.trim_end_matches('\\').to_string(),
            ));
        }
        continued = line.trim_end().ends_with('\\');
    }
    lines
}

#[test]
fn every_conform_command_the_docs_show_is_one_conform_takes() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        for block in blocks(&text) {
            if !matches!(block.language.as_str(), "sh" | "bash" | "yaml" | "console") {
                continue;
            }
            for (line, command) in logical_lines(&block) {
                if block.language == "console" && !command.starts_with("$ ") {
                    continue; // output
                }
                let command = command
                    .trim_start()
                    .trim_start_matches("$ ")
                    .trim_start_matches("- run: ")
                    .trim_start_matches("- ");
                let Some(args) = conform_arguments(command) else {
                    continue;
                };
                checked += 1;
                if let Err(error) = conform::cli::check_arguments(&args) {
                    let first = error.lines().next().unwrap_or_default().to_string();
                    wrong.push(format!("{}:{line}: `{command}`: {first}", page.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "commands conform does not take:\n{}",
        wrong.join("\n")
    );
    assert!(checked >= 30, "the docs show {checked} conform commands");
}

/// Whether `actual` (blanks collapsed) is what `expected` shows.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    let mut rest = actual;
    for (i, part) in parts.iter().enumerate() {
        match (i, rest.find(part)) {
            (0, _) if !rest.starts_with(part) => return false,
            (_, None) => return false,
            (_, Some(at)) => rest = &rest[at + part.len()..],
        }
    }
    parts.last().is_some_and(|p| p.is_empty()) || rest.is_empty()
}

fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `actual` shows every line of `expected`, in order, `...` skipping any lines.
fn output_matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.split_first().is_some_and(|(line, more)| {
            line_matches(&collapse(first), &collapse(line)) && output_matches(rest, more)
        }),
    }
}

/// A `console` block's commands, each with its expected output and exit code.
fn sessions(block: &Block) -> Vec<(usize, String, Vec<String>, i32)> {
    let mut sessions: Vec<(usize, String, Vec<String>, i32)> = Vec::new();
    for (offset, line) in block.lines.iter().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            sessions.push((block.at + offset + 1, command.to_string(), Vec::new(), 0));
        } else if let (Some(code), Some(last)) = (line.strip_prefix("? "), sessions.last_mut()) {
            last.3 = code.trim().parse().unwrap();
        } else if let Some(last) = sessions.last_mut() {
            last.2.push(line.clone());
        }
    }
    sessions
}

fn run_in(project: &Path, command: &str) -> (i32, Vec<String>) {
    let args = conform_arguments(command).expect("a console block runs conform");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = Test::in_dir(project).args(&args).envs(&[("CI", "1")]).run();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = text
        .trim_matches('\n')
        .lines()
        .map(str::to_string)
        .collect();
    (output.status.code().unwrap_or(-1), lines)
}

#[test]
fn the_console_blocks_of_the_docs_print_what_they_show() {
    let mut ran = 0;
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        for block in blocks(&text).iter().filter(|b| b.language == "console") {
            let project = Project::new();
            for (line, command, expected, code) in sessions(block) {
                let (status, actual) = run_in(project.root(), &command);
                let place = format!("{}:{line}: `{command}`", page.display());
                assert_eq!(status, code, "{place}:\n{}", actual.join("\n"));
                assert!(
                    output_matches(&expected, &actual),
                    "{place} prints\n{}\n\nwhere the page shows\n{}",
                    actual.join("\n"),
                    expected.join("\n")
                );
                ran += 1;
            }
        }
    }
    assert!(ran >= 3, "the docs run {ran} commands");
}

#[test]
fn the_matcher_skips_lines_and_text_only_where_told() {
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    let shown = lines("running 2 tests\n...\ntest result: ok. 2 passed; finished in [..]s");
    let printed = lines(
        "running 2 tests\ntest a ... ok\ntest b ... ok\ntest result: ok. 2 passed; finished in 0.01s",
    );
    assert!(output_matches(&shown, &printed));
    assert!(!output_matches(&lines("running 3 tests\n..."), &printed));
    assert!(
        !output_matches(&lines("running 2 tests"), &printed),
        "nothing left unshown"
    );
    assert!(line_matches("a [..] c", "a b c") && !line_matches("a [..] c", "a b d"));
    assert_eq!(
        words("conform run --var 'a b' # note"),
        ["conform", "run", "--var", "a b"]
    );
}
