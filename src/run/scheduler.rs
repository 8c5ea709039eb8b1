//! The task that produces the verdicts: it reads the case files again one at a time, in plan
//! order (one file ahead, on a blocking thread), starts their running cases at most `--jobs`
//! at a time, and hands every reported trial to the printing side in plan order, so only the
//! files in hand and the trials not printed yet are in memory.

use std::sync::Arc;

use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::report::record::CaseRecord;
use crate::run::engine::{Engine, info};
use crate::run::trial::{NO_VERDICT, Slot};
use crate::suite::model::Case;
use crate::suite::plan::{self, PlannedCase, Selection, Suite};
use crate::suite::probes::Probe;

/// Starts the scheduler; it ends with the error that stopped it, if one did.
pub fn start(
    runtime: &Runtime,
    suite: Arc<Suite>,
    engine: Arc<Engine>,
    slots: mpsc::Sender<Slot>,
) -> JoinHandle<Option<Error>> {
    let mut files = read_ahead(runtime, suite.clone());
    runtime.spawn(async move {
        while let Some((index, cases)) = files.recv().await {
            match cases {
                Ok(cases) => {
                    if !start_file(&suite, index, cases, &engine, &slots).await {
                        return None;
                    }
                }
                Err(error) => {
                    not_run_from(&suite, index, &error, &engine, &slots).await;
                    return Some(error);
                }
            }
        }
        None
    })
}

/// The needed case files, read in order on a blocking thread, one ahead of the cases started.
fn read_ahead(
    runtime: &Runtime,
    suite: Arc<Suite>,
) -> mpsc::Receiver<(usize, Result<Vec<PlannedCase>>)> {
    let (files_in, files_out) = mpsc::channel(1);
    runtime.spawn_blocking(move || {
        for index in (0..suite.files.len()).filter(|&i| suite.is_needed(i)) {
            if files_in
                .blocking_send((index, suite.cases_of(index)))
                .is_err()
            {
                break;
            }
        }
    });
    files_out
}

/// Hands over the file's reported trials in order, starting the running ones; false when the
/// run is shutting down.
async fn start_file(
    suite: &Suite,
    index: usize,
    cases: Vec<PlannedCase>,
    engine: &Arc<Engine>,
    slots: &mpsc::Sender<Slot>,
) -> bool {
    for (position, case, probe) in suite.trials_of(index, cases) {
        let selection = suite.selections[position];
        if selection.is_reported() && !start_trial(selection, &case, probe, engine, slots).await {
            return false;
        }
    }
    true
}

/// Hands over an ignored trial with its record, or starts a running one and hands over where
/// its record will come; false when the run is shutting down.
async fn start_trial(
    selection: Selection,
    case: &Arc<Case>,
    probe: Option<Probe>,
    engine: &Arc<Engine>,
    slots: &mpsc::Sender<Slot>,
) -> bool {
    let name = plan::trial_name(case, probe.as_ref().map(|p| p.kind));
    if selection == Selection::Ignored {
        let slot = ignored(name, case, probe.as_ref());
        return slots.send(slot).await.is_ok();
    }
    let Ok(permit) = engine.permits.clone().acquire_owned().await else {
        return false;
    };
    let (done, record) = oneshot::channel();
    let mut pending = Pending {
        done: Some(done),
        engine: engine.clone(),
        case: case.clone(),
        probe,
    };
    tokio::spawn(async move {
        let _permit = permit;
        let record = pending
            .engine
            .run(&pending.case, pending.probe.as_ref())
            .await;
        pending.hand_over(record);
    });
    let slot = Slot::Running { name, record };
    slots.send(slot).await.is_ok()
}

/// An ignored trial, recorded as skipped with the case's reason.
fn ignored(name: String, case: &Case, probe: Option<&Probe>) -> Slot {
    let reason = case.ignore.as_deref().unwrap_or("ignored");
    let record = Box::new(CaseRecord::skipped(&info(case, probe), reason));
    Slot::Ignored { name, record }
}

/// A started trial until its record is handed over: if its task ends without one (a panic),
/// the record says so, so that every trial shown is recorded.
struct Pending {
    done: Option<oneshot::Sender<CaseRecord>>,
    engine: Arc<Engine>,
    case: Arc<Case>,
    probe: Option<Probe>,
}

impl Pending {
    fn hand_over(&mut self, record: CaseRecord) {
        if let Some(done) = self.done.take() {
            if let Some(progress) = &self.engine.recorder.progress {
                progress.case_done(record.decision.fails_the_run());
            }
            let _ = done.send(record);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.done.is_some() {
            let record =
                CaseRecord::could_not_run(&info(&self.case, self.probe.as_ref()), NO_VERDICT);
            self.hand_over(record);
        }
    }
}

/// The trials of file `index` and of every needed file after it could not start: each is
/// recorded as not run, with why; a file whose planned cases cannot be had either is one slot,
/// failing with why.
async fn not_run_from(
    suite: &Suite,
    index: usize,
    error: &Error,
    engine: &Engine,
    slots: &mpsc::Sender<Slot>,
) {
    let why = format!("not run: {}", error.message());
    for (at, file) in suite.files.iter().enumerate().skip(index) {
        let selections = &suite.selections[file.cases.clone()];
        let count = selections.iter().filter(|s| s.is_reported()).count();
        if count == 0 {
            continue;
        }
        if let Some(progress) = &engine.recorder.progress {
            let running = selections.iter().filter(|&&s| s == Selection::Run);
            running.for_each(|_| progress.case_done(true));
        }
        let handed = match suite.cases_of(at).ok() {
            Some(cases) => not_run_trials(suite, at, cases, &why, slots).await,
            None => {
                let stem = file.path.file_stem().unwrap_or_default().to_string_lossy();
                let slot = Slot::FileNotRun {
                    name: format!("{stem}::*"),
                    count,
                    why: why.clone(),
                };
                slots.send(slot).await.is_ok()
            }
        };
        if !handed {
            return;
        }
    }
}

/// Hands over the reported trials of file `index`, never started: ignored ones as ignored,
/// the others recorded as not run; false when the run is shutting down.
async fn not_run_trials(
    suite: &Suite,
    index: usize,
    cases: Vec<PlannedCase>,
    why: &str,
    slots: &mpsc::Sender<Slot>,
) -> bool {
    for (position, case, probe) in suite.trials_of(index, cases) {
        let name = plan::trial_name(&case, probe.as_ref().map(|p| p.kind));
        let slot = match suite.selections[position] {
            Selection::Run => Slot::NotRun {
                name,
                record: Box::new(CaseRecord::could_not_run(&info(&case, probe.as_ref()), why)),
            },
            Selection::Ignored => ignored(name, &case, probe.as_ref()),
            Selection::FilteredOut | Selection::OtherShard => continue,
        };
        if slots.send(slot).await.is_err() {
            return false;
        }
    }
    true
}
