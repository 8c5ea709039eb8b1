//! The lint rules that need the API model: paths the model cannot place, segments spelled
//! unlike the metadata, response types the path does not return, placeholders named unlike the
//! type they stand for, paths without an API version.

use std::ops::Range;

use crate::api::file::Models;
use crate::api::key_placeholder;
use crate::api::typing::{self, Key, SegmentKind, TypedPath};
use crate::docs::finding::{Finding, Severity};
use crate::docs::import::{Fate, ListedPath, ResponseAnnotation};
use crate::docs::page::{self, Block, Page};
use crate::docs::paths;
use crate::error::Location;
use crate::graph::Method;
use crate::suite::model::Case;

/// L009–L012 for one documented pair of a page; `version` is the page's.
pub fn page_pair(
    page: &Page,
    request: &Block,
    response: &Block,
    models: &Models,
    version: &str,
) -> Vec<Finding> {
    let Some((line, at)) = page::http_message(request).start_line else {
        return Vec::new();
    };
    let Some((method, url)) = page::request_line(&line) else {
        return Vec::new();
    };
    let url_at = at + line.find(url).unwrap_or(0);
    let path = crate::api::path::path_part(crate::docs::paths::url_path(url));
    let path_at = url_at + url.find(path).unwrap_or(0);
    let here = |span: Range<usize>| Location::new(&page.path, &page.text, span);
    let mut findings = Vec::new();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if let Some(finding) = foreign_version(path, path_at, &here) {
        findings.push(finding);
    } else if !typing::is_version_or_any(first) {
        findings.push(Finding::new(
            "L012",
            Severity::Warning,
            format!("the path `{path}` has no API version"),
            here(path_at..path_at + path.len()),
            Some(format!(
                "write /{version}{path}: `conform import` gives it the page's version ({version})"
            )),
        ));
    }
    if models.is_empty() {
        return findings;
    }
    let fallback = Some(version).filter(|_| !typing::is_version_or_any(first));
    let (found, typed) = page_path(path, path_at, fallback, models, &here);
    findings.extend(found);
    if let Some(typed) = typed {
        findings.extend(response_type(page, &typed, method, response, models, &here));
    }
    findings
}

/// L009 and L010 for a path of a page, and its typed form when it can be read; `fallback`
/// is the version of a path without one.
fn page_path(
    path: &str,
    path_at: usize,
    fallback: Option<&str>,
    models: &Models,
    here: &dyn Fn(Range<usize>) -> Location,
) -> (Vec<Finding>, Option<TypedPath>) {
    match typing::type_request(models, path, fallback) {
        Ok(typed) => {
            let codes = Codes {
                unplaced: "L009",
                spelled: "L010",
            };
            (placement(&typed, path, path_at, &codes, here), Some(typed))
        }
        Err(e) => {
            let unread = Finding::new(
                "L009",
                Severity::Warning,
                format!("the path `{path}` cannot be read: {}", e.message),
                here(path_at + e.at.min(path.len())..path_at + path.len()),
                None,
            );
            (vec![unread], None)
        }
    }
}

/// L013: a path whose first segment is an API version Graph does not have (`/v1/…`).
fn foreign_version(
    path: &str,
    path_at: usize,
    here: &dyn Fn(Range<usize>) -> Location,
) -> Option<Finding> {
    let written = path.trim_start_matches('/').split('/').next()?;
    if !paths::is_foreign_version(written) {
        return None;
    }
    let at = path_at + path.find(written).unwrap_or(0);
    let hint = match paths::meant_version(written) {
        Some(meant) => format!("write /{meant}/…: `conform import` uses {meant}"),
        None => "Graph has v1.0 and beta".to_string(),
    };
    Some(Finding::new(
        "L013",
        Severity::Warning,
        format!("Graph has no API version `{written}`"),
        here(at..at + written.len()),
        Some(hint),
    ))
}

