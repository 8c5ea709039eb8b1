//! `conform import`: documentation pages to case files. Each documented request/response pair
//! becomes a case; the paths listed under "HTTP request" that the example does not use become
//! cases with the same example.

use std::collections::HashSet;

use serde_json::Value;

use crate::api::file::Models;
use crate::api::typing::{Operation, TypedPath};
use crate::docs::messages::{
    contractual_headers, forwarded_headers, request_json, top_level_properties,
};
use crate::docs::page::{self, Block, BlockKind, Page, ProseStatus};
use crate::docs::pairing::{
    annotation_names, example_status, expected_status, pairs, prose_statuses,
};
use crate::docs::paths::{CasePath, case_path, version_correction, version_of};
use crate::error::Location;
use crate::graph::Method;
use crate::schema::generate::ERROR_SCHEMA;
use crate::schema::type_names::{is_primitive, schema_for};
use crate::suite::model::status_forbids_body;
use crate::suite::writer::{self, CaseDraft, FileDraft};

/// What importing a page gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A case file: `<stem>.toml`, its text, how many cases, and what was left out and why.
    File {
        file_name: String,
        toml: String,
        cases: usize,
        skipped: Vec<String>,
    },
    /// No case file, and why.
    Nothing { why: String },
}

/// What an import knows beyond the page.
pub struct Context<'a> {
    /// The names of the schemas a case may name.
    pub schemas: &'a [String],
    /// The API models paths are typed by (none: placeholders are named by the segment before).
    pub models: &'a Models,
    /// The version a path without one is given: the page's, else the import's default.
    pub version: String,
}

/// The documented pairs of a page, derived, each followed by the cases of the paths the "HTTP
/// request" section lists for its method; what was left out and why.
pub fn derive(page: &Page, context: &Context<'_>) -> (Vec<CaseDraft>, Vec<String>) {
    let (examples, skipped) = examples(page, context);
    let listed = listed_paths(page);
    // Each example's request and answer on every listed path of its method: the examples of
    // a page differ in what they send (a query, a body), and each holds on every path.
    let cases = examples
        .iter()
        .flat_map(|example| with_listed_paths(example, listed.iter(), context))
        .collect();
    (cases, skipped)
}

/// A documented pair made a case, and its typed path when the model types it.
struct Example {
    case: CaseDraft,
    typed: Option<TypedPath>,
}

/// The cases of the documented pairs of a page; what was left out and why.
fn examples(page: &Page, context: &Context<'_>) -> (Vec<Example>, Vec<String>) {
    let mut derived = Vec::new();
    let mut skipped = Vec::new();
    let paired = pairs(page);
    for (index, block) in page.blocks.iter().enumerate() {
        if block.kind == BlockKind::Request && !paired.iter().any(|(r, _)| *r == index) {
            let line = Location::new(&page.path, &page.text, block.span.clone()).line;
            skipped.push(format!(
                "the request at line {line} has no documented response"
            ));
        }
    }
    for (index, (request_index, response_index)) in paired.iter().enumerate() {
        let prose = prose_statuses(page, &paired, index);
        match derive_pair(
            &page.blocks[*request_index],
            &page.blocks[*response_index],
            &prose,
            context,
        ) {
            Ok(example) => derived.push(example),
            Err(reason) => skipped.push(reason),
        }
    }
    (derived, skipped)
}

/// What a response annotation says beyond its type (ApiDoctor's keys).
pub struct ResponseAnnotation<'a> {
    pub odata_type: Option<&'a str>,
    pub is_collection: bool,
    pub expect_error: bool,
    pub is_empty: bool,
    pub optional: Vec<&'a str>,
    pub nullable: Vec<&'a str>,
}

impl<'a> ResponseAnnotation<'a> {
    pub fn of(block: &'a Block) -> Self {
        let fields = block.annotation.as_ref().map(|a| &a.fields);
        let get = |key: &str| fields.and_then(|f| f.get(key));
        let flag = |key: &str| get(key).and_then(Value::as_bool).unwrap_or(false);
        let list = |key: &str| -> Vec<&'a str> {
            match fields.and_then(|f| f.get(key)) {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                Some(Value::String(one)) => vec![one.as_str()],
                _ => Vec::new(),
            }
        };
        Self {
            odata_type: fields
                .and_then(|f| f.get("@odata.type"))
                .and_then(Value::as_str),
            is_collection: flag("isCollection"),
            expect_error: flag("expectError"),
            is_empty: flag("isEmpty"),
            optional: list("optionalProperties"),
            nullable: list("nullableProperties"),
        }
    }
}

