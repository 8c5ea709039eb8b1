//! `conform proxy --record DIR`: the session's exchanges as a suite that replays anywhere. Ids
//! in paths become typed placeholders (`{conversationThread-id}`); an id an earlier answer
//! created is captured there and named by the same placeholder in the later cases; bodies are
//! kept with secrets removed; each case expects the status that came and the values its
//! request sent that the answer echoed. Written through `suite::writer`, the case file's one
//! writer.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::api::key_placeholder;
use crate::api::typing::{Key, SegmentKind, TypedPath};
use crate::error::{Error, Result};
use crate::suite::writer::{self, CaseDraft, FileDraft};

/// The path `typed` with each literal key named by `name(literal, type)`; query kept.
pub fn template(
    typed: &TypedPath,
    query: Option<&str>,
    name: &mut dyn FnMut(&str, &str) -> String,
) -> String {
    let mut out = String::new();
    for segment in &typed.segments {
        let text = match (&segment.step, segment.ty.as_deref()) {
            (SegmentKind::Key(Key::Literal(literal)), Some(ty)) => {
                format!("{{{}}}", name(literal, ty))
            }
            _ => segment.text.clone(),
        };
        if !segment.attached {
            out.push('/');
        }
        out.push_str(&text);
    }
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        let _ = write!(out, "?{query}");
    }
    out
}

/// One exchange to record.
pub struct Exchanged<'a> {
    pub method: &'a str,
    pub typed: &'a TypedPath,
    pub query: Option<&'a str>,
    /// The request's headers that change what it asks (`ConsistencyLevel`, `Prefer`, …).
    pub headers: Vec<(String, String)>,
    /// The request's JSON body, secrets removed.
    pub json: Option<Value>,
    pub status: u16,
    /// The answer's JSON body, secrets removed.
    pub answer: Option<Value>,
    pub creates: bool,
    /// The schema the answer is judged by, and whether it is a collection of it.
    pub schema: Option<(String, bool)>,
}

#[derive(Debug, Default)]
pub struct Recording {
    cases: Vec<CaseDraft>,
    /// A literal id → the placeholder that names it.
    names: HashMap<String, String>,
    /// How many ids each placeholder base names so far.
    taken: HashMap<String, usize>,
}

impl Recording {
    /// A placeholder for `literal`, an id of `ty`: the one it has, else a new one.
    fn name(&mut self, literal: &str, ty: &str) -> String {
        if let Some(name) = self.names.get(literal) {
            return name.clone();
        }
        let base = key_placeholder(ty);
        let count = self.taken.entry(base.clone()).or_default();
        *count += 1;
        let name = match *count {
            1 => base,
            n => format!("{base}-{n}"),
        };
        self.names.insert(literal.to_string(), name.clone());
        name
    }

