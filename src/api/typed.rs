//! A typed path: what each segment is, the type it reaches, and what a method makes of the
//! whole — the result of `typing`, read by everything that acts on an operation.

use crate::graph::Method;

/// What a segment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentKind {
    Version,
    EntitySet,
    Singleton,
    Key(Key),
    /// A navigation; `contained` when its entities exist only below the parent.
    Navigation {
        contained: bool,
    },
    Property,
    Cast,
    Action,
    Function {
        arguments: Vec<(String, String)>,
    },
    Ref,
    Value,
    Count,
    /// A drive item addressed by its path: `root:/folder/file.txt:`.
    DrivePath,
}

/// How a key is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// `{user-id}`, `<id>`: the text between the brackets.
    Placeholder(String),
    /// `inbox`, `adele@contoso.com`, `'AAMk…'`.
    Literal(String),
    /// `(appId='…')`: property and value pairs.
    Alternate(Vec<(String, String)>),
}

/// One typed segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub step: SegmentKind,
    /// As written: a name, a key, `('x')` for a key in parentheses, `:/a/b.txt:` for a drive path.
    pub text: String,
    /// Written right after the segment before, without a `/`.
    pub attached: bool,
    /// The qualified type reached after this segment (`Edm.*` for a primitive), if any.
    pub ty: Option<String>,
    pub collection: bool,
    /// The metadata's spelling, where the path's differs from it in case only.
    pub spelled: Option<String>,
}

/// Why a path is not typed: the first segment the model could not place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untyped {
    /// The segment as written.
    pub segment: String,
    /// Its byte offset in the path.
    pub at: usize,
    pub reason: String,
    /// Names the model has at that place, nearest first.
    pub nearest: Vec<String>,
}

/// A path, typed as far as the model places it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedPath {
    /// The version segment, when the path starts with one.
    pub version: Option<String>,
    /// The version of the model that typed it.
    pub model: String,
    pub segments: Vec<Typed>,
    /// `None` when every segment is placed.
    pub untyped: Option<Untyped>,
}

/// What a method makes of a typed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    List,
    Read,
    Update,
    Replace,
    Delete,
    Action,
    Function,
    Reference,
    Media,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::List => "list",
            Self::Read => "read",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Action => "action",
            Self::Function => "function",
            Self::Reference => "reference",
            Self::Media => "media",
        }
    }
}

impl TypedPath {
    /// The type the whole path reaches, and whether it is a collection of it.
    pub fn result(&self) -> Option<(&str, bool)> {
        if self.untyped.is_some() {
            return None;
        }
        let last = self.segments.last()?;
        last.ty.as_deref().map(|ty| (ty, last.collection))
    }

    /// The path's first `upto` segments without keys, version or arguments, names as the
    /// metadata spells them: `/groups/{}/threads/{}/reply`. Two paths of one operation share it.
    pub fn shape(&self, upto: usize) -> String {
        let mut out = String::new();
        for segment in self.segments.iter().take(upto) {
            let part = match &segment.step {
                SegmentKind::Version => continue,
                SegmentKind::Key(_) | SegmentKind::DrivePath => "{}".to_string(),
                _ => segment.spelled.clone().unwrap_or_else(|| {
                    let name = segment.text.split('(').next().unwrap_or_default();
                    name.to_string()
                }),
            };
            out.push('/');
            out.push_str(&part.to_ascii_lowercase());
        }
        out
    }

    /// The type of the resource the path acts on: what it reaches, or — for an operation,
    /// `$value`, `$count` or a stream — the entity or collection it is applied to.
    pub fn resource_type(&self) -> Option<&str> {
        if self.untyped.is_some() {
            return None;
        }
        self.segments
            .iter()
            .rev()
            .find_map(|segment| match segment.step {
                SegmentKind::Action
                | SegmentKind::Function { .. }
                | SegmentKind::Value
                | SegmentKind::Count
                | SegmentKind::Version => None,
                _ => segment.ty.as_deref().filter(|ty| !ty.starts_with("Edm.")),
            })
    }

    /// What `method` does to the path; `None` when the path is not typed or the method makes
    /// nothing of it (a DELETE of a collection).
    pub fn operation(&self, method: Method) -> Option<Operation> {
        if self.untyped.is_some() {
            return None;
        }
        let last = self.segments.last()?;
        let stream = last.ty.as_deref() == Some("Edm.Stream");
        match (&last.step, method) {
            (SegmentKind::Ref, _) => Some(Operation::Reference),
            (SegmentKind::Value, _) => Some(Operation::Media),
            (SegmentKind::Action, _) => Some(Operation::Action),
            (SegmentKind::Function { .. }, _) => Some(Operation::Function),
            (SegmentKind::Count, Method::Get) => Some(Operation::Read),
            (SegmentKind::Version | SegmentKind::Count, _) => None,
            (_, _) if stream => Some(Operation::Media),
            (_, Method::Get) if last.collection => Some(Operation::List),
            (_, Method::Post) if last.collection => Some(Operation::Create),
            (_, _) if last.collection => None,
            (_, Method::Get) => Some(Operation::Read),
            (_, Method::Patch) => Some(Operation::Update),
            (_, Method::Put) => Some(Operation::Replace),
            (_, Method::Delete) => Some(Operation::Delete),
            _ => None,
        }
    }
}

impl Typed {
    /// What the segment is, in words: `navigation (contained)`, `key (placeholder)`.
    pub fn describe(&self) -> String {
        let what = match &self.step {
            SegmentKind::Version => "API version".to_string(),
            SegmentKind::EntitySet => "entity set".to_string(),
            SegmentKind::Singleton => "singleton".to_string(),
            SegmentKind::Key(Key::Placeholder(_)) => "key (placeholder)".to_string(),
            SegmentKind::Key(Key::Literal(_)) => "key (literal)".to_string(),
            SegmentKind::Key(Key::Alternate(pairs)) => {
                let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
                format!("alternate key ({})", names.join(", "))
            }
            SegmentKind::Navigation { contained: true } => "navigation (contained)".to_string(),
            SegmentKind::Navigation { contained: false } => "navigation (reference)".to_string(),
            SegmentKind::Property => "property".to_string(),
            SegmentKind::Cast => "type cast".to_string(),
            SegmentKind::Action => "bound action".to_string(),
            SegmentKind::Function { .. } => "bound function".to_string(),
            SegmentKind::Ref => "$ref (references)".to_string(),
            SegmentKind::Value => "$value (media)".to_string(),
            SegmentKind::Count => "$count".to_string(),
            SegmentKind::DrivePath => "drive path".to_string(),
        };
        match &self.spelled {
            Some(spelled) => format!("{what}; the metadata spells it `{spelled}`"),
            None => what,
        }
    }

    /// The type reached, in words: `collection of microsoft.graph.user`.
    pub fn reached(&self) -> String {
        match (&self.ty, self.collection) {
            (Some(ty), true) => format!("collection of {ty}"),
            (Some(ty), false) => ty.clone(),
            (None, _) => "nothing".to_string(),
        }
    }
}
