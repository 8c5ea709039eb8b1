//! What a suite documents of each operation — the status and the body of its example — so that
//! the generic server answers as the documentation shows: a create answers 201 or 202 as its
//! page says, and the properties an example shows that a request did not set are filled from it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::api::file::Models;
use crate::api::model::{ApiModel, MemberKind};
use crate::api::typing::{self, SegmentKind, TypedPath};
use crate::graph::Method;
use crate::mock::generic::validate;
use crate::suite::model::{Case, HeaderExpectation, HeaderRule};

/// The documented answer of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub status: u16,
    /// The example's body — for a collection, its first item.
    pub body: Option<Map<String, Value>>,
    /// The example's body as documented (a collection with its `value`).
    pub whole: Option<Map<String, Value>>,
    /// The contractual headers it shows (`Location`, `Preference-Applied`), with the value it
    /// requires, if any.
    pub headers: Vec<(String, Option<String>)>,
    /// What `fill` takes from the body for an entity of the type the operation returns: that
    /// type, the values judged once when the suite is read, and the properties whose shown
    /// value cannot be used (a fresh valid value each time).
    pub fillable: Option<Fillable>,
}

/// An example's body as judged for one type.
#[derive(Debug, Clone, PartialEq)]
pub struct Fillable {
    pub ty: String,
    pub judged: Map<String, Value>,
    pub defaulted: Vec<String>,
}

/// Properties the server sets itself: never taken from an example.
const SERVER_SET: &[&str] = &["id", "createdDateTime", "lastModifiedDateTime"];

/// The headers an answer carries because its operation's documentation shows them.
const CONTRACTUAL_HEADERS: &[&str] = &["location", "preference-applied"];

/// The contractual headers a case expects, with the value it requires.
fn contractual(expected: &[HeaderExpectation]) -> Vec<(String, Option<String>)> {
    expected
        .iter()
        .filter(|h| CONTRACTUAL_HEADERS.contains(&h.name.to_ascii_lowercase().as_str()))
        .filter_map(|h| match &h.rule {
            HeaderRule::Absent => None,
            HeaderRule::Equals(value) => Some((h.name.clone(), Some(value.clone()))),
            HeaderRule::Present | HeaderRule::Matches(_) => Some((h.name.clone(), None)),
        })
        .collect()
}

/// The documented answers of a suite, by method and path shape.
#[derive(Debug, Default)]
pub struct Examples {
    by_operation: HashMap<String, Example>,
    /// What documented reads and lists show, to load as existing entities.
    pub seeds: Vec<Seed>,
}

/// Entities a documented read or list shows: the collection's path template (its keys as
/// placeholders) and the entities.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    pub collection: String,
    pub entities: Vec<Map<String, Value>>,
}

/// What an operation's example is kept under: its method and its path's shape.
fn operation_key(method: Method, typed: &TypedPath) -> String {
    format!("{method} {}", shape(typed))
}

/// The shape an operation is known by: its whole typed path's.
pub fn shape(typed: &TypedPath) -> String {
    typed.shape(typed.segments.len())
}

impl Examples {
    /// The examples of cases already read.
    pub fn from_loaded(cases: &[Case], models: &Models) -> Self {
        let mut examples = Self::default();
        for case in cases {
            let path = &case.request.path.raw;
            let Ok(typed) = typing::type_request(models, path, case.page.api.as_deref()) else {
                continue;
            };
            if typed.untyped.is_some() {
                continue;
            }
            let body = case
                .doc
                .response
                .as_deref()
                .and_then(crate::graph::documented_body)
                .or_else(|| case.expect.body.clone());
            if case.request.method == Method::Get && case.expect.status == 200 {
                examples.seed(&typed, body.as_ref());
            }
            let headers = contractual(&case.expect.headers);
            examples.add(
                case.request.method,
                &typed,
                (case.expect.status, headers),
                body,
            );
            examples.judge(case.request.method, &typed, models);
        }
        examples
    }

    /// Judges once what the operation's example gives the entities it answers with.
    fn judge(&mut self, method: Method, typed: &TypedPath, models: &Models) {
        let key = operation_key(method, typed);
        let model = models.get(&typed.model);
        let (Some(example), Some(model), Some((ty, _))) =
            (self.by_operation.get_mut(&key), model, typed.result())
        else {
            return;
        };
        if example.fillable.is_some() {
            return;
        }
        let Some(shown) = &example.body else {
            return;
        };
        let mut judged = Map::new();
        let mut defaulted = Vec::new();
        for (name, value) in shown {
            match fillable_value(model, ty, name, value) {
                Some(Some(value)) => {
                    judged.insert(name.clone(), value);
                }
                Some(None) => defaulted.push(name.clone()),
                None => {}
            }
        }
        example.fillable = Some(Fillable {
            ty: ty.to_string(),
            judged,
            defaulted,
        });
    }

