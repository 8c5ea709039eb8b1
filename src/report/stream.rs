//! Where a run's records go as they come, in plan order: one thread takes each record, appends
//! it to `records.jsonl` (for whoever follows the run) and renders it into every report; when
//! the run ends, the reports are finished around what was rendered. The run's own threads only
//! hand records over, a batch at a time: a thread woken for every record costs more than the
//! record's rendering.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::report::document::Report;
use crate::report::record::CaseRecord;
use crate::report::spool::Spool;
use crate::report::write::{Reporters, announce};

/// Records handed over at once.
const BATCH: usize = 64;

/// Batches the writer may be behind the run by: bounds memory.
const DEPTH: usize = 16;

/// How long a record may wait in a batch, and in the writer's buffer: `records.jsonl` is at
/// most about a second behind the verdicts, given `flush` that often.
pub const HOLD: Duration = Duration::from_millis(500);

pub struct ReportStream {
    dir: PathBuf,
    /// The records not handed over yet: a batch fills, or `flush` hands it over (a run's
    /// recorder every `HOLD`, the proxy after each exchange).
    pending: Vec<CaseRecord>,
    /// `None` once stopped.
    writer: Option<Writer>,
}

/// The thread that writes, and the way to it.
struct Writer {
    batches: SyncSender<Vec<CaseRecord>>,
    thread: JoinHandle<Result<Reporters, String>>,
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
            writer: Some(Writer {
                batches,
                thread: writer,
            }),
        })
    }

    /// Takes the next record in plan order; hands a batch over when it is full (waiting while
    /// the writer is `DEPTH` batches behind).
    pub fn send(&mut self, record: CaseRecord) {
        self.pending.push(record);
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    /// Hands over the records taken so far.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        if let Some(writer) = &self.writer {
            // A writer that stopped says why when the stream finishes.
            let _ = writer.batches.send(batch);
        }
    }

    /// Waits for every record to be written, finishes the reports with `head` and says where
    /// they are.
    pub fn finish(mut self, head: &Report<()>) -> Result<(), String> {
        let reporters = self.stop()?;
        reporters.finish(head)?;
        announce(&self.dir)
    }

    /// Hands over what is pending and waits for the writer to write it and end.
    fn stop(&mut self) -> Result<Reporters, String> {
        self.flush();
        let Writer { batches, thread } = self
            .writer
            .take()
            .ok_or("the report writer has already stopped")?;
        drop(batches);
        thread
            .join()
            .map_err(|_| "the report writer stopped unexpectedly".to_string())?
    }
}

/// A run that ends without finishing its reports (an error after the verdicts) still leaves
/// every record it took in `records.jsonl`.
impl Drop for ReportStream {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recording::sample_record;
    use crate::report::spool::RECORDS_FILE;

    fn names_in(dir: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join(RECORDS_FILE)).unwrap();
        text.lines()
            .map(|line| serde_json::from_str::<CaseRecord>(line).unwrap().name)
            .collect()
    }

    #[test]
    fn a_stream_dropped_unfinished_leaves_every_record_it_took() {
        let dir = tempfile::tempdir().unwrap();
        let mut stream = ReportStream::create(dir.path()).unwrap();
        for name in ["a", "b", "c"] {
            stream.send(sample_record(name, "cases/x.toml"));
        }
        drop(stream);
        assert_eq!(names_in(dir.path()), ["a", "b", "c"]);
        assert!(!dir.path().join("report.json").exists());
    }

    #[test]
    fn a_finished_stream_writes_the_records_in_order_and_every_report() {
        let dir = tempfile::tempdir().unwrap();
        let mut stream = ReportStream::create(dir.path()).unwrap();
        let names: Vec<String> = (0..BATCH * 2 + 3).map(|n| format!("case{n}")).collect();
        let records: Vec<CaseRecord> = names
            .iter()
            .map(|name| sample_record(name, "cases/x.toml"))
            .collect();
        let head = Report::new(
            "t",
            std::time::SystemTime::now(),
            Duration::ZERO,
            records.clone(),
        );
        records.into_iter().for_each(|record| stream.send(record));
        stream.finish(&head.with_cases(())).unwrap();
        assert_eq!(names_in(dir.path()), names);
        for file in crate::report::write::REPORT_FILES {
            assert!(dir.path().join(file).exists(), "{file}");
        }
    }
}
