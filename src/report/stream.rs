//! Where a run's records go as they come, in plan order: one thread takes each record, appends
//! it to `records.jsonl` (flushed at least every second, for whoever follows the run) and
//! renders it into every report; when the run ends, the reports are finished around what was
//! rendered. The run's own threads only hand records over.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::report::json::Report;
use crate::report::record::CaseRecord;
use crate::report::spool::Spool;
use crate::report::write::{Reporters, announce};

/// Records the writer may be behind the run by: bounds memory.
const DEPTH: usize = 1024;

/// How far behind its verdicts `records.jsonl` may be.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

pub struct ReportStream {
    dir: PathBuf,
    records: SyncSender<CaseRecord>,
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
        let (records, incoming) = sync_channel::<CaseRecord>(DEPTH);
        let writer = std::thread::Builder::new()
            .name("reports".into())
            .spawn(move || {
                let mut flushed = Instant::now();
                loop {
                    match incoming.recv_timeout(FLUSH_EVERY) {
                        Ok(record) => {
                            spool.write(&record);
                            reporters.add(&record);
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                    if flushed.elapsed() >= FLUSH_EVERY {
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
            records,
            writer,
        })
    }

    /// Hands over the next record in plan order; waits while the writer is `DEPTH` behind.
    pub fn send(&self, record: CaseRecord) {
        // A writer that stopped says why when the stream finishes.
        let _ = self.records.send(record);
    }

    /// Waits for every record to be written, finishes the reports with `head` and says where
    /// they are.
    pub fn finish(self, head: &Report<()>) -> Result<(), String> {
        drop(self.records);
        let reporters = self
            .writer
            .join()
            .map_err(|_| "the report writer stopped unexpectedly".to_string())??;
        reporters.finish(head)?;
        announce(&self.dir)
    }
}