    pub fn add(
        &mut self,
        method: Method,
        typed: &TypedPath,
        (status, headers): (u16, Vec<(String, Option<String>)>),
        body: Option<Value>,
    ) {
        let whole = body.as_ref().and_then(Value::as_object).cloned();
        let body = match body {
            Some(Value::Object(mut object)) => match object.remove("value") {
                Some(Value::Array(items)) => items.into_iter().find_map(|i| match i {
                    Value::Object(item) => Some(item),
                    _ => None,
                }),
                Some(other) => {
                    object.insert("value".into(), other);
                    Some(object)
                }
                None => Some(object),
            },
            _ => None,
        };
        let key = operation_key(method, typed);
        // The first documented example of an operation stands for it; the properties the
        // others show besides are answered too, as Graph answers every property its pages show.
        match self.by_operation.entry(key) {
            std::collections::hash_map::Entry::Vacant(vacant) => {
                vacant.insert(Example {
                    status,
                    body,
                    whole,
                    headers,
                    fillable: None,
                });
            }
            std::collections::hash_map::Entry::Occupied(mut occupied) => {
                let example = occupied.get_mut();
                if let (Some(first), Some(more)) = (&mut example.body, body) {
                    let before = first.len();
                    for (name, value) in more {
                        first.entry(name).or_insert(value);
                    }
                    if first.len() > before {
                        // Judged again with what it gained.
                        example.fillable = None;
                    }
                }
            }
        }
    }

