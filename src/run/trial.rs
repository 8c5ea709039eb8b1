//! The reported trials of a run as the terminal shows them: the scheduler hands each one over
//! in plan order as a slot (its record, or where its record will come), and the printing side
//! prints the verdicts in that order and hands each record on to the reports.

use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::{mpsc, oneshot};

use crate::report::record::{CaseRecord, Decision};
use crate::run::engine::Recorder;
use crate::run::printer::{Printer, Shown};

/// A reported trial, or the trials that could not start.
pub enum Slot {
    /// Ignored by the plan: shown as ignored, recorded as skipped.
    Ignored {
        name: String,
        record: Box<CaseRecord>,
    },
    /// Started: its record comes when its verdict is in.
    Running {
        name: String,
        record: oneshot::Receiver<CaseRecord>,
    },
    /// Not started, as its file could not be read again: recorded as an error.
    NotRun {
        name: String,
        record: Box<CaseRecord>,
    },
    /// A file's trials that could not start (`count` of them) and whose names are not known.
    FileNotRun {
        name: String,
        count: usize,
        why: String,
    },
}

/// Why a started trial has no verdict: its task ended without one.
pub const NO_VERDICT: &str = "the case stopped before giving a verdict";

/// How many trials the scheduler may start ahead of the one printed next: what one slow case
/// lets the others run ahead, and the bound on what waits to be printed.
pub const PRINT_AHEAD: usize = 16_384;

/// Prints the verdicts in plan order as they come, and records each one; ends when the
/// scheduler has handed over its last trial.
pub async fn print_in_order(
    mut slots: mpsc::Receiver<Slot>,
    printer: &mut Printer,
    recorder: &Recorder,
) {
    loop {
        let slot = match slots.try_recv() {
            Ok(slot) => slot,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {
                show(printer, recorder);
                match slots.recv().await {
                    Some(slot) => slot,
                    None => break,
                }
            }
        };
        match slot {
            Slot::Ignored { name, record } => {
                printer.verdict(&name, Shown::Ignored(None));
                recorder.record(*record);
            }
            Slot::Running { name, record } => {
                match wait_for(record, &name, printer, recorder).await {
                    Some(record) => {
                        printer.verdict(&name, result_of(&record));
                        recorder.record(record);
                    }
                    // Its task hands over a record even when it panics: only an abort gets here.
                    None => {
                        printer.verdict(&name, Shown::Failed(NO_VERDICT.to_string()));
                    }
                }
            }
            Slot::NotRun { name, record } => {
                printer.verdict(&name, result_of(&record));
                recorder.record(*record);
            }
            Slot::FileNotRun { name, count, why } => printer.not_run(&name, count, why),
        }
    }
    show(printer, recorder);
}

/// The record of the trial due next; while it is not in, what is printed so far shows (with
/// the trial's line started, unless a progress line is drawn below).
async fn wait_for(
    mut record: oneshot::Receiver<CaseRecord>,
    name: &str,
    printer: &mut Printer,
    recorder: &Recorder,
) -> Option<CaseRecord> {
    match record.try_recv() {
        Ok(record) => Some(record),
        Err(oneshot::error::TryRecvError::Closed) => None,
        Err(oneshot::error::TryRecvError::Empty) => {
            if recorder.progress.is_none() {
                printer.announce(name);
            }
            show(printer, recorder);
            batch_verdicts().await;
            record.await.ok()
        }
    }
}

/// How long the printing side waits, when the next verdict is not in, before it waits for that
/// verdict: the verdicts of the cases in flight meanwhile print together, and the thread that
/// prints is woken once a batch rather than once a case. Not with one case at a time, where
/// that thread runs the case too.
const BATCH: Duration = Duration::from_millis(2);

async fn batch_verdicts() {
    if Handle::current().runtime_flavor() != RuntimeFlavor::CurrentThread {
        tokio::time::sleep(BATCH).await;
    }
}

/// Hands the printed lines to the terminal, above the progress line when one is drawn.
fn show(printer: &mut Printer, recorder: &Recorder) {
    match &recorder.progress {
        Some(progress) => progress.suspend(|| printer.show_so_far()),
        None => printer.show_so_far(),
    }
}

/// How a record shows, as its decision says: known failures and skipped cases as ignored.
pub fn result_of(record: &CaseRecord) -> Shown {
    match record.decision {
        Decision::Skipped => {
            let why = record.skip_reason.as_deref().unwrap_or("skipped");
            Shown::Ignored(Some(why.to_string()))
        }
        Decision::NotRun => Shown::Ignored(Some("not run: interrupted".to_string())),
        Decision::Passed | Decision::Flaky => Shown::Passed,
        Decision::KnownFailure => {
            let kinds: Vec<&str> = record.failures.iter().map(|f| f.kind.as_str()).collect();
            Shown::Ignored(Some(format!("known failure ({})", kinds.join(", "))))
        }
        Decision::Failed | Decision::Error => Shown::Failed(record.failure_text()),
    }
}
