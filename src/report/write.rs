//! Writing every report of a run into a directory, and the Markdown summary into GitHub's step
//! summary when CI asks for it.

use std::path::{Path, PathBuf};

use crate::fs::write_atomically_with;
use crate::report::fan;
use crate::report::html;
use crate::report::json;
use crate::report::json::Report;
use crate::report::junit;
use crate::report::markdown;
use crate::report::record::Cases;

/// File names of the reports a run writes.
pub const REPORT_FILES: &[&str] = &["report.json", "junit.xml", "report.md", "report.html"];

/// Writes every report into `dir`: JSON, JUnit XML, Markdown and HTML, each streamed to its
/// file a case at a time on a thread of its own, all fed from one read of the cases.
pub fn write_all<C: Cases + Sync>(report: &Report<C>, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let (feeds, reader) = fan::feeds::<_, 4>(&report.cases);
    let [json, junit, markdown, html] = feeds.map(|fed| report.with_cases(fed));
    std::thread::scope(|scope| {
        let reading = scope.spawn(|| reader.run(&report.cases));
        let writers = [
            scope.spawn(move || json::write(&json, dir)),
            scope.spawn(move || {
                write_atomically_with(&dir.join("junit.xml"), |out| junit::render(&junit, out))
            }),
            scope.spawn(move || {
                write_atomically_with(&dir.join("report.md"), |out| {
                    markdown::render(&markdown, out)
                })
            }),
            scope.spawn(move || {
                write_atomically_with(&dir.join("report.html"), |out| html::render(&html, out))
            }),
        ];
        let written: Result<Vec<PathBuf>, String> = writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err("a report writer stopped unexpectedly".to_string()))
            })
            .collect();
        // A record that cannot be read is the cause of what the writers said of it.
        match reading.join() {
            Ok(Err(e)) => Err(format!("cannot read the run's records: {e}")),
            _ => written,
        }
    })
}

/// Writes every report into `dir`, says where, and appends the Markdown summary to
/// `GITHUB_STEP_SUMMARY` when set.
pub fn write_reports<C: Cases + Sync>(report: &Report<C>, dir: &Path) -> Result<(), String> {
    write_all(report, dir)?;
    eprintln!("reports: {}", dir.join("report.html").display());
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(|e| format!("cannot open GITHUB_STEP_SUMMARY: {e}"))?;
        let mut markdown = std::fs::File::open(dir.join("report.md"))
            .map_err(|e| format!("cannot read {}: {e}", dir.join("report.md").display()))?;
        std::io::copy(&mut markdown, &mut file)
            .map_err(|e| format!("cannot write GITHUB_STEP_SUMMARY: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::FailureKind;
    use crate::check::undocumented::Undocumented;
    use crate::report::decision::Decision;
    use crate::report::json::REPORT_VERSION;
    use crate::report::record::FailureRecord;
    use crate::report::recording::sample_record;
    use crate::report::spool::Spool;
    use crate::report::tally::Tally;

    #[test]
    fn writes_every_report_and_reads_report_json_back() {
        let dir = tempfile::tempdir().unwrap();
        let report = Report::new(
            "embedded",
            std::time::SystemTime::now(),
            Default::default(),
            vec![],
        );
        let paths = write_all(&report, dir.path()).unwrap();
        assert_eq!(paths.len(), REPORT_FILES.len());
        for (path, name) in paths.iter().zip(REPORT_FILES) {
            assert_eq!(path, &dir.path().join(name));
        }
        let back = json::read(&dir.path().join("report.json")).unwrap();
        assert_eq!(back.version, REPORT_VERSION);
    }

    /// Records of two files, with failures, tags, a skip and undocumented properties.
    fn records() -> Vec<crate::report::record::CaseRecord> {
        (0..7)
            .map(|n| {
                let file = if n < 4 {
                    "cases/a.toml"
                } else {
                    "cases/b.toml"
                };
                let mut record = sample_record(&format!("case_{n}"), file);
                record.decision = [Decision::Passed, Decision::Failed, Decision::Skipped][n % 3];
                record.tags = vec![format!("tag{}", n % 2)];
                record.duration_ms = n as u64;
                if record.decision == Decision::Failed {
                    record.failures.push(FailureRecord {
                        kind: FailureKind::Schema,
                        pointer: Some("/topic".into()),
                        message: format!("<{n}> is not a \"string\""),
                        baseline: None,
                    });
                    record.diff = Some("-a\n+b".into());
                }
                if record.decision == Decision::Skipped {
                    record.skip_reason = Some("ignored".into());
                }
                if n == 3 {
                    record.undocumented.push(Undocumented {
                        pointer: "/extra".into(),
                        schema: "thread".into(),
                        property: "extra".into(),
                    });
                }
                record
            })
            .collect()
    }

    #[test]
    fn reports_rendered_from_the_spool_are_the_reports_of_the_records_in_memory() {
        let records = records();
        let started = std::time::SystemTime::now();
        let duration = std::time::Duration::from_millis(42);
        let in_memory = tempfile::tempdir().unwrap();
        write_all(
            &Report::new("t", started, duration, records.clone()),
            in_memory.path(),
        )
        .unwrap();

        let spooled = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(spooled.path()).unwrap();
        let mut tally = Tally::default();
        for record in &records {
            spool.write(record);
            tally.add(record);
        }
        let head = tally.report_head("t", started, duration);
        write_all(&head.with_cases(spool.finish().unwrap()), spooled.path()).unwrap();

        for name in REPORT_FILES {
            let expected = std::fs::read_to_string(in_memory.path().join(name)).unwrap();
            let actual = std::fs::read_to_string(spooled.path().join(name)).unwrap();
            assert_eq!(actual, expected, "{name}");
        }
    }
}
