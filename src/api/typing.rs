//! Typing a path: what each segment is (entity set, singleton, key, navigation, cast, bound
//! operation, `$ref`, `$value`, `$count`, drive path), the type reached at each step, and the
//! operation a method makes of the whole. Pure: a path template and the models in, a typed
//! path out. Segment names match without regard to case, as Graph matches them.

pub use crate::api::typed::{Key, Operation, SegmentKind, Typed, TypedPath, Untyped};

use crate::api::model::{ApiModel, MemberKind};
use crate::api::path::{self, PathError, RawSegment};

/// Types a request's path by the models of its version: the path's first segment, else
/// `fallback` (a case file's `api`), else the default version.
pub fn type_request(
    models: &crate::api::file::Models,
    path: &str,
    fallback: Option<&str>,
) -> Result<TypedPath, PathError> {
    let raw = path::path_part(path);
    let version = raw
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|s| crate::graph::is_version(s))
        .or(fallback);
    type_path(&models.for_version(version), path)
}

/// Whether a path's first segment is its API version: one written as a version, or the
/// template's `{version}`, which stands for any.
pub fn is_version_or_any(segment: &str) -> bool {
    segment == "{version}" || crate::graph::is_version(segment)
}

/// Whether a segment is a placeholder: `{id}`, `<id>`.
pub fn placeholder_name(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .or_else(|| segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')))
}

/// Types `path` (scheme, host and query allowed) by the first of `models` that places every
/// segment; when none does, by the one that placed the most.
pub fn type_path(models: &[&ApiModel], path: &str) -> Result<TypedPath, PathError> {
    let raw = path::split(path::path_part(path))?;
    let mut best: Option<(TypedPath, At, &ApiModel)> = None;
    for model in models {
        let (typed, at) = Walker::new(model).walk(&raw);
        if typed.untyped.is_none() {
            return Ok(typed);
        }
        if best
            .as_ref()
            .is_none_or(|(b, _, _)| typed.segments.len() > b.segments.len())
        {
            best = Some((typed, at, model));
        }
    }
    // The names near an unplaced segment are looked up for the model that placed the most.
    if let Some((typed, at, model)) = &mut best
        && let Some(untyped) = &mut typed.untyped
    {
        untyped.nearest = nearest_at(model, at, &untyped.segment);
    }
    Ok(best
        .map(|(typed, _, _)| typed)
        .unwrap_or_else(|| TypedPath {
            version: None,
            model: String::new(),
            segments: Vec::new(),
            untyped: Some(Untyped {
                segment: String::new(),
                at: 0,
                reason: "no API model: import the metadata with `conform schemas import --csdl`"
                    .into(),
                nearest: Vec::new(),
            }),
        }))
}

/// Where a walk stands between segments.
#[derive(Debug, Clone)]
enum At {
    Start,
    /// A collection of entities of the type.
    Collection(String),
    /// One entity, or one complex value, of the type.
    Single(String),
    /// A collection of complex or primitive values, or a primitive: only `$value`/`$count`.
    Value,
    /// Nothing may follow (`$ref`, `$value`, `$count`, an action without a result).
    End,
}

struct Walker<'m> {
    model: &'m ApiModel,
    at: At,
    segments: Vec<Typed>,
}

impl<'m> Walker<'m> {
    fn new(model: &'m ApiModel) -> Self {
        Self {
            model,
            at: At::Start,
            segments: Vec::new(),
        }
    }

