//! What a run recorded, and the ways it is shown: the failure text libtest-mimic prints,
//! `report.json`, `junit.xml`, `report.md` and `report.html`. Reporters read recorded
//! verdicts; they never run or check anything.

mod html;
mod junit;
mod markdown;
mod merge;

pub use merge::merge;

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::{Failure, Outcome, Verdict};
use crate::exec::{CaseRun, Diagnostics, Leak};
use crate::target::Redactor;

/// Version of the report.json format; raised when a field changes meaning or goes away.
pub const REPORT_VERSION: u32 = 1;

/// The recorded result of one case, secrets already removed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseRecord {
    pub name: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The documentation page the case comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The path with its placeholders, as in the case file.
    pub path_template: String,
    pub method: String,
    /// The path as sent, placeholders filled; the template when the request was not sent.
    pub path: String,
    pub expected_status: u16,
    pub actual_status: Option<u16>,
    pub outcome: Outcome,
    pub duration_ms: u64,
    pub failures: Vec<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// One line per retry of any request of the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
    /// Passed, but only after retries.
    #[serde(default)]
    pub flaky: bool,
    /// What the case created and could not delete (or kept with `--keep`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaked: Vec<Leak>,
    /// Ids of the case's request, for Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
}

/// The response as received, for the reader of a report: headers and the start of the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// UTF-8 (lossy), cut at `MAX_RECORDED_BODY` bytes.
    pub body: String,
}

/// Bodies longer than this are cut in reports (the checks saw all of it).
const MAX_RECORDED_BODY: usize = 64 * 1024;

fn recorded_body(body: &[u8]) -> String {
    if body.len() <= MAX_RECORDED_BODY {
        String::from_utf8_lossy(body).into_owned()
    } else {
        format!(
            "{}\n[... {} more bytes]",
            String::from_utf8_lossy(&body[..MAX_RECORDED_BODY]),
            body.len() - MAX_RECORDED_BODY
        )
    }
}

/// Identity of a case for its record.
pub struct CaseInfo<'a> {
    pub name: &'a str,
    pub file: &'a Path,
    pub tags: &'a [String],
    pub page: Option<String>,
    pub method: &'a str,
    pub path_template: &'a str,
    pub expected_status: u16,
}

impl CaseRecord {
    pub fn ran(info: &CaseInfo<'_>, run: &CaseRun, verdict: Verdict, redactor: &Redactor) -> Self {
        let exchange = run.exchange.as_ref();
        let failures = verdict
            .failures
            .into_iter()
            .map(|f| Failure {
                message: redactor.redact(&f.message),
                ..f
            })
            .collect();
        Self {
            path: exchange.map_or_else(
                || info.path_template.to_string(),
                |e| redactor.redact(&e.path),
            ),
            actual_status: exchange
                .and_then(|e| e.result.as_ref().ok())
                .map(|r| r.status),
            outcome: verdict.outcome,
            duration_ms: millis(run.duration),
            failures,
            diff: verdict.diff.map(|d| redactor.redact(&d)),
            // What was sent and received is kept for the cases a reader must investigate.
            request_body: exchange
                .filter(|_| verdict.outcome != Outcome::Pass)
                .and_then(|e| e.request_body.as_deref())
                .map(|b| redactor.redact(b)),
            response: exchange
                .filter(|_| verdict.outcome != Outcome::Pass)
                .and_then(|e| e.result.as_ref().ok())
                .map(|r| RecordedResponse {
                    status: r.status,
                    headers: r
                        .headers
                        .iter()
                        .map(|(n, v)| (n.clone(), redactor.redact(v)))
                        .collect(),
                    body: redactor.redact(&recorded_body(&r.body)),
                }),
            warnings: run.warnings.iter().map(|w| redactor.redact(w)).collect(),
            retries: run.retries.iter().map(|r| redactor.redact(r)).collect(),
            flaky: verdict.outcome == Outcome::Pass && !run.retries.is_empty(),
            leaked: run
                .leaked
                .iter()
                .map(|l| Leak {
                    reason: redactor.redact(&l.reason),
                    ..l.clone()
                })
                .collect(),
            diagnostics: exchange.map(|e| e.diagnostics.clone()),
            skip_reason: None,
            ..Self::base(info)
        }
    }

