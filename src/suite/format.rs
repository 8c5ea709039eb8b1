//! The case-file format: TOML with one `[[case]]` per documented request/response pair, read
//! into the case model. Parsing keeps source spans so that later stages can point at the
//! offending text.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::graph::Method;
use crate::probe_kind::ProbeKind;
use crate::suite::model::{
    Capture, Case, Expect, HeaderExpectation, HeaderRule, Origin, PageDoc, PairDoc, ProbeSetting,
    Request, SchemaRef, SourceFile, Step, Template, escape_pointer_token, is_variable_char,
    status_forbids_body,
};

// ---- the TOML shape -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    doc: PageDoc,
    #[serde(default)]
    case: Vec<CaseToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseToml {
    name: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
    ignore: Option<String>,
    #[serde(default)]
    retry_network: bool,
    #[serde(default)]
    doc: PairDoc,
    #[serde(default)]
    setup: Vec<RequestToml>,
    request: RequestToml,
    expect: ExpectToml,
    #[serde(default)]
    teardown: Vec<RequestToml>,
    #[serde(default)]
    probes: BTreeMap<String, Spanned<ProbeToml>>,
}

/// `false` (off), `true` (as Graph answers), or `{ status = 400, code = "...", method = "PATCH" }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ProbeToml {
    Switch(bool),
    Expect(ProbeExpectToml),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeExpectToml {
    status: Option<i64>,
    code: Option<String>,
    method: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestToml {
    method: Spanned<String>,
    path: Spanned<String>,
    #[serde(default)]
    headers: BTreeMap<String, Spanned<String>>,
    json: Option<Spanned<String>>,
    /// A JSON file beside the case file (or below its directory) holding the body.
    json_file: Option<Spanned<String>>,
    #[serde(default)]
    capture: BTreeMap<String, Spanned<String>>,
    /// Steps only: the status the step must answer.
    status: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectToml {
    status: Spanned<i64>,
    schema: Option<Spanned<String>>,
    #[serde(default)]
    collection: bool,
    #[serde(default)]
    required: Vec<Spanned<String>>,
    body: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<String, Spanned<HeaderToml>>,
}

/// `true` (present), `false` (absent), a string (equal to), or `{ pattern = "..." }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum HeaderToml {
    Presence(bool),
    Equals(String),
    Pattern { pattern: String },
}

/// Parses one case file. `path` is used for messages only.
pub fn parse_file(path: &Path, text: String) -> Result<Vec<Case>> {
    parse_source(&Arc::new(SourceFile {
        path: path.to_path_buf(),
        text,
    }))
}

/// Parses the cases of `file`, whose origins point into its text.
pub fn parse_source(file: &Arc<SourceFile>) -> Result<Vec<Case>> {
    let path = &file.path;
    let parsed: FileToml =
        toml::from_str(&file.text).map_err(|e| Error::from_toml(&e, path, &file.text))?;
    if parsed.case.is_empty() {
        return Err(Error::in_file(
            "no [[case]] tables: a case file holds at least one case",
            path,
        ));
    }
    parsed
        .case
        .into_iter()
        .map(|case| build_case(case, &parsed.doc, file))
        .collect()
}

fn build_case(raw: CaseToml, page: &PageDoc, file: &Arc<SourceFile>) -> Result<Case> {
    let name_origin = Origin {
        file: file.clone(),
        span: raw.name.span(),
    };
    let name = raw.name.into_inner();
    if name.trim().is_empty() || name.chars().any(char::is_whitespace) {
        return Err(name_origin.error("a case name must be non-empty and contain no spaces"));
    }
    let setup = raw
        .setup
        .into_iter()
        .map(|s| build_step(s, file))
        .collect::<Result<_>>()?;
    let teardown = raw
        .teardown
        .into_iter()
        .map(|s| build_step(s, file))
        .collect::<Result<_>>()?;
    Ok(Case {
        name,
        name_origin,
        tags: raw.tags,
        ignore: raw.ignore,
        unbound: false,
        retry_network: raw.retry_network,
        page: page.clone(),
        doc: raw.doc,
        setup,
        expect: build_expect(
            raw.expect,
            file,
            raw.request.path.get_ref(),
            page.api.as_deref(),
        )?,
        request: build_main_request(raw.request, file)?,
        teardown,
        probes: probe_settings(raw.probes, file)?,
        resource_type: None,
        operation: None,
        binding: Vec::new(),
        acts_on_existing: false,
    })
}

fn probe_settings(
    raw: BTreeMap<String, Spanned<ProbeToml>>,
    file: &Arc<SourceFile>,
) -> Result<Vec<(ProbeKind, ProbeSetting)>> {
    raw.into_iter()
        .filter_map(|(name, setting)| {
            let origin = Origin {
                file: file.clone(),
                span: setting.span(),
            };
            let Some(kind) = ProbeKind::parse(&name) else {
                return Some(Err(origin.error(format!(
                    "unknown probe `{name}`; probes are {}",
                    ProbeKind::names()
                ))));
            };
            let setting = match setting.into_inner() {
                ProbeToml::Switch(false) => ProbeSetting::Off,
                ProbeToml::Switch(true) => return None,
                ProbeToml::Expect(expect) => match probe_expectation(kind, expect) {
                    Ok(setting) => setting,
                    Err(message) => return Some(Err(origin.error(message))),
                },
            };
            Some(Ok((kind, setting)))
        })
        .collect()
}

fn probe_expectation(
    kind: ProbeKind,
    raw: ProbeExpectToml,
) -> std::result::Result<ProbeSetting, String> {
    let status = raw
        .status
        .map(|status| match u16::try_from(status) {
            Ok(status @ 100..=599) => Ok(status),
            _ => Err(format!("status {status} is not an HTTP status (100-599)")),
        })
        .transpose()?;
    let method = match raw.method {
        Some(_) if kind != ProbeKind::WrongMethod => {
            return Err(format!(
                "`method` is for the wrong-method probe, not `{}`",
                kind.as_str()
            ));
        }
        Some(text) => Some(text.parse::<Method>()?),
        None => None,
    };
    Ok(ProbeSetting::Expect {
        status,
        code: raw.code,
        method,
    })
}

fn build_step(mut raw: RequestToml, file: &Arc<SourceFile>) -> Result<Step> {
    let status = raw
        .status
        .take()
        .map(|s| status_code(s, file))
        .transpose()?;
    Ok(Step {
        request: build_request(raw, file)?,
        status,
        settle: None,
    })
}

fn build_main_request(raw: RequestToml, file: &Arc<SourceFile>) -> Result<Request> {
    if let Some(status) = &raw.status {
        return Err(Origin {
            file: file.clone(),
            span: status.span(),
        }
        .error("`status` belongs in [case.expect] for the case's own request"));
    }
    build_request(raw, file)
}

fn build_request(raw: RequestToml, file: &Arc<SourceFile>) -> Result<Request> {
    let origin = |span: Range<usize>| Origin {
        file: file.clone(),
        span,
    };
    let method: Method = raw
        .method
        .get_ref()
        .parse()
        .map_err(|why: String| origin(raw.method.span()).error(why))?;
    if !raw.path.get_ref().starts_with('/') {
        return Err(origin(raw.path.span()).error(format!(
            "the path `{}` must start with `/` and include the API version (`/v1.0/...`, `/beta/...`)",
            raw.path.get_ref()
        )));
    }
    let path = template(raw.path, file)?;
    let mut headers = Vec::new();
    for (name, value) in raw.headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(origin(value.span()).error(format!("`{name}` is not a valid header name")));
        }
        headers.push((name, template(value, file)?));
    }
    let json = match (raw.json, raw.json_file) {
        (Some(_), Some(body_file)) => {
            return Err(origin(body_file.span())
                .error("give the body as `json` or as `json_file`, not both"));
        }
        (Some(text), None) => Some(parse_json(&text, file)?),
        (None, Some(body_file)) => Some(read_json_file(&body_file, file)?),
        (None, None) => None,
    }
    .map(|value| Arc::from(value.to_string()));
    let capture = raw
        .capture
        .into_iter()
        .map(|(variable, pointer)| {
            if !variable.chars().all(is_variable_char) || variable.is_empty() {
                return Err(origin(pointer.span()).error(format!(
                    "bad variable name `{variable}`: names use letters, digits, `-`, `_` and `.`"
                )));
            }
            let span = pointer.span();
            let pointer = pointer.into_inner();
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(origin(span).error(format!(
                    "`{pointer}` is not a JSON pointer: it must be empty or start with `/` (e.g. \"/id\")"
                )));
            }
            Ok(Capture { variable, pointer })
        })
        .collect::<Result<_>>()?;
    Ok(Request {
        method,
        path,
        headers,
        json,
        capture,
    })
}

