//! Where a run's records go as they come, in plan order: one thread takes each record, appends
//! it to `records.jsonl` (for whoever follows the run) and renders it into every report; when
//! the run ends, the reports are finished around what was rendered. The run's own threads only
//! hand records over, a batch at a time: a thread woken for every record costs more than the
//! record's rendering.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::report::json::Report;
use crate::report::record::CaseRecord;
use crate::report::spool::Spool;
use crate::report::write::{Reporters, announce};

/// Records handed over at once.
const BATCH: usize = 64;

/// Batches the writer may be behind the run by: bounds memory.
const DEPTH: usize = 16;

/// How long a record may wait in a batch, and in the writer's buffer: `records.jsonl` is at
/// most about a second behind the verdicts, given `flush` that often.
const HOLD: Duration = Duration::from_millis(500);

pub struct ReportStream {
    dir: PathBuf,
    /// The records not handed over yet, and when the last batch was.
    pending: Vec<CaseRecord>,
    handed: Instant,
    batches: SyncSender<Vec<CaseRecord>>,
    writer: JoinHandle<Result<Reporters, String>>,
}

impl ReportStream {
    /// A stream into `dir` when the run writes reports; none without one.
    pub fn create_in(dir: Option<&Path>) -> Result<Option<ReportStream>, String> {
        dir.map(ReportStream::create).transpose()
    }

    /// Starts `records.jsonl` and the reports in `dir`, and the thread that writes them.
    pub fn create(dir: &Path) -> Result<ReportStream, String> {
        let mut spool = Spool::create(dir)?;
        let mut reporters = Reporters::create(dir)?;
        let (batches, incoming) = sync_channel::<Vec<CaseRecord>>(DEPTH);
        let writer = std::thread::Builder::new()
            .name("reports".into())
            .spawn(move || {
                let mut flushed = Instant::now();
                loop {
                    match incoming.recv_timeout(HOLD) {
                        Ok(batch) => batch.iter().for_each(|record| {
                            spool.write(record);
                            reporters.add(record);
                        }),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                    if flushed.elapsed() >= HOLD {
                        spool.flush();
                        flushed = Instant::now();
                    }
                }
                spool.finish()?;
                Ok(reporters)
            })
            .map_err(|e| format!("cannot start the report writer: {e}"))?;
        Ok(ReportStream {
            dir: dir.to_path_buf(),
            pending: Vec::with_capacity(BATCH),
            handed: Instant::now(),
            batches,
            writer,
        })
    }

    /// Takes the next record in plan order; hands a batch over when it is full or has waited
    /// long enough (waiting while the writer is `DEPTH` batches behind).
    pub fn send(&mut self, record: CaseRecord) {
        self.pending.push(record);
        if self.pending.len() >= BATCH || self.handed.elapsed() >= HOLD {
            self.flush();
        }
    }

    /// Hands over the records taken so far.
    pub fn flush(&mut self) {
        self.handed = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        // A writer that stopped says why when the stream finishes.
        let _ = self.batches.send(batch);
    }

    /// Waits for every record to be written, finishes the reports with `head` and says where
    /// they are.
    pub fn finish(mut self, head: &Report<()>) -> Result<(), String> {
        self.flush();
        drop(self.batches);
        let reporters = self
            .writer
            .join()
            .map_err(|_| "the report writer stopped unexpectedly".to_string())??;
        reporters.finish(head)?;
        announce(&self.dir)
    }
}