    pub fn skipped(info: &CaseInfo<'_>, reason: &str) -> Self {
        Self {
            outcome: Outcome::Skip,
            skip_reason: Some(reason.to_string()),
            ..Self::base(info)
        }
    }

    fn base(info: &CaseInfo<'_>) -> Self {
        Self {
            name: info.name.to_string(),
            file: info.file.display().to_string(),
            tags: info.tags.to_vec(),
            page: info.page.clone(),
            path_template: info.path_template.to_string(),
            method: info.method.to_string(),
            path: info.path_template.to_string(),
            expected_status: info.expected_status,
            actual_status: None,
            outcome: Outcome::Skip,
            duration_ms: 0,
            failures: Vec::new(),
            diff: None,
            request_body: None,
            response: None,
            warnings: Vec::new(),
            retries: Vec::new(),
            flaky: false,
            leaked: Vec::new(),
            diagnostics: None,
            skip_reason: None,
        }
    }

    /// The text shown under a failing trial: request line, each failure, the diff.
    pub fn failure_text(&self) -> String {
        let mut text = format!("{} {}\n", self.method, self.path);
        for failure in &self.failures {
            let kind = failure.kind.as_str();
            match failure.pointer.as_deref() {
                Some(pointer) => {
                    let shown = if pointer.is_empty() {
                        "(body)"
                    } else {
                        pointer
                    };
                    let _ = writeln!(text, "  {kind} at {shown}: {}", failure.message);
                }
                None => {
                    let _ = writeln!(text, "  {kind}: {}", failure.message);
                }
            }
        }
        if let Some(d) = &self.diagnostics {
            let _ = writeln!(
                text,
                "  request-id: {}, client-request-id: {}, date: {}",
                d.request_id.as_deref().unwrap_or("-"),
                d.client_request_id,
                d.date.as_deref().unwrap_or("-")
            );
        }
        for retry in &self.retries {
            let _ = writeln!(text, "  retry: {retry}");
        }
        if let Some(diff) = &self.diff {
            let _ = write!(text, "\n{diff}");
        }
        text.trim_end().to_string()
    }
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Passed after retries.
    #[serde(default)]
    pub flaky: usize,
    /// Resources left behind, over all cases.
    #[serde(default)]
    pub leaked: usize,
}

impl Summary {
    pub fn of(cases: &[CaseRecord]) -> Self {
        let count = |outcome| cases.iter().filter(|c| c.outcome == outcome).count();
        Self {
            total: cases.len(),
            passed: count(Outcome::Pass),
            failed: count(Outcome::Fail),
            errors: count(Outcome::Error),
            skipped: count(Outcome::Skip),
            flaky: cases.iter().filter(|c| c.flaky).count(),
            leaked: cases.iter().map(|c| c.leaked.len()).sum(),
        }
    }
}

/// Which part of a suite split across machines a run covers (`--shard K/N`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub total: usize,
}

/// The whole of `report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub target: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// False when the run was interrupted: cases not run are `skip`.
    pub complete: bool,
    /// Fingerprint of the suite's case names: reports merge only within one suite.
    pub suite: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    pub summary: Summary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Comparison>,
    pub cases: Vec<CaseRecord>,
}

/// File names of the reports a run writes.
pub const REPORT_FILES: &[&str] = &["report.json", "junit.xml", "report.md", "report.html"];

impl Report {
    pub fn new(
        target: &str,
        started_at: std::time::SystemTime,
        duration: std::time::Duration,
        cases: Vec<CaseRecord>,
    ) -> Self {
        Self {
            version: REPORT_VERSION,
            target: target.to_string(),
            started_at: humantime::format_rfc3339_millis(started_at).to_string(),
            duration_ms: millis(duration),
            complete: true,
            suite: String::new(),
            shard: None,
            summary: Summary::of(&cases),
            baseline: None,
            cases,
        }
    }

