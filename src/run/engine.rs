//! What the run does for one case: send it (unless interrupted or out of time), judge the
//! answer, record the verdict with secrets removed, and set it against the baseline.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Semaphore, watch};

use crate::baseline::Baseline;
use crate::check;
use crate::exec::protocol;
use crate::exec::transport::Http;
use crate::report::record::{CaseInfo, CaseRecord};
use crate::run::progress::Progress;
use crate::schema::registry::Schemas;
use crate::suite::model::Case;

/// What every case of the run shares.
pub struct Engine {
    pub http: Http,
    /// Leave what the cases create (`--keep`).
    pub keep: bool,
    pub schemas: Arc<Schemas>,
    pub baseline: Option<Baseline>,
    pub today: String,
    /// One slot per planned case, filled as verdicts come.
    pub records: Mutex<Vec<Option<CaseRecord>>>,
    /// Cases in flight at once (`--jobs`).
    pub permits: Arc<Semaphore>,
    pub interrupted: watch::Receiver<bool>,
    /// The terminal's progress line, when there is one.
    pub progress: Option<Progress>,
}

impl Engine {
    pub fn record(&self, position: usize, record: CaseRecord) {
        if let Ok(mut all) = self.records.lock() {
            all[position] = Some(record);
        }
    }

    /// The records of the run, in plan order; cases without a verdict are left out.
    pub fn take_records(&self) -> Vec<CaseRecord> {
        let recorded = std::mem::take(&mut *self.records.lock().unwrap_or_else(|p| p.into_inner()));
        // `filter_map` collects in place; `flatten` would copy every record into a second vector.
        #[allow(clippy::filter_map_identity)]
        recorded.into_iter().filter_map(|record| record).collect()
    }

    pub async fn run(&self, case: &Case) -> CaseRecord {
        // Cases already sending finish (and clean up); the rest are skipped.
        if *self.interrupted.borrow() {
            return CaseRecord::skipped(&info(case), "interrupted");
        }
        let run = if self.http.deadline.is_some_and(|d| Instant::now() >= d) {
            protocol::out_of_time(case)
        } else {
            protocol::run_case(&self.http, case, self.keep).await
        };
        let verdict = check::judge(&case.expect, &run, &self.schemas);
        let mut record = CaseRecord::ran(&info(case), &run, verdict, &self.http.target.redactor);
        if let Some(baseline) = &self.baseline {
            baseline.annotate(&mut record, &self.today);
        }
        record
    }
}

/// What a record says about the case it records.
pub fn info(case: &Case) -> CaseInfo<'_> {
    CaseInfo {
        name: &case.name,
        file: case.file(),
        tags: &case.tags,
        page: match (&case.page.title, &case.page.seed) {
            (Some(title), Some(seed)) => Some(format!("{title} ({seed})")),
            (title, seed) => title.clone().or_else(|| seed.clone()),
        },
        method: &case.request.method,
        path_template: &case.request.path.raw,
        expected_status: case.expect.status,
    }
}
