//! Undocumented properties: a property of a response that neither its schema nor the
//! documented example knows. Graph adds properties over time, so these are warnings unless the
//! run is strict. OData annotations (names with `@`) are never undocumented.

use std::cell::OnceCell;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schema::generate::stem;
use crate::schema::registry::Schemas;
use crate::schema::shape::Shape;
use crate::suite::model::escape_pointer_token;

/// One property no document knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undocumented {
    /// Where it is in the body.
    pub pointer: String,
    /// The schema of the object that holds it.
    pub schema: String,
    pub property: String,
}

/// What documents a response besides its schema: the documented example's response block
/// (read only when a property is missing from the schema) and the values the case expects.
#[derive(Clone, Copy, Default)]
pub struct Documented<'a> {
    pub response_block: Option<&'a str>,
    pub expected: Option<&'a Value>,
}

impl Documented<'_> {
    /// Every member path the documents show.
    fn shown_paths(&self) -> HashSet<String> {
        let mut known = HashSet::new();
        let example = self.response_block.and_then(crate::graph::documented_body);
        for value in example.iter().chain(self.expected) {
            shown_paths(value, String::new(), &mut known);
        }
        known
    }
}

/// The properties of `body` that schema `schema` (followed into the schemas it names, and
/// into the derived type an `@odata.type` names) does not list and `documented` does not show
/// at the same place.
pub fn undocumented(
    schemas: &Schemas,
    schema: &str,
    collection: bool,
    documented: Documented<'_>,
    body: &Value,
) -> Vec<Undocumented> {
    let walk = Walk {
        schemas,
        documented,
        known: OnceCell::new(),
    };
    let mut found = Vec::new();
    match (collection, body.get("value")) {
        (true, Some(Value::Array(items))) => {
            let value = Place::Root.member("value");
            for (index, item) in items.iter().enumerate() {
                walk.object(schema, item, &value.item(index), &mut found);
            }
        }
        (true, _) => {}
        (false, _) => walk.object(schema, body, &Place::Root, &mut found),
    }
    found
}

/// Where a value is, as the steps from the body to it: strings are built only for the few
/// places reported.
enum Place<'a> {
    Root,
    Member(&'a Place<'a>, &'a str),
    Item(&'a Place<'a>, usize),
}

impl<'a> Place<'a> {
    fn member(&'a self, key: &'a str) -> Self {
        Place::Member(self, key)
    }

    fn item(&'a self, index: usize) -> Self {
        Place::Item(self, index)
    }

    /// The JSON pointer to the value.
    fn pointer(&self) -> String {
        self.joined(&|index| index.to_string())
    }

    /// The pointer with array indices as `*`: the same member of every item.
    fn path(&self) -> String {
        self.joined(&|_| "*".to_string())
    }

    fn joined(&self, item: &dyn Fn(usize) -> String) -> String {
        match self {
            Place::Root => String::new(),
            Place::Member(parent, key) => {
                format!("{}/{}", parent.joined(item), escape_pointer_token(key))
            }
            Place::Item(parent, index) => format!("{}/{}", parent.joined(item), item(*index)),
        }
    }
}

struct Walk<'a> {
    schemas: &'a Schemas,
    documented: Documented<'a>,
    /// Paths the documents show, read at the first property the schema does not list.
    known: OnceCell<HashSet<String>>,
}

