//! From case files to the trials of one run: names, selection by the libtest-mimic filter
//! flags, and the checks that need the whole picture (schema names, placeholder values, unique
//! names). A plan keeps names and selections, and the parsed cases of the first files up to a
//! budget; the run reads the other files again when their cases are due, so a large suite is
//! never in memory all at once while a small one is parsed once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use libtest_mimic::{Arguments, Trial};

use crate::error::{Error, Result};
use crate::probe::{ProbeKind, ProbeSelection};
use crate::schema::registry::Schemas;
use crate::suite::load::{self, fnv1a};
use crate::suite::model::{Case, Request, Template};
use crate::suite::probes;

/// Whether a case runs, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    Run,
    /// Ignored (marked `ignore`, or left out by `--ignored`): reported as skipped.
    Ignored,
    /// Left out by the filter flags: libtest-mimic counts it as filtered out.
    FilteredOut,
    /// Selected, but in another shard (`--shard`): not reported at all.
    OtherShard,
}

/// A case (or a probe of one) of the run and its selection.
pub struct Planned {
    /// `file-stem::case-name` (`::probe` for a probe), what libtest-mimic shows and filters on.
    pub trial_name: String,
    /// Where the name in the suite (`case-name`, `case-name::probe`) starts in `trial_name`.
    name_at: usize,
    pub selection: Selection,
}

impl Planned {
    /// `trial_name` ends with the case's name, `name_len` bytes long.
    pub fn new(trial_name: String, name_len: usize, selection: Selection) -> Self {
        Self {
            name_at: trial_name.len().saturating_sub(name_len),
            trial_name,
            selection,
        }
    }

    pub fn name(&self) -> &str {
        &self.trial_name[self.name_at..]
    }

    /// Whether the run reports the case: it runs, or it is shown as skipped.
    pub fn is_reported(&self) -> bool {
        matches!(self.selection, Selection::Run | Selection::Ignored)
    }
}

/// Every case of the suite, planned, and the files they come from.
pub struct Suite {
    pub files: Vec<PlannedFile>,
    /// The probes derived from each case.
    pub probes: ProbeSelection,
    /// In file order, then in the order of the cases in their file.
    pub planned: Vec<Planned>,
}

pub struct PlannedFile {
    pub path: PathBuf,
    /// Of the text that was planned: a file edited during the run is noticed, not misread.
    fingerprint: u64,
    /// Its cases' positions in `Suite::planned`.
    pub cases: Range<usize>,
    /// The cases as planned, kept for the run when within `KEEP_PARSED_TEXT`.
    parsed: Mutex<Option<Vec<Case>>>,
}

/// How much case text (in bytes, counted from the first file) a plan keeps parsed for the run.
/// A parsed case takes about 4 KB (its file's text included, for error positions): 1 MiB of
/// text keeps about 1,700 one-request cases, some 7 MB, and suites of that size parse once.
const KEEP_PARSED_TEXT: u64 = 1024 * 1024;

impl Suite {
    /// The cases of file `index`: as planned the first time when kept, otherwise read again
    /// (an error when the file changed since planning).
    pub fn cases_of(&self, index: usize) -> Result<Vec<Case>> {
        let file = &self.files[index];
        let kept = file.parsed.lock().ok().and_then(|mut parsed| parsed.take());
        match kept {
            Some(cases) => Ok(cases),
            None => load::reload(&file.path, file.fingerprint),
        }
    }

    /// Whether file `index` has a case the run reports.
    pub fn is_needed(&self, index: usize) -> bool {
        self.planned[self.files[index].cases.clone()]
            .iter()
            .any(Planned::is_reported)
    }
}

/// Reads, checks and plans every case file, spread over the cores; the first error in file
/// order wins.
pub fn plan(
    files: Vec<PathBuf>,
    schemas: &Schemas,
    args: &Arguments,
    vars: &HashSet<String>,
    probes: &ProbeSelection,
) -> Result<Suite> {
    let kept = kept_parsed(&files);
    let per_file = load::in_parallel(&files, |path| {
        let file = load::load_file(path)?;
        check_schemas(&file.cases, schemas)?;
        let mut planned = Vec::with_capacity(file.cases.len());
        for case in &file.cases {
            for probe in probes::trials(case, schemas, probes) {
                planned.push(plan_trial(case, probe.map(|p| p.kind), args, vars)?);
            }
        }
        let parsed = kept.contains(path).then_some(file.cases);
        Ok((file.fingerprint, planned, parsed))
    });
    let mut suite = Suite {
        probes: probes.clone(),
        files: Vec::with_capacity(files.len()),
        planned: Vec::new(),
    };
    for (path, result) in files.into_iter().zip(per_file) {
        let (fingerprint, planned, parsed) = result?;
        let start = suite.planned.len();
        suite.planned.extend(planned);
        suite.files.push(PlannedFile {
            path,
            fingerprint,
            cases: start..suite.planned.len(),
            parsed: Mutex::new(parsed),
        });
    }
    check_unique_names(&suite)?;
    Ok(suite)
}

