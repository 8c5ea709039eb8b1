//! The case files in `cases/`: TOML with one `[[case]]` per documented request/response pair.
//! Parsing keeps source spans so that later stages can point at the offending text.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::error::{Error, Result};

/// A case file as read from disk, kept for error messages.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Where a value came from: a byte range of a case file.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
}

impl Origin {
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::at(message, &self.file.path, &self.file.text, self.span.clone())
    }
}

/// Which documentation page a case file comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageDoc {
    /// The seed page the cases were taken from.
    pub seed: Option<String>,
    pub title: Option<String>,
    /// API version of the page (`beta`, `v1.0`).
    pub api: Option<String>,
}

/// What the documentation said about one pair, where it matters to a reader of the case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairDoc {
    /// The `name` of the request annotation on the page.
    pub name: Option<String>,
    /// The status shown in the example's status line, when it differs from what is expected.
    pub status: Option<u16>,
    /// Contradictions and substitutions: why the case expects or sends what it does.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The documented request block, verbatim.
    pub request: Option<String>,
    /// The documented response block, verbatim.
    pub response: Option<String>,
}

/// One documented request/response pair with its setup and teardown.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub name_origin: Origin,
    pub tags: Vec<String>,
    /// Reason to skip the case unless ignored cases are asked for.
    pub ignore: Option<String>,
    /// Whether the case's own request may be sent again after a network error.
    pub retry_network: bool,
    pub page: PageDoc,
    pub doc: PairDoc,
    pub setup: Vec<Step>,
    pub request: Request,
    pub expect: Expect,
    pub teardown: Vec<Step>,
}

impl Case {
    pub fn file(&self) -> &Path {
        &self.name_origin.file.path
    }
}

/// An HTTP request with placeholders.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    /// The JSON body, compact, sent as `application/json`.
    pub json: Option<Arc<str>>,
    /// Variables taken from the response: name → JSON pointer.
    pub capture: Vec<Capture>,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub variable: String,
    pub pointer: String,
}

/// A setup or teardown request. It is not under test: it must answer `status` (any 2xx when
/// absent) and yield its captures, or the case cannot run.
#[derive(Debug, Clone)]
pub struct Step {
    pub request: Request,
    pub status: Option<u16>,
}

/// What the response to the case's request must be.
#[derive(Debug, Clone)]
pub struct Expect {
    pub status: u16,
    pub schema: Option<SchemaRef>,
    /// The body is a collection (`{ "value": [...] }`) of `schema` items.
    pub collection: bool,
    /// JSON pointers that must be present in the body.
    pub required: Vec<String>,
    /// Values the server must echo: a subset of the body.
    pub body: Option<Value>,
}

impl Expect {
    /// Whether the response must carry a JSON body.
    pub fn wants_body(&self) -> bool {
        !status_forbids_body(self.status)
            && (self.schema.is_some() || self.body.is_some() || !self.required.is_empty())
    }
}

/// Statuses whose responses never carry a body (RFC 9110).
pub fn status_forbids_body(status: u16) -> bool {
    matches!(status, 204 | 205 | 304) || (100..200).contains(&status)
}

#[derive(Debug, Clone)]
pub struct SchemaRef {
    pub name: String,
    pub origin: Origin,
}

/// A string with `{name}` placeholders.
#[derive(Debug, Clone)]
pub struct Template {
    pub raw: String,
    pub origin: Origin,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Variable(String),
}

impl Template {
    fn parse(raw: Spanned<String>, file: &Arc<SourceFile>) -> Result<Self> {
        let origin = Origin {
            file: file.clone(),
            span: raw.span(),
        };
        let raw = raw.into_inner();
        let pieces = parse_placeholders(&raw).map_err(|message| origin.error(message))?;
        Ok(Self {
            raw,
            origin,
            pieces,
        })
    }

    /// Names of the placeholders, in order of appearance.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Variable(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Fills the placeholders; the first missing variable is returned as the error.
    pub fn render(&self, vars: &HashMap<String, String>) -> Result<String, String> {
        let mut out = String::with_capacity(self.raw.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Variable(name) => match vars.get(name) {
                    Some(value) => out.push_str(value),
                    None => return Err(name.clone()),
                },
            }
        }
        Ok(out)
    }
}