impl Walk<'_> {
    fn object(&self, schema: &str, value: &Value, at: &Place, found: &mut Vec<Undocumented>) {
        let Value::Object(map) = value else {
            return;
        };
        let schema = derived_type(self.schemas, value).unwrap_or(schema);
        // A schema that lists no properties describes an open object: nothing to compare.
        let Some(properties) = self.schemas.properties(schema).filter(|p| !p.is_empty()) else {
            return;
        };
        for (key, member) in map {
            if key.contains('@') {
                continue;
            }
            let place = at.member(key);
            if let Some(field) = properties.get(key) {
                self.member(&field.shape, member, &place, found);
                continue;
            }
            let known = self.known.get_or_init(|| self.documented.shown_paths());
            if !known.contains(&place.path()) {
                found.push(Undocumented {
                    pointer: place.pointer(),
                    schema: schema.to_string(),
                    property: key.clone(),
                });
            }
        }
    }

    fn member(&self, shape: &Shape, value: &Value, at: &Place, found: &mut Vec<Undocumented>) {
        match (shape, value) {
            (Shape::Named(schema), Value::Object(_)) => self.object(schema, value, at, found),
            (Shape::ArrayOf(items), Value::Array(values)) => {
                for (index, item) in values.iter().enumerate() {
                    self.member(items, item, &at.item(index), found);
                }
            }
            _ => {}
        }
    }
}

/// The loaded schema an object's `@odata.type` names (`#microsoft.graph.attendee` → attendee).
fn derived_type<'s>(schemas: &'s Schemas, value: &Value) -> Option<&'s str> {
    let named = value.get("@odata.type")?.as_str()?;
    let wanted = stem(named.trim_start_matches('#'));
    schemas.names().find(|name| *name == wanted)
}

/// Every member path a documented value shows.
fn shown_paths(value: &Value, path: String, out: &mut HashSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let member_path = format!("{path}/{}", escape_pointer_token(key));
                out.insert(member_path.clone());
                shown_paths(member, member_path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                shown_paths(item, format!("{path}/*"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn schemas() -> Schemas {
        let file =
            |name: &str, text: &str| (PathBuf::from(format!("s/{name}.json")), text.to_string());
        Schemas::compile(&[
            file(
                "thread",
                r#"{"type": "object", "properties": {"id": {"type": "string"},
                    "to": {"type": "array", "items": {"$ref": "recipient.json"}}}}"#,
            ),
            file(
                "recipient",
                r#"{"type": "object", "properties": {"address": {"type": "string"}}}"#,
            ),
            file(
                "attendee",
                r#"{"type": "object", "properties": {"address": {"type": "string"}, "status": {"type": "string"}}}"#,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn finds_what_no_document_knows_at_any_depth() {
        let body = json!({
            "@odata.context": "x", "id": "1", "extra": true, "shown": 1,
            "to": [
                {"address": "a", "nickname": "n", "name@odata.type": "x"},
                {"@odata.type": "#microsoft.graph.attendee", "address": "b", "status": "s"}
            ]
        });
        let documented = Documented {
            response_block: Some("HTTP/1.1 200 OK\n\n{\"shown\": 0}"),
            expected: None,
        };
        let found = undocumented(&schemas(), "thread", false, documented, &body);
        assert_eq!(
            found,
            [
                Undocumented {
                    pointer: "/extra".into(),
                    schema: "thread".into(),
                    property: "extra".into()
                },
                Undocumented {
                    pointer: "/to/0/nickname".into(),
                    schema: "recipient".into(),
                    property: "nickname".into()
                },
            ]
        );
    }

    #[test]
    fn collections_are_judged_item_by_item() {
        let body = json!({"@odata.context": "x", "value": [{"id": "1"}, {"id": "2", "extra": 1}]});
        let found = undocumented(&schemas(), "thread", true, Documented::default(), &body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/value/1/extra");
        let example = json!({"value": [{"extra": 0}]});
        let documented = Documented {
            response_block: None,
            expected: Some(&example),
        };
        assert!(undocumented(&schemas(), "thread", true, documented, &body).is_empty());
    }

    #[test]
    fn reads_the_body_of_a_documented_response_block() {
        let block = "HTTP/1.1 201 Created\nContent-type: application/json\n\n{\"id\": \"x\"}\n";
        assert_eq!(
            crate::graph::documented_body(block),
            Some(json!({"id": "x"}))
        );
        assert_eq!(
            crate::graph::documented_body("HTTP/1.1 204 No Content"),
            None
        );
    }
}
