//! What the binding planner is given — each case's shape (its request, what its own setup
//! captures, what its page documents), the values the run has and what it may change — and the
//! questions about a typed path the planner and the binder both ask.

use std::collections::HashSet;

use crate::api::file::Models;
use crate::api::typing::{self, Key, Operation, SegmentKind, TypedPath};
use crate::graph::Method;

/// What a planner needs to know of a case.
#[derive(Debug, Clone)]
pub struct CaseShape {
    pub name: String,
    pub method: Method,
    /// The request path template.
    pub path: String,
    /// The case file's `api`.
    pub api: Option<String>,
    pub expected_status: u16,
    /// Placeholders the case's own setup steps capture.
    pub captured: Vec<String>,
    /// Placeholders of the request's headers.
    pub in_headers: Vec<String>,
    /// The request itself, when the shape is of a loaded case (a create's is sent again as a
    /// setup step of the cases that need what it creates).
    pub request: Option<crate::suite::model::Request>,
    /// The documented example's request line, whose values fill what nothing else binds on
    /// conform's own server.
    pub example: Option<String>,
    /// The documented response block: a read's is the body of a create of its type where the
    /// suite documents none.
    pub response: Option<String>,
}

impl CaseShape {
    pub fn of(case: &crate::suite::model::Case) -> Self {
        Self {
            name: case.name.clone(),
            method: case.request.method,
            path: case.request.path.raw.clone(),
            api: case.page.api.clone(),
            expected_status: case.expect.status,
            captured: case
                .setup
                .iter()
                .flat_map(|step| step.request.capture.iter().map(|c| c.variable.clone()))
                .collect(),
            in_headers: case
                .request
                .headers
                .iter()
                .flat_map(|(_, value)| value.variables().map(str::to_string))
                .collect(),
            request: Some(case.request.clone()),
            example: case.doc.request.clone(),
            response: case.doc.response.clone(),
        }
    }
}

/// What a run may change on its server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Writable {
    /// What the run creates, and an action on a given entity: a server someone cares for.
    #[default]
    Created,
    /// Also the entities the given values name (`--disposable-fixtures`).
    Given,
    /// Everything: conform's own server (embedded, or a `conform mock` reset before the run),
    /// which can seed what a case needs.
    Everything,
}

/// The placeholders the run has values for, and what the run may change.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub names: HashSet<String>,
    pub writable: Writable,
}

impl Given {
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

impl From<HashSet<String>> for Given {
    fn from(names: HashSet<String>) -> Self {
        Self {
            names,
            writable: Writable::Created,
        }
    }
}

/// The case's path typed by the models, when every segment is placed.
pub fn typed(models: &Models, case: &CaseShape) -> Option<TypedPath> {
    let typed = typing::type_request(models, &case.path, case.api.as_deref()).ok()?;
    typed.untyped.is_none().then_some(typed)
}

/// The placeholders of a typed path: each key placeholder with the index of its segment, and
/// other placeholders (parameters, drive paths) with none.
pub fn placeholders(typed: &TypedPath) -> Vec<(String, Option<usize>)> {
    let mut found: Vec<(String, Option<usize>)> = Vec::new();
    for (index, segment) in typed.segments.iter().enumerate() {
        let key = match &segment.step {
            SegmentKind::Key(Key::Placeholder(name)) => Some(name.clone()),
            _ => None,
        };
        let names: Vec<String> = match key {
            Some(name) => vec![name],
            None => braced(&segment.text),
        };
        for name in names {
            if !found.iter().any(|(n, _)| *n == name) {
                let at =
                    matches!(segment.step, SegmentKind::Key(Key::Placeholder(_))).then_some(index);
                found.push((name, at));
            }
        }
    }
    found
}

/// `{name}` placeholders written inside a segment's text (parameters, alternate keys).
pub fn braced(text: &str) -> Vec<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// Whether the request changes what it addresses: anything but a read, a create or a
/// function.
pub fn writes(case: &CaseShape, typed: &TypedPath) -> bool {
    let reads = case.method.reads();
    !reads
        && !matches!(
            typed.operation(case.method),
            Some(Operation::Create | Operation::Function)
        )
}

/// The placeholder of the entity a path addresses — its last key — when that key is one (not
/// a literal, not an alternate key, and not absent, as for a singleton).
pub fn target_key(typed: &TypedPath) -> Option<&str> {
    typed
        .segments
        .iter()
        .rev()
        .find_map(|s| match &s.step {
            SegmentKind::Key(Key::Placeholder(name)) => Some(Some(name.as_str())),
            SegmentKind::Key(_) => Some(None),
            _ => None,
        })
        .flatten()
}
