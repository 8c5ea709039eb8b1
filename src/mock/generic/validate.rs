//! Request bodies judged as Graph judges them: a property the type does not have is refused
//! (unless the type is open), a value of the wrong JSON type is refused naming the property;
//! instance annotations (`@odata.type`, `x@odata.bind`) always pass.

use serde_json::{Map, Value};

use crate::api::model::{ApiModel, EnumDef, Member, MemberKind, OperationDef};
use crate::mock::generic::primitive;

/// Why a body is refused: Graph's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// How deep complex values and deep-inserted entities are followed.
const MAX_DEPTH: usize = 16;

/// The type a body is of: `@odata.type` when it names `ty` or a type derived from it.
pub fn body_type<'m>(model: &'m ApiModel, ty: &'m str, body: &Map<String, Value>) -> &'m str {
    body.get("@odata.type")
        .and_then(Value::as_str)
        .and_then(|named| model.type_named(named.trim_start_matches('#')))
        .filter(|named| model.derives_from(named, ty))
        .unwrap_or(ty)
}

/// Checks `body`, an instance of `ty`; with `drop_wrong`, properties of the wrong type are
/// removed instead of refused (the broken rule `accepts-wrong-types`).
pub fn check(
    model: &ApiModel,
    ty: &str,
    body: &mut Map<String, Value>,
    drop_wrong: bool,
) -> Result<(), Refused> {
    check_object(model, ty, body, drop_wrong, 0)
}

fn check_object(
    model: &ApiModel,
    ty: &str,
    body: &mut Map<String, Value>,
    drop_wrong: bool,
    depth: usize,
) -> Result<(), Refused> {
    if depth > MAX_DEPTH {
        return Err(Refused("The request body nests too deeply.".into()));
    }
    let ty = body_type(model, ty, body).to_string();
    let open = model
        .lineage(&ty)
        .any(|t| model.type_info(t).is_some_and(|info| info.open));
    let mut wrong = Vec::new();
    for (name, value) in body.iter_mut() {
        if name.contains('@') {
            continue;
        }
        let Some(member) = model.member(&ty, name).cloned() else {
            if open {
                continue;
            }
            return Err(Refused(format!(
                "Invalid property '{name}': the type '{ty}' has no such property."
            )));
        };
        match check_member(model, (name, &member), value, drop_wrong, depth) {
            Err(_) if drop_wrong => wrong.push(name.clone()),
            judged => judged?,
        }
    }
    for name in wrong {
        body.remove(&name);
    }
    Ok(())
}

/// Checks `value`, given for `member` under `name` (a property, or an action's parameter):
/// null only where the metadata allows it, else a value of its type.
pub fn check_member(
    model: &ApiModel,
    (name, member): (&str, &Member),
    value: &mut Value,
    drop_wrong: bool,
    depth: usize,
) -> Result<(), Refused> {
    if value.is_null() {
        // A collection is never null; its items may be where the metadata allows.
        if member.nullable && !member.collection {
            return Ok(());
        }
        return Err(Refused(null_refused(name, &declared(member))));
    }
    if fits(model, member, value, drop_wrong, depth)? {
        return Ok(());
    }
    Err(Refused(format!(
        "Cannot convert the literal '{}' to the expected type '{}' of property '{name}'.",
        literal(value),
        declared(member)
    )))
}

/// Checks `body`, the parameters of a call of `operation`: each one it declares (by name, without
/// regard to case) and of its type, none that may not be null left out.
pub fn check_parameters(
    model: &ApiModel,
    operation: &OperationDef,
    body: &mut Map<String, Value>,
) -> Result<(), Refused> {
    for (name, value) in body.iter_mut() {
        if name.contains('@') {
            continue;
        }
        let Some((declared, ty)) = operation
            .parameters
            .iter()
            .find(|(declared, _)| declared.eq_ignore_ascii_case(name))
        else {
            return Err(Refused(format!(
                "The parameter '{name}' in the request payload is not a valid parameter for the operation '{}'.",
                operation.name
            )));
        };
        let (ty, collection) = match ty.strip_prefix("Collection(") {
            Some(item) => (item.trim_end_matches(')'), true),
            None => (ty.as_str(), false),
        };
        let member = Member {
            name: declared.clone(),
            ty: ty.to_string(),
            collection,
            nullable: !operation.required.contains(declared),
            kind: MemberKind::Property,
        };
        check_member(model, (name, &member), value, false, 0)?;
    }
    let missing = operation
        .required
        .iter()
        .find(|required| !body.keys().any(|k| k.eq_ignore_ascii_case(required)));
    match missing {
        Some(name) => Err(Refused(format!(
            "The parameter '{name}' is required by the operation '{}' and was not given.",
            operation.name
        ))),
        None => Ok(()),
    }
}