fn is_variable_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn parse_placeholders(raw: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            format!("unclosed placeholder in `{raw}`: a `{{` has no matching `}}`")
        })?;
        let name = &after[..close];
        if name.is_empty() || !name.chars().all(is_variable_char) {
            return Err(format!(
                "bad placeholder `{{{name}}}` in `{raw}`: names use letters, digits, `-`, `_` and `.`"
            ));
        }
        pieces.push(Piece::Variable(name.to_string()));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

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
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Whether `word` is an HTTP method conform sends.
pub fn is_method(word: &str) -> bool {
    METHODS.contains(&word)
}

/// Reads every `*.toml` file of `dir` (sorted by name) into cases.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>> {
    let files = case_files(dir)?;
    let mut cases = Vec::new();
    for result in in_parallel(&files, read_and_parse) {
        cases.extend(result?);
    }
    check_unique_names(&cases)?;
    Ok(cases)
}

/// The `*.toml` files of `dir`, sorted by name; at least one.
pub fn case_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| {
        Error::new(format!(
            "cannot read the cases directory {}: {e}",
            dir.display()
        ))
        .with_help("pass --cases DIR, or run conform from the project root")
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::new(format!(
            "no case files (*.toml) in {}",
            dir.display()
        )));
    }
    Ok(files)
}

/// Applies `each` to every file, spread over the cores; the results keep the files' order.
pub fn in_parallel<T: Send>(
    files: &[PathBuf],
    each: impl Fn(&Path) -> Result<T> + Sync,
) -> Vec<Result<T>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len())
        .max(1);
    let chunk = files.len().div_ceil(threads).max(1);
    let each = &each;
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|paths| scope.spawn(move || paths.iter().map(|p| each(p)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| vec![Err(Error::new("a case file could not be parsed"))])
            })
            .collect()
    })
}

/// A case file's text.
pub fn read_text(path: &Path) -> Result<String> {
    fs::read(path)
        .map_err(|e| Error::in_file(format!("cannot read: {e}"), path))
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|e| Error::in_file(format!("not UTF-8 text ({e})"), path))
        })
}

pub fn read_and_parse(path: &Path) -> Result<Vec<Case>> {
    parse_file(path, read_text(path)?)
}

/// Parses one case file. `path` is used for messages only.
pub fn parse_file(path: &Path, text: String) -> Result<Vec<Case>> {
    let file = Arc::new(SourceFile {
        path: path.to_path_buf(),
        text,
    });
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
        .map(|case| build_case(case, &parsed.doc, &file))
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
        retry_network: raw.retry_network,
        page: page.clone(),
        doc: raw.doc,
        setup,
        request: build_main_request(raw.request, file)?,
        expect: build_expect(raw.expect, file)?,
        teardown,
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
    let method = raw.method.get_ref().to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(origin(raw.method.span()).error(format!(
            "unknown HTTP method `{}`; expected one of {}",
            raw.method.get_ref(),
            METHODS.join(", ")
        )));
    }
    if !raw.path.get_ref().starts_with('/') {
        return Err(origin(raw.path.span()).error(format!(
            "the path `{}` must start with `/` and include the API version (`/v1.0/...`, `/beta/...`)",
            raw.path.get_ref()
        )));
    }
    let path = Template::parse(raw.path, file)?;
    let mut headers = Vec::new();
    for (name, value) in raw.headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(origin(value.span()).error(format!("`{name}` is not a valid header name")));
        }
        headers.push((name, Template::parse(value, file)?));
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

fn build_expect(raw: ExpectToml, file: &Arc<SourceFile>) -> Result<Expect> {
    let status_span = raw.status.span();
    let status = status_code(raw.status, file)?;
    let schema = raw.schema.map(|name| SchemaRef {
        origin: Origin {
            file: file.clone(),
            span: name.span(),
        },
        name: name.into_inner(),
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
    })
}

/// Escapes a property name for use as one JSON pointer token (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
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