/// The case's expectations; `path` and `page_api` give the API version its schema is of.
fn build_expect(
    raw: ExpectToml,
    file: &Arc<SourceFile>,
    path: &str,
    page_api: Option<&str>,
) -> Result<Expect> {
    let status_span = raw.status.span();
    let status = status_code(raw.status, file)?;
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let api = Some(first)
        .filter(|s| crate::graph::is_version(s))
        .or(page_api)
        .map(str::to_string);
    let schema = raw.schema.map(|name| SchemaRef {
        origin: Origin {
            file: file.clone(),
            span: name.span(),
        },
        name: name.into_inner(),
        api,
    });
    let required: Vec<String> = raw
        .required
        .into_iter()
        .map(|entry| {
            let text = entry.get_ref();
            if text.is_empty() {
                Err(Origin {
                    file: file.clone(),
                    span: entry.span(),
                }
                .error("an empty entry in `required`: name a property or a JSON pointer"))
            } else if text.starts_with('/') {
                Ok(text.clone())
            } else {
                Ok(format!("/{}", escape_pointer_token(text)))
            }
        })
        .collect::<Result<_>>()?;
    let body = raw.body.map(|text| parse_json(&text, file)).transpose()?;
    if status_forbids_body(status) && (schema.is_some() || body.is_some() || !required.is_empty()) {
        return Err(Origin {
            file: file.clone(),
            span: status_span,
        }
        .error(format!(
            "status {status} has no body, yet the case expects a schema, required properties or a body"
        )));
    }
    Ok(Expect {
        status,
        schema,
        collection: raw.collection,
        required,
        body,
        headers: header_expectations(raw.headers, file)?,
    })
}

