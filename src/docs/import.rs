//! `conform import`: documentation pages to case files. Each documented request/response pair
//! becomes a case; the paths listed under "HTTP request" that the example does not use become
//! cases with the same example.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::docs::page::{self, Block, BlockKind, Page};
use crate::suite::model::status_forbids_body;
use crate::suite::writer::{self, CaseDraft, FileDraft};

/// A page turned into a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// `<page stem>.toml`.
    pub file_name: String,
    pub toml: String,
    /// What the importer could not turn into a case, and why.
    pub skipped: Vec<String>,
}

/// Named variables for path placeholders, by the segment before them.
pub fn variable_for(segment: &str) -> String {
    match segment.to_ascii_lowercase().as_str() {
        "groups" | "joinedgroups" => "group-id".to_string(),
        "users" => "user-id".to_string(),
        "conversations" => "conversation-id".to_string(),
        "channels" => "channel-id".to_string(),
        "threads" => "thread-id".to_string(),
        "posts" => "post-id".to_string(),
        other => format!("{}-id", other.strip_suffix('s').unwrap_or(other)),
    }
}

/// Whether a path segment is a placeholder: `{id}`, `<id>`, `<id | userPrincipalName>`.
pub fn is_placeholder(segment: &str) -> bool {
    (segment.starts_with('{') && segment.ends_with('}'))
        || (segment.starts_with('<') && segment.ends_with('>'))
}

/// The path of an absolute or relative URL, as written (scheme and host dropped).
pub fn url_path(url: &str) -> &str {
    match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("/", |i| &after[i..])
        }
        None => url,
    }
}

/// The path of a request line's URL: scheme and host dropped, placeholders named.
pub fn normalise_path(url: &str) -> String {
    let path = url_path(url).split(['?', '#']).next().unwrap_or("");
    let mut out = String::new();
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        if is_placeholder(segment) {
            let _ = write!(out, "{{{}}}", variable_for(previous));
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    if out.is_empty() { "/".to_string() } else { out }
}

/// `@odata.type` to a schema name of `schemas` (matched without regard to case): the name and
/// whether it is a collection.
pub fn schema_for(odata_type: &str, schemas: &[String]) -> Option<(String, bool)> {
    let mut name = odata_type.trim().trim_start_matches('#');
    let mut collection = false;
    if let Some(inner) = name
        .strip_prefix("Collection(")
        .and_then(|n| n.strip_suffix(')'))
    {
        name = inner;
        collection = true;
    }
    let name = name
        .get(..16)
        .filter(|p| p.eq_ignore_ascii_case("microsoft.graph."))
        .map_or(name, |_| &name[16..]);
    schemas
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .map(|s| (s.clone(), collection))
}

/// Index of the request each response answers: same `name`, else the nearest request before.
pub fn pairs(page: &Page) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut taken = BTreeSet::new();
    for (index, block) in page.blocks.iter().enumerate() {
        if block.kind != BlockKind::Response {
            continue;
        }
        let name = block.annotation.as_ref().and_then(|a| a.str("name"));
        let by_name = name.and_then(|name| {
            page.blocks.iter().position(|b| {
                b.kind == BlockKind::Request
                    && b.annotation.as_ref().and_then(|a| a.str("name")) == Some(name)
            })
        });
        let nearest = || {
            page.blocks[..index]
                .iter()
                .rposition(|b| b.kind == BlockKind::Request)
                .filter(|r| !taken.contains(r))
        };
        if let Some(request) = by_name.or_else(nearest) {
            taken.insert(request);
            pairs.push((request, index));
        }
    }
    pairs
}

/// The statuses the prose states for pair `index` of `pairs`: those after the previous pair's
/// response and before this pair's response.
pub fn prose_statuses<'p>(
    page: &'p Page,
    pairs: &[(usize, usize)],
    index: usize,
) -> Vec<&'p page::ProseStatus> {
    let (_, response) = pairs[index];
    let upper = page.blocks[response].span.start;
    let lower = pairs
        .iter()
        .map(|(_, r)| page.blocks[*r].span.end)
        .filter(|end| *end <= upper)
        .max()
        .unwrap_or(0);
    page.prose_statuses
        .iter()
        .filter(|p| p.span.start >= lower && p.span.end <= upper)
        .collect()
}