/// Case names are unique across all case files.
pub fn check_unique_names(cases: &[Case]) -> Result<()> {
    let mut seen: HashMap<&str, &Case> = HashMap::new();
    for case in cases {
        if let Some(first) = seen.insert(&case.name, case) {
            let line = crate::error::Location::new(
                first.file(),
                &first.name_origin.file.text,
                first.name_origin.span.clone(),
            )
            .line;
            return Err(case
                .name_origin
                .error(format!("duplicate case name `{}`", case.name))
                .with_help(format!(
                    "first defined at {}:{line}; case names are unique across all case files",
                    first.file().display()
                )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[doc]
seed = "x.txt"

[[case]]
name = "create"
tags = ["t"]

[[case.setup]]
method = "post"
path = "/v1.0/groups/{group-id}/conversations"
json = '{"topic": "setup"}'
status = 201
capture = { conversation-id = "/id" }

[case.request]
method = "POST"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads"
json = '''
{ "topic": "t" }
'''

[case.expect]
status = 201
schema = "conversationThread"
required = ["id", "/posts/0"]
body = '{"topic": "t"}'

[[case.teardown]]
method = "DELETE"
path = "/v1.0/groups/{group-id}/conversations/{conversation-id}"
"#;

    fn parse(text: &str) -> Result<Vec<Case>> {
        parse_file(Path::new("cases/t.toml"), text.to_string())
    }

    #[test]
    fn parses_a_full_case() {
        let cases = parse(MINIMAL).unwrap();
        let case = &cases[0];
        assert_eq!(case.name, "create");
        assert_eq!(case.page.seed.as_deref(), Some("x.txt"));
        assert_eq!(case.setup[0].request.method, "POST");
        assert_eq!(case.setup[0].status, Some(201));
        assert_eq!(case.setup[0].request.capture[0].variable, "conversation-id");
        assert_eq!(case.request.json.as_deref(), Some(r#"{"topic":"t"}"#));
        assert_eq!(case.expect.required, vec!["/id", "/posts/0"]);
        assert_eq!(
            case.request.path.variables().collect::<Vec<_>>(),
            vec!["group-id", "conversation-id"]
        );
        assert!(case.expect.wants_body());
        assert_eq!(case.teardown.len(), 1);
    }

    #[test]
    fn renders_templates_and_names_the_missing_variable() {
        let cases = parse(MINIMAL).unwrap();
        let path = &cases[0].request.path;
        let mut vars = HashMap::new();
        vars.insert("group-id".to_string(), "g".to_string());
        assert_eq!(path.render(&vars), Err("conversation-id".to_string()));
        vars.insert("conversation-id".to_string(), "c".to_string());
        assert_eq!(
            path.render(&vars).unwrap(),
            "/v1.0/groups/g/conversations/c/threads"
        );
    }

    #[test]
    fn unknown_key_is_reported_at_its_line() {
        let text = MINIMAL.replace("status = 201\nschema", "staus = 201\nschema");
        let err = parse(&text).unwrap_err();
        assert!(err.message().contains("unknown field `staus`"), "{err}");
        assert_eq!(err.location().unwrap().line, 24);
    }

    #[test]
    fn invalid_json_body_is_reported_inside_the_case_file() {
        let text = MINIMAL.replace("{ \"topic\": \"t\" }", "{ \"topic\": t }");
        let err = parse(&text).unwrap_err();
        let loc = err.location().unwrap();
        assert!(err.message().starts_with("invalid JSON"), "{err}");
        assert_eq!((loc.line, loc.column), (20, 13), "{err}");
    }

    #[test]
    fn rejects_bad_status_method_path_and_placeholder() {
        let bad_status =
            MINIMAL.replace("[case.expect]\nstatus = 201", "[case.expect]\nstatus = 999");
        assert!(
            parse(&bad_status)
                .unwrap_err()
                .message()
                .contains("not an HTTP status")
        );
        let bad_method = MINIMAL.replace("method = \"POST\"", "method = \"FETCH\"");
        assert!(
            parse(&bad_method)
                .unwrap_err()
                .message()
                .contains("unknown HTTP method")
        );
        let bad_path = MINIMAL.replace(
            "path = \"/v1.0/groups/{group-id}/conversations/{conversation-id}/threads\"",
            "path = \"v1.0/x\"",
        );
        assert!(
            parse(&bad_path)
                .unwrap_err()
                .message()
                .contains("must start with `/`")
        );
        let unclosed = MINIMAL.replace("{conversation-id}/threads", "{conversation-id/threads");
        assert!(
            parse(&unclosed)
                .unwrap_err()
                .message()
                .contains("unclosed placeholder")
        );
    }

    #[test]
    fn a_body_on_a_no_content_status_is_a_contradiction() {
        let text = MINIMAL.replace("[case.expect]\nstatus = 201", "[case.expect]\nstatus = 204");
        let err = parse(&text).unwrap_err();
        assert!(err.message().contains("status 204 has no body"), "{err}");
    }

    #[test]
    fn empty_file_and_file_without_cases_are_errors() {
        assert!(parse("").unwrap_err().message().contains("no [[case]]"));
        assert!(parse("[doc]\nseed = \"x\"\n").is_err());
    }

    #[test]
    fn escapes_property_names_as_pointer_tokens() {
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
    }
}