    /// The typed path, and where the walk stopped.
    fn walk(mut self, raw: &[RawSegment<'_>]) -> (TypedPath, At) {
        let mut version = None;
        let mut untyped = None;
        for (index, segment) in raw.iter().enumerate() {
            if index == 0 && is_version_or_any(segment.name) && segment.args.is_none() {
                version = Some(segment.name.to_string());
                self.segments
                    .push(typed(SegmentKind::Version, segment.name, None, false));
                continue;
            }
            if let Err(reason) = self.segment(segment) {
                untyped = Some(Untyped {
                    segment: segment.name.to_string(),
                    at: segment.span.start,
                    reason,
                    nearest: Vec::new(),
                });
                break;
            }
        }
        if matches!(self.at, At::Start) && untyped.is_none() {
            untyped = Some(Untyped {
                segment: String::new(),
                at: 0,
                reason: "the path names no entity set or singleton".into(),
                nearest: Vec::new(),
            });
        }
        let typed = TypedPath {
            version,
            model: self.model.version.clone(),
            segments: self.segments,
            untyped,
        };
        (typed, self.at)
    }

    /// Places one segment, its parenthesised arguments and its drive path.
    fn segment(&mut self, raw: &RawSegment<'_>) -> Result<(), String> {
        self.head(raw.name)?;
        if let Some(args) = raw.args {
            self.arguments(raw.name, args)?;
        }
        if let Some(drive_path) = raw.drive_path {
            match &self.at {
                At::Single(ty) => {
                    let ty = ty.clone();
                    let mut step = typed(
                        SegmentKind::DrivePath,
                        &format!(":{drive_path}:"),
                        Some(ty),
                        false,
                    );
                    step.attached = true;
                    self.segments.push(step);
                }
                _ => return Err(format!("`{}` is not an item a path can address", raw.name)),
            }
        }
        Ok(())
    }

    fn head(&mut self, name: &str) -> Result<(), String> {
        match self.at.clone() {
            At::Start => self.root(name),
            At::Collection(ty) => self.after_collection(&ty, name),
            At::Single(ty) => self.after_single(&ty, name),
            At::Value if name.eq_ignore_ascii_case("$value") => {
                self.push(SegmentKind::Value, name, None, false, None);
                self.at = At::End;
                Ok(())
            }
            At::Value => Err(format!(
                "nothing but `$value` follows a value; `{name}` does"
            )),
            At::End => Err(format!("nothing may follow `{}`", self.last_text())),
        }
    }

    fn last_text(&self) -> &str {
        self.segments.last().map_or("", |s| s.text.as_str())
    }

    fn root(&mut self, name: &str) -> Result<(), String> {
        let root = self
            .model
            .root(name)
            .ok_or_else(|| format!("`{name}` is not an entity set or singleton"))?;
        let step = if root.collection {
            SegmentKind::EntitySet
        } else {
            SegmentKind::Singleton
        };
        let spelled = (root.name != name).then(|| root.name.clone());
        self.push(step, name, Some(root.ty.clone()), root.collection, spelled);
        self.at = if root.collection {
            At::Collection(root.ty.clone())
        } else {
            At::Single(root.ty.clone())
        };
        Ok(())
    }

    fn after_collection(&mut self, ty: &str, name: &str) -> Result<(), String> {
        match name.to_ascii_lowercase().as_str() {
            "$count" => {
                self.push(
                    SegmentKind::Count,
                    name,
                    Some("Edm.Int32".into()),
                    false,
                    None,
                );
                self.at = At::End;
                return Ok(());
            }
            "$ref" => {
                self.push(SegmentKind::Ref, name, Some(ty.to_string()), true, None);
                self.at = At::End;
                return Ok(());
            }
            _ => {}
        }
        if let Some(cast) = self.cast(ty, name) {
            self.push(SegmentKind::Cast, name, Some(cast.clone()), true, None);
            self.at = At::Collection(cast);
            return Ok(());
        }
        if self.operation(ty, true, name) {
            return Ok(());
        }
        let key = match placeholder_name(name) {
            Some(inner) => Key::Placeholder(inner.to_string()),
            None => Key::Literal(name.to_string()),
        };
        self.push(
            SegmentKind::Key(key),
            name,
            Some(ty.to_string()),
            false,
            None,
        );
        self.at = At::Single(ty.to_string());
        Ok(())
    }

    fn after_single(&mut self, ty: &str, name: &str) -> Result<(), String> {
        match name.to_ascii_lowercase().as_str() {
            "$ref" => {
                self.push(SegmentKind::Ref, name, Some(ty.to_string()), false, None);
                self.at = At::End;
                return Ok(());
            }
            "$value" => {
                self.push(
                    SegmentKind::Value,
                    name,
                    Some("Edm.Stream".into()),
                    false,
                    None,
                );
                self.at = At::End;
                return Ok(());
            }
            _ => {}
        }
        if self.member(ty, name) {
            return Ok(());
        }
        if let Some(cast) = self.cast(ty, name) {
            self.push(SegmentKind::Cast, name, Some(cast.clone()), false, None);
            self.at = At::Single(cast);
            return Ok(());
        }
        if self.operation(ty, false, name) {
            return Ok(());
        }
        // Docs often reach a derived type's member without the cast.
        let derived = self.model.descendants(ty);
        if derived.iter().any(|d| self.member(d, name)) {
            return Ok(());
        }
        Err(format!(
            "`{name}` is not a member or bound operation of `{ty}`"
        ))
    }

    /// A property or navigation of `ty`.
    fn member(&mut self, ty: &str, name: &str) -> bool {
        let Some(member) = self.model.member(ty, name) else {
            return false;
        };
        let spelled = (member.name != name).then(|| member.name.clone());
        let step = match member.kind {
            MemberKind::Property => SegmentKind::Property,
            MemberKind::Contained => SegmentKind::Navigation { contained: true },
            MemberKind::Reference => SegmentKind::Navigation { contained: false },
        };
        let member = member.clone();
        self.push(
            step,
            name,
            Some(member.ty.clone()),
            member.collection,
            spelled,
        );
        self.at = self.at_value(&member.ty, member.collection);
        true
    }

    /// What follows a value of `ty`: an entity (set) or complex value may be walked into.
    fn at_value(&self, ty: &str, collection: bool) -> At {
        match self.model.type_info(ty) {
            Some(info) if info.entity && collection => At::Collection(ty.to_string()),
            Some(_) if !collection => At::Single(ty.to_string()),
            _ => At::Value,
        }
    }

    /// A cast to `ty` or to a type derived from it, written qualified.
    fn cast(&self, ty: &str, name: &str) -> Option<String> {
        if !name.contains('.') {
            return None;
        }
        let cast = self.model.type_named(name)?;
        self.model.derives_from(cast, ty).then(|| cast.to_string())
    }

    fn operation(&mut self, ty: &str, collection: bool, name: &str) -> bool {
        let Some(operation) = self.model.operation(ty, collection, name) else {
            return false;
        };
        let step = if operation.action {
            SegmentKind::Action
        } else {
            SegmentKind::Function {
                arguments: Vec::new(),
            }
        };
        let bare = name.rsplit('.').next().unwrap_or(name);
        let spelled = (operation.name != bare).then(|| operation.name.clone());
        let returns = operation.returns.clone();
        let (rty, rcollection) = returns
            .as_ref()
            .map_or((None, false), |(t, c)| (Some(t.clone()), *c));
        self.push(step, name, rty, rcollection, spelled);
        self.at = match returns {
            Some((ty, collection)) => self.at_value(&ty, collection),
            None => At::End,
        };
        true
    }

    /// `(…)` after a segment: a key after a collection, arguments after a function.
    fn arguments(&mut self, name: &str, args: &str) -> Result<(), String> {
        let pairs = path::arguments(args);
        let Some(last) = self.segments.last_mut() else {
            return Err(format!("`{name}` takes no parentheses"));
        };
        match (&mut last.step, &self.at) {
            (SegmentKind::Function { arguments }, _) => {
                *arguments = pairs;
                last.text = format!("{name}({args})");
                Ok(())
            }
            (SegmentKind::Action, _) if args.trim().is_empty() => {
                last.text = format!("{name}()");
                Ok(())
            }
            (
                SegmentKind::EntitySet | SegmentKind::Navigation { .. } | SegmentKind::Cast,
                At::Collection(ty),
            ) => {
                let ty = ty.clone();
                let key = match pairs.as_slice() {
                    [(key_name, value)] if key_name.is_empty() => match placeholder_name(value) {
                        Some(inner) => Key::Placeholder(inner.to_string()),
                        None => Key::Literal(value.clone()),
                    },
                    _ => Key::Alternate(pairs),
                };
                let mut step = typed(
                    SegmentKind::Key(key),
                    &format!("({args})"),
                    Some(ty.clone()),
                    false,
                );
                step.attached = true;
                self.segments.push(step);
                self.at = At::Single(ty);
                Ok(())
            }
            _ => Err(format!("`{name}` takes no parentheses")),
        }
    }

    fn push(
        &mut self,
        step: SegmentKind,
        text: &str,
        ty: Option<String>,
        collection: bool,
        spelled: Option<String>,
    ) {
        let mut segment = typed(step, text, ty, collection);
        segment.spelled = spelled;
        self.segments.push(segment);
    }
}

/// The names `model` has where `name` stood (`at`), nearest first.
fn nearest_at(model: &ApiModel, at: &At, name: &str) -> Vec<String> {
    let candidates: Vec<&str> = match at {
        At::Start => model.root_names().collect(),
        At::Collection(ty) => model.names_after(ty, true),
        At::Single(ty) => model.names_after(ty, false),
        At::Value | At::End => Vec::new(),
    };
    nearest(name, &candidates)
}

fn typed(step: SegmentKind, text: &str, ty: Option<String>, collection: bool) -> Typed {
    Typed {
        step,
        text: text.to_string(),
        attached: false,
        ty,
        collection,
        spelled: None,
    }
}

/// Up to three of `candidates` closest to `name` by edit distance (without regard to case),
/// only those within a third of its length, plus two.
pub fn nearest(name: &str, candidates: &[&str]) -> Vec<String> {
    let lower = name.to_ascii_lowercase();
    let bound = lower.chars().count() / 3 + 2;
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| {
            (
                crate::error::edit_distance(&lower, &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, _)| *d <= bound)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests;
