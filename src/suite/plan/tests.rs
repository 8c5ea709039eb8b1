use super::*;
use crate::suite::sources::KEEP_PARSED_TEXT;
use std::path::Path;

const CASE: &str = r#"
[[case]]
name = "a"
[[case.setup]]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations"
capture = { conversation-id = "/id" }
[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
capture = { thread-id = "/id" }
[case.expect]
status = 201
schema = "conversationthread"
[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/threads/{thread-id}"
"#;

fn cases() -> Vec<Case> {
    crate::suite::format::parse_file(Path::new("cases/p.toml"), CASE.to_string()).unwrap()
}

#[test]
fn captures_count_as_values_and_missing_vars_are_located() {
    let case = &cases()[0];
    let with_group: HashMap<String, String> = [("group-id".to_string(), "g".to_string())].into();
    assert!(check_variables(case, &with_group).is_ok());
    let err = check_variables(case, &HashMap::new()).unwrap_err();
    assert!(err.message().contains("{group-id} has no value"));
    assert_eq!(err.location().unwrap().line, 6);
}

#[test]
fn unknown_schema_suggests_the_case_insensitive_match() {
    let schemas =
        Schemas::compile(&[("schemas/conversationThread.json".into(), "{}".to_string())]).unwrap();
    let err = check_schemas(&cases(), &schemas).unwrap_err();
    assert!(
        err.to_string()
            .contains("did you mean `conversationThread`"),
        "{err}"
    );
}

#[test]
fn filter_flags_select_cases_by_trial_name() {
    let vars: HashMap<String, String> = [("group-id".to_string(), "g".to_string())].into();
    let case = &cases()[0];
    let all = plan_trial(case, None, &Arguments::default(), &vars).unwrap();
    assert_eq!((all.trial_name.as_str(), all.name()), ("p::a", "a"));
    assert_eq!(all.selection, Selection::Run);
    let args = Arguments {
        skip: vec!["p::".into()],
        ..Arguments::default()
    };
    let skipped = plan_trial(case, None, &args, &HashMap::new()).unwrap();
    assert_eq!(
        skipped.selection,
        Selection::FilteredOut,
        "unselected cases need no variables"
    );
    assert!(!skipped.selection.is_reported());
    let mut marked = case.clone();
    marked.ignore = Some("flaky upstream".into());
    let ignored = plan_trial(&marked, None, &Arguments::default(), &HashMap::new()).unwrap();
    assert_eq!(ignored.selection, Selection::Ignored);
    assert!(ignored.selection.is_reported(), "reported as skipped");
    let ignored_only = Arguments {
        ignored: true,
        ..Arguments::default()
    };
    let run = plan_trial(&marked, None, &ignored_only, &vars).unwrap();
    assert_eq!(run.selection, Selection::Run);
    let probe = plan_trial(case, Some(ProbeKind::ReadBack), &args, &vars).unwrap();
    assert_eq!(
        (probe.trial_name.as_str(), probe.name()),
        ("p::a::read-back", "a::read-back")
    );
    assert_eq!(probe.selection, Selection::FilteredOut);
}

fn suite_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let paths = load::case_files(dir.path()).unwrap();
    (dir, paths)
}

fn schemas_for_cases() -> Schemas {
    Schemas::compile(&[("schemas/conversationthread.json".into(), "{}".to_string())]).unwrap()
}

/// Plans every case of `files`, `{group-id}` given, no filter, no probes, no shard.
fn plan_all(files: Vec<PathBuf>) -> Result<Suite> {
    plan_sources(Sources::new(files)?)
}

fn plan_sources(sources: Sources) -> Result<Suite> {
    let vars: HashMap<String, String> = [("group-id".to_string(), "g".to_string())].into();
    let args = Arguments::default();
    plan(
        sources,
        &schemas_for_cases(),
        &args,
        &vars,
        &ProbeSelection::None,
        None,
        None,
    )
}

#[test]
fn a_plan_keeps_the_first_files_spills_the_rest_and_runs_what_it_read() {
    // A comment makes the first file larger than what a plan keeps in memory.
    let large = format!("# {}\n{CASE}", "x".repeat(KEEP_PARSED_TEXT as usize));
    let (dir, files) = suite_dir(&[
        ("p.toml", &large),
        ("q.toml", &CASE.replace("\"a\"", "\"b\"")),
        ("r.toml", &CASE.replace("\"a\"", "\"c\"")),
    ]);
    let suite = plan_all(files).unwrap();
    assert_eq!(suite.selections, [Selection::Run; 3]);
    assert_eq!(suite.files[1].cases, 1..2);
    assert_eq!(suite.name_width, "p::a".len());
    // The names sorted, joined by newlines.
    let fingerprint = format!("{:016x}", load::fnv1a(b"a\nb\nc"));
    assert_eq!(suite.fingerprint, fingerprint);
    assert!(suite.files.iter().all(|f| f.spilled.is_some()));

    let case = &suite.cases_of(1).unwrap()[0].case;
    assert_eq!(case.name, "b");
    let error = case.request.path.origin.error("here").to_string();
    assert!(error.contains("q.toml:10"), "{error}");
    // A file edited after planning: its cases are those planned, their origins in the
    // text that was read.
    std::fs::write(dir.path().join("r.toml"), "edited").unwrap();
    let case = &suite.cases_of(2).unwrap()[0].case;
    assert_eq!(case.name, "c");
    let error = case.request.path.origin.error("here").to_string();
    assert!(error.contains("r.toml:10"), "{error}");
    assert_eq!(suite.cases_of(0).unwrap()[0].case.name, "a");
}

#[test]
fn a_suite_read_ahead_is_planned_from_what_was_read() {
    let large = format!("# {}\n{CASE}", "x".repeat(KEEP_PARSED_TEXT as usize / 2));
    let (dir, files) = suite_dir(&[
        ("p.toml", &large),
        ("q.toml", &CASE.replace("\"a\"", "\"b\"")),
        ("r.toml", &large.replace("\"a\"", "\"c\"")),
    ]);
    let mut sources = Sources::new(files.clone()).unwrap();
    let (distinct, counts) = sources.read_ahead().into_parts();
    assert_eq!(
        (distinct.len(), counts),
        (1, vec![3]),
        "one request, three cases"
    );
    // Read ahead and kept in memory: what was read is planned.
    std::fs::write(dir.path().join("q.toml"), CASE.replace("\"a\"", "\"d\"")).unwrap();
    let suite = plan_sources(sources).unwrap();
    assert_eq!(
        suite.fingerprint,
        format!("{:016x}", load::fnv1a(b"a\nb\nc"))
    );
    assert_eq!(suite.cases_of(1).unwrap()[0].case.name, "b");
    // Spilled: a file edited between reading and planning is planned as it was read.
    let mut sources = Sources::new(files).unwrap();
    sources.read_ahead();
    std::fs::write(dir.path().join("r.toml"), "edited").unwrap();
    let suite = plan_sources(sources).unwrap();
    assert_eq!(suite.cases_of(2).unwrap()[0].case.name, "c");
}

#[test]
fn the_first_files_are_kept_as_planned() {
    let (dir, files) = suite_dir(&[("p.toml", CASE)]);
    let suite = plan_all(files).unwrap();
    std::fs::write(dir.path().join("p.toml"), CASE.replace("\"a\"", "\"b\"")).unwrap();
    assert_eq!(suite.cases_of(0).unwrap()[0].case.name, "a");
}

#[test]
fn a_name_defined_in_two_files_shows_both_places() {
    let (_dir, files) = suite_dir(&[("p.toml", CASE), ("q.toml", CASE)]);
    let err = plan_all(files).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("duplicate case name `a`"), "{text}");
    assert!(text.contains("q.toml"), "{text}");
    assert!(text.contains("p.toml:3"), "{text}");
}
