//! What a schema says a property holds, read from its JSON: enough to send a value of the
//! wrong type and to tell documented properties from undocumented ones, without a validator.

use serde_json::Value;

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => Self::Integer,
            Value::Number(_) => Self::Number,
            Value::String(_) => Self::String,
            Value::Array(_) => Self::Array,
            Value::Object(_) => Self::Object,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::String => "string",
            Self::Array => "array",
            Self::Object => "object",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "string" => Self::String,
            "array" => Self::Array,
            "object" => Self::Object,
            _ => return None,
        })
    }
}

/// What one property's schema holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A value of this type, described in place.
    Typed(JsonType),
    /// What another schema file describes (`$ref`), by name.
    Named(String),
    /// An array of items of this shape.
    ArrayOf(Box<Shape>),
    /// Anything, or a schema too involved to read here.
    Unknown,
}

/// What one property's schema allows, as far as a server judging a request reads it: its
/// shape, whether it may be null, the `format` of a string (of an array's items), and the
/// members of an `enum` written in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub shape: Shape,
    pub nullable: bool,
    pub format: Option<String>,
    pub members: Vec<String>,
}

/// The field a property's schema describes.
pub fn field_of(schema: &Value) -> Field {
    let nullable = schema.pointer("/if/type").and_then(Value::as_str) == Some("null")
        || schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t == "null"))
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|members| members.iter().any(Value::is_null));
    let inner = match schema.get("else") {
        Some(otherwise) if nullable && schema.get("if").is_some() => otherwise,
        _ => schema,
    };
    let inner = match inner.get("items") {
        Some(items) if declared_type(inner) == Some(JsonType::Array) => items,
        _ => inner,
    };
    Field {
        shape: shape_of(schema),
        nullable,
        format: inner
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string),
        members: enum_members(inner),
    }
}

/// The string members of a schema's `enum`.
pub fn enum_members(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The shape of a property's schema. Graph's nullable properties (`if null … else …`, or a
/// `type` list with `null`) are read as what they hold when not null.
pub fn shape_of(schema: &Value) -> Shape {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return ref_name(target).map_or(Shape::Unknown, Shape::Named);
    }
    if schema.pointer("/if/type").and_then(Value::as_str) == Some("null")
        && let Some(otherwise) = schema.get("else")
    {
        return shape_of(otherwise);
    }
    match declared_type(schema) {
        Some(JsonType::Array) => Shape::ArrayOf(Box::new(
            schema.get("items").map_or(Shape::Unknown, shape_of),
        )),
        Some(kind) => Shape::Typed(kind),
        None => Shape::Unknown,
    }
}

/// The schema's `type`: a name, or the one name of a list besides `null`.
pub fn declared_type(schema: &Value) -> Option<JsonType> {
    match schema.get("type")? {
        Value::String(name) => JsonType::parse(name),
        Value::Array(names) => {
            let mut types = names
                .iter()
                .filter_map(Value::as_str)
                .filter_map(JsonType::parse)
                .filter(|kind| *kind != JsonType::Null);
            let first = types.next()?;
            types.next().is_none().then_some(first)
        }
        _ => None,
    }
}

/// `recipient.json` or `recipient.json#` → `recipient`; a pointer into a file is not read.
fn ref_name(target: &str) -> Option<String> {
    let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
    if !fragment.is_empty() {
        return None;
    }
    let file = file.rsplit('/').next().unwrap_or(file);
    file.strip_suffix(".json").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_a_field_allows() {
        let date = field_of(&json!({"type": ["string", "null"], "format": "date-time"}));
        assert!(date.nullable);
        assert_eq!(date.format.as_deref(), Some("date-time"));
        let kind = field_of(&json!({"enum": ["message", "typing", null]}));
        assert_eq!((kind.nullable, kind.members.len()), (true, 2));
        let body = field_of(&json!({"if": {"type": "null"}, "else": {"$ref": "itemBody.json"}}));
        assert_eq!(
            (body.nullable, body.shape),
            (true, Shape::Named("itemBody".into()))
        );
        let ids =
            field_of(&json!({"type": "array", "items": {"type": "string", "format": "uuid"}}));
        assert_eq!((ids.nullable, ids.format.as_deref()), (false, Some("uuid")));
    }

    #[test]
    fn reads_graph_property_schemas() {
        assert_eq!(
            shape_of(&json!({"type": "boolean"})),
            Shape::Typed(JsonType::Boolean)
        );
        assert_eq!(
            shape_of(&json!({"type": ["string", "null"], "format": "date-time"})),
            Shape::Typed(JsonType::String)
        );
        assert_eq!(
            shape_of(&json!({"if": {"type": "null"}, "else": {"$ref": "emailAddress.json"}})),
            Shape::Named("emailAddress".into())
        );
        assert_eq!(
            shape_of(&json!({"type": "array", "items": {"$ref": "recipient.json"}})),
            Shape::ArrayOf(Box::new(Shape::Named("recipient".into())))
        );
        assert_eq!(
            shape_of(&json!({"$ref": "post.json#/$defs/x"})),
            Shape::Unknown
        );
        assert_eq!(shape_of(&json!({})), Shape::Unknown);
        assert_eq!(
            shape_of(&json!({"type": ["string", "integer"]})),
            Shape::Unknown
        );
    }
}
