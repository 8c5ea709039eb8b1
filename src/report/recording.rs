//! A case's run made its record: what was sent and received, kept where a reader must look
//! (the body cut at 64 KiB), the verdict and its cause, secrets removed; and a failed record as
//! the text reporters print.

use std::fmt::Write as _;
use std::path::Path;

use crate::check::cause::{Blame, Cause};
use crate::check::{FailureKind, Outcome, Verdict};
use crate::exec::protocol::{CaseRun, Leak};
use crate::report::decision::Decision;
use crate::report::record::{CaseRecord, FailureRecord, RecordedResponse, millis};
use crate::secret::Redactor;
use crate::suite::binding::Binding;

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
    pub name: String,
    /// The entity type the case's operation acts on (`conversationThread`).
    pub resource_type: Option<String>,
    /// The operation of the model the case is of (`v1.0 message create`).
    pub operation: Option<String>,
    /// Where each placeholder's value came from, and whether the case changes what the run
    /// did not create.
    pub binding: &'a [(String, Binding)],
    pub acts_on_existing: bool,
    pub probe: Option<&'static str>,
    pub probe_detail: Option<String>,
    pub file: &'a Path,
    pub tags: &'a [String],
    pub page: Option<String>,
    pub method: &'a str,
    pub path_template: &'a str,
    pub expected_status: u16,
}

impl CaseRecord {
    pub fn ran(
        info: &CaseInfo<'_>,
        run: &CaseRun,
        (verdict, blame): (Verdict, Option<Blame>),
        redactor: &Redactor,
    ) -> Self {
        let exchange = run.exchange();
        let failures = verdict
            .failures
            .into_iter()
            .map(|f| FailureRecord {
                kind: f.kind,
                pointer: f.pointer,
                message: redactor.redact(&f.message),
                baseline: None,
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
            decision: Decision::of_outcome(verdict.outcome, !run.retries.is_empty()),
            duration_ms: millis(run.duration),
            waited_for_created: run.settled.map(|s| s.describe()),
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
            undocumented: verdict.undocumented,
            retries: run.retries.iter().map(|r| redactor.redact(r)).collect(),
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
            cause: blame.as_ref().map(|b| b.cause),
            cause_detail: blame.map(|b| redactor.redact(&b.detail)),
            ..Self::base(info)
        }
    }

    /// A trial that could not be sent, and why: an error, shown as a setup that could not run.
    pub fn could_not_run(info: &CaseInfo<'_>, why: &str) -> Self {
        Self {
            decision: Decision::Error,
            failures: vec![FailureRecord {
                kind: FailureKind::Setup,
                pointer: None,
                message: why.to_string(),
                baseline: None,
            }],
            cause: Some(Cause::Setup),
            cause_detail: Some(why.to_string()),
            ..Self::base(info)
        }
    }

    /// A trial the run was interrupted before.
    pub fn interrupted(info: &CaseInfo<'_>) -> Self {
        Self {
            decision: Decision::NotRun,
            skip_reason: Some("interrupted".to_string()),
            ..Self::base(info)
        }
    }

    pub fn skipped(info: &CaseInfo<'_>, reason: &str) -> Self {
        Self {
            decision: Decision::Skipped,
            skip_reason: Some(reason.to_string()),
            ..Self::base(info)
        }
    }

    fn base(info: &CaseInfo<'_>) -> Self {
        Self {
            name: info.name.clone(),
            probe: info.probe.map(str::to_string),
            probe_detail: info.probe_detail.clone(),
            file: info.file.display().to_string(),
            tags: info.tags.to_vec(),
            page: info.page.clone(),
            resource_type: info.resource_type.clone(),
            operation: info.operation.clone(),
            binding: info
                .binding
                .iter()
                .map(|(name, binding)| (name.clone(), binding.describe()))
                .collect(),
            acts_on_existing: info.acts_on_existing,
            path_template: info.path_template.to_string(),
            method: info.method.to_string(),
            path: info.path_template.to_string(),
            expected_status: info.expected_status,
            actual_status: None,
            decision: Decision::Skipped,
            duration_ms: 0,
            failures: Vec::new(),
            diff: None,
            request_body: None,
            response: None,
            warnings: Vec::new(),
            undocumented: Vec::new(),
            retries: Vec::new(),
            leaked: Vec::new(),
            diagnostics: None,
            skip_reason: None,
            cause: None,
            cause_detail: None,
            waited_for_created: None,
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

/// A record of a case named `name` in `file`, skipped without a reason: for tests to shape.
#[cfg(test)]
pub fn sample_record(name: &str, file: &str) -> CaseRecord {
    let info = CaseInfo {
        name: name.to_string(),
        resource_type: None,
        operation: None,
        binding: &[],
        acts_on_existing: false,
        probe: None,
        probe_detail: None,
        file: std::path::Path::new(file),
        tags: &[],
        page: None,
        method: "POST",
        path_template: "/x",
        expected_status: 201,
    };
    let mut record = CaseRecord::skipped(&info, "");
    record.skip_reason = None;
    record
}
