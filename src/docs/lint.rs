//! `conform lint`: defects in documentation pages and case files, reported like compiler
//! diagnostics (code, severity, file:line:col, the offending text, a hint).

use std::collections::HashSet;
use std::ops::Range;

use serde_json::Value;

use crate::api::file::{DEFAULT_VERSION, Models};
use crate::docs::finding::{Finding, Severity};
use crate::docs::import;
use crate::docs::jsonpos;
use crate::docs::page::{self, Block, BlockKind, Page};
use crate::docs::pairing;
use crate::docs::paths;
use crate::docs::{files, lint_paths};
use crate::error::Location;
use crate::schema::registry::Schemas;
use crate::schema::type_names;
use crate::suite::model::escape_pointer_token;

/// What an example body is judged as: a request for a resource of the schema, or a response
/// of it (a collection of it when `true`).
enum Judged<'s> {
    Request(&'s str),
    Response(&'s str, bool),
}

impl Judged<'_> {
    fn schema(&self) -> &str {
        match self {
            Self::Request(schema) | Self::Response(schema, _) => schema,
        }
    }
}

struct PageLinter<'a> {
    page: &'a Page,
    schemas: &'a Schemas,
    names: &'a [String],
    models: &'a Models,
    /// The page's API version: its folder's, else the default.
    version: &'a str,
    findings: Vec<Finding>,
}

/// Whether an example value is a stand-in rather than a value.
pub fn is_stand_in(value: &str) -> bool {
    let v = value.trim();
    v.ends_with("-value")
        || v.ends_with("_value")
        || matches!(
            v,
            "String" | "Boolean" | "Int32" | "Int64" | "Double" | "DateTimeOffset" | "Guid"
        )
        || v.starts_with("String (")
        || (v.len() > 2
            && v.starts_with('<')
            && v.ends_with('>')
            && v[1..v.len() - 1]
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '|' | '-' | '_')))
}

fn reason_matches(code: u16, reason: &str) -> bool {
    match reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(canonical) => canonical.eq_ignore_ascii_case(reason.trim()),
        None => true,
    }
}