fn derive_pair(
    request: &Block,
    response: &Block,
    prose: &[&ProseStatus],
    context: &Context<'_>,
) -> Result<Example, String> {
    let message = page::http_message(request);
    let (line, _) = message
        .start_line
        .clone()
        .ok_or_else(|| "a request block has no request line".to_string())?;
    let (method, url) =
        page::request_line(&line).ok_or_else(|| format!("the request line `{line}` has no URL"))?;
    let method = method.to_string();
    let case_path = case_path(url, context.models, &context.version);
    let path = case_path.path.clone();
    let doc_name = annotation_names(request).first().map(|n| n.to_string());
    let mut notes = case_path.notes;
    if request.annotation.is_none() {
        notes.push(
            "Paired without annotations: the page's request and response blocks carry none."
                .to_string(),
        );
    }
    let answer = page::http_message(response);
    let (status, documented_status) = resolve_status(&answer, prose, &message, &line, &mut notes)?;
    let annotation = ResponseAnnotation::of(response);
    let has_body = answer.body.is_some() && !status_forbids_body(status) && !annotation.is_empty;
    let (schema, collection) = case_schema(
        &annotation,
        has_body,
        case_path.typed.as_ref(),
        &method,
        context.schemas,
        &mut notes,
    );
    let required = match &answer.body {
        Some((body, _)) if has_body => top_level_properties(body, &mut notes)
            .into_iter()
            .filter(|p| !annotation.optional.contains(&p.as_str()))
            .collect(),
        _ => Vec::new(),
    };
    if !annotation.nullable.is_empty() {
        notes.push(format!(
            "The page says these properties may be null: {}.",
            annotation.nullable.join(", ")
        ));
    }
    let json = request_json(&message, &mut notes);
    let expect_headers = contractual_headers(&answer, has_body);
    let base = CaseDraft {
        expect_headers,
        capture: Vec::new(),
        echo: None,
        name: doc_name
            .as_deref()
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join("_"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{}_{}", method.to_ascii_lowercase(), slug(&path))),
        doc_name,
        json,
        headers: forwarded_headers(&message),
        method,
        path,
        status,
        documented_status,
        schema,
        collection,
        required,
        notes,
        request_text: request.content.clone(),
        response_text: response.content.clone(),
    };
    Ok(Example {
        case: base,
        typed: case_path.typed,
    })
}

/// The schema a response is judged by: the error schema for an expected error, else the one
/// its `@odata.type` names; and whether the body is a collection of it.
fn response_schema(
    annotation: &ResponseAnnotation<'_>,
    has_body: bool,
    schemas: &[String],
    notes: &mut Vec<String>,
) -> (Option<String>, bool) {
    if !has_body {
        return (None, false);
    }
    if annotation.expect_error {
        let error = schemas.iter().find(|s| *s == ERROR_SCHEMA).cloned();
        return (error, false);
    }
    let Some(odata_type) = annotation.odata_type else {
        return (None, false);
    };
    if is_primitive(odata_type) {
        return (None, false);
    }
    match schema_for(odata_type, schemas) {
        Some((schema, collection)) => (Some(schema), collection || annotation.is_collection),
        None => {
            notes.push(format!("No schema matches `@odata.type` {odata_type}."));
            (None, false)
        }
    }
}

/// The schema a case's response is judged by: the annotation's, else what the typed path
/// answers to `method`.
fn case_schema(
    annotation: &ResponseAnnotation<'_>,
    has_body: bool,
    typed: Option<&TypedPath>,
    method: &str,
    schemas: &[String],
    notes: &mut Vec<String>,
) -> (Option<String>, bool) {
    match response_schema(annotation, has_body, schemas, notes) {
        (None, _) if has_body && !annotation.expect_error => typed
            .and_then(|typed| path_schema(typed, method, schemas))
            .unwrap_or((None, false)),
        found => found,
    }
}

/// The schema of what a typed path answers to `method`, when the annotation names none: the
/// entity of a read, update or create, the item type of a list (a collection), an operation's
/// return type.
pub fn path_schema(
    typed: &TypedPath,
    method: &str,
    schemas: &[String],
) -> Option<(Option<String>, bool)> {
    let (ty, collection) = typed.result()?;
    let collection = match typed.operation(Method::parse(method)?)? {
        Operation::Create | Operation::Read | Operation::Update | Operation::Replace => false,
        Operation::List | Operation::Action | Operation::Function => collection,
        Operation::Delete | Operation::Reference | Operation::Media => return None,
    };
    if ty.starts_with("Edm.") {
        return None;
    }
    let (schema, _) = schema_for(ty, schemas)?;
    Some((Some(schema), collection))
}

/// The status a case expects (see `expected_status`); the example's status line is kept as
/// documented when it differs.
fn resolve_status(
    answer: &page::HttpMessage,
    prose: &[&ProseStatus],
    request: &page::HttpMessage,
    line: &str,
    notes: &mut Vec<String>,
) -> Result<(u16, Option<u16>), String> {
    let example = example_status(answer);
    let Some((expected, from_prose)) = expected_status(prose, example, &request.headers) else {
        return Err(format!(
            "`{line}`: neither the example nor the prose gives a status"
        ));
    };
    match (example, from_prose) {
        (Some(example), Some(_)) if example != expected => {
            notes.push(format!(
                "Status conflict: the prose says {expected}, the example's status line says {example}. Expected: {expected}."
            ));
            Ok((expected, Some(example)))
        }
        (None, _) => {
            notes.push(format!(
                "The example response has no status line; the prose says {expected}."
            ));
            Ok((expected, None))
        }
        _ => Ok((expected, None)),
    }
}

/// A path the page's "HTTP request" section lists, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPath<'p> {
    pub method: &'p str,
    pub url: &'p str,
    /// Where `url` starts in the page.
    pub at: usize,
}