/// Checks a function's arguments — written in its path (`(period='D7')`), or in the query by
/// the names of its parameters — against its overloads: the call stands when one of them
/// takes it, else the refusal of the overload that names the most of them. Each OData literal
/// is read as the JSON value it stands for; arguments given by alias (`@p`) are not judged,
/// nor are functions the metadata does not declare.
pub fn check_arguments(
    model: &ApiModel,
    overloads: &[&OperationDef],
    arguments: &[(String, String)],
    query: Option<&str>,
) -> Result<(), Refused> {
    let declared: Vec<&OperationDef> = overloads
        .iter()
        .copied()
        .filter(|op| !op.unknown_parameters)
        .collect();
    if declared.is_empty() || arguments.iter().any(|(_, l)| l.trim().starts_with('@')) {
        return Ok(());
    }
    let takes = |op: &OperationDef, name: &str| {
        op.parameters
            .iter()
            .any(|(p, _)| p.eq_ignore_ascii_case(name))
    };
    let in_query = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(name, _)| declared.iter().any(|op| takes(op, name)))
        .map(|(name, value)| (name.into_owned(), value.into_owned()));
    let values: Map<String, Value> = arguments
        .iter()
        .cloned()
        .chain(in_query)
        .map(|(name, literal)| (name, literal_value(literal.trim())))
        .collect();
    let named = |op: &OperationDef| values.keys().filter(|k| takes(op, k)).count();
    let mut refusal: Option<(usize, Refused)> = None;
    for op in &declared {
        match check_parameters(model, op, &mut values.clone()) {
            Ok(()) => return Ok(()),
            Err(refused) if refusal.as_ref().is_none_or(|(n, _)| named(op) > *n) => {
                refusal = Some((named(op), refused));
            }
            Err(_) => {}
        }
    }
    refusal.map_or(Ok(()), |(_, refused)| Err(refused))
}

/// The JSON value an OData literal in a URL stands for: `'text'` a string, `true`/`false`,
/// `null`, a number; anything else (a date, a GUID, an enum member) its text.
fn literal_value(literal: &str) -> Value {
    if let Some(text) = literal
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return Value::String(text.replace("''", "'"));
    }
    match literal {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => serde_json::from_str::<serde_json::Number>(literal)
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(literal.to_string())),
    }
}

/// The type a property is declared with, as Graph names it in its messages.
fn declared(member: &Member) -> String {
    if member.collection {
        format!("Collection({})", member.ty)
    } else {
        member.ty.clone()
    }
}

/// Graph's message for a null where the metadata allows none.
fn null_refused(name: &str, ty: &str) -> String {
    format!(
        "A null value was found for the property named '{name}', which has the expected type '{ty}[Nullable=False]'. The expected type '{ty}[Nullable=False]' does not allow null values."
    )
}