/// The findings of a path an "HTTP request" section lists, typed in `version` when it has
/// none: L013, L015 for each placeholder that offers alternatives, L009 and L010, and L014
/// when it gives no case.
pub fn listed_path(
    page: &Page,
    listed: &ListedPath<'_>,
    fate: &Fate,
    version: &str,
    models: &Models,
) -> Vec<Finding> {
    let here = |span: Range<usize>| Location::new(&page.path, &page.text, span);
    let path = crate::api::path::path_part(paths::url_path(listed.url));
    let path_at = listed.at + listed.url.find(path).unwrap_or(0);
    let mut findings: Vec<Finding> = foreign_version(path, path_at, &here).into_iter().collect();
    findings.extend(alternatives(path, path_at, &here));
    if !models.is_empty() {
        findings.extend(page_path(path, path_at, Some(version), models, &here).0);
    }
    let why = match fate {
        Fate::Case => return findings,
        Fate::Unplaced => "the model places the example's path but not this one".to_string(),
        Fate::OtherAnswer { listed, example } => format!(
            "it asks for {}, the example for {}",
            listed.as_deref().unwrap_or("the resource itself"),
            example.as_deref().unwrap_or("the resource itself")
        ),
        Fate::OtherResource { listed, example } => format!(
            "it answers with {}, the example with {}",
            resource(listed),
            resource(example)
        ),
        Fate::NoExample => format!("no example that gives a case sends {}", listed.method),
    };
    let hint = match fate {
        Fate::Unplaced => "write the whole path from the service root; L009 names the segment",
        Fate::OtherAnswer { .. } | Fate::OtherResource { .. } => {
            "a case of it needs an example of its own"
        }
        _ => "document an example request and response for it",
    };
    findings.push(Finding::new(
        "L014",
        Severity::Warning,
        format!("`{} {path}` gives no case: {why}", listed.method),
        here(listed.at..listed.at + listed.url.len()),
        Some(hint.to_string()),
    ));
    findings
}

/// `a collection of message`, `message`.
fn resource((ty, collection): &(String, bool)) -> String {
    let name = crate::schema::type_names::type_name(ty);
    if *collection {
        format!("a collection of {name}")
    } else {
        name.to_string()
    }
}

/// L015: a placeholder that offers alternatives (`{id | userPrincipalName}`): a case takes
/// the first.
fn alternatives(
    path: &str,
    path_at: usize,
    here: &dyn Fn(Range<usize>) -> Location,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut from = 0;
    for segment in path.split('/') {
        let at = from + path[from..].find(segment).unwrap_or(0);
        from = at + segment.len();
        if !paths::is_placeholder(segment) || !segment.contains('|') {
            continue;
        }
        let first = segment[1..].split('|').next().unwrap_or("").trim();
        findings.push(Finding::new(
            "L015",
            Severity::Note,
            format!("`{segment}` offers alternatives: a case takes the first (`{first}`)"),
            here(path_at + at..path_at + at + segment.len()),
            Some("a value of the other form, given for the placeholder (`--var`), tries it".into()),
        ));
    }
    findings
}

/// The codes a page and a case file give the same finding.
struct Codes {
    unplaced: &'static str,
    spelled: &'static str,
}

/// A segment the model cannot place; segments spelled unlike the metadata.
fn placement(
    typed: &TypedPath,
    path: &str,
    path_at: usize,
    codes: &Codes,
    here: &dyn Fn(Range<usize>) -> Location,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(untyped) = &typed.untyped {
        let start = path_at + untyped.at.min(path.len());
        let hint = (!untyped.nearest.is_empty())
            .then(|| format!("the model has here: {}", untyped.nearest.join(", ")));
        findings.push(Finding::new(
            codes.unplaced,
            Severity::Warning,
            format!(
                "the {} model cannot place `{}`: {}",
                if typed.model.is_empty() {
                    "API"
                } else {
                    &typed.model
                },
                untyped.segment,
                untyped.reason
            ),
            here(start..start + untyped.segment.len().max(1)),
            hint,
        ));
    }
    let mut from = 0;
    for segment in &typed.segments {
        let found = path[from..].find(&segment.text).map(|i| from + i);
        if let Some(i) = found {
            from = i + segment.text.len();
        }
        if let (Some(spelled), Some(i)) = (&segment.spelled, found) {
            findings.push(Finding::new(
                codes.spelled,
                Severity::Warning,
                format!("`{}` is spelled `{spelled}` in the metadata", segment.text),
                here(path_at + i..path_at + i + segment.text.len()),
                Some(
                    "Graph matches segments without regard to case; write the metadata's spelling"
                        .into(),
                ),
            ));
        }
    }
    findings
}