/// The request lines of every code block in the page's "HTTP request" sections, but the
/// examples' own (request and response blocks).
pub fn listed_paths(page: &Page) -> Vec<ListedPath<'_>> {
    let mut listed = Vec::new();
    let listings = page.blocks.iter().filter(|b| {
        b.in_request_section && !matches!(b.kind, BlockKind::Request | BlockKind::Response)
    });
    for block in listings {
        let mut offset = block.content_start;
        for line in block.content.split_inclusive('\n') {
            if let Some((method, url)) = page::request_line(line) {
                let at = offset + line.find(url).unwrap_or(0);
                listed.push(ListedPath { method, url, at });
            }
            offset += line.len();
        }
    }
    listed
}

/// What became of a listed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// A case: its own, or the case of an example or of another listed path with its path.
    Case,
    /// No case: the model places the example's path and not this one (`/workbook/…`, written
    /// relative to an item, would not be a request).
    Unplaced,
    /// No case: it asks for another kind of answer than the example (`…/$value`, raw bytes,
    /// where the example reads the entity as JSON): the system segments of both.
    OtherAnswer {
        listed: Option<String>,
        example: Option<String>,
    },
    /// No case: both paths are typed and it answers with another resource than the example's
    /// (a type, and whether a collection of it).
    OtherResource {
        listed: (String, bool),
        example: (String, bool),
    },
    /// No case: no example that gives a case sends its method.
    NoExample,
}

/// What becomes of `listed` beside the example case `example`: its case path, and whether it
/// gives a case.
fn beside(listed: &ListedPath<'_>, example: &Example, context: &Context<'_>) -> (CasePath, Fate) {
    let path = &example.case.path;
    let version = version_of(path).unwrap_or(&context.version);
    let mut made = case_path(listed.url, context.models, version);
    // The path shares the example's answer, so it sends the example's query.
    if let (Some((_, query)), false) = (path.split_once('?'), made.path.contains('?')) {
        made.path = format!("{}?{query}", made.path);
    }
    let fate = if made.path == *path {
        Fate::Case
    } else if system_segment(&made.path) != system_segment(path) {
        Fate::OtherAnswer {
            listed: system_segment(&made.path).map(str::to_string),
            example: system_segment(path).map(str::to_string),
        }
    } else if example.typed.is_some() && made.typed.is_none() {
        Fate::Unplaced
    } else {
        other_resource(made.typed.as_ref(), example.typed.as_ref()).unwrap_or(Fate::Case)
    };
    (made, fate)
}

/// `OtherResource` when both paths are typed and answer with different resources.
fn other_resource(listed: Option<&TypedPath>, example: Option<&TypedPath>) -> Option<Fate> {
    let owned = |(ty, collection): (&str, bool)| (ty.to_string(), collection);
    let listed = owned(listed?.result()?);
    let example = owned(example?.result()?);
    (listed != example).then_some(Fate::OtherResource { listed, example })
}

/// Each listed path of a page with what `import` makes of it, and the version its case path
/// is given (the first example's of its method, else the page's).
pub fn listed_fates<'p>(
    page: &'p Page,
    context: &Context<'_>,
) -> Vec<(ListedPath<'p>, Fate, String)> {
    let (examples, _) = examples(page, context);
    listed_paths(page)
        .into_iter()
        .map(|listed| {
            let same_method: Vec<&Example> = examples
                .iter()
                .filter(|e| e.case.method == listed.method)
                .collect();
            let fates: Vec<Fate> = same_method
                .iter()
                .map(|e| beside(&listed, e, context).1)
                .collect();
            let fate = if fates.contains(&Fate::Case) {
                Fate::Case
            } else {
                fates.into_iter().next().unwrap_or(Fate::NoExample)
            };
            let version = same_method
                .first()
                .and_then(|e| version_of(&e.case.path))
                .unwrap_or(&context.version)
                .to_string();
            (listed, fate, version)
        })
        .collect()
}

