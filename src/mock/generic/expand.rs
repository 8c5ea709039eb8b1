//! `$expand`: the navigations a request names, put into the entity that has them — a
//! collection as its members (contained, or referred to), a single navigation as its entity,
//! `null` when there is none — as Graph answers them.

use serde_json::{Map, Value};

use crate::api::model::{ApiModel, Member, MemberKind};
use crate::mock::generic::entities::Entities;
use crate::mock::generic::filter;

/// Puts each navigation of `names` that the entity of type `ty` at `path` has into `body`.
/// A name may carry a cast (`microsoft.graph.itemAttachment/item`) and nested options
/// (`members($select=id)`), which are read past. A name the type does not have, or that is no
/// navigation, is Graph's 400 message.
pub fn expand(
    model: &ApiModel,
    store: &Entities,
    (path, ty): (&str, &str),
    names: &[String],
    body: &mut Map<String, Value>,
) -> Result<(), String> {
    for written in names {
        let (name, options) = match written.split_once('(') {
            Some((name, rest)) => (name.trim(), Nested::read(rest.trim_end_matches(')'))?),
            None => (written.trim(), Nested::default()),
        };
        let (cast, name) = match name.rsplit_once('/') {
            Some((cast, name)) => (Some(cast), name),
            None => (None, name),
        };
        // A cast to a type the entity is not (`itemAttachment/item` on a file) expands nothing.
        let owner = cast
            .and_then(|cast| model.entity_type_named(cast.rsplit('.').next().unwrap_or(cast)))
            .unwrap_or(ty);
        if owner != ty && !model.lineage(owner).any(|t| t == ty) {
            continue;
        }
        let member = model.member(owner, name).ok_or_else(|| {
            format!("Could not find a property named '{name}' on type '{owner}'.")
        })?;
        if member.kind == MemberKind::Property {
            return Err(format!(
                "Property '{name}' on type '{owner}' is not a navigation property. Only navigation properties can be expanded."
            ));
        }
        if owner != ty && model.lineage(&entity_type(body, ty)).all(|t| t != owner) {
            continue;
        }
        let value = options.applied(navigation(store, path, member));
        body.insert(member.name.clone(), value);
    }
    Ok(())
}

/// Refuses, as `expand` would, what `names` asks of entities of type `ty`: for a collection
/// with no member to expand.
pub fn check(model: &ApiModel, ty: &str, names: &[String]) -> Result<(), String> {
    let mut nothing = Map::new();
    expand(model, &Entities::default(), ("", ty), names, &mut nothing)
}

/// The options nested in an expansion that the server applies: `$select`, `$filter` and
/// `$top`.
#[derive(Debug, Default)]
struct Nested {
    select: Vec<String>,
    filter: Option<filter::Expr>,
    top: Option<usize>,
}

impl Nested {
    /// `$select=id,displayName;$top=2`; another option is refused by name, never ignored.
    fn read(options: &str) -> Result<Self, String> {
        let mut nested = Self::default();
        for option in options.split(';').map(str::trim).filter(|o| !o.is_empty()) {
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            match name
                .trim()
                .trim_start_matches('$')
                .to_ascii_lowercase()
                .as_str()
            {
                "select" => {
                    nested.select = value.split(',').map(|s| s.trim().to_string()).collect();
                }
                "filter" => {
                    let expr = filter::parse(value).map_err(|e| {
                        format!(
                            "Invalid filter clause in $expand: {} at position {}.",
                            e.message, e.at
                        )
                    })?;
                    nested.filter = Some(expr);
                }
                "top" => {
                    let top = value.trim().parse().map_err(|_| {
                        format!("Invalid value '{value}' for query option '$top' in $expand.")
                    })?;
                    nested.top = Some(top);
                }
                _ => {
                    return Err(format!(
                        "Query option '{}' inside $expand is not supported by the reference server.",
                        name.trim()
                    ));
                }
            }
        }
        Ok(nested)
    }

    /// `expanded` as the options ask: the first `$top` items that match `$filter`, with the
    /// `$select`ed properties (and `id`).
    fn applied(&self, expanded: Value) -> Value {
        let select = |item: Value| match item {
            Value::Object(members) if !self.select.is_empty() => Value::Object(
                members
                    .into_iter()
                    .filter(|(k, _)| {
                        k == "id" || self.select.iter().any(|s| s.eq_ignore_ascii_case(k))
                    })
                    .collect(),
            ),
            other => other,
        };
        match expanded {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .filter(|item| {
                        self.filter.as_ref().is_none_or(|expr| {
                            item.as_object().is_some_and(|i| filter::matches(expr, i))
                        })
                    })
                    .take(self.top.unwrap_or(usize::MAX))
                    .map(select)
                    .collect(),
            ),
            other => select(other),
        }
    }
}

/// The type an entity says it is (`@odata.type`), else `ty`.
fn entity_type(body: &Map<String, Value>, ty: &str) -> String {
    body.get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('#').to_string())
        .unwrap_or_else(|| ty.to_string())
}

/// The value of navigation `member` of the entity at `path`: its members, or its one entity
/// (`null` when none).
fn navigation(store: &Entities, path: &str, member: &Member) -> Value {
    let at = format!("{path}/{}", member.name);
    let found: Vec<Value> = match member.kind {
        MemberKind::Contained if member.collection => store
            .list(&at)
            .into_iter()
            .map(|(_, e)| Value::Object(e.body()))
            .collect(),
        MemberKind::Contained => store
            .get(&at)
            .map(|e| Value::Object(e.body()))
            .into_iter()
            .collect(),
        _ => store
            .referenced(&at)
            .into_iter()
            .map(|(_, e)| Value::Object(e.body()))
            .collect(),
    };
    match member.collection {
        true => Value::Array(found),
        false => found.into_iter().next().unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_options_filter_take_and_select_what_they_name() {
        let nested =
            Nested::read("$filter=startswith(displayName,'A');$top=1;$select=displayName").unwrap();
        let members = json!([
            {"id": "1", "displayName": "Bo", "mail": "b@x"},
            {"id": "2", "displayName": "Ann", "mail": "a@x"},
            {"id": "3", "displayName": "Al", "mail": "l@x"}
        ]);
        assert_eq!(
            nested.applied(members),
            json!([{"id": "2", "displayName": "Ann"}])
        );
        let refused = Nested::read("$orderby=displayName").unwrap_err();
        assert!(refused.contains("$orderby"), "{refused}");
        assert!(Nested::read("$filter=displayName eq").is_err());
    }
}
