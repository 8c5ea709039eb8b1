//! Which properties an entity has and which it answers. An entity keeps every structural
//! property its type declares: `null` where nothing set it, `[]` for a collection, and for a
//! property that may not be null the value Graph answers when nobody set it — `false`, `0`,
//! the first enum member, the minimum date (`0001-01-01T00:00:00Z`, as an unset `birthday`
//! reads), or now for a stamp the service sets. A read answers the `$select`ed properties,
//! else the type's default set (Graph's own rule, `graph::default_set`).

use serde_json::{Map, Value, json};

use crate::api::model::{ApiModel, MemberKind};
use crate::mock::generic::filter;
use crate::mock::generic::graph::{self, DefaultSet};
use crate::mock::generic::query::Query;
use crate::mock::generic::validate;

/// Gives `body`, an entity of `ty`, each declared property it lacks: `null`, or `[]` for a
/// collection; Graph's derived values (a group's `mail`) first.
pub fn complete(model: &ApiModel, ty: &str, body: &mut Map<String, Value>) {
    graph::derive(ty, body);
    for member in model.structural_members(ty) {
        // A stream is read at its own address, never in the entity's body.
        if body.contains_key(&member.name) || member.ty == "Edm.Stream" {
            continue;
        }
        let value = if member.collection {
            Some(Value::Array(Vec::new()))
        } else if member.nullable {
            Some(Value::Null)
        } else if member.ty == "Edm.DateTimeOffset" && !STAMPS.contains(&member.name.as_str()) {
            Some(Value::String(UNSET_DATE.into()))
        } else {
            validate::default_value(model, &member.ty, false, 0)
        };
        if let Some(value) = value {
            body.insert(member.name.clone(), value);
        }
    }
}

/// The stamps the service sets when it makes an entity.
const STAMPS: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "lastDeliveredDateTime",
    "receivedDateTime",
    "sentDateTime",
];

/// What Graph answers for a date that may not be null and was never set.
const UNSET_DATE: &str = "0001-01-01T00:00:00Z";

/// `createdDateTime` and `lastModifiedDateTime`, now, where the type has them and the entity
/// does not.
pub fn stamp(model: &ApiModel, ty: &str, body: &mut Map<String, Value>) {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    for stamp in ["createdDateTime", "lastModifiedDateTime"] {
        if model.member(ty, stamp).is_some() {
            set_if_unset(body, stamp, || json!(now));
        }
    }
}

/// Gives `name` the value `value` made where nobody set one (absent, or `null`).
pub fn set_if_unset(body: &mut Map<String, Value>, name: &str, value: impl FnOnce() -> Value) {
    if body.get(name).is_none_or(Value::is_null) {
        body.insert(name.to_string(), value());
    }
}

/// Whether an entity of `ty` answers less than it keeps: a `$select`, or a default set.
pub fn narrowed(ty: &str, select: &[String]) -> bool {
    !select.is_empty() || graph::default_set(ty).is_some()
}

/// `body`, an entity of `ty`, as answered: the `$select`ed properties (`null` for one declared
/// and unset), else its type's default set; `id` and annotations always.
pub fn shown(
    model: &ApiModel,
    ty: &str,
    mut body: Map<String, Value>,
    select: &[String],
) -> Map<String, Value> {
    let ty = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('#').to_string())
        .unwrap_or_else(|| ty.to_string());
    // An expanded navigation was asked for by name: it stays.
    let always = |name: &str| {
        name == "id"
            || name.starts_with('@')
            || model
                .member(&ty, name)
                .is_some_and(|m| m.kind != MemberKind::Property)
    };
    if select.is_empty() && graph::default_set(&ty).is_none() {
        return body;
    }
    if !select.is_empty() {
        body.retain(|name, _| always(name) || select.iter().any(|s| s.eq_ignore_ascii_case(name)));
        for name in select {
            let declared = model
                .member(&ty, name)
                .filter(|m| m.kind == MemberKind::Property);
            if let Some(member) = declared
                && !body.contains_key(&member.name)
            {
                body.insert(member.name.clone(), Value::Null);
            }
        }
        return body;
    }
    match graph::default_set(&ty) {
        Some(DefaultSet::Only(names)) => {
            body.retain(|name, _| always(name) || names.contains(&name.as_str()))
        }
        Some(DefaultSet::AllBut(names)) => body.retain(|name, _| !names.contains(&name.as_str())),
        None => {}
    }
    body
}

/// Refuses a query whose `$select`, `$orderby` or `$filter` names a property that `ty` (nor a
/// type derived from it, for a list of a base type) does not have, as Graph does; a navigation
/// property is for `$expand`, not `$select`.
pub fn check_query(model: &ApiModel, ty: &str, query: &Query) -> Result<(), String> {
    let filtered = query.filter.iter().flat_map(filter::properties);
    let ordered = query.order_by.iter().map(|(path, _)| path.as_slice());
    for path in filtered.chain(ordered) {
        if let Some(first) = path.first() {
            structural(model, ty, first)?;
        }
    }
    for name in &query.select {
        if matches!(
            structural(model, ty, name)?,
            None | Some(MemberKind::Property)
        ) {
            continue;
        }
        return Err(format!(
            "Navigation property '{name}' cannot be used in $select on type '{ty}'; use $expand."
        ));
    }
    Ok(())
}

