//! From case files to the trials of one run: names, selection by the libtest-mimic filter
//! flags, and the checks that need the whole picture (schema names, placeholder values, unique
//! names). A plan keeps one selection a trial, and the parsed cases of the first files up to a
//! budget (`sources.rs`); the cases of the other files wait in a spill (`spill.rs`) and come
//! back from it when their turn comes. Every case file is parsed once, and a large suite is
//! never in memory all at once.

use std::collections::HashMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Trial};

use crate::error::{Error, Result};
use crate::probe_kind::{ProbeKind, ProbeSelection};
use crate::schema::registry::Schemas;
use crate::suite::binder::Binder;
use crate::suite::load::{self, Fnv1a};
use crate::suite::model::{Attach, Case, Request, SourceFile, Template, Unfilled};
use crate::suite::partition::{self, Shard};
use crate::suite::probes::{self, Probe};
use crate::suite::sorted::{Entry, NameSort};
use crate::suite::sources::{FileCases, Sources};
use crate::suite::spill::{Extent, Spill};

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

impl Selection {
    /// Whether the run reports the case: it runs, or it is shown as skipped.
    pub fn is_reported(self) -> bool {
        matches!(self, Selection::Run | Selection::Ignored)
    }
}

/// A case (or a probe of one) of the run and its selection, while it is planned.
pub struct Planned {
    /// `file-stem::case-name` (`::probe` for a probe), what libtest-mimic shows and filters on.
    pub trial_name: String,
    /// Where the name in the suite (`case-name`, `case-name::probe`) starts in `trial_name`.
    name_at: usize,
    pub selection: Selection,
}

impl Planned {
    pub fn name(&self) -> &str {
        &self.trial_name[self.name_at..]
    }
}

/// Every case of the suite, planned, and the files they come from.
pub struct Suite {
    pub files: Vec<PlannedFile>,
    /// Each trial's selection, in plan order: file order, then the order of the cases in their
    /// file, each case followed by its probes.
    pub selections: Vec<Selection>,
    /// Of the whole suite's case names, before sharding: only reports of one suite merge.
    pub fingerprint: String,
    /// The longest trial name the run reports, in characters: verdict lines align on it.
    pub name_width: usize,
    /// The planned cases of the files not kept in memory.
    spill: Spill,
}

pub struct PlannedFile {
    pub path: PathBuf,
    /// Its trials' positions in `Suite::selections`.
    pub cases: Range<usize>,
    /// The cases as planned, kept for the run when within `KEEP_PARSED_TEXT`, else spilled.
    parsed: Mutex<Option<Vec<PlannedCase>>>,
    spilled: Option<Extent>,
}

impl PlannedFile {
    /// The cases kept in memory, the first time they are asked for.
    fn take_kept(&self) -> Option<Vec<PlannedCase>> {
        self.parsed.lock().ok().and_then(|mut parsed| parsed.take())
    }
}

/// A case as planned, with the probes derived from it: the run derives nothing again.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PlannedCase {
    pub case: Case,
    pub probes: Vec<Probe>,
}

impl Attach for PlannedCase {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.case.attach(file);
        self.probes.attach(file);
    }
}

impl Suite {
    /// The cases of file `index` as planned: kept, or read back from the spill with the text
    /// they were read from.
    pub fn cases_of(&self, index: usize) -> Result<Vec<PlannedCase>> {
        let file = &self.files[index];
        match (file.take_kept(), file.spilled) {
            (Some(cases), _) => Ok(cases),
            (None, Some(slot)) => Ok(self.spill.read(slot, &file.path)?.1),
            (None, None) => Err(Error::in_file(
                "its planned cases were taken already",
                &file.path,
            )),
        }
    }

    /// Whether file `index` has a case the run reports.
    pub fn is_needed(&self, index: usize) -> bool {
        self.selections[self.files[index].cases.clone()]
            .iter()
            .any(|selection| selection.is_reported())
    }

