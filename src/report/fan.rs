//! A run's records read once for every report: one thread reads each record and hands it to
//! each reporter's feed, as the reporters go through the cases in report order. A reporter
//! that asks for cases behind those it was fed (JUnit, when a file's cases are not together)
//! reads them from the source again; every other reporter parses no record itself.

use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use serde::{Serialize, Serializer};

use crate::report::record::{CaseRecord, Cases, Outline, serialize_cases};

/// Records a reporter may be behind the reader by: bounds memory, as the spool does.
const FEED_DEPTH: usize = 256;

/// The cases of a report as one reporter is fed them.
pub struct Fed<'a, C> {
    source: &'a C,
    feed: Mutex<Feed>,
}

struct Feed {
    records: Receiver<Arc<CaseRecord>>,
    /// The index of the next record the feed holds.
    next: usize,
}

/// `N` feeds of `source`'s cases, and what sends them their records.
pub fn feeds<C: Cases, const N: usize>(source: &C) -> ([Fed<'_, C>; N], Reader) {
    let mut senders = Vec::with_capacity(N);
    let feeds = std::array::from_fn(|_| {
        let (sender, records) = sync_channel(FEED_DEPTH);
        senders.push(Some(sender));
        Fed {
            source,
            feed: Mutex::new(Feed { records, next: 0 }),
        }
    });
    (feeds, Reader { senders })
}

/// Reads the records once and hands each to every feed still listening.
pub struct Reader {
    senders: Vec<Option<SyncSender<Arc<CaseRecord>>>>,
}

impl Reader {
    /// Reads every record of `source` in report order; stops early once no reporter listens.
    pub fn run(mut self, source: &impl Cases) -> std::io::Result<()> {
        let mut no_one_listens = false;
        let read = source.visit_owned(0..source.count(), &mut |record| {
            let record = Arc::new(record);
            for sender in &mut self.senders {
                // A reporter that finished (or failed) has dropped its feed.
                if sender
                    .as_ref()
                    .is_some_and(|s| s.send(record.clone()).is_err())
                {
                    *sender = None;
                }
            }
            no_one_listens = self.senders.iter().all(Option::is_none);
            if no_one_listens {
                return Err(std::io::Error::other("every reporter has finished"));
            }
            Ok(())
        });
        if no_one_listens { Ok(()) } else { read }
    }
}

impl<C: Cases> Cases for Fed<'_, C> {
    fn count(&self) -> usize {
        self.source.count()
    }

    fn outline(&self) -> std::io::Result<Outline> {
        self.source.outline()
    }

    fn visit(
        &self,
        range: Range<usize>,
        visit: &mut dyn FnMut(&CaseRecord) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        if range.start < feed.next {
            return self.source.visit(range, visit);
        }
        let range = range.start..range.end.min(self.count());
        while feed.next < range.end {
            let record = feed.records.recv().map_err(|_| {
                std::io::Error::other("the records stopped before the last one was read")
            })?;
            feed.next += 1;
            if feed.next > range.start {
                visit(&record)?;
            }
        }
        Ok(())
    }
}

/// `report.json`'s `cases`, as fed.
impl<C: Cases> Serialize for Fed<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_cases(self, serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::record::fixtures::names_at as names;
    use crate::report::recording::sample_record;

    #[test]
    fn every_reporter_gets_every_record_and_may_go_back() {
        let source: Vec<CaseRecord> = (0..1000)
            .map(|n| sample_record(&format!("c{n}"), "cases/x.toml"))
            .collect();
        let ([whole, skipping, behind], reader) = feeds(&source);
        std::thread::scope(|scope| {
            scope.spawn(|| reader.run(&source).unwrap());
            let whole = scope.spawn(move || names(&whole, 0..1000));
            let skipping = scope.spawn(move || {
                let mut seen = names(&skipping, 10..12);
                seen.extend(names(&skipping, 998..1000));
                seen
            });
            let behind = scope.spawn(move || {
                let mut seen = names(&behind, 500..501);
                seen.extend(names(&behind, 3..4));
                // Stops listening here: the others are still fed to the end.
                seen
            });
            assert_eq!(whole.join().unwrap().len(), 1000);
            assert_eq!(skipping.join().unwrap(), ["c10", "c11", "c998", "c999"]);
            assert_eq!(behind.join().unwrap(), ["c500", "c3"]);
        });
    }

    #[test]
    fn the_reader_stops_once_no_reporter_listens() {
        let source: Vec<CaseRecord> = (0..5000)
            .map(|n| sample_record(&format!("c{n}"), "cases/x.toml"))
            .collect();
        let (fed, reader) = feeds::<_, 2>(&source);
        drop(fed);
        reader.run(&source).unwrap();
    }
}