fn version_of(path: &str) -> Option<&str> {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .filter(|s| *s == "beta" || s.starts_with('v'))
}

/// The documented pairs of a page, derived.
pub fn derive(page: &Page, schemas: &[String]) -> (Vec<CaseDraft>, Vec<String>) {
    let mut derived = Vec::new();
    let mut skipped = Vec::new();
    let paired = pairs(page);
    for (index, block) in page.blocks.iter().enumerate() {
        if block.kind == BlockKind::Request && !paired.iter().any(|(r, _)| *r == index) {
            skipped.push(format!(
                "the request at byte {} has no documented response",
                block.span.start
            ));
        }
    }
    for (index, (request_index, response_index)) in paired.iter().enumerate() {
        let prose = prose_statuses(page, &paired, index)
            .first()
            .map(|p| p.status);
        match derive_pair(
            page,
            &page.blocks[*request_index],
            &page.blocks[*response_index],
            prose,
            schemas,
        ) {
            Ok(mut cases) => derived.append(&mut cases),
            Err(reason) => skipped.push(reason),
        }
    }
    (derived, skipped)
}

fn derive_pair(
    page: &Page,
    request: &Block,
    response: &Block,
    prose_status: Option<u16>,
    schemas: &[String],
) -> Result<Vec<CaseDraft>, String> {
    let message = page::http_message(request);
    let (line, _) = message
        .start_line
        .clone()
        .ok_or_else(|| "a request block has no request line".to_string())?;
    let (method, url) =
        page::request_line(&line).ok_or_else(|| format!("the request line `{line}` has no URL"))?;
    let method = method.to_string();
    let path = normalise_path(url);
    let doc_name = request
        .annotation
        .as_ref()
        .and_then(|a| a.str("name"))
        .map(str::to_string);
    let mut notes = Vec::new();
    let answer = page::http_message(response);
    let (status, documented_status) = resolve_status(&answer, prose_status, &line, &mut notes)?;
    let has_body = answer.body.is_some() && !status_forbids_body(status);
    let odata_type = response
        .annotation
        .as_ref()
        .and_then(|a| a.str("@odata.type"))
        .filter(|_| has_body);
    let (schema, collection) = match odata_type {
        Some(odata_type) => match schema_for(odata_type, schemas) {
            Some((schema, collection)) => (Some(schema), collection),
            None => {
                notes.push(format!("No schema matches `@odata.type` {odata_type}."));
                (None, false)
            }
        },
        None => (None, false),
    };
    let required = match &answer.body {
        Some((body, _)) if has_body => top_level_properties(body, &mut notes),
        _ => Vec::new(),
    };
    let json = request_json(&message, &mut notes);
    let base = CaseDraft {
        name: doc_name
            .clone()
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
    Ok(with_listed_paths(page, base))
}

/// The status a case expects: the prose's when it states one (the example's status line is
/// kept as documented when they differ), else the example's.
fn resolve_status(
    answer: &page::HttpMessage,
    prose_status: Option<u16>,
    line: &str,
    notes: &mut Vec<String>,
) -> Result<(u16, Option<u16>), String> {
    let example_status = answer
        .start_line
        .as_ref()
        .and_then(|(line, _)| line.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok());
    match (example_status, prose_status) {
        (Some(example), Some(prose)) if example != prose => {
            notes.push(format!(
                "Status conflict: the prose says {prose}, the example's status line says {example}. Expected: {prose}."
            ));
            Ok((prose, Some(example)))
        }
        (Some(example), _) => Ok((example, None)),
        (None, Some(prose)) => {
            notes.push(format!(
                "The example response has no status line; the prose says {prose}."
            ));
            Ok((prose, None))
        }
        (None, None) => Err(format!(
            "`{line}`: neither the example nor the prose gives a status"
        )),
    }
}

/// The properties of an example response body: the case requires each of them.
fn top_level_properties(body: &str, notes: &mut Vec<String>) -> Vec<String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => map
            .keys()
            .filter(|k| !k.starts_with('@'))
            .cloned()
            .collect(),
        Ok(_) => Vec::new(),
        Err(e) => {
            notes.push(format!("The example response body is not JSON ({e})."));
            Vec::new()
        }
    }
}