    /// Reads a `report.json`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let report: Self = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is not a conform report: {e}", path.display()))?;
        if report.version != REPORT_VERSION {
            return Err(format!(
                "{} has report format version {}; this conform reads version {REPORT_VERSION}",
                path.display(),
                report.version
            ));
        }
        Ok(report)
    }

    /// Writes every report into `dir`: JSON, JUnit XML, Markdown and HTML.
    pub fn write_all(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        // One at a time, each rendering dropped before the next: a large run's reports are
        // never all in memory together.
        let mut written = Vec::with_capacity(REPORT_FILES.len());
        written.push(write_atomically_with(&dir.join("report.json"), |out| {
            serde_json::to_writer_pretty(out, self).map_err(std::io::Error::other)
        })?);
        written.push(write_atomically(
            &dir.join("junit.xml"),
            junit::render(self)?.as_bytes(),
        )?);
        written.push(write_atomically(
            &dir.join("report.md"),
            markdown::render(self).as_bytes(),
        )?);
        written.push(write_atomically(
            &dir.join("report.html"),
            html::render(self).as_bytes(),
        )?);
        Ok(written)
    }

    /// The Markdown summary, for `GITHUB_STEP_SUMMARY`.
    pub fn markdown(&self) -> String {
        markdown::render(self)
    }
}

/// Writes `path` through a temporary file in the same directory, so readers never see half a file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<PathBuf, String> {
    write_atomically_with(path, |out| out.write_all(contents))
}

/// As `write_atomically`, with the contents streamed by `write` through a buffer.
fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<PathBuf, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = fs::File::create(&temp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::FailureKind;

    fn info() -> CaseInfo<'static> {
        CaseInfo {
            name: "c",
            file: Path::new("cases/x.toml"),
            tags: &[],
            page: None,
            method: "POST",
            path_template: "/v1.0/groups/{group-id}/threads",
            expected_status: 201,
        }
    }

    #[test]
    fn failure_text_lists_request_failures_and_diff() {
        let mut record = CaseRecord::skipped(&info(), "");
        record.path = "/v1.0/groups/g/threads".into();
        record.failures = vec![
            Failure {
                kind: FailureKind::Status,
                pointer: None,
                message: "expected 201 Created, got 200 OK".into(),
                baseline: None,
            },
            Failure {
                kind: FailureKind::Schema,
                pointer: Some("/isLocked".into()),
                message: "\"x\" is not of type \"boolean\"".into(),
                baseline: None,
            },
        ];
        record.diff = Some("--- expected\n+++ actual\n".into());
        assert_eq!(
            record.failure_text(),
            "POST /v1.0/groups/g/threads\n  status: expected 201 Created, got 200 OK\n  schema at /isLocked: \"x\" is not of type \"boolean\"\n\n--- expected\n+++ actual"
        );
    }

    #[test]
    fn secrets_are_removed_from_recorded_text() {
        let run = CaseRun {
            setup_failure: None,
            exchange: None,
            warnings: vec!["teardown saw token-1234".into()],
            retries: vec![],
            leaked: vec![],
            duration: Default::default(),
        };
        let verdict = Verdict {
            outcome: Outcome::Fail,
            failures: vec![Failure {
                kind: FailureKind::Body,
                pointer: Some("/echo".into()),
                message: "expected \"a\", got \"token-1234\"".into(),
                baseline: None,
            }],
            diff: Some("+ token-1234".into()),
        };
        let redactor = Redactor::new([crate::target::Secret::new("token-1234")]);
        let record = CaseRecord::ran(&info(), &run, verdict, &redactor);
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("token-1234"), "{json}");
        assert!(json.contains("[REDACTED]"));
    }

    #[test]
    fn writes_atomically_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("conform-report-{}", std::process::id()));
        let report = Report::new(
            "embedded",
            std::time::SystemTime::now(),
            Default::default(),
            vec![],
        );
        let paths = report.write_all(&dir).unwrap();
        assert_eq!(paths.len(), REPORT_FILES.len());
        let back = Report::read(&dir.join("report.json")).unwrap();
        assert_eq!(back.version, REPORT_VERSION);
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
