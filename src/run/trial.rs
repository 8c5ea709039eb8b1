//! The libtest-mimic side of a run: one trial per reported case, each waiting for the verdict
//! the scheduler sends it, and how a record reads as a trial's result.

use std::sync::Arc;

use libtest_mimic::{Completion, Failed, Trial};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

use crate::check::Outcome;
use crate::report::record::{CaseRecord, Standing};
use crate::run::engine::Engine;
use crate::suite::plan::{Selection, Suite};

/// What a trial reports: passed, ignored (with why) or failed (with the failure text).
pub type TrialVerdict = Result<Completion, Failed>;

/// Where the scheduler sends a case's verdict: one slot per planned case, `None` for the cases
/// that do not run.
pub type VerdictSenders = Vec<Option<oneshot::Sender<TrialVerdict>>>;

/// The trials `--list` shows: the cases that run or are ignored.
pub fn listed(suite: &Suite) -> Vec<Trial> {
    suite
        .planned
        .iter()
        .filter(|p| p.is_reported())
        .map(|p| {
            Trial::test(p.trial_name.clone(), || Ok(()))
                .with_ignored_flag(p.selection == Selection::Ignored)
        })
        .collect()
}

/// One trial per case libtest-mimic counts, and where each running case's verdict goes. A
/// trial waits for its verdict inside `runtime`, so a runtime on the trials' own thread
/// (`--jobs 1`) runs the cases while they wait.
pub fn waiting(
    suite: &Suite,
    engine: &Arc<Engine>,
    runtime: &Arc<Runtime>,
) -> (Vec<Trial>, VerdictSenders) {
    let mut trials = Vec::with_capacity(suite.planned.len());
    let mut senders: VerdictSenders = Vec::with_capacity(suite.planned.len());
    for item in &suite.planned {
        let name = item.trial_name.clone();
        match item.selection {
            Selection::Run => {
                let (done, verdict) = oneshot::channel::<TrialVerdict>();
                senders.push(Some(done));
                trials.push(awaiting_verdict(name, verdict, engine, runtime));
                continue;
            }
            Selection::Ignored => {
                trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true));
            }
            // Handed over only to be counted: libtest-mimic applies the same filter.
            Selection::FilteredOut => trials.push(Trial::test(name, || {
                Err(Failed::from(
                    "the filter left this case out; it was not run",
                ))
            })),
            Selection::OtherShard => {}
        }
        senders.push(None);
    }
    (trials, senders)
}

fn awaiting_verdict(
    name: String,
    verdict: oneshot::Receiver<TrialVerdict>,
    engine: &Arc<Engine>,
    runtime: &Arc<Runtime>,
) -> Trial {
    let (engine, runtime) = (engine.clone(), runtime.clone());
    Trial::ignorable_test(name, move || {
        runtime.block_on(async {
            let verdict = verdict.await;
            // With a progress line, verdicts print together once it is cleared.
            if let Some(progress) = &engine.progress {
                if verdict.is_err() {
                    progress.case_done(true);
                }
                progress.finished().await;
            }
            verdict
                .unwrap_or_else(|_| Err(Failed::from("the case stopped before giving a verdict")))
        })
    })
}

/// How libtest-mimic shows a record: known failures and interrupted cases as ignored.
pub fn result_of(record: &CaseRecord) -> TrialVerdict {
    if record.outcome == Outcome::Skip {
        return Ok(Completion::ignored_with(
            record.skip_reason.as_deref().unwrap_or("skipped"),
        ));
    }
    if record.failures.is_empty() {
        return Ok(Completion::Completed);
    }
    if record
        .failures
        .iter()
        .all(|f| f.baseline == Some(Standing::Known))
    {
        let kinds: Vec<&str> = record.failures.iter().map(|f| f.kind.as_str()).collect();
        return Ok(Completion::ignored_with(format!(
            "known failure ({})",
            kinds.join(", ")
        )));
    }
    Err(Failed::from(record.failure_text()))
}