/// Refuses a `$search` term's property that neither `ty` nor a type derived from it has, or
/// that is a navigation.
pub fn check_searched(model: &ApiModel, ty: &str, name: &str) -> Result<(), String> {
    match structural(model, ty, name)? {
        None | Some(MemberKind::Property) => Ok(()),
        Some(_) => Err(format!(
            "Navigation property '{name}' cannot be searched on type '{ty}'."
        )),
    }
}

/// What `name` is on `ty` or a type derived from it: a property, a navigation, or (`None`) a
/// name every entity answers (`id`, `*`, an annotation, a cast); an error when nothing.
fn structural(model: &ApiModel, ty: &str, name: &str) -> Result<Option<MemberKind>, String> {
    if name == "*" || name.eq_ignore_ascii_case("id") || name.contains(['@', '.', '/']) {
        return Ok(None);
    }
    let found = std::iter::once(ty)
        .chain(model.descendants(ty))
        .find_map(|t| model.member(t, name));
    match found {
        Some(member) if member.kind == MemberKind::Property => Ok(Some(MemberKind::Property)),
        Some(member) => Ok(Some(member.kind)),
        None => Err(format!(
            "Could not find a property named '{name}' on type '{ty}'."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn an_entity_holds_every_declared_property_and_invents_none() {
        let model = crate::api::fixtures::office_model();
        let mut thread = object(json!({"topic": "sent", "id": "t1"}));
        complete(&model, "microsoft.graph.conversationThread", &mut thread);
        assert_eq!(thread, object(json!({"topic": "sent", "id": "t1"})));
        let mut conversation = Map::new();
        complete(&model, "microsoft.graph.conversation", &mut conversation);
        assert_eq!(
            conversation["topic"], "",
            "may not be null: Graph's empty value"
        );
        let mut message = object(json!({"id": "m1"}));
        complete(&model, "microsoft.graph.message", &mut message);
        assert_eq!(
            message,
            object(json!({"id": "m1", "subject": null, "importance": null}))
        );
        let mut user = object(json!({"id": "u1"}));
        complete(&model, "microsoft.graph.user", &mut user);
        assert_eq!(
            user["birthday"], UNSET_DATE,
            "a date nobody set is not made up: {user:?}"
        );
        assert_eq!(user["jobTitle"], Value::Null);
    }

    #[test]
    fn a_query_names_what_the_type_has() {
        let model = crate::api::fixtures::office_model();
        let user = "microsoft.graph.user";
        let query = |text: &str| crate::mock::generic::query::parse(Some(text)).unwrap();
        for fine in [
            "$select=id,displayName",
            "$orderby=jobTitle desc",
            "$filter=displayName eq 'a'",
            "$select=*",
        ] {
            assert_eq!(check_query(&model, user, &query(fine)), Ok(()), "{fine}");
        }
        for (refused, says) in [
            (
                "$select=foo",
                "Could not find a property named 'foo' on type 'microsoft.graph.user'.",
            ),
            ("$select=messages", "Navigation property 'messages'"),
            ("$filter=startswith(nope,'a')", "'nope'"),
        ] {
            let error = check_query(&model, user, &query(refused)).unwrap_err();
            assert!(error.contains(says), "{refused}: {error}");
        }
        let members = "microsoft.graph.directoryObject";
        assert_eq!(
            check_query(&model, members, &query("$select=displayName")),
            Ok(()),
            "a list of a base type takes its derived types' properties"
        );
    }

    #[test]
    fn a_select_answers_what_it_names_and_a_default_set_what_graph_answers() {
        let model = crate::api::fixtures::office_model();
        let user = object(json!({
            "id": "u1", "displayName": "Avery", "birthday": "2000-01-01T00:00:00Z",
            "@odata.type": "#microsoft.graph.user"
        }));
        let plain = shown(&model, "microsoft.graph.user", user.clone(), &[]);
        assert!(plain.contains_key("displayName"));
        assert!(
            !plain.contains_key("birthday"),
            "only on $select: {plain:?}"
        );
        let selected = shown(
            &model,
            "microsoft.graph.user",
            user,
            &["birthday".into(), "jobTitle".into()],
        );
        assert_eq!(selected["birthday"], "2000-01-01T00:00:00Z");
        assert_eq!(
            selected["jobTitle"],
            Value::Null,
            "declared and unset: null"
        );
        assert!(!selected.contains_key("displayName"));
        assert!(selected.contains_key("id"));
    }
}