fn literal(value: &Value) -> String {
    let text = value.to_string();
    let text = text.trim_matches('"');
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Whether `value` is a value of `member`'s type (the items of it for a collection, null
/// among them only where the metadata allows).
fn fits(
    model: &ApiModel,
    member: &Member,
    value: &mut Value,
    drop_wrong: bool,
    depth: usize,
) -> Result<bool, Refused> {
    if !member.collection {
        return fits_one(model, (&member.ty, member.kind), value, drop_wrong, depth);
    }
    let Value::Array(items) = value else {
        return Ok(false);
    };
    for item in items {
        let fits = match item {
            Value::Null => member.nullable,
            item => fits_one(model, (&member.ty, member.kind), item, drop_wrong, depth)?,
        };
        if !fits {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether `value`, not null, is a value of `ty`.
fn fits_one(
    model: &ApiModel,
    (ty, kind): (&str, MemberKind),
    value: &mut Value,
    drop_wrong: bool,
    depth: usize,
) -> Result<bool, Refused> {
    if let Some(primitive) = ty.strip_prefix("Edm.") {
        return Ok(primitive::fits(primitive, value));
    }
    match (model.type_info(ty), value) {
        (Some(_), Value::Object(object)) => {
            check_object(model, ty, object, drop_wrong, depth + 1)?;
            Ok(true)
        }
        (Some(_), _) => Ok(false),
        (None, value) => match model.enums.get(ty) {
            Some(def) => match enum_fits(ty, def, value) {
                Err(_) if drop_wrong => Ok(false),
                judged => judged,
            },
            // A type the model does not keep.
            None => Ok(value.is_string() || kind != MemberKind::Property),
        },
    }
}

/// A member of the enum (or, for flags, a comma-separated combination), without regard to
/// case; another string is refused as Graph refuses it. A member's value (`1` for the second
/// member of a non-flags enum) is OData's other spelling of it.
/// Its members are stored as the metadata spells them (`HTML` becomes `html`), as Graph
/// answers them.
fn enum_fits(ty: &str, def: &EnumDef, value: &mut Value) -> Result<bool, Refused> {
    if let (Some(index), false) = (value.as_u64(), def.flags) {
        let Some(member) = usize::try_from(index).ok().and_then(|i| def.members.get(i)) else {
            return Ok(false);
        };
        *value = Value::String(member.clone());
        return Ok(true);
    }
    let Some(text) = value.as_str() else {
        return Ok(false);
    };
    let parts: Vec<&str> = if def.flags {
        text.split(',').map(str::trim).collect()
    } else {
        vec![text]
    };
    let mut spelled = Vec::with_capacity(parts.len());
    for part in parts {
        match def.members.iter().find(|m| m.eq_ignore_ascii_case(part)) {
            Some(member) => spelled.push(member.as_str()),
            None => {
                return Err(Refused(format!(
                    "Requested value '{part}' was not found in the enum type '{ty}'."
                )));
            }
        }
    }
    *value = Value::String(spelled.join(","));
    Ok(true)
}

/// A value valid for a non-nullable property of type `ty` that a create did not set: `false`,
/// `0`, `""`, now, a fresh GUID, an enum's first member, an empty collection, a complex value
/// filled the same way.
pub fn default_value(model: &ApiModel, ty: &str, collection: bool, depth: usize) -> Option<Value> {
    if collection {
        return Some(Value::Array(Vec::new()));
    }
    let now = || humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    if let Some(primitive) = ty.strip_prefix("Edm.") {
        return Some(match primitive {
            "Boolean" => Value::Bool(false),
            "Int16" | "Int32" | "Int64" | "Byte" | "SByte" | "Double" | "Single" | "Decimal" => {
                Value::from(0)
            }
            "DateTimeOffset" => Value::String(now()),
            "Date" => Value::String(now()[..10].to_string()),
            "TimeOfDay" => Value::String("00:00:00".into()),
            "Duration" => Value::String("PT0S".into()),
            "Guid" => Value::String(uuid::Uuid::new_v4().to_string()),
            "Stream" | "Untyped" => return None,
            _ => Value::String(String::new()),
        });
    }
    if let Some(def) = model.enums.get(ty) {
        return def.members.first().cloned().map(Value::String);
    }
    let info = model.type_info(ty)?;
    if info.entity || depth > 4 {
        return None;
    }
    // A valid value of a complex type has each of its non-nullable properties.
    let mut object = Map::new();
    for member in model.structural_members(ty) {
        if (!member.nullable || member.collection)
            && let Some(value) = default_value(model, &member.ty, member.collection, depth + 1)
        {
            object.insert(member.name.clone(), value);
        }
    }
    Some(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(ty: &str, body: Value, drop_wrong: bool) -> Result<Value, String> {
        let model = crate::api::fixtures::office_model();
        let mut body = body.as_object().unwrap().clone();
        check(&model, ty, &mut body, drop_wrong)
            .map(|()| Value::Object(body))
            .map_err(|Refused(message)| message)
    }

    #[test]
    fn reads_enum_member_values_as_odata_writes_them() {
        let def = EnumDef {
            members: vec!["text".into(), "html".into()],
            flags: false,
        };
        let mut second = json!(1);
        assert_eq!(enum_fits("bodyType", &def, &mut second), Ok(true));
        assert_eq!(second, "html");
        assert_eq!(enum_fits("bodyType", &def, &mut json!(2)), Ok(false));
        assert!(enum_fits("bodyType", &def, &mut json!("xml")).is_err());
    }

    #[test]
    fn refuses_unknown_properties_and_wrong_types_naming_them() {
        let thread = "microsoft.graph.conversationThread";
        assert!(checked(thread, json!({"topic": "x"}), false).is_ok());
        let unknown = checked(thread, json!({"topik": "x"}), false).unwrap_err();
        assert!(unknown.contains("Invalid property 'topik'"), "{unknown}");
        let wrong = checked(thread, json!({"topic": 5}), false).unwrap_err();
        assert!(
            wrong.contains("'5' to the expected type 'Edm.String' of property 'topic'"),
            "{wrong}"
        );
        assert_eq!(
            checked(thread, json!({"topic": 5, "id": "a"}), true).unwrap(),
            json!({"id": "a"}),
            "accepts-wrong-types drops it"
        );
        let deep = checked(thread, json!({"posts": [{"body": 3}]}), false);
        assert!(
            deep.unwrap_err().contains("property 'body'"),
            "deep-inserted entities are judged too"
        );
        let open = checked(thread, json!({"posts": [{"anything": 3}]}), false);
        assert!(open.is_ok(), "post is open: {open:?}");
        let nested = checked(
            "microsoft.graph.user",
            json!({"mailboxSettings": {"timeZone": 1}}),
            false,
        );
        assert!(nested.unwrap_err().contains("property 'timeZone'"));
    }

    #[test]
    fn open_types_annotations_and_derived_types_pass() {
        assert!(
            checked(
                "microsoft.graph.user",
                json!({"anything": 1, "x@odata.bind": "y"}),
                false
            )
            .is_ok()
        );
        let attachment =
            json!({"@odata.type": "#microsoft.graph.fileAttachment", "contentBytes": "AA=="});
        assert!(checked("microsoft.graph.attachment", attachment, false).is_ok());
        let message = json!({"importance": "high", "subject": null});
        assert!(checked("microsoft.graph.message", message, false).is_ok());
        let by_value = checked("microsoft.graph.message", json!({"importance": 1}), false);
        assert!(
            by_value.unwrap()["importance"].is_string(),
            "a member's value names it"
        );
        assert!(checked("microsoft.graph.message", json!({"importance": 9}), false).is_err());
        assert!(
            checked(
                "microsoft.graph.message",
                json!({"importance": true}),
                false
            )
            .is_err()
        );
        let unknown = checked(
            "microsoft.graph.message",
            json!({"importance": "urgent"}),
            false,
        );
        assert!(
            unknown
                .unwrap_err()
                .contains("'urgent' was not found in the enum type 'microsoft.graph.importance'")
        );
        assert!(
            checked(
                "microsoft.graph.message",
                json!({"importance": "HIGH"}),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn a_null_passes_only_where_the_metadata_allows_it() {
        let refused = checked(
            "microsoft.graph.conversation",
            json!({"topic": null}),
            false,
        );
        assert_eq!(
            refused.unwrap_err(),
            "A null value was found for the property named 'topic', which has the expected type 'Edm.String[Nullable=False]'. The expected type 'Edm.String[Nullable=False]' does not allow null values."
        );
        let upload = "microsoft.graph.uploadSession";
        assert!(checked(upload, json!({"nextExpectedRanges": null}), false).is_err());
        assert!(checked(upload, json!({"nextExpectedRanges": ["0-", null]}), false).is_ok());
        assert!(checked(upload, json!({"uploadUrl": null}), false).is_ok());
        let dropped = checked("microsoft.graph.conversation", json!({"topic": null}), true);
        assert_eq!(
            dropped.unwrap(),
            json!({}),
            "the broken rule drops what it would refuse"
        );
        let size = checked("microsoft.graph.message", json!({"subject": 5}), false);
        assert!(size.unwrap_err().contains("Cannot convert the literal '5'"));
    }

    #[test]
    fn a_function_call_stands_when_one_overload_takes_it() {
        let model = crate::api::fixtures::office_model();
        let overload = |parameters: &[(&str, &str)], required: &[&str]| OperationDef {
            name: "supportedTimeZones".into(),
            namespace: "microsoft.graph".into(),
            action: false,
            binding: "microsoft.graph.user".into(),
            binding_collection: false,
            parameters: parameters
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            required: required.iter().map(|n| n.to_string()).collect(),
            unknown_parameters: false,
            returns: None,
        };
        let bare = overload(&[], &[]);
        let zoned = overload(&[("TimeZoneStandard", "Edm.String")], &["TimeZoneStandard"]);
        let both = [&bare, &zoned];
        let arguments = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(check_arguments(&model, &both, &[], None), Ok(()));
        let iana = arguments(&[("TimeZoneStandard", "'Iana'")]);
        assert_eq!(check_arguments(&model, &both, &iana, None), Ok(()));
        assert_eq!(
            check_arguments(&model, &both, &[], Some("TimeZoneStandard='Iana'")),
            Ok(()),
            "an argument may come in the query"
        );
        let wrong = arguments(&[("TimeZoneStandard", "5")]);
        let refused = check_arguments(&model, &both, &wrong, None).unwrap_err();
        assert!(
            refused.0.contains("Cannot convert the literal '5'"),
            "{refused:?}"
        );
        let unknown = arguments(&[("nope", "1")]);
        assert!(check_arguments(&model, &both, &unknown, None).is_err());
    }

    #[test]
    fn a_default_value_is_valid_for_its_type() {
        let model = crate::api::fixtures::office_model();
        assert_eq!(
            default_value(&model, "microsoft.graph.importance", false, 0),
            Some(json!("low"))
        );
        assert_eq!(
            default_value(&model, "Edm.Boolean", true, 0),
            Some(json!([]))
        );
    }
}
