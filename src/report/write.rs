//! The four reports of a run written into its report directory (`Reporters`): each fed every
//! record as it comes, in report order, and finished when the run ends; and the Markdown summary
//! appended to GitHub's step summary when CI asks for it.

use std::path::{Path, PathBuf};

use crate::fs::write_atomically_with;
use crate::report::document::Report;
use crate::report::html::HtmlReport;
use crate::report::json::JsonReport;
use crate::report::junit::JunitReport;
use crate::report::markdown::MarkdownReport;
use crate::report::record::CaseRecord;
use crate::report::render::{Body, Render};

/// File names of the reports a run writes.
pub const REPORT_FILES: &[&str] = &["report.json", "junit.xml", "report.md", "report.html"];

/// JSON, JUnit XML, Markdown and HTML, each with its body so far.
pub struct Reporters {
    dir: PathBuf,
    reports: Vec<(Box<dyn Render>, Body)>,
    /// The first record that could not be rendered: the reports cannot be finished after it.
    failed: Option<String>,
}

impl Reporters {
    /// Reporters writing into `dir`, which is made when missing.
    pub fn create(dir: &Path) -> Result<Reporters, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create report directory {}: {e}", dir.display()))?;
        let renders: [Box<dyn Render>; 4] = [
            Box::new(JsonReport::default()),
            Box::new(JunitReport::default()),
            Box::new(MarkdownReport::default()),
            Box::new(HtmlReport::default()),
        ];
        let reports = renders
            .into_iter()
            .map(|render| Ok((render, Body::new(dir)?)))
            .collect::<std::io::Result<_>>()
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        Ok(Reporters {
            dir: dir.to_path_buf(),
            reports,
            failed: None,
        })
    }

    /// Renders the next record, in report order, into every report.
    pub fn add(&mut self, case: &CaseRecord) {
        if self.failed.is_some() {
            return;
        }
        for (render, body) in &mut self.reports {
            if let Err(e) = render.case(case, body) {
                let path = self.dir.join(render.file_name());
                self.failed = Some(format!("cannot write {}: {e}", path.display()));
                return;
            }
        }
    }

    /// Writes every report, `head` around the records rendered; where they are.
    pub fn finish(self, head: &Report<()>) -> Result<Vec<PathBuf>, String> {
        if let Some(failed) = self.failed {
            return Err(failed);
        }
        let dir = self.dir;
        self.reports
            .into_iter()
            .map(|(mut render, mut body)| {
                let path = dir.join(render.file_name());
                write_atomically_with(&path, |out| render.finish(head, &mut body, out))
            })
            .collect()
    }
}

/// Writes every report of `report` into `dir`.
fn write_all(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut reporters = Reporters::create(dir)?;
    report.cases.iter().for_each(|case| reporters.add(case));
    reporters.finish(&report.with_cases(()))
}

/// Writes every report of `report` into `dir`, and says where (`announce`).
pub fn write_reports(report: &Report, dir: &Path) -> Result<(), String> {
    write_all(report, dir)?;
    announce(dir)
}

/// Says where the reports in `dir` are, and appends the Markdown summary to
/// `GITHUB_STEP_SUMMARY` when set.
pub fn announce(dir: &Path) -> Result<(), String> {
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
    use crate::report::document::REPORT_VERSION;
    use crate::report::record::FailureRecord;
    use crate::report::recording::sample_record;
    use crate::report::spool::RECORDS_FILE;
    use crate::report::stream::ReportStream;
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
        let json = std::fs::read_to_string(&paths[0]).unwrap();
        assert_eq!(json, serde_json::to_string_pretty(&report).unwrap());
        assert_eq!(paths.len(), REPORT_FILES.len());
        for (path, name) in paths.iter().zip(REPORT_FILES) {
            assert_eq!(path, &dir.path().join(name));
        }
        let back = crate::report::json::read(&dir.path().join("report.json")).unwrap();
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
    fn reports_fed_as_a_run_records_are_the_reports_of_the_records_in_memory() {
        let records = records();
        let started = std::time::SystemTime::now();
        let duration = std::time::Duration::from_millis(42);
        let in_memory = tempfile::tempdir().unwrap();
        let report = Report::new("t", started, duration, records.clone());
        write_all(&report, in_memory.path()).unwrap();
        // report.json, put together from its head and the cases rendered one by one, is the
        // whole report serialized at once.
        let json = std::fs::read_to_string(in_memory.path().join("report.json")).unwrap();
        assert_eq!(json, serde_json::to_string_pretty(&report).unwrap());

        let streamed = tempfile::tempdir().unwrap();
        let mut stream = ReportStream::create(streamed.path()).unwrap();
        let mut tally = Tally::default();
        for record in records {
            tally.add(&record);
            stream.send(record);
        }
        let head = tally.report_head("t", started, duration);
        stream.finish(&head).unwrap();
        for name in REPORT_FILES.iter().chain(&[RECORDS_FILE]) {
            let expected = match *name {
                RECORDS_FILE => report
                    .cases
                    .iter()
                    .map(|r| serde_json::to_string(r).unwrap() + "\n")
                    .collect(),
                _ => std::fs::read_to_string(in_memory.path().join(name)).unwrap(),
            };
            let actual = std::fs::read_to_string(streamed.path().join(name)).unwrap();
            assert_eq!(actual, expected, "{name}");
        }
    }
}