    /// The trials of file `index` (whose `cases` the caller read), in plan order: each with its
    /// position, its case, and its probe when it is one.
    pub fn trials_of(
        &self,
        index: usize,
        cases: Vec<PlannedCase>,
    ) -> impl Iterator<Item = (usize, Arc<Case>, Option<Probe>)> + '_ {
        let trials = cases.into_iter().flat_map(|PlannedCase { case, probes }| {
            let case = Arc::new(case);
            let trials = std::iter::once(None).chain(probes.into_iter().map(Some));
            trials.map(move |probe| (case.clone(), probe))
        });
        // A file changed since planning is refused when read; positions are bounded anyway.
        self.files[index]
            .cases
            .clone()
            .zip(trials)
            .map(|(position, (case, probe))| (position, case, probe))
    }

    /// How many trials have `selection`.
    pub fn count(&self, selection: Selection) -> usize {
        self.selections.iter().filter(|&&s| s == selection).count()
    }
}

/// What planning one file gives: its trials' selections, its cases when kept, and the longest
/// running and ignored trial names.
struct FilePlan {
    selections: Vec<Selection>,
    parsed: Option<Vec<PlannedCase>>,
    spilled: Option<Extent>,
    widths: Widths,
}

/// The longest trial names, in characters, of the trials that run and of those ignored.
#[derive(Default, Clone, Copy)]
struct Widths {
    run: usize,
    ignored: usize,
}

/// The names a plan sorts: every trial's name in the suite, and the running trials' full names
/// when the suite is sharded. A key is a trial's file index (high half) and its index in the
/// file (low half): plan order.
struct NameSorts {
    names: Mutex<NameSort>,
    to_shard: Option<Mutex<NameSort>>,
}

/// Reads, checks and plans every case file, spread over the cores, and keeps this shard's
/// trials; the first error in file order wins.
pub fn plan(
    sources: Sources,
    schemas: &Schemas,
    args: &Arguments,
    vars: &HashMap<String, String>,
    probes: &ProbeSelection,
    shard: Option<Shard>,
    binder: Option<Arc<Binder>>,
) -> Result<Suite> {
    let indexes: HashMap<&Path, usize> = (0..)
        .zip(&sources.files)
        .map(|(i, p)| (p.as_path(), i))
        .collect();
    let sorts = NameSorts {
        names: Mutex::new(NameSort::new()),
        to_shard: shard.map(|_| Mutex::new(NameSort::new())),
    };
    let per_file = crate::fs::in_parallel(&sources.files, |path| {
        let index = indexes.get(path).copied().unwrap_or_default();
        let FileCases { source, mut cases } = sources.cases(index)?;
        if let Some(binder) = &binder {
            cases = binder.apply(cases);
        }
        check_schemas(&cases, schemas)?;
        let planned = with_probes(cases, schemas, probes);
        let key = (index as u64) << 32;
        let mut plan = plan_file(&planned, key, args, vars, &sorts)?;
        if sources.keeps_parsed(path) {
            plan.parsed = Some(planned);
        } else {
            plan.spilled = Some(sources.spill.write(&source, &planned)?);
        }
        Ok(plan)
    });
    let files = sources.files;
    let mut suite = Suite {
        spill: sources.spill,
        files: Vec::with_capacity(files.len()),
        selections: Vec::new(),
        fingerprint: String::new(),
        name_width: 0,
    };
    let mut widths = Widths::default();
    for (path, result) in files.into_iter().zip(per_file) {
        let plan = result?;
        let start = suite.selections.len();
        suite.selections.extend(plan.selections);
        widths.run = widths.run.max(plan.widths.run);
        widths.ignored = widths.ignored.max(plan.widths.ignored);
        suite.files.push(PlannedFile {
            path,
            cases: start..suite.selections.len(),
            parsed: Mutex::new(plan.parsed),
            spilled: plan.spilled,
        });
    }
    let names = take_sort(sorts.names).sorted().map_err(sort_error)?;
    suite.fingerprint = fingerprint_unique_names(names, &suite)?;
    if let (Some(shard), Some(to_shard)) = (shard, sorts.to_shard) {
        let sorted = take_sort(to_shard).sorted().map_err(sort_error)?;
        let starts: Vec<usize> = suite.files.iter().map(|f| f.cases.start).collect();
        let positions = sorted.map(|entry| entry.map(|(name, key)| (name, position(&starts, key))));
        let selections = &mut suite.selections;
        let elsewhere = |position: usize| {
            if let Some(selection) = selections.get_mut(position) {
                *selection = Selection::OtherShard;
            }
        };
        widths.run = partition::shard(positions, shard, elsewhere).map_err(sort_error)?;
    }
    suite.name_width = widths.run.max(widths.ignored);
    Ok(suite)
}