/// The first files whose text fits in `KEEP_PARSED_TEXT` together: the files run first.
fn kept_parsed(files: &[PathBuf]) -> HashSet<&Path> {
    let mut text = 0;
    files
        .iter()
        .take_while(|path| {
            text += std::fs::metadata(path).map_or(u64::MAX / 2, |m| m.len());
            text <= KEEP_PARSED_TEXT
        })
        .map(PathBuf::as_path)
        .collect()
}

/// The trial of a case, or of one of its probes (`file-stem::case::probe`).
fn plan_trial(
    case: &Case,
    probe: Option<ProbeKind>,
    args: &Arguments,
    vars: &HashSet<String>,
) -> Result<Planned> {
    let mut trial_name = trial_name(case);
    let mut name_len = case.name.len();
    if let Some(probe) = probe {
        trial_name = format!("{trial_name}::{}", probe.as_str());
        name_len += 2 + probe.as_str().len();
    }
    let trial = Trial::test(trial_name.clone(), || Ok(())).with_ignored_flag(case.ignore.is_some());
    let selection = if args.is_filtered_out(&trial) {
        Selection::FilteredOut
    } else if args.is_ignored(&trial) {
        Selection::Ignored
    } else {
        Selection::Run
    };
    if selection == Selection::Run {
        check_variables(case, vars)?;
    }
    Ok(Planned::new(trial_name, name_len, selection))
}

/// Case names are unique across the suite. The error shows both places, so the two files
/// involved are read again (an error path only).
fn check_unique_names(suite: &Suite) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, file) in suite.files.iter().enumerate() {
        for planned in &suite.planned[file.cases.clone()] {
            if let Some(first) = seen.insert(planned.name(), index) {
                return Err(duplicate_error(&suite.files[first].path, &file.path));
            }
        }
    }
    Ok(())
}

fn duplicate_error(first: &Path, second: &Path) -> Error {
    let mut paths = vec![first];
    if second != first {
        paths.push(second);
    }
    let mut cases = Vec::new();
    for path in paths {
        match load::load_file(path) {
            Ok(file) => cases.extend(file.cases),
            Err(error) => return error,
        }
    }
    match load::check_unique_names(&cases) {
        Err(error) => error,
        Ok(()) => Error::in_file(
            "a case name is defined twice, but the files changed while being read",
            second,
        ),
    }
}

pub fn trial_name(case: &Case) -> String {
    let stem = case
        .file()
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{stem}::{}", case.name)
}

/// A fingerprint of the suite (its case names), so that only reports of one suite merge.
pub fn suite_fingerprint<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    format!("{:016x}", fnv1a(names.join("\n").as_bytes()))
}

/// Every case's schema must exist and compile.
fn check_schemas(cases: &[Case], schemas: &Schemas) -> Result<()> {
    for case in cases {
        let Some(schema) = &case.expect.schema else {
            continue;
        };
        if !schemas.contains(&schema.name) {
            let hint = match schemas
                .names()
                .find(|name| name.eq_ignore_ascii_case(&schema.name))
            {
                Some(close) => format!("did you mean `{close}`? (schema names are case-sensitive)"),
                None => schemas_loaded(schemas),
            };
            return Err(schema
                .origin
                .error(format!("unknown schema `{}`", schema.name))
                .with_help(hint));
        }
        schemas.compile_now(&schema.name)?;
    }
    Ok(())
}

/// The names loaded, for a hint; only a count when there are too many to read.
pub fn schemas_loaded(schemas: &Schemas) -> String {
    const LISTED: usize = 20;
    if schemas.len() <= LISTED {
        format!(
            "schemas loaded: {}",
            schemas.names().collect::<Vec<_>>().join(", ")
        )
    } else {
        format!("{} schemas loaded", schemas.len())
    }
}

