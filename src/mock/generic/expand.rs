//! `$expand`: the navigations a request names, put into the entity that has them — a
//! collection as its members (contained, or referred to), a single navigation as its entity,
//! `null` when there is none — as Graph answers them.

use serde_json::{Map, Value};

use crate::api::model::{ApiModel, MemberKind};
use crate::mock::generic::entities::Entities;

/// Puts each navigation of `names` that the entity of type `ty` at `path` has into `body`.
/// A name may carry a cast (`microsoft.graph.itemAttachment/item`) and nested options
/// (`members($select=id)`), which are read past; names the type does not have are left out.
pub fn expand(
    model: &ApiModel,
    store: &Entities,
    (path, ty): (&str, &str),
    names: &[String],
    body: &mut Map<String, Value>,
) {
    for written in names {
        let name = written.split('(').next().unwrap_or(written);
        let name = name.rsplit('/').next().unwrap_or(name).trim();
        let Some(member) = model.member(ty, name) else {
            continue;
        };
        if member.kind == MemberKind::Property {
            continue;
        }
        let at = format!("{path}/{}", member.name);
        let members: Vec<Value> = match member.kind {
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
        let value = match member.collection {
            true => Value::Array(members),
            false => members.into_iter().next().unwrap_or(Value::Null),
        };
        body.insert(member.name.clone(), value);
    }
}