    pub fn add(&mut self, exchanged: Exchanged<'_>) {
        let path = template(exchanged.typed, exchanged.query, &mut |l, t| {
            self.name(l, t)
        });
        let mut capture = Vec::new();
        let created_id = exchanged
            .answer
            .as_ref()
            .filter(|_| exchanged.creates)
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str);
        if let (Some(id), Some((ty, _))) = (created_id, exchanged.typed.result()) {
            capture.push((self.name(id, ty), "/id".to_string()));
        }
        // A status without a body expects none: no schema, nothing echoed.
        let bodiless = crate::suite::model::status_forbids_body(exchanged.status);
        let answer = exchanged.answer.as_ref().filter(|_| !bodiless);
        let echo = echoed(exchanged.json.as_ref(), answer);
        let (schema, collection) = exchanged.schema.filter(|_| answer.is_some()).unzip();
        let number = self.cases.len() + 1;
        self.cases.push(CaseDraft {
            name: case_name(number, exchanged.method, exchanged.typed),
            doc_name: None,
            method: exchanged.method.to_string(),
            path: path.clone(),
            headers: exchanged.headers,
            json: exchanged.json.as_ref().map(Value::to_string),
            status: exchanged.status,
            documented_status: None,
            schema,
            collection: collection.unwrap_or(false),
            required: Vec::new(),
            expect_headers: Vec::new(),
            capture,
            echo: echo.map(|e| e.to_string()),
            notes: Vec::new(),
            request_text: request_text(exchanged.method, &path, exchanged.json.as_ref()),
            response_text: response_text(exchanged.status, exchanged.answer.as_ref()),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// Writes the session as `DIR/session.toml` (`session-2.toml`, … when taken); returns
    /// the file.
    pub fn write(self, dir: &Path, upstream: &str) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
        let path = (1..)
            .map(|n| match n {
                1 => dir.join("session.toml"),
                n => dir.join(format!("session-{n}.toml")),
            })
            .find(|p| !p.exists())
            .unwrap_or_else(|| dir.join("session.toml"));
        let file = FileDraft {
            comment: vec![
                format!("Recorded by `conform proxy` in front of {upstream}."),
                "Replay: conform run --cases DIR (the binder gives each placeholder a value)."
                    .into(),
            ],
            seed: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            title: Some("A client session, recorded".into()),
            api: None,
            cases: self.cases,
        };
        crate::fs::write_atomically(&path, writer::write(&file).as_bytes()).map_err(Error::new)?;
        Ok(path)
    }
}

/// Request headers that change what a request asks, as Graph reads them: kept in a recording.
pub const MEANINGFUL_HEADERS: [&str; 4] =
    ["consistencylevel", "prefer", "if-match", "if-none-match"];

/// `003_post_groups_threads`.
fn case_name(number: usize, method: &str, typed: &TypedPath) -> String {
    let words: Vec<String> = typed
        .segments
        .iter()
        .filter(|s| {
            !matches!(
                s.step,
                SegmentKind::Version | SegmentKind::Key(_) | SegmentKind::DrivePath
            )
        })
        .map(|s| {
            let name = s.text.split('(').next().unwrap_or_default();
            name.rsplit('.')
                .next()
                .unwrap_or(name)
                .trim_start_matches('$')
                .to_string()
        })
        .collect();
    format!(
        "{number:03}_{}_{}",
        method.to_ascii_lowercase(),
        words.join("_")
    )
}

/// What of the request's body the answer gave back unchanged: what a replay expects echoed.
fn echoed(sent: Option<&Value>, answer: Option<&Value>) -> Option<Value> {
    let (Value::Object(sent), Some(Value::Object(answer))) = (sent?, answer) else {
        return None;
    };
    let echoed: serde_json::Map<String, Value> = sent
        .iter()
        .filter(|(k, v)| answer.get(*k) == Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!echoed.is_empty()).then_some(Value::Object(echoed))
}

fn request_text(method: &str, path: &str, json: Option<&Value>) -> String {
    match json {
        Some(body) => format!("{method} {path}\n\n{body}"),
        None => format!("{method} {path}"),
    }
}

fn response_text(status: u16, answer: Option<&Value>) -> String {
    let line = format!("HTTP/1.1 {}", crate::graph::status_text(status));
    match answer {
        Some(body) => format!("{line}\n\n{body}"),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::typing::type_path;
    use serde_json::json;

    #[test]
    fn an_id_a_create_answered_is_captured_and_named_alike_later() {
        let model = crate::api::fixtures::office_model();
        let mut recording = Recording::default();
        let created = type_path(&[&model], "/v1.0/groups/g-1/threads").unwrap();
        recording.add(Exchanged {
            method: "POST",
            typed: &created,
            query: None,
            headers: Vec::new(),
            json: Some(json!({"topic": "Plans"})),
            status: 201,
            answer: Some(json!({"id": "t-9", "topic": "Plans"})),
            creates: true,
            schema: Some(("conversationThread".into(), false)),
        });
        let read = type_path(&[&model], "/v1.0/groups/g-1/threads/t-9").unwrap();
        recording.add(Exchanged {
            method: "GET",
            typed: &read,
            query: Some("$select=topic"),
            headers: vec![("ConsistencyLevel".into(), "eventual".into())],
            json: None,
            status: 200,
            answer: Some(json!({"id": "t-9"})),
            creates: false,
            schema: None,
        });
        let [create, get] = recording.cases.as_slice() else {
            panic!()
        };
        assert_eq!(create.path, "/v1.0/groups/{group-id}/threads");
        assert_eq!(
            create.capture,
            vec![("conversationThread-id".to_string(), "/id".to_string())]
        );
        assert_eq!(create.echo.as_deref(), Some(r#"{"topic":"Plans"}"#));
        assert_eq!(
            get.path,
            "/v1.0/groups/{group-id}/threads/{conversationThread-id}?$select=topic"
        );
        assert_eq!(get.name, "002_get_groups_threads");
    }
}
