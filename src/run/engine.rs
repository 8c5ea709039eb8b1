//! What the run does for one case: send it (unless interrupted or out of time), judge the
//! answer, make its record with secrets removed, and set it against the baseline (`Engine`);
//! and where the records go, in plan order (`Recorder`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Semaphore, watch};

use crate::baseline::Baseline;
use crate::check;
use crate::exec;
use crate::exec::protocol;
use crate::exec::transport::Http;
use crate::probe_kind::ProbeKind;
use crate::report::record::CaseRecord;
use crate::report::recording::CaseInfo;
use crate::report::stream::ReportStream;
use crate::report::tally::Tally;
use crate::run::progress::Progress;
use crate::schema::registry::Schemas;
use crate::suite::model::Case;
use crate::suite::probes::Probe;

/// What every case of the run shares.
pub struct Engine {
    pub http: Http,
    /// Leave what the cases create (`--keep`).
    pub keep: bool,
    pub schemas: Arc<Schemas>,
    pub baseline: Option<Baseline>,
    pub today: String,
    /// Undocumented properties fail the case (`--strict`).
    pub strict: bool,
    /// The target is conform's own server: what it lacks is its own gap, not a verdict.
    pub own_server: bool,
    /// Where every verdict goes.
    pub recorder: Recorder,
    /// Cases in flight at once (`--jobs`).
    pub permits: Arc<Semaphore>,
    pub interrupted: watch::Receiver<bool>,
}

/// Where the verdicts go as they come, in plan order: the tally, the stream of records that
/// feeds the reports, and the progress line.
pub struct Recorder {
    /// What the reports open with and the terminal prints, counted as verdicts come.
    pub tally: Mutex<Tally>,
    /// Where the records go as verdicts come, when the run writes reports.
    pub stream: Mutex<Option<ReportStream>>,
    /// The terminal's progress line, when there is one.
    pub progress: Option<Progress>,
}

impl Recorder {
    /// Counts the next record in plan order and hands it to the reports.
    pub fn record(&self, record: CaseRecord) {
        lock(&self.tally).add(&record);
        if let Some(stream) = lock(&self.stream).as_mut() {
            stream.send(record);
        }
    }

    /// Hands the records taken to the reports every `period`, for as long as the run lasts:
    /// whoever follows `records.jsonl` sees each record about a second after its verdict.
    pub async fn flush_every(&self, period: std::time::Duration) {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            match lock(&self.stream).as_mut() {
                Some(stream) => stream.flush(),
                None => return,
            }
        }
    }

    /// The stream of records, once every verdict is in.
    pub fn take_stream(&self) -> Option<ReportStream> {
        lock(&self.stream).take()
    }

    /// The run's tally, once every verdict is in.
    pub fn take_tally(&self) -> Tally {
        std::mem::take(&mut *lock(&self.tally))
    }
}

impl Engine {
    /// Runs the case, or one of its probes, and records the verdict.
    pub async fn run(&self, case: &Case, probe: Option<&Probe>) -> CaseRecord {
        // Cases already sending finish (and clean up); the rest are skipped.
        if *self.interrupted.borrow() {
            return CaseRecord::interrupted(&info(case, probe));
        }
        if self.keep && probe.is_some_and(|p| p.kind == ProbeKind::GoneAfterDelete) {
            let why = "--keep: the teardown deletes nothing to probe";
            return CaseRecord::skipped(&info(case, probe), why);
        }
        let run = if self.http.deadline.is_some_and(|d| Instant::now() >= d) {
            protocol::out_of_time(case)
        } else if let Some(probe) = probe {
            exec::probe_run::run_probe(&self.http, case, probe, self.keep).await
        } else {
            protocol::run_case(&self.http, case, self.keep).await
        };
        let example = case.doc.response.as_deref();
        let mut verdict = match probe {
            Some(probe) => check::judge_probe(probe, example, &run, &self.schemas),
            None => check::judge_documented(&case.expect, example, &run, &self.schemas),
        };
        if self.strict {
            verdict = verdict.strict();
        }
        let judged = check::cause::Judged {
            expect: probe.map_or(&case.expect, |p| &p.expect),
            method: probe.map_or(case.request.method, |p| p.action.judged_request().method),
            run: &run,
            verdict: &verdict,
            own_server: self.own_server,
            page: [&case.doc.request, &case.doc.response]
                .into_iter()
                .filter_map(|text| text.as_deref())
                .collect(),
        };
        let blame = check::cause::decide(&judged, &self.schemas);
        let mut info = info(case, probe);
        if let Some(probed) = &run.probed {
            info.probe_detail = Some(probed.wait.describe());
        }
        let redactor = &self.http.endpoint.redactor;
        let mut record = CaseRecord::ran(&info, &run, (verdict, blame), redactor);
        if let Some(baseline) = &self.baseline {
            baseline.annotate(&mut record, &self.today);
        }
        record
    }
}

/// A lock that a panicking holder did not leave unusable: a tally or a stream stays whole
/// between two records.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a record says about the case (or the probe of it) it records.
pub fn info<'a>(case: &'a Case, probe: Option<&'a Probe>) -> CaseInfo<'a> {
    let Some(probe) = probe else {
        return case_info(case);
    };
    let request = probe.action.judged_request();
    CaseInfo {
        name: crate::suite::plan::name_in_suite(case, Some(probe.kind)),
        probe: Some(probe.kind.as_str()),
        probe_detail: probe.detail.clone(),
        method: request.method.as_str(),
        path_template: &request.path.raw,
        expected_status: probe.expect.status,
        ..case_info(case)
    }
}

fn case_info(case: &Case) -> CaseInfo<'_> {
    CaseInfo {
        name: case.name.clone(),
        resource_type: case
            .resource_type
            .clone()
            .or_else(|| case.expect.schema.as_ref().map(|s| s.name.clone())),
        operation: case.operation.clone(),
        binding: &case.binding,
        acts_on_existing: case.acts_on_existing,
        probe: None,
        probe_detail: None,
        file: case.file(),
        tags: &case.tags,
        page: match (&case.page.title, &case.page.seed) {
            (Some(title), Some(seed)) => Some(format!("{title} ({seed})")),
            (title, seed) => title.clone().or_else(|| seed.clone()),
        },
        method: case.request.method.as_str(),
        path_template: &case.request.path.raw,
        expected_status: case.expect.status,
    }
}
