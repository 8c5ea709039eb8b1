//! The case model: one documented request/response pair with its setup and teardown, as the
//! rest of conform sees it. Every value keeps where it came from, for error messages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::graph::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::probe_kind::ProbeKind;

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

/// Kept as its span alone: a spilled case is read back without its file, which the reader
/// attaches afterwards (`Attach`). Until then an origin points into no file.
impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        (self.span.start, self.span.end).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let (start, end) = <(usize, usize)>::deserialize(deserializer)?;
        Ok(Origin {
            file: SourceFile::detached(),
            span: start..end,
        })
    }
}

impl SourceFile {
    /// The file of an origin read back and not yet attached to its case file.
    fn detached() -> Arc<SourceFile> {
        static DETACHED: std::sync::LazyLock<Arc<SourceFile>> = std::sync::LazyLock::new(|| {
            Arc::new(SourceFile {
                path: PathBuf::new(),
                text: String::new(),
            })
        });
        DETACHED.clone()
    }
}

/// What holds origins: read back from the spill, it is attached to its case file, every
/// origin it holds pointing into that file's text again.
pub trait Attach {
    fn attach(&mut self, file: &Arc<SourceFile>);
}

impl Attach for Origin {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.file = file.clone();
    }
}

impl<T: Attach> Attach for Vec<T> {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.iter_mut().for_each(|item| item.attach(file));
    }
}

impl<T: Attach> Attach for Option<T> {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        if let Some(item) = self {
            item.attach(file);
        }
    }
}

impl Attach for Template {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.origin.attach(file);
    }
}

impl Attach for Request {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.path.attach(file);
        self.headers
            .iter_mut()
            .for_each(|(_, value)| value.attach(file));
    }
}

impl Attach for Step {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.request.attach(file);
        self.settle.attach(file);
    }
}

impl Attach for Expect {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        if let Some(schema) = &mut self.schema {
            schema.origin.attach(file);
        }
    }
}

impl Attach for Case {
    fn attach(&mut self, file: &Arc<SourceFile>) {
        self.name_origin.attach(file);
        self.setup.attach(file);
        self.request.attach(file);
        self.expect.attach(file);
        self.teardown.attach(file);
    }
}

/// A header rule's regular expression, kept as its pattern.
mod pattern {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        regex: &regex::Regex,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(regex.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<regex::Regex, D::Error> {
        let pattern = String::deserialize(deserializer)?;
        regex::Regex::new(&pattern).map_err(serde::de::Error::custom)
    }
}

impl Origin {
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::at(message, &self.file.path, &self.file.text, self.span.clone())
    }
}

/// Which documentation page a case file comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageDoc {
    /// The seed page the cases were taken from.
    pub seed: Option<String>,
    pub title: Option<String>,
    /// API version of the page (`beta`, `v1.0`).
    pub api: Option<String>,
}

/// What the documentation said about one pair, where it matters to a reader of the case.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    pub name: String,
    pub name_origin: Origin,
    pub tags: Vec<String>,
    /// Reason to skip the case unless ignored cases are asked for.
    pub ignore: Option<String>,
    /// The binding plan does not send the case (its reason is in `ignore`): no flag overrides
    /// it, since sending it would touch what the run did not create or name what has no value.
    pub unbound: bool,
    /// Whether the case's own request may be sent again after a network error.
    pub retry_network: bool,
    pub page: PageDoc,
    pub doc: PairDoc,
    pub setup: Vec<Step>,
    pub request: Request,
    pub expect: Expect,
    pub teardown: Vec<Step>,
    /// What the case says about its derived probes, where its page documents otherwise.
    pub probes: Vec<(ProbeKind, ProbeSetting)>,
    /// The entity type its operation acts on, as the API model types its path (`group`).
    pub resource_type: Option<String>,
    /// The operation of the model the case is of (`v1.0 message create`), set with its
    /// binding.
    pub operation: Option<String>,
    /// Where each placeholder's value comes from, as the binding plan says (`group-id` →
    /// `Given`); empty without an API model.
    pub binding: Vec<(String, crate::suite::binding::Binding)>,
    /// The case changes an entity the run did not create (an action on a given entity, or a
    /// write to a disposable fixture).
    pub acts_on_existing: bool,
}