impl PageLinter<'_> {
    fn at(&self, span: Range<usize>) -> Location {
        Location::new(&self.page.path, &self.page.text, span)
    }

    fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        message: String,
        span: Range<usize>,
        hint: Option<String>,
    ) {
        let location = self.at(span);
        self.findings
            .push(Finding::new(code, severity, message, location, hint));
    }

    fn run(mut self) -> Vec<Finding> {
        let pairs = pairing::pairs(self.page);
        for (index, block) in self.page.blocks.iter().enumerate() {
            match block.kind {
                BlockKind::Unannotated => self.push(
                    "L006",
                    Severity::Warning,
                    format!("this {} block has no annotation", block.lang),
                    block.span.start..block.span.start + 3,
                    Some("add `<!-- { \"blockType\": \"request\" | \"response\" | \"ignored\" } -->` before it".into()),
                ),
                BlockKind::Request if !pairs.iter().any(|(r, _)| *r == index) => self.push(
                    "L007",
                    Severity::Error,
                    "this request has no documented response".into(),
                    page::http_message(block)
                        .start_line
                        .map_or(block.span.start..block.span.start + 3, |(line, at)| at..at + line.len()),
                    Some("add a response block (`\"blockType\": \"response\"`) after it".into()),
                ),
                _ => {}
            }
        }
        for (index, (request, response)) in pairs.iter().enumerate() {
            let prose = pairing::prose_statuses(self.page, &pairs, index);
            let (request, response) = (&self.page.blocks[*request], &self.page.blocks[*response]);
            self.status_lines(request, response, &prose);
            let schema = self.odata_type(response);
            let schema = schema
                .as_ref()
                .map(|(name, collection)| (name.as_str(), *collection));
            self.example(request, schema.map(|(name, _)| Judged::Request(name)));
            self.example(
                response,
                schema.map(|(name, collection)| Judged::Response(name, collection)),
            );
            self.parameter_names(request);
            self.findings.extend(lint_paths::page_pair(
                self.page,
                request,
                response,
                self.models,
                self.version,
            ));
        }
        self.section_paths();
        self.findings
    }

    /// The findings of every path the "HTTP request" sections list (see
    /// `lint_paths::listed_path`), and L016 where they list none.
    fn section_paths(&mut self) {
        let context = import::Context {
            schemas: self.names,
            models: self.models,
            version: self.version.to_string(),
        };
        let fates = import::listed_fates(self.page, &context);
        for (listed, fate, version) in &fates {
            self.findings.extend(lint_paths::listed_path(
                self.page,
                listed,
                fate,
                version,
                self.models,
            ));
        }
        let in_sections = |b: &&Block| b.in_request_section;
        let lists_a_path = self
            .page
            .blocks
            .iter()
            .filter(in_sections)
            .any(|b| b.content.lines().any(|l| page::request_line(l).is_some()));
        let hint = "list each path the operation takes in an `http` block (`GET /me/calendar`)";
        if let Some(heading) = self.page.request_headings.first()
            && !lists_a_path
        {
            self.push(
                "L016",
                Severity::Warning,
                "the \"HTTP request\" section lists no request path".into(),
                heading.clone(),
                Some(hint.into()),
            );
        } else if self.page.request_headings.is_empty()
            && let Some(request) = self
                .page
                .blocks
                .iter()
                .find(|b| b.kind == BlockKind::Request)
        {
            self.push(
                "L016",
                Severity::Warning,
                "the page has no \"HTTP request\" section: only its examples' paths give cases"
                    .into(),
                request.span.start..request.span.start + 3,
                Some(hint.into()),
            );
        }
    }

    fn status_lines(&mut self, request: &Block, response: &Block, prose: &[&page::ProseStatus]) {
        let Some((line, at)) = page::http_message(response).start_line else {
            return;
        };
        let mut words = line.split_whitespace();
        let _version = words.next();
        let Some(code_text) = words.next() else {
            return;
        };
        let Ok(code) = code_text.parse::<u16>() else {
            return;
        };
        let code_at = at + line.find(code_text).unwrap_or(0);
        let reason: Vec<&str> = words.collect();
        let reason = reason.join(" ");
        if !reason.is_empty() && !reason_matches(code, &reason) {
            let canonical = reqwest::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            self.push(
                "L002",
                Severity::Error,
                format!(
                    "status line `{code} {reason}`: the reason phrase of {code} is `{canonical}`"
                ),
                code_at..at + line.len(),
                None,
            );
        }
        let headers = page::http_message(request).headers;
        if let Some((status, Some(stated))) = pairing::expected_status(prose, Some(code), &headers)
            && status != code
        {
            let prose_line = self.at(stated.span.clone()).line;
            let why = match &stated.role {
                page::StatusRole::Alternative(_) => "for this request",
                _ => "on success",
            };
            self.push(
                "L001",
                Severity::Error,
                format!("the example's status line says {code}, the prose says {status} {why}"),
                code_at..code_at + code_text.len(),
                Some(format!(
                    "the prose at line {prose_line}; make them agree (a create answers 201)"
                )),
            );
        }
    }

    /// The schema named by the response's `@odata.type` and whether the body is a collection of
    /// it, reporting a match only by case.
    fn odata_type(&mut self, response: &Block) -> Option<(String, bool)> {
        let annotation = response.annotation.as_ref()?;
        let said = import::ResponseAnnotation::of(response);
        let odata_type = said.odata_type?;
        let (schema, collection) = type_names::schema_for(odata_type, self.names)?;
        let written = type_names::type_name(odata_type);
        if written != schema {
            let start = self.page.text[annotation.span.clone()]
                .find(odata_type)
                .map_or(annotation.span.start, |i| annotation.span.start + i);
            self.push(
                "L005",
                Severity::Warning,
                format!("`@odata.type` {odata_type} matches the schema {schema} only without regard to case"),
                start..start + odata_type.len(),
                Some(format!("write microsoft.graph.{schema}")),
            );
        }
        Some((schema, collection || said.is_collection))
    }

    /// The (pointer prefix, value) pairs of a body that `judged` validates: the body, each item
    /// of a collection's `value`, or nothing for a request body that is not the resource (an
    /// action's parameters).
    fn instances<'v>(&self, value: &'v Value, judged: &Judged<'_>) -> Vec<(String, &'v Value)> {
        match judged {
            Judged::Response(_, true) => value
                .get("value")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (format!("/value/{i}"), item))
                        .collect()
                })
                .unwrap_or_default(),
            Judged::Response(_, false) => vec![(String::new(), value)],
            Judged::Request(schema) => {
                let known = self.schemas.properties(schema);
                let is_resource = value.as_object().is_some_and(|map| {
                    map.keys()
                        .filter(|k| !k.contains('@'))
                        .all(|k| known.is_some_and(|known| known.contains_key(k)))
                });
                if is_resource {
                    vec![(String::new(), value)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn example(&mut self, block: &Block, judged: Option<Judged<'_>>) {
        let what = match judged {
            Some(Judged::Request(_)) => "request",
            _ => "response",
        };
        let Some((body, body_at)) = page::http_message(block).body else {
            return;
        };
        let Ok(value) = serde_json::from_str::<Value>(&body) else {
            return;
        };
        let spans = jsonpos::value_spans(&body);
        let span_of = |pointer: &str| {
            spans
                .get(pointer)
                .map_or(body_at..body_at + 1, |r| body_at + r.start..body_at + r.end)
        };
        let mut reported: HashSet<String> = HashSet::new();
        let checked = judged
            .as_ref()
            .map(|j| self.instances(&value, j))
            .unwrap_or_default();
        let schema = judged.as_ref().map_or("", Judged::schema);
        for (prefix, instance) in checked {
            let Some(violations) = self.schemas.validate(schema, instance) else {
                continue;
            };
            for mut violation in violations {
                violation.pointer.insert_str(0, &prefix);
                let offending = value.pointer(&violation.pointer);
                let placeholder_format = violation.keyword == "format"
                    && offending.and_then(Value::as_str).is_some_and(is_stand_in);
                if placeholder_format {
                    continue; // reported below as a placeholder
                }
                reported.insert(violation.pointer.clone());
                self.push(
                    "L003",
                    Severity::Error,
                    format!(
                        "the example {what} breaks the {schema} schema at `{}`: {}",
                        violation.pointer, violation.message
                    ),
                    span_of(&violation.pointer),
                    Some(format!("rule `{}`", violation.keyword)),
                );
            }
        }
        let mut strings = Vec::new();
        collect_strings(&value, &mut String::new(), &mut strings);
        for (pointer, text) in strings {
            if is_stand_in(&text)
                && !reported.contains(&pointer)
                && !pointer.ends_with("@odata.type")
            {
                self.push(
                    "L004",
                    Severity::Warning,
                    format!("placeholder value \"{text}\" in the example {what}"),
                    span_of(&pointer),
                    Some("show a realistic value of the property's type".into()),
                );
            }
        }
    }

    /// L008 for each listed path that is the example's route named otherwise.
    fn parameter_names(&mut self, request: &Block) {
        let Some((line, _)) = page::http_message(request).start_line else {
            return;
        };
        let Some((_, url)) = page::request_line(&line) else {
            return;
        };
        let example = paths::url_path(url);
        let example_literals: Vec<&str> = example.split('/').filter(|s| !s.is_empty()).collect();
        for listed in import::listed_paths(self.page) {
            let segments: Vec<&str> = listed.url.split('/').filter(|s| !s.is_empty()).collect();
            // The same route without the version segment: compare parameter names.
            let aligned = example_literals.len() == segments.len() + 1
                && example_literals[1..].iter().zip(&segments).all(|(e, l)| {
                    paths::is_placeholder(e) == paths::is_placeholder(l)
                        && (paths::is_placeholder(e) || e == l)
                });
            if !aligned {
                continue;
            }
            for (e, l) in example_literals[1..].iter().zip(&segments) {
                if paths::is_placeholder(e) && e != l {
                    let at = listed.at + listed.url.find(l).unwrap_or(0);
                    self.push(
                        "L008",
                        Severity::Warning,
                        format!(
                            "the HTTP request section writes the parameter {l}, the example URL {e}"
                        ),
                        at..at + l.len(),
                        Some("name path parameters the same way in both places".into()),
                    );
                }
            }
        }
    }
}

fn collect_strings(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((pointer.clone(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                collect_strings(item, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(key));
                collect_strings(item, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Every finding of a documentation page; `names` are the schemas' names.
fn lint_page(
    page: &Page,
    schemas: &Schemas,
    names: &[String],
    models: &Models,
    default_version: &str,
) -> Vec<Finding> {
    PageLinter {
        page,
        schemas,
        names,
        models,
        version: files::page_version(&page.path).unwrap_or(default_version),
        findings: Vec::new(),
    }
    .run()
}

/// Reads and lints pages, spread over the cores; findings in the pages' order.
pub fn lint_page_files(
    paths: &[std::path::PathBuf],
    schemas: &Schemas,
    models: &Models,
) -> crate::error::Result<Vec<Finding>> {
    let names: Vec<String> = schemas.names().map(str::to_string).collect();
    let per_page = crate::fs::in_parallel(paths, |path| {
        let text = std::fs::read_to_string(path).map_err(|e| {
            crate::error::Error::in_file(format!("cannot read the page: {e}"), path)
        })?;
        Ok(lint_page(
            &page::parse(path, text),
            schemas,
            &names,
            models,
            DEFAULT_VERSION,
        ))
    });
    let mut findings = Vec::new();
    for page in per_page {
        findings.extend(page?);
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::import::tests::{LISTING_PAGE, office};

    /// The findings of `text` as code and offending text, with the office model.
    fn findings(text: &str) -> Vec<(&'static str, String)> {
        let empty = tempfile::tempdir().unwrap();
        let schemas = Schemas::load_dir(empty.path()).unwrap();
        let page = page::parse(std::path::Path::new("p.md"), text.to_string());
        lint_page(&page, &schemas, &[], &office(), "v1.0")
            .into_iter()
            .map(|f| (f.code, f.text))
            .collect()
    }

    #[test]
    fn names_every_listed_path_that_gives_no_case_and_the_version_graph_lacks() {
        let found = findings(LISTING_PAGE);
        let listed: Vec<&(&str, String)> = found
            .iter()
            .filter(|(code, _)| ["L013", "L014", "L015"].contains(code))
            .collect();
        let expected = [
            ("L015", "{id | userPrincipalName}"),
            ("L013", "v1"),
            ("L014", "/me/messages/{id}/attachments"),
            ("L014", "/me/messages/{id}/$value"),
            ("L014", "/workbook/messages/{id}"),
            ("L014", "/me/messages/{id}"),
        ];
        let listed: Vec<(&str, &str)> = listed.iter().map(|(c, t)| (*c, t.as_str())).collect();
        assert_eq!(listed, expected);
        assert!(
            found.contains(&("L009", "workbook".to_string())),
            "the segment the model cannot place: {found:?}"
        );
    }

    #[test]
    fn a_request_section_without_a_path_is_a_warning() {
        let start = LISTING_PAGE.find("<!--").unwrap();
        let end = LISTING_PAGE.find("## Example").unwrap();
        let without = LISTING_PAGE.replace(&LISTING_PAGE[start..end], "See the example.\n\n");
        let l016 = |text: &str| {
            findings(text)
                .into_iter()
                .filter(|(code, _)| *code == "L016")
                .count()
        };
        assert_eq!(l016(&without), 1);
        assert_eq!(l016(LISTING_PAGE), 0);
    }
}
