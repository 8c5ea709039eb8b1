//! The task that produces the verdicts: it reads the case files again one at a time, in plan
//! order (one file ahead, on a blocking thread), and starts their running cases at most
//! `--jobs` at a time, so only the files in hand and the cases in flight are in memory.

use std::sync::Arc;

use libtest_mimic::Failed;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::report::record::CaseRecord;
use crate::run::engine::{Engine, info};
use crate::run::trial::{self, VerdictSenders};
use crate::suite::model::Case;
use crate::suite::plan::{Selection, Suite};
use crate::suite::probes::{self, Probe};

/// Starts the scheduler; it ends with the error that stopped it, if one did.
pub fn start(
    runtime: &Runtime,
    suite: Arc<Suite>,
    engine: Arc<Engine>,
    mut senders: VerdictSenders,
) -> JoinHandle<Option<Error>> {
    let mut files = read_ahead(runtime, suite.clone());
    runtime.spawn(async move {
        while let Some((index, cases)) = files.recv().await {
            match cases {
                Ok(cases) => {
                    if !start_file(&suite, index, cases, &engine, &mut senders).await {
                        return None;
                    }
                }
                Err(error) => {
                    refuse_the_rest(&error, senders, &engine);
                    return Some(error);
                }
            }
        }
        None
    })
}

/// The needed case files, read in order on a blocking thread, one ahead of the cases started.
fn read_ahead(runtime: &Runtime, suite: Arc<Suite>) -> mpsc::Receiver<(usize, Result<Vec<Case>>)> {
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

/// Records the file's ignored cases and starts its running ones, each case followed by its
/// probes (derived again as the plan derived them); false when the run is shutting down.
async fn start_file(
    suite: &Suite,
    index: usize,
    cases: Vec<Case>,
    engine: &Arc<Engine>,
    senders: &mut VerdictSenders,
) -> bool {
    let mut positions = suite.files[index].cases.clone();
    for case in cases {
        let case = Arc::new(case);
        let trials = probes::trials(&case, &engine.schemas, &suite.probes);
        let trials = trials.map(|probe| probe.map(Arc::new));
        // `trials` first: zip asks its first iterator first, so no position is taken in vain.
        for (probe, position) in trials.zip(&mut positions) {
            if !start_trial(suite, position, &case, probe, engine, senders).await {
                return false;
            }
        }
    }
    true
}

/// Records the trial at `position` when ignored, starts it when it runs; false when the run is
/// shutting down.
async fn start_trial(
    suite: &Suite,
    position: usize,
    case: &Arc<Case>,
    probe: Option<Arc<Probe>>,
    engine: &Arc<Engine>,
    senders: &mut VerdictSenders,
) -> bool {
    if suite.planned[position].selection == Selection::Ignored {
        let reason = case.ignore.as_deref().unwrap_or("ignored");
        let info = info(case, probe.as_deref());
        engine.record(position, CaseRecord::skipped(&info, reason));
    }
    let Some(done) = senders[position].take() else {
        return true;
    };
    let Ok(permit) = engine.permits.clone().acquire_owned().await else {
        return false;
    };
    let (engine, case) = (engine.clone(), case.clone());
    tokio::spawn(async move {
        let _permit = permit;
        let record = engine.run(&case, probe.as_deref()).await;
        let verdict = trial::result_of(&record);
        if let Some(progress) = &engine.progress {
            progress.case_done(!record.failures.is_empty());
        }
        engine.record(position, record);
        let _ = done.send(verdict);
    });
    true
}

/// Every case not started yet fails with why the run stopped.
fn refuse_the_rest(error: &Error, senders: VerdictSenders, engine: &Engine) {
    let why = format!("not run: {}", error.message());
    for done in senders.into_iter().flatten() {
        if let Some(progress) = &engine.progress {
            progress.case_done(true);
        }
        let _ = done.send(Err(Failed::from(why.clone())));
    }
}