    /// Keeps what a documented read or list of `typed` shows as entities of its collection.
    fn seed(&mut self, typed: &TypedPath, body: Option<&Value>) {
        let Some(Value::Object(body)) = body else {
            return;
        };
        let (segments, entities): (&[typing::Typed], Vec<Map<String, Value>>) =
            match typed.operation(Method::Get) {
                Some(typing::Operation::List) => (
                    &typed.segments,
                    body.get("value")
                        .and_then(Value::as_array)
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(|i| i.as_object().cloned())
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                Some(typing::Operation::Read)
                    if matches!(
                        typed.segments.last().map(|s| &s.step),
                        Some(SegmentKind::Key(_))
                    ) =>
                {
                    (
                        &typed.segments[..typed.segments.len() - 1],
                        vec![body.clone()],
                    )
                }
                _ => return,
            };
        let mut collection = String::new();
        for segment in segments {
            if !segment.attached {
                collection.push('/');
            }
            collection.push_str(&segment.text);
        }
        if !entities.is_empty() {
            self.seeds.push(Seed {
                collection,
                entities,
            });
        }
    }

    pub fn get(&self, method: Method, typed: &TypedPath) -> Option<&Example> {
        let key = operation_key(method, typed);
        self.by_operation.get(&key)
    }

    pub fn len(&self) -> usize {
        self.by_operation.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_operation.is_empty()
    }
}

/// Fills `entity`, of type `ty`, with the properties `example` shows that it lacks — never its
/// `id`, OData annotations or navigations (the example's related entities are not this one's);
/// true when it gained any.
/// Gives `entity`, of type `ty`, what the example shows and it lacks: from what was judged
/// when the suite was read, or judged now for another type (a derived one a request named).
pub fn fill_from(model: &ApiModel, ty: &str, entity: &mut Map<String, Value>, example: &Example) {
    match (&example.fillable, &example.body) {
        (Some(fillable), _) if fillable.ty == ty => {
            for (name, value) in &fillable.judged {
                if lacks(entity, name) {
                    entity.insert(name.clone(), value.clone());
                }
            }
            for name in &fillable.defaulted {
                if lacks(entity, name)
                    && let Some(value) = default_of(model, ty, name)
                {
                    entity.insert(name.clone(), value);
                }
            }
        }
        (_, Some(shown)) => {
            fill(model, ty, entity, shown);
        }
        (_, None) => {}
    }
}

/// Whether `entity` has no value for `name`: absent, or null as nobody set it.
fn lacks(entity: &Map<String, Value>, name: &str) -> bool {
    entity.get(name).is_none_or(Value::is_null)
}

pub fn fill(
    model: &ApiModel,
    ty: &str,
    entity: &mut Map<String, Value>,
    example: &Map<String, Value>,
) -> bool {
    let mut filled = false;
    for (name, value) in example {
        if !lacks(entity, name) {
            continue;
        }
        let value = match fillable_value(model, ty, name, value) {
            Some(Some(value)) => Some(value),
            Some(None) => default_of(model, ty, name),
            None => None,
        };
        if let Some(value) = value {
            entity.insert(name.clone(), value);
            filled = true;
        }
    }
    filled
}

/// What the example's `value` of property `name` gives an entity of `ty`: nothing (a
/// navigation, an annotation, what the server sets), the value as a request's would be judged
/// (enum members spelled as the metadata spells them) — or `Some(None)` when the value cannot
/// be used (an example's `"String (timestamp)"`), for a valid one of the property's type in its
/// place, since the page shows the property is answered.
fn fillable_value(model: &ApiModel, ty: &str, name: &str, value: &Value) -> Option<Option<Value>> {
    let navigation = model
        .member(ty, name)
        .is_some_and(|m| m.kind != MemberKind::Property);
    if SERVER_SET.contains(&name) || name.starts_with('@') || navigation {
        return None;
    }
    let mut one = Map::new();
    one.insert(name.to_string(), value.clone());
    match validate::check(model, ty, &mut one, true) {
        Ok(()) => Some(one.remove(name)),
        Err(_) => Some(None),
    }
}

/// A fresh valid value for property `name` of `ty`.
fn default_of(model: &ApiModel, ty: &str, name: &str) -> Option<Value> {
    let member = model.member(ty, name)?;
    validate::default_value(model, &member.ty, member.collection, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_operation_is_known_by_its_method_and_shape() {
        let model = crate::api::fixtures::office_model();
        let typed = |path: &str| typing::type_path(&[&model], path).unwrap();
        assert_eq!(
            shape(&typed("/v1.0/GROUPS/{a}/threads/x/reply")),
            "/groups/{}/threads/{}/reply"
        );
        assert_eq!(
            shape(&typed("/reports/getUsageReport(period='D7')")),
            "/reports/getusagereport"
        );
        let mut examples = Examples::default();
        examples.add(
            Method::Post,
            &typed("/v1.0/groups/{g}/threads/{t}/reply"),
            (202, vec![("Location".into(), None)]),
            None,
        );
        examples.add(
            Method::Get,
            &typed("/beta/groups/{g}/threads"),
            (200, Vec::new()),
            Some(json!({"value": [{"id": "t", "topic": "x"}]})),
        );
        assert_eq!(
            examples
                .get(Method::Post, &typed("/v1.0/groups/1/threads/2/reply"))
                .unwrap()
                .status,
            202
        );
        let list = examples
            .get(Method::Get, &typed("/v1.0/groups/1/threads"))
            .unwrap();
        assert_eq!(
            list.body.as_ref().unwrap()["topic"],
            "x",
            "a list's example is its first item"
        );
        assert!(
            examples
                .get(Method::Delete, &typed("/v1.0/groups/1/threads/2"))
                .is_none()
        );
    }

    #[test]
    fn a_shown_value_that_cannot_be_used_is_made_afresh_for_each_entity() {
        let model = crate::api::fixtures::office_model();
        let typed = typing::type_path(&[&model], "/v1.0/users").unwrap();
        let mut examples = Examples::default();
        let shown = json!({"deletedDateTime": "String (timestamp)", "createdDateTime": "2019-01-01T00:00:00Z", "displayName": "Ada"});
        examples.add(Method::Post, &typed, (201, Vec::new()), Some(shown));
        let models = crate::api::file::Models::from_models(vec![model.clone()]);
        examples.judge(Method::Post, &typed, &models);
        let example = examples.get(Method::Post, &typed).unwrap();
        let fillable = example.fillable.as_ref().unwrap();
        assert_eq!(
            fillable.defaulted,
            ["deletedDateTime"],
            "judged each time, not once"
        );
        assert!(
            !fillable.judged.contains_key("createdDateTime"),
            "the server sets it"
        );
        let mut entity = Map::new();
        fill_from(&model, "microsoft.graph.user", &mut entity, example);
        assert_eq!(entity["displayName"], "Ada");
        assert!(
            entity["deletedDateTime"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert!(!entity.contains_key("createdDateTime"));
    }

    #[test]
    fn fills_what_the_example_shows_and_the_entity_lacks() {
        let model = crate::api::fixtures::office_model();
        let fill_message = |example: Value| {
            let mut entity = json!({"id": "new", "subject": "sent"})
                .as_object()
                .unwrap()
                .clone();
            fill(
                &model,
                "microsoft.graph.message",
                &mut entity,
                example.as_object().unwrap(),
            );
            Value::Object(entity)
        };
        assert_eq!(
            fill_message(
                json!({"id": "old", "subject": "shown", "importance": "HIGH", "@odata.etag": "e", "attachments": [{}]})
            ),
            json!({"id": "new", "subject": "sent", "importance": "high"}),
            "never the id, annotations or navigations; enum members as the metadata spells them"
        );
        assert_eq!(
            fill_message(json!({"importance": "Boolean", "nope": 1})),
            json!({"id": "new", "subject": "sent", "importance": "low"}),
            "a shown value of the wrong type gives way to a valid one; what the type lacks is left out"
        );
    }
}