fn header_expectations(
    raw: BTreeMap<String, Spanned<HeaderToml>>,
    file: &Arc<SourceFile>,
) -> Result<Vec<HeaderExpectation>> {
    raw.into_iter()
        .map(|(name, rule)| {
            let origin = Origin {
                file: file.clone(),
                span: rule.span(),
            };
            let rule = match rule.into_inner() {
                HeaderToml::Presence(true) => HeaderRule::Present,
                HeaderToml::Presence(false) => HeaderRule::Absent,
                HeaderToml::Equals(value) => HeaderRule::Equals(value),
                HeaderToml::Pattern { pattern } => {
                    HeaderRule::Matches(regex::Regex::new(&pattern).map_err(|e| {
                        origin.error(format!("header `{name}`: not a regular expression: {e}"))
                    })?)
                }
            };
            Ok(HeaderExpectation { name, rule })
        })
        .collect()
}

/// A template from a TOML string, placeholders checked at its place in the file.
fn template(raw: Spanned<String>, file: &Arc<SourceFile>) -> Result<Template> {
    let origin = Origin {
        file: file.clone(),
        span: raw.span(),
    };
    Template::parse(raw.into_inner(), origin)
}

fn status_code(raw: Spanned<i64>, file: &Arc<SourceFile>) -> Result<u16> {
    match u16::try_from(*raw.get_ref()) {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => Err(Origin {
            file: file.clone(),
            span: raw.span(),
        }
        .error(format!(
            "`{}` is not an HTTP status code (100-599)",
            raw.get_ref()
        ))),
    }
}

/// Parses a JSON string held in a TOML string, reporting errors at their place in the case file.
fn parse_json(text: &Spanned<String>, file: &Arc<SourceFile>) -> Result<Value> {
    serde_json::from_str(text.get_ref()).map_err(|e| {
        let message = format!("invalid JSON: {e}");
        let (line, column) = json_position_in_file(&file.text, text.span(), e.line(), e.column());
        Error::at_line_column(message, &file.path, &file.text, line, column)
    })
}

/// Reads a `json_file`: relative to the case file, never outside its directory.
fn read_json_file(name: &Spanned<String>, file: &Arc<SourceFile>) -> Result<Value> {
    let origin = Origin {
        file: file.clone(),
        span: name.span(),
    };
    let relative = Path::new(name.get_ref());
    let escapes = relative.is_absolute()
        || relative.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
    if escapes || name.get_ref().is_empty() {
        return Err(origin.error(format!(
            "`{}` leaves the cases directory: `json_file` is a relative path below the case file's directory",
            name.get_ref()
        )));
    }
    let path = file.path.parent().unwrap_or(Path::new(".")).join(relative);
    let text = fs::read_to_string(&path)
        .map_err(|e| origin.error(format!("cannot read `{}`: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::at_line_column(
            format!("invalid JSON: {e}"),
            &path,
            &text,
            e.line(),
            e.column(),
        )
    })
}

/// Maps a 1-based line/column inside a TOML string value to the case file. Exact for literal
/// strings (`'...'`, `'''...'''`), the usual way to hold JSON; close for escaped strings.
fn json_position_in_file(
    text: &str,
    span: Range<usize>,
    json_line: usize,
    json_column: usize,
) -> (usize, usize) {
    let token = text.get(span.clone()).unwrap_or("");
    let mut start = span.start;
    for delimiter in ["'''", "\"\"\"", "'", "\""] {
        if token.starts_with(delimiter) {
            start += delimiter.len();
            if delimiter.len() == 3 {
                if text[start..].starts_with("\r\n") {
                    start += 2;
                } else if text[start..].starts_with('\n') {
                    start += 1;
                }
            }
            break;
        }
    }
    let start_line = text[..start.min(text.len())].matches('\n').count() + 1;
    let line_start = text[..start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let start_column = text[line_start..start.min(text.len())].chars().count() + 1;
    let json_line = json_line.max(1);
    if json_line == 1 {
        (start_line, start_column + json_column.saturating_sub(1))
    } else {
        (start_line + json_line - 1, json_column.max(1))
    }
}

#[cfg(test)]
mod tests;