/// Each case with the probes the run asks for of it.
fn with_probes(cases: Vec<Case>, schemas: &Schemas, probes: &ProbeSelection) -> Vec<PlannedCase> {
    let with = |case: Case| PlannedCase {
        probes: probes::derive(&case, schemas, probes),
        case,
    };
    cases.into_iter().map(with).collect()
}

/// Plans one file's cases: each trial's selection, its names handed to the sorts.
fn plan_file(
    cases: &[PlannedCase],
    key: u64,
    args: &Arguments,
    vars: &HashMap<String, String>,
    sorts: &NameSorts,
) -> Result<FilePlan> {
    let mut plan = FilePlan {
        selections: Vec::with_capacity(cases.len()),
        parsed: None,
        spilled: None,
        widths: Widths::default(),
    };
    let mut names: Vec<Entry> = Vec::with_capacity(cases.len());
    let mut to_shard: Vec<Entry> = Vec::new();
    for PlannedCase { case, probes } in cases {
        for kind in std::iter::once(None).chain(probes.iter().map(|p| Some(p.kind))) {
            let planned = plan_trial(case, kind, args, vars)?;
            let key = key | plan.selections.len() as u64;
            let width = planned.trial_name.chars().count();
            match planned.selection {
                Selection::Run => plan.widths.run = plan.widths.run.max(width),
                Selection::Ignored => plan.widths.ignored = plan.widths.ignored.max(width),
                Selection::FilteredOut | Selection::OtherShard => {}
            }
            names.push((planned.name().into(), key));
            if sorts.to_shard.is_some() && planned.selection == Selection::Run {
                to_shard.push((planned.trial_name.into_boxed_str(), key));
            }
            plan.selections.push(planned.selection);
        }
    }
    lock(&sorts.names).extend(names).map_err(sort_error)?;
    if let Some(sort) = &sorts.to_shard {
        lock(sort).extend(to_shard).map_err(sort_error)?;
    }
    Ok(plan)
}