/// The example request's body, when it is JSON.
fn request_json(message: &page::HttpMessage, notes: &mut Vec<String>) -> Option<String> {
    let (body, _) = message.body.as_ref()?;
    match serde_json::from_str::<Value>(body) {
        Ok(_) => Some(body.clone()),
        Err(e) => {
            notes.push(format!(
                "The example request body is not JSON ({e}); it is not sent."
            ));
            None
        }
    }
}

/// The example request's headers a case sends: conform sets length, type and authorization.
fn forwarded_headers(message: &page::HttpMessage) -> Vec<(String, String)> {
    message
        .headers
        .iter()
        .filter(|(name, _, _)| {
            !matches!(
                name.to_ascii_lowercase().as_str(),
                "content-length" | "content-type" | "authorization"
            )
        })
        .map(|(name, value, _)| (name.clone(), value.clone()))
        .collect()
}

/// `base`, and one more case for each other path the "HTTP request" section lists for the
/// same method, with the same example.
fn with_listed_paths(page: &Page, base: CaseDraft) -> Vec<CaseDraft> {
    let (name, method, path) = (base.name.clone(), base.method.clone(), base.path.clone());
    let version = version_of(&path)
        .map(|v| format!("/{v}"))
        .unwrap_or_default();
    let unversioned = path.strip_prefix(&version).unwrap_or(&path).to_string();
    let mut cases = vec![base];
    for other in listed_paths(page, &method) {
        if other == unversioned || cases.iter().any(|c| c.path == format!("{version}{other}")) {
            continue;
        }
        let extra_segments: Vec<String> = other
            .split('/')
            .filter(|s| {
                !s.is_empty() && !s.starts_with('{') && !unversioned.split('/').any(|u| u == *s)
            })
            .map(str::to_ascii_lowercase)
            .collect();
        let mut case = cases[0].clone();
        case.name = format!("{name}_via_{}", extra_segments.join("_"));
        case.path = format!("{version}{other}");
        case.notes.push(format!(
            "Listed under \"HTTP request\" as {method} {other}; the page's example uses {unversioned}."
        ));
        cases.push(case);
    }
    cases
}

/// Paths of `method` in the page's ignored "HTTP request" blocks, placeholders named.
fn listed_paths(page: &Page, method: &str) -> Vec<String> {
    page.blocks
        .iter()
        .filter(|b| {
            b.kind == BlockKind::Ignored && b.section.to_ascii_lowercase().contains("http request")
        })
        .flat_map(|b| b.content.lines())
        .filter_map(|line| {
            let (listed_method, target) = page::request_line(line)?;
            (listed_method == method).then(|| normalise_path(target))
        })
        .collect()
}

fn slug(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The case file of a page.
pub fn import(page: &Page, schemas: &[String]) -> Imported {
    let (cases, skipped) = derive(page, schemas);
    let name_of = |part: Option<&std::ffi::OsStr>| {
        part.map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let file = name_of(page.path.file_name());
    let stem = name_of(page.path.file_stem());
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
    Imported {
        file_name: format!("{stem}.toml"),
        toml: writer::write(&draft),
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_placeholders_by_the_segment_before_them() {
        assert_eq!(
            normalise_path(
                "https://graph.microsoft.com/beta/users/<id | userPrincipalName>/joinedGroups/<id>/threads"
            ),
            "/beta/users/{user-id}/joinedGroups/{group-id}/threads"
        );
        assert_eq!(
            normalise_path(
                "/v1.0/groups/{groupsId}/conversations/{id}/threads/{thread-id}/posts/{id}"
            ),
            "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads/{thread-id}/posts/{post-id}"
        );
        assert_eq!(
            normalise_path("/beta/widgets/{id}?$select=x"),
            "/beta/widgets/{widget-id}"
        );
    }

    #[test]
    fn maps_odata_types_to_schemas() {
        let schemas = vec!["conversationThread".to_string(), "post".to_string()];
        assert_eq!(
            schema_for("microsoft.graph.conversationthread", &schemas),
            Some(("conversationThread".into(), false))
        );
        assert_eq!(
            schema_for("#microsoft.graph.conversationThread", &schemas),
            Some(("conversationThread".into(), false))
        );
        assert_eq!(
            schema_for("Collection(microsoft.graph.post)", &schemas),
            Some(("post".into(), true))
        );
        assert_eq!(schema_for("microsoft.graph.widget", &schemas), None);
    }
}