/// The example's case, and one more for each of `listed` (the paths of its method the page lists)
/// that is not the example's path nor gives no case (see `Fate`).
fn with_listed_paths<'l, 'p: 'l>(
    example: &Example,
    listed: impl Iterator<Item = &'l ListedPath<'p>>,
    context: &Context<'_>,
) -> Vec<CaseDraft> {
    let base = &example.case;
    let (name, method, path) = (base.name.clone(), base.method.clone(), base.path.clone());
    let version = version_of(&path).unwrap_or(&context.version).to_string();
    let without_version = |p: &str| {
        p.strip_prefix(&format!("/{version}"))
            .unwrap_or(p)
            .to_string()
    };
    let unversioned = without_version(&path);
    let mut cases = vec![example.case.clone()];
    for listed in listed.filter(|l| l.method == method) {
        let (made, fate) = beside(listed, example, context);
        let other = made.path;
        if fate != Fate::Case || cases.iter().any(|c| c.path == other) {
            continue;
        }
        let other_unversioned = without_version(&other);
        let extra_segments: Vec<String> = other_unversioned
            .split('/')
            .filter(|s| {
                !s.is_empty() && !s.starts_with('{') && !unversioned.split('/').any(|u| u == *s)
            })
            .map(str::to_ascii_lowercase)
            .collect();
        let mut case = cases[0].clone();
        case.name = if extra_segments.is_empty() {
            format!("{name}_via_path_{}", cases.len() + 1)
        } else {
            format!("{name}_via_{}", extra_segments.join("_"))
        };
        case.path = other;
        case.notes.push(format!(
            "Listed under \"HTTP request\" as {method} {other_unversioned}; the page's example uses {unversioned}."
        ));
        case.notes.extend(version_correction(listed.url));
        cases.push(case);
    }
    cases
}

/// The system segment a path ends with (`$value`, `$count`, `$ref`): what kind of answer it
/// asks for besides the entity or collection itself.
fn system_segment(path: &str) -> Option<&str> {
    let path = path.split('?').next().unwrap_or(path);
    path.rsplit('/')
        .next()
        .filter(|last| matches!(*last, "$value" | "$count" | "$ref"))
}

fn slug(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The case file of a page named `stem`: its cases named apart from every name in `taken`
/// (which gains them), and checked to load as conform loads case files. Nothing, and why,
/// when the page documents no pair conform can send.
pub fn import(
    page: &Page,
    stem: &str,
    context: &Context<'_>,
    taken: &mut HashSet<String>,
) -> Imported {
    let (mut cases, skipped) = derive(page, context);
    if cases.is_empty() {
        let has_request = page.blocks.iter().any(|b| b.kind == BlockKind::Request);
        let why = match skipped.first() {
            Some(first) if skipped.len() == 1 => first.clone(),
            Some(first) => format!("{first} (and {} more)", skipped.len() - 1),
            None if has_request => "no request with a documented response".to_string(),
            None if page.blocks.iter().any(|b| b.kind == BlockKind::Unannotated) => {
                "no annotated request (its http and json blocks have no annotation: lint L006)"
                    .to_string()
            }
            None => "no annotated request".to_string(),
        };
        return Imported::Nothing { why };
    }
    for case in &mut cases {
        name_apart(case, taken);
    }
    let file = page
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let draft = FileDraft {
        comment: vec![
            format!(
                "Imported by `conform import` from {file}. Review it: example values may be placeholders,"
            ),
            "and a case that needs an existing resource needs a setup step.".to_string(),
        ],
        seed: file,
        title: page.title.clone(),
        api: cases
            .first()
            .and_then(|c| version_of(&c.path))
            .map(str::to_string),
        cases,
    };
    let file_name = format!("{stem}.toml");
    let toml = writer::write(&draft);
    match crate::suite::format::parse_file(std::path::Path::new(&file_name), toml.clone()) {
        Ok(loaded) => Imported::File {
            cases: loaded.len(),
            file_name,
            toml,
            skipped,
        },
        Err(e) => Imported::Nothing {
            why: format!("the case file would not load: {}", e.message()),
        },
    }
}

/// Gives `case` a name no other imported case has: the documented one, else with `_2`, `_3`,
/// … in the order pages are read; the note says so.
fn name_apart(case: &mut CaseDraft, taken: &mut HashSet<String>) {
    if taken.insert(case.name.clone()) {
        return;
    }
    let original = case.name.clone();
    let mut n = 2;
    while !taken.insert(format!("{original}_{n}")) {
        n += 1;
    }
    case.name = format!("{original}_{n}");
    case.notes.push(format!(
        "Named `{}`: another imported case is named `{original}`.",
        case.name
    ));
}

#[cfg(test)]
pub(crate) mod tests;