/// The plan position of a sort key (file index, index in the file), from where each file's
/// trials start.
fn position(starts: &[usize], key: u64) -> usize {
    let (file, within) = ((key >> 32) as usize, (key & u64::from(u32::MAX)) as usize);
    starts.get(file).copied().unwrap_or_default() + within
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take_sort(sort: Mutex<NameSort>) -> NameSort {
    sort.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn sort_error(error: io::Error) -> Error {
    Error::new(format!(
        "cannot sort the case names in a temporary file: {error}"
    ))
    .with_help("check that the temporary directory (TMPDIR) is writable and has space")
}

/// The suite's fingerprint, from its names in order; an error naming both places when a name
/// is defined twice (the duplicate found first in plan order, as a reader of the files would).
fn fingerprint_unique_names(
    names: impl Iterator<Item = io::Result<Entry>>,
    suite: &Suite,
) -> Result<String> {
    let mut hash = Fnv1a::default();
    let mut previous: Option<Entry> = None;
    // (the second definition's key, the one before it)
    let mut duplicate: Option<(u64, u64)> = None;
    for entry in names {
        let (name, key) = entry.map_err(sort_error)?;
        if let Some((before, before_key)) = &previous {
            hash.write(b"\n");
            let earliest = duplicate.is_none_or(|(second, _)| key < second);
            if *before == name && earliest {
                duplicate = Some((key, *before_key));
            }
        }
        hash.write(name.as_bytes());
        previous = Some((name, key));
    }
    if let Some((second, first)) = duplicate {
        let file = |key: u64| &suite.files[(key >> 32) as usize].path;
        return Err(duplicate_error(file(first), file(second)));
    }
    Ok(format!("{:016x}", hash.finish()))
}

/// The trial of a case, or of one of its probes (`file-stem::case::probe`).
fn plan_trial(
    case: &Case,
    probe: Option<ProbeKind>,
    args: &Arguments,
    vars: &HashMap<String, String>,
) -> Result<Planned> {
    let trial_name = trial_name(case, probe);
    let name_len = case.name.len() + probe.map_or(0, |p| 2 + p.as_str().len());
    let trial = Trial::test(trial_name.clone(), || Ok(())).with_ignored_flag(case.ignore.is_some());
    let selection = if args.is_filtered_out(&trial) {
        Selection::FilteredOut
    } else if case.unbound || args.is_ignored(&trial) {
        Selection::Ignored
    } else {
        Selection::Run
    };
    if selection == Selection::Run {
        check_variables(case, vars)?;
    }
    Ok(Planned {
        name_at: trial_name.len().saturating_sub(name_len),
        trial_name,
        selection,
    })
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

/// What libtest-mimic shows and filters on: `file-stem::case-name`, and `::probe` for a probe.
pub fn trial_name(case: &Case, probe: Option<ProbeKind>) -> String {
    let stem = case
        .file()
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy();
    format!("{stem}::{}", name_in_suite(case, probe))
}

/// The name the suite and its reports know a trial by: `case-name`, and `::probe` for a probe.
pub fn name_in_suite(case: &Case, probe: Option<ProbeKind>) -> String {
    match probe {
        Some(probe) => format!("{}::{}", case.name, probe.as_str()),
        None => case.name.clone(),
    }
}

/// Every case's schema must exist and compile.
fn check_schemas(cases: &[Case], schemas: &Schemas) -> Result<()> {
    for case in cases {
        let Some(schema) = &case.expect.schema else {
            continue;
        };
        let Some(resolved) = schemas.resolve(&schema.name, schema.api.as_deref()) else {
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
        };
        schemas.compile_now(resolved.key())?;
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
fn check_variables(case: &Case, vars: &HashMap<String, String>) -> Result<()> {
    // The run's values, then what the case's steps capture as it goes.
    let mut captured: Vec<&str> = Vec::new();
    let check = |request: &Request, captured: &[&str]| -> Result<()> {
        let templates =
            std::iter::once(&request.path).chain(request.headers.iter().map(|(_, v)| v));
        for template in templates {
            let known = |name: &str| vars.contains_key(name) || captured.contains(&name);
            undefined(template, known)?;
        }
        Ok(())
    };
    for step in &case.setup {
        check(&step.request, &captured)?;
        captured.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    check(&case.request, &captured)?;
    // Teardown may use what the case's request captures: if the server did not send it, the
    // teardown is skipped at run time (there is nothing to delete).
    captured.extend(case.request.capture.iter().map(|c| c.variable.as_str()));
    for step in &case.teardown {
        check(&step.request, &captured)?;
        captured.extend(step.request.capture.iter().map(|c| c.variable.as_str()));
    }
    Ok(())
}

fn undefined(template: &Template, known: impl Fn(&str) -> bool) -> Result<()> {
    match template.variables().find(|name| !known(name)) {
        Some(name) => Err(template
            .origin
            .error(Unfilled(name.to_string()).to_string())
            .with_help(format!(
                "pass --var {name}=VALUE, or capture it in an earlier setup step"
            ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
