//! What a suite documents of each operation — the status and the body of its example — so that
//! the generic server answers as the documentation shows: a create answers 201 or 202 as its
//! page says, and the properties an example shows that a request did not set are filled from it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::api::file::Models;
use crate::api::model::{ApiModel, MemberKind};
use crate::api::typing::{self, Step, TypedPath};

/// The documented answer of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub status: u16,
    /// The example's body — for a collection, its first item.
    pub body: Option<Map<String, Value>>,
}

/// The documented answers of a suite, by method and path shape.
#[derive(Debug, Default)]
pub struct Examples {
    by_operation: HashMap<String, Example>,
}

/// A typed path without its keys, version and arguments: `groups/{}/threads/{}/reply`.
pub fn shape(typed: &TypedPath) -> String {
    let mut out = String::new();
    for segment in &typed.segments {
        let part = match &segment.step {
            Step::Version => continue,
            Step::Key(_) | Step::DrivePath => "{}".to_string(),
            _ => segment.spelled.clone().unwrap_or_else(|| {
                segment
                    .text
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }),
        };
        out.push('/');
        out.push_str(&part.to_ascii_lowercase());
    }
    out
}

impl Examples {
    /// The examples of every case file of `cases` whose request path the models type. Files
    /// that do not load are passed over: they are the run's to report.
    pub fn from_cases(cases: &Path, models: &Models) -> Self {
        let mut examples = Self::default();
        if models.is_empty() {
            return examples;
        }
        for file in crate::suite::load::case_files(cases).unwrap_or_default() {
            let Ok(loaded) = crate::suite::load::load_file(&file) else {
                continue;
            };
            for case in loaded.cases {
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
                examples.add(&case.request.method, &typed, case.expect.status, body);
            }
        }
        examples
    }

    pub fn add(&mut self, method: &str, typed: &TypedPath, status: u16, body: Option<Value>) {
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
        let key = format!("{} {}", method.to_ascii_uppercase(), shape(typed));
        // The first documented example of an operation stands for it.
        self.by_operation
            .entry(key)
            .or_insert(Example { status, body });
    }

    pub fn get(&self, method: &str, typed: &TypedPath) -> Option<&Example> {
        let key = format!("{} {}", method.to_ascii_uppercase(), shape(typed));
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
pub fn fill(
    model: &ApiModel,
    ty: &str,
    entity: &mut Map<String, Value>,
    example: &Map<String, Value>,
) -> bool {
    let mut filled = false;
    for (name, value) in example {
        let navigation = model
            .member(ty, name)
            .is_some_and(|m| m.kind != MemberKind::Property);
        if name == "id" || name.starts_with('@') || navigation || entity.contains_key(name) {
            continue;
        }
        entity.insert(name.clone(), value.clone());
        filled = true;
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_operation_is_known_by_its_method_and_shape() {
        let model = crate::api::office_model();
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
            "post",
            &typed("/v1.0/groups/{g}/threads/{t}/reply"),
            202,
            None,
        );
        examples.add(
            "GET",
            &typed("/beta/groups/{g}/threads"),
            200,
            Some(json!({"value": [{"id": "t", "topic": "x"}]})),
        );
        assert_eq!(
            examples
                .get("POST", &typed("/v1.0/groups/1/threads/2/reply"))
                .unwrap()
                .status,
            202
        );
        let list = examples
            .get("GET", &typed("/v1.0/groups/1/threads"))
            .unwrap();
        assert_eq!(
            list.body.as_ref().unwrap()["topic"],
            "x",
            "a list's example is its first item"
        );
        assert!(
            examples
                .get("DELETE", &typed("/v1.0/groups/1/threads/2"))
                .is_none()
        );
    }

    #[test]
    fn fills_what_the_example_shows_and_the_entity_lacks() {
        let model = crate::api::office_model();
        let mut entity = json!({"id": "new", "topic": "sent"})
            .as_object()
            .unwrap()
            .clone();
        let example = json!({"id": "old", "topic": "shown", "preview": "p", "@odata.etag": "e", "posts": [{}]});
        let thread = "microsoft.graph.conversationThread";
        assert!(fill(
            &model,
            thread,
            &mut entity,
            example.as_object().unwrap()
        ));
        assert_eq!(
            Value::Object(entity),
            json!({"id": "new", "topic": "sent", "preview": "p"})
        );
    }
}
