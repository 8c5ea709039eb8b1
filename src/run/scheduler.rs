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

/// Records the file's ignored cases and starts its running ones; false when the run is
/// shutting down.
async fn start_file(
    suite: &Suite,
    index: usize,
    cases: Vec<Case>,
    engine: &Arc<Engine>,
    senders: &mut VerdictSenders,
) -> bool {
    let positions = suite.files[index].cases.clone();
    for (position, case) in positions.zip(cases) {
        if suite.planned[position].selection == Selection::Ignored {
            let reason = case.ignore.as_deref().unwrap_or("ignored");
            engine.record(position, CaseRecord::skipped(&info(&case), reason));
        }
        let Some(done) = senders[position].take() else {
            continue;
        };
        let Ok(permit) = engine.permits.clone().acquire_owned().await else {
            return false;
        };
        let engine = engine.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let record = engine.run(&case).await;
            let verdict = trial::result_of(&record);
            if let Some(progress) = &engine.progress {
                progress.case_done(!record.failures.is_empty());
            }
            engine.record(position, record);
            let _ = done.send(verdict);
        });
    }
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
