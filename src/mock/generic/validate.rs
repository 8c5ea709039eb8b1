//! Request bodies judged as Graph judges them: a property the type does not have is refused
//! (unless the type is open), a value of the wrong JSON type is refused naming the property;
//! instance annotations (`@odata.type`, `x@odata.bind`) always pass.

use serde_json::{Map, Value};

use crate::api::model::{ApiModel, MemberKind};

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
        let fits = fits(
            model,
            &member.ty,
            member.collection,
            member.kind,
            value,
            drop_wrong,
            depth,
        )?;
        if !fits {
            if drop_wrong {
                wrong.push(name.clone());
                continue;
            }
            return Err(Refused(format!(
                "Cannot convert the literal '{}' to the expected type '{}' of property '{name}'.",
                literal(value),
                if member.collection {
                    format!("Collection({})", member.ty)
                } else {
                    member.ty.clone()
                }
            )));
        }
    }
    for name in wrong {
        body.remove(&name);
    }
    Ok(())
}

fn literal(value: &Value) -> String {
    let text = value.to_string();
    let text = text.trim_matches('"');
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Whether `value` is a value of `ty` (a collection of it when `collection`); null always is.
fn fits(
    model: &ApiModel,
    ty: &str,
    collection: bool,
    kind: MemberKind,
    value: &mut Value,
    drop_wrong: bool,
    depth: usize,
) -> Result<bool, Refused> {
    if value.is_null() {
        return Ok(true);
    }
    if collection {
        let Value::Array(items) = value else {
            return Ok(false);
        };
        for item in items {
            if !fits(model, ty, false, kind, item, drop_wrong, depth)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(primitive) = ty.strip_prefix("Edm.") {
        return Ok(primitive_fits(primitive, value));
    }
    match (model.type_info(ty), value) {
        (Some(_), Value::Object(object)) => {
            check_object(model, ty, object, drop_wrong, depth + 1)?;
            Ok(true)
        }
        (Some(_), _) => Ok(false),
        // An enum (or a type the model does not keep): its members are strings.
        (None, value) => Ok(value.is_string() || kind != MemberKind::Property),
    }
}

fn primitive_fits(primitive: &str, value: &Value) -> bool {
    match primitive {
        "Boolean" => value.is_boolean(),
        "Int16" | "Int32" | "Int64" | "Byte" | "SByte" => {
            value.is_i64()
                || value.is_u64()
                || value.as_str().is_some_and(|s| s.parse::<i64>().is_ok())
        }
        "Double" | "Single" | "Decimal" => {
            value.is_number()
                || value.as_str().is_some_and(|s| {
                    matches!(s, "NaN" | "INF" | "-INF") || s.parse::<f64>().is_ok()
                })
        }
        "Stream" | "Untyped" => true,
        _ => value.is_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(ty: &str, body: Value, drop_wrong: bool) -> Result<Value, String> {
        let model = crate::api::office_model();
        let mut body = body.as_object().unwrap().clone();
        check(&model, ty, &mut body, drop_wrong)
            .map(|()| Value::Object(body))
            .map_err(|Refused(message)| message)
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
        assert!(checked("microsoft.graph.message", json!({"importance": 1}), false).is_err());
    }
}