/// A case's word on one probe: off, or expecting another answer than Graph's usual one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeSetting {
    Off,
    Expect {
        status: Option<u16>,
        /// `error.code` the answer must carry.
        code: Option<String>,
        /// The method `wrong-method` sends.
        method: Option<Method>,
    },
}

impl Case {
    pub fn file(&self) -> &Path {
        &self.name_origin.file.path
    }

    /// The operation of `models` the case's request is of, as the coverage ledger names it.
    pub fn operation(
        &self,
        models: &crate::api::file::Models,
    ) -> Option<crate::api::operations::OperationId> {
        let (method, path) = (self.request.method, &self.request.path.raw);
        crate::api::operations::of_request(models, method, path, self.page.api.as_deref())
    }
}

/// An HTTP request with placeholders.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub method: Method,
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    /// The JSON body, compact, sent as `application/json`.
    pub json: Option<Arc<str>>,
    /// Variables taken from the response: name → JSON pointer.
    pub capture: Vec<Capture>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Capture {
    pub variable: String,
    pub pointer: String,
}

/// A setup or teardown request. It is not under test: it must answer `status` (any 2xx when
/// absent) and yield its captures, or the case cannot run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub request: Request,
    pub status: Option<u16>,
    /// The entity this step created, read after it until it answers (bounded by the run's
    /// consistency wait): a chain's create on a service that is eventually consistent.
    pub settle: Option<Template>,
}

/// What the response to the case's request must be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expect {
    pub status: u16,
    pub schema: Option<SchemaRef>,
    /// The body is a collection (`{ "value": [...] }`) of `schema` items.
    pub collection: bool,
    /// JSON pointers that must be present in the body.
    pub required: Vec<String>,
    /// Values the server must echo: a subset of the body. (`null` is a value: kept apart from
    /// no expectation.)
    #[serde(with = "json_text")]
    pub body: Option<Value>,
    /// What response headers must be, by name.
    pub headers: Vec<HeaderExpectation>,
}

/// An expected body kept as its JSON text: the spill's format holds no free-form values.
mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(
        body: &Option<Value>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        body.as_ref().map(Value::to_string).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Value>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| serde_json::from_str(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A response header the case expects.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeaderExpectation {
    /// As the case file writes it; matched without regard to case.
    pub name: String,
    pub rule: HeaderRule,
}

/// What a response header must be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum HeaderRule {
    /// `Location = true`
    Present,
    /// `Location = false`
    Absent,
    /// `Preference-Applied = "return=minimal"`: this exact value.
    Equals(String),
    /// `Content-Type = { pattern = "^image/" }`: a value the regular expression finds a match in.
    Matches(#[serde(with = "pattern")] regex::Regex),
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchemaRef {
    pub name: String,
    pub origin: Origin,
    /// The API version of the case (its path's, else its file's `api`): a beta case is judged
    /// by the beta schema of that name where there is one.
    pub api: Option<String>,
}

/// A string with `{name}` placeholders, kept parsed (in the spill too).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub raw: String,
    pub origin: Origin,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Piece {
    Text(String),
    Variable(String),
}

impl Template {
    /// Parses the placeholders of `raw`; a malformed one is an error at `origin`.
    pub fn parse(raw: String, origin: Origin) -> Result<Self> {
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

    /// Fills the placeholders; the first one without a value is the error.
    pub fn render(&self, vars: &impl Values) -> Result<String, Unfilled> {
        self.fill(vars, &mut |name| Err(Unfilled(name.to_string())))
    }

    /// Fills the placeholders that have values and leaves the others as `{name}` (what a run
    /// captures as it goes).
    pub fn render_known(&self, vars: &impl Values) -> String {
        let kept = self.fill(vars, &mut |name| Ok(format!("{{{name}}}")));
        kept.unwrap_or_else(|_| self.raw.clone())
    }

    /// The template with each placeholder's value, or what `missing` makes of one without.
    fn fill(
        &self,
        vars: &impl Values,
        missing: &mut dyn FnMut(&str) -> Result<String, Unfilled>,
    ) -> Result<String, Unfilled> {
        let mut out = String::with_capacity(self.raw.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Variable(name) => match vars.value(name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&missing(name)?),
                },
            }
        }
        Ok(out)
    }
}

/// A placeholder that has no value when its request is sent: its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfilled(pub String);

impl std::fmt::Display for Unfilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "placeholder {{{}}} has no value", self.0)
    }
}