/// Every placeholder of a selected case must have a value when its request is sent: from the
/// target's variables or captured by an earlier step.
fn check_variables(case: &Case, vars: &HashSet<String>) -> Result<()> {
    let mut known: HashSet<&str> = vars.iter().map(String::as_str).collect();
    let check = |request: &Request, known: &HashSet<&str>| -> Result<()> {
        let templates =
            std::iter::once(&request.path).chain(request.headers.iter().map(|(_, v)| v));
        for template in templates {
            undefined(template, known)?;
        }
        Ok(())
    };
    for step in &case.setup {
        check(&step.request, &known)?;
        known.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    check(&case.request, &known)?;
    // Teardown may use what the case's request captures: if the server did not send it, the
    // teardown is skipped at run time (there is nothing to delete).
    known.extend(case.request.capture.iter().map(|c| c.variable.as_str()));
    for step in &case.teardown {
        check(&step.request, &known)?;
        known.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    Ok(())
}

fn undefined(template: &Template, known: &HashSet<&str>) -> Result<()> {
    match template.variables().find(|name| !known.contains(name)) {
        Some(name) => Err(template
            .origin
            .error(format!("placeholder {{{name}}} has no value"))
            .with_help(format!(
                "pass --var {name}=VALUE, or capture it in an earlier setup step"
            ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let with_group: HashSet<String> = ["group-id".to_string()].into();
        assert!(check_variables(case, &with_group).is_ok());
        let err = check_variables(case, &HashSet::new()).unwrap_err();
        assert!(err.message().contains("{group-id} has no value"));
        assert_eq!(err.location().unwrap().line, 6);
    }

    #[test]
    fn unknown_schema_suggests_the_case_insensitive_match() {
        let schemas =
            Schemas::compile(&[("schemas/conversationThread.json".into(), "{}".to_string())])
                .unwrap();
        let err = check_schemas(&cases(), &schemas).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean `conversationThread`"),
            "{err}"
        );
    }

    #[test]
    fn fingerprints_suites_by_their_names() {
        assert_eq!(suite_fingerprint(["a", "b"]), suite_fingerprint(["b", "a"]));
        assert_ne!(suite_fingerprint(["a", "b"]), suite_fingerprint(["a", "c"]));
    }

    #[test]
    fn filter_flags_select_cases_by_trial_name() {
        let vars: HashSet<String> = ["group-id".to_string()].into();
        let case = &cases()[0];
        let all = plan_trial(case, None, &Arguments::default(), &vars).unwrap();
        assert_eq!((all.trial_name.as_str(), all.name()), ("p::a", "a"));
        assert_eq!(all.selection, Selection::Run);
        let args = Arguments {
            skip: vec!["p::".into()],
            ..Arguments::default()
        };
        let skipped = plan_trial(case, None, &args, &HashSet::new()).unwrap();
        assert_eq!(
            skipped.selection,
            Selection::FilteredOut,
            "unselected cases need no variables"
        );
        assert!(!skipped.is_reported());
        let mut marked = case.clone();
        marked.ignore = Some("flaky upstream".into());
        let ignored = plan_trial(&marked, None, &Arguments::default(), &HashSet::new()).unwrap();
        assert_eq!(ignored.selection, Selection::Ignored);
        assert!(ignored.is_reported(), "reported as skipped");
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

    #[test]
    fn a_plan_reads_the_cases_again_and_notices_an_edited_file() {
        let (dir, files) = suite_dir(&[
            ("p.toml", CASE),
            ("q.toml", &CASE.replace("\"a\"", "\"b\"")),
        ]);
        let vars: HashSet<String> = ["group-id".to_string()].into();
        let suite = plan(
            files,
            &schemas_for_cases(),
            &Arguments::default(),
            &vars,
            &ProbeSelection::None,
        )
        .unwrap();
        let names: Vec<&str> = suite
            .planned
            .iter()
            .map(|p| p.trial_name.as_str())
            .collect();
        assert_eq!(names, ["p::a", "q::b"]);
        assert_eq!(suite.files[1].cases, 1..2);

        std::fs::write(dir.path().join("q.toml"), CASE.replace("\"a\"", "\"c\"")).unwrap();
        // Small files are kept as planned: the first read is the planned text.
        assert_eq!(suite.cases_of(1).unwrap()[0].name, "b");
        let err = suite.cases_of(1).unwrap_err();
        assert!(
            err.to_string()
                .contains("changed while the run was in progress"),
            "{err}"
        );
        assert!(suite.cases_of(0).is_ok());
    }

    #[test]
    fn a_name_defined_in_two_files_shows_both_places() {
        let (_dir, files) = suite_dir(&[("p.toml", CASE), ("q.toml", CASE)]);
        let vars: HashSet<String> = ["group-id".to_string()].into();
        let err = plan(
            files,
            &schemas_for_cases(),
            &Arguments::default(),
            &vars,
            &ProbeSelection::None,
        )
        .err()
        .unwrap();
        let text = err.to_string();
        assert!(text.contains("duplicate case name `a`"), "{text}");
        assert!(text.contains("q.toml"), "{text}");
        assert!(text.contains("p.toml:3"), "{text}");
    }
}
