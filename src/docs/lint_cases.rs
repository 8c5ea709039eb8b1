//! The rules of case files: a case against its documented response, its placeholders and
//! captures, the schema it is judged by.

use std::ops::Range;

use crate::api::file::{DEFAULT_VERSION, Models};
use crate::docs::finding::{Finding, Severity};
use crate::docs::lint_paths;
use crate::error::Location;
use crate::schema::registry::{Resolved, Schemas};
use crate::suite::model::{Case, Request};
use crate::suite::probes;

/// Every finding of loaded cases.
pub fn lint_cases(cases: &[Case], schemas: &Schemas, models: &Models) -> Vec<Finding> {
    let mut findings = lint_paths::cases(cases, models);
    for case in cases {
        let file = &case.name_origin.file;
        let at = |span: Range<usize>| Location::new(&file.path, &file.text, span);
        let documented = case.doc.status.or_else(|| {
            let response = case.doc.response.as_deref()?;
            let line = response
                .lines()
                .find(|l| l.trim_start().starts_with("HTTP/"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        });
        if let Some(documented) = documented
            && documented != case.expect.status
        {
            let (severity, hint) = if case.doc.notes.is_empty() {
                (
                    Severity::Error,
                    "expect the documented status, or explain the choice in [case.doc] notes",
                )
            } else {
                (Severity::Note, "the case's notes explain the choice")
            };
            findings.push(Finding::new(
                "C001",
                severity,
                format!(
                    "case `{}` expects {}, its documented response shows {documented}",
                    case.name, case.expect.status
                ),
                at(case.name_origin.span.clone()),
                Some(hint.to_string()),
            ));
        }
        if let Some(schema) = &case.expect.schema
            && let Some(Resolved::FallBack(key)) =
                schemas.resolve(&schema.name, schema.api.as_deref())
        {
            findings.push(Finding::new(
                "C009",
                Severity::Note,
                format!(
                    "case `{}` ({}) is judged by the {DEFAULT_VERSION} schema `{key}`: the {} schemas have no `{}`",
                    case.name,
                    schema.api.as_deref().unwrap_or_default(),
                    schema.api.as_deref().unwrap_or_default(),
                    schema.name
                ),
                at(schema.origin.span.clone()),
                None,
            ));
        }
        if let Some(schema) = &case.expect.schema
            && schemas
                .resolve(&schema.name, schema.api.as_deref())
                .is_none()
        {
            findings.push(Finding::new(
                "C002",
                Severity::Error,
                format!("unknown schema `{}`", schema.name),
                at(schema.origin.span.clone()),
                Some(crate::suite::plan::schemas_loaded(schemas)),
            ));
        }
        findings.extend(variable_findings(case));
    }
    findings
}

/// C003: a captured variable used before the step that captures it; C004: captured, never used.
fn variable_findings(case: &Case) -> Vec<Finding> {
    let steps: Vec<&Request> = case
        .setup
        .iter()
        .map(|s| &s.request)
        .chain([&case.request])
        .chain(case.teardown.iter().map(|s| &s.request))
        .collect();
    let captured: Vec<(usize, &str)> = steps
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.capture.iter().map(move |c| (i, c.variable.as_str())))
        .collect();
    let mut findings = Vec::new();
    for (index, request) in steps.iter().enumerate() {
        let templates =
            std::iter::once(&request.path).chain(request.headers.iter().map(|(_, v)| v));
        for template in templates {
            for variable in template.variables() {
                let first_capture = captured
                    .iter()
                    .filter(|(_, v)| *v == variable)
                    .map(|(i, _)| *i)
                    .min();
                if first_capture.is_some_and(|at| at >= index) {
                    findings.push(Finding::new(
                        "C003",
                        Severity::Error,
                        format!("{{{variable}}} is used before the step that captures it"),
                        Location::new(
                            &template.origin.file.path,
                            &template.origin.file.text,
                            template.origin.span.clone(),
                        ),
                        Some("capture it in an earlier setup step".into()),
                    ));
                }
            }
        }
    }
    // The id a create captures names the created item for the life-cycle probes.
    let item_id = probes::item_url(case).map(|(_, variable)| variable);
    for (index, variable) in &captured {
        if item_id.as_deref() == Some(*variable) {
            continue;
        }
        let used = steps[index + 1..].iter().any(|r| {
            std::iter::once(&r.path)
                .chain(r.headers.iter().map(|(_, v)| v))
                .any(|t| t.variables().any(|v| v == *variable))
        });
        if !used {
            let origin = &steps[*index].path.origin;
            findings.push(Finding::new(
                "C004",
                Severity::Warning,
                format!(
                    "case `{}` captures {{{variable}}} but no later step uses it",
                    case.name
                ),
                Location::new(&origin.file.path, &origin.file.text, origin.span.clone()),
                Some("use it (e.g. in a teardown step) or drop the capture; the probes use only the `/id` of a POST".into()),
            ));
        }
    }
    findings
}