/// Where a template's placeholders find their values.
pub trait Values {
    fn value(&self, name: &str) -> Option<&str>;
}

impl Values for HashMap<String, String> {
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// The values of one case's placeholders: what the case captured, else the run's. A name the
/// case captures never falls back to the run's value (`--var`): when the capture fails,
/// teardown must not delete something the case did not create.
pub struct CaseValues<'a> {
    run: &'a HashMap<String, String>,
    captures: Vec<&'a str>,
    captured: HashMap<String, String>,
}

impl<'a> CaseValues<'a> {
    pub fn of(run: &'a HashMap<String, String>, case: &'a Case) -> Self {
        let steps = case.setup.iter().map(|s| &s.request).chain([&case.request]);
        CaseValues {
            run,
            captures: steps
                .flat_map(|step| step.capture.iter().map(|c| c.variable.as_str()))
                .collect(),
            captured: HashMap::new(),
        }
    }

    /// What the case captured as `name`.
    pub fn insert(&mut self, name: String, value: String) {
        self.captured.insert(name, value);
    }
}

impl Values for CaseValues<'_> {
    fn value(&self, name: &str) -> Option<&str> {
        match self.captured.get(name) {
            Some(value) => Some(value),
            None if self.captures.contains(&name) => None,
            None => self.run.get(name).map(String::as_str),
        }
    }
}

/// Whether `c` may appear in a variable name.
pub fn is_variable_char(c: char) -> bool {
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

/// Escapes a property name for use as one JSON pointer token (RFC 6901).
pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The value at a JSON pointer (RFC 6901), as `Value::pointer` finds it, without copying the
/// tokens that need no unescaping (the most of them).
pub fn value_at<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let tokens = pointer.strip_prefix('/')?;
    tokens.split('/').try_fold(value, |at, token| {
        let token = if token.contains('~') {
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        };
        match at {
            Value::Object(members) => members.get(token.as_ref()),
            Value::Array(items) => items.get(array_index(&token)?),
            _ => None,
        }
    })
}

/// An array index token: digits without a leading zero (but `0` itself).
fn array_index(token: &str) -> Option<usize> {
    let digits = token.bytes().all(|b| b.is_ascii_digit());
    if !digits || token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_name_never_falls_back_to_the_runs_value() {
        let text = "[[case]]\nname = \"c\"\n[case.request]\nmethod = \"POST\"\npath = \"/groups/{group-id}/threads\"\ncapture = { thread-id = \"/id\" }\n[case.expect]\nstatus = 201\n";
        let cases = crate::suite::format::parse_file(Path::new("c.toml"), text.into()).unwrap();
        let run: HashMap<String, String> = [
            ("group-id".to_string(), "g1".to_string()),
            ("thread-id".to_string(), "given".to_string()),
        ]
        .into();
        let mut values = CaseValues::of(&run, &cases[0]);
        assert_eq!(values.value("group-id"), Some("g1"));
        assert_eq!(values.value("thread-id"), None, "not captured yet");
        values.insert("thread-id".into(), "t1".into());
        assert_eq!(values.value("thread-id"), Some("t1"));
    }

    #[test]
    fn escapes_property_names_as_pointer_tokens() {
        assert_eq!(escape_pointer_token("a/b~c"), "a~1b~0c");
        assert_eq!(escape_pointer_token("plain"), "plain");
    }

    #[test]
    fn a_value_is_found_at_a_pointer_as_rfc_6901_reads_it() {
        let body = serde_json::json!({"a/b": {"~c": [10, 11]}, "list": [1], "": 5});
        for pointer in [
            "",
            "/a~1b",
            "/a~1b/~0c",
            "/a~1b/~0c/1",
            "/list/0",
            "/",
            "/list/01",
            "/x",
            "x",
        ] {
            assert_eq!(value_at(&body, pointer), body.pointer(pointer), "{pointer}");
        }
    }
}