/// L011: the response annotation names a type that is neither what the path returns nor
/// derived from it.
fn response_type(
    page: &Page,
    typed: &TypedPath,
    method: &str,
    response: &Block,
    models: &Models,
    here: &dyn Fn(Range<usize>) -> Location,
) -> Option<Finding> {
    let said = ResponseAnnotation::of(response);
    let annotation = response.annotation.as_ref()?;
    if said.expect_error {
        return None;
    }
    let written = said.odata_type?;
    let model = models
        .for_version(Some(typed.model.as_str()))
        .into_iter()
        .next()?;
    let name = crate::schema::type_names::type_name(written);
    let annotated = model
        .type_named(&format!("microsoft.graph.{name}"))
        .or_else(|| model.type_named(name))?;
    let returned = match typed.operation(Method::parse(method)?)? {
        typing::Operation::Delete | typing::Operation::Reference | typing::Operation::Media => {
            return None;
        }
        _ => typed.result()?.0,
    };
    if returned.starts_with("Edm.") || model.derives_from(annotated, returned) {
        return None;
    }
    let start = page.text[annotation.span.clone()]
        .find(written)
        .map_or(annotation.span.start, |i| annotation.span.start + i);
    Some(Finding::new(
        "L011",
        Severity::Warning,
        format!(
            "the response is annotated `{written}`, but {method} of this path returns `{returned}`"
        ),
        here(start..start + written.len()),
        Some("annotate the type the operation returns (or a type derived from it)".into()),
    ))
}

/// C005–C007 for loaded cases.
pub fn cases(cases: &[Case], models: &Models) -> Vec<Finding> {
    let mut findings = Vec::new();
    for case in cases {
        let template = &case.request.path;
        let origin = &template.origin;
        let here = |span: Range<usize>| Location::new(&origin.file.path, &origin.file.text, span);
        let path = template.raw.as_str();
        // Where the path's text starts inside its TOML string.
        let path_at = origin.file.text[origin.span.clone()]
            .find(path)
            .map_or(origin.span.start, |i| origin.span.start + i);
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if !typing::is_version_or_any(first) {
            findings.push(Finding::new(
                "C007",
                Severity::Warning,
                format!("case `{}`: the path `{path}` has no API version", case.name),
                here(origin.span.clone()),
                Some("start it with /v1.0/ or /beta/: paths are appended to the base URL as they are".into()),
            ));
        }
        if models.is_empty() {
            continue;
        }
        let Ok(typed) = typing::type_request(models, path, case.page.api.as_deref()) else {
            continue;
        };
        let codes = Codes {
            unplaced: "C005",
            spelled: "C008",
        };
        findings.extend(placement(&typed, path, path_at, &codes, &here));
        findings.extend(key_names(&typed, path, path_at, &here));
    }
    findings
}

/// C006: a key placeholder named unlike the entity type it stands for.
fn key_names(
    typed: &TypedPath,
    path: &str,
    path_at: usize,
    here: &dyn Fn(Range<usize>) -> Location,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for segment in &typed.segments {
        let (SegmentKind::Key(Key::Placeholder(name)), Some(ty)) = (&segment.step, &segment.ty)
        else {
            continue;
        };
        let expected = key_placeholder(ty);
        let numbered = name.rsplit_once('-').is_some_and(|(stem, n)| {
            stem.eq_ignore_ascii_case(&expected) && n.parse::<u32>().is_ok()
        });
        if name.eq_ignore_ascii_case(&expected) || numbered {
            continue;
        }
        let start = path.find(&segment.text).map_or(path_at, |i| path_at + i);
        findings.push(Finding::new(
            "C006",
            Severity::Warning,
            format!("{{{name}}} stands for a key of `{ty}`: Graph's docs name it {{{expected}}}"),
            here(start..start + segment.text.len()),
            Some(format!(
                "name it {{{expected}}}, so that one value (`--var {expected}=…`) serves every case that uses that type"
            )),
        ));
    }
    findings
}
