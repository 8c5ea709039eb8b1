//! The reference server judged over Graph's whole v1.0 model, when the metadata is beside the
//! project: for each type a collection creates (entity sets and the signed-in user's contained
//! collections, sampled with a fixed seed), a body built from the metadata is taken (201), and
//! the same body broken one property at a time — null where the metadata forbids it, a value of
//! the wrong JSON type, an integer out of its type's range, a property the closed type lacks —
//! is refused (400). The same for the bound actions of those types: a call with valid
//! parameters is taken, one with an unknown or an ill-typed parameter refused. Prints counts.

use std::sync::Arc;

use conform::api::file::Models;
use conform::api::model::{ApiModel, Member, MemberKind};
use conform::mock::behaviour::MockConfig;
use serde_json::{Map, Value, json};

use crate::common;

/// How many collections are tried: enough to cover the workloads, bounded to seconds.
const SAMPLE: usize = 160;

fn v1_model() -> ApiModel {
    let path = common::root().join("../shared/graph-metadata/v1.0.csdl");
    let text = std::fs::read_to_string(&path).unwrap();
    let csdl = conform::schema::csdl::parse(&path, &text).unwrap();
    ApiModel::from_csdl(&csdl, "v1.0", "v1.0.csdl").unwrap()
}

/// A valid value of `ty` (its items, for a collection); `None` where none is made (streams,
/// abstract complex types, too deep).
fn valid(model: &ApiModel, ty: &str, collection: bool, depth: usize) -> Option<Value> {
    if collection {
        return valid(model, ty, false, depth).map(|item| json!([item]));
    }
    if let Some(primitive) = ty.strip_prefix("Edm.") {
        return Some(match primitive {
            "String" => json!("conform"),
            "Boolean" => json!(true),
            "Int16" | "Int32" | "Int64" | "Byte" | "SByte" => json!(1),
            "Double" | "Single" | "Decimal" => json!(1.5),
            "DateTimeOffset" => json!("2026-01-01T08:00:00Z"),
            "Date" => json!("2026-01-01"),
            "TimeOfDay" => json!("08:00:00"),
            "Duration" => json!("PT1H"),
            "Guid" => json!("0b8d5ac3-4b2a-4b65-8f9f-3c0a1f5d2e11"),
            "Binary" => json!("aGVsbG8="),
            _ => return None,
        });
    }
    if let Some(def) = model.enums.get(ty) {
        return def.members.first().map(|m| json!(m));
    }
    let info = model.type_info(ty)?;
    if info.entity || depth > 2 {
        return None;
    }
    Some(Value::Object(body(model, ty, depth + 1)))
}

/// A body of `ty` with a valid value for each structural property it declares.
fn body(model: &ApiModel, ty: &str, depth: usize) -> Map<String, Value> {
    model
        .structural_members(ty)
        .iter()
        .filter_map(|m| Some((m.name.clone(), valid(model, &m.ty, m.collection, depth)?)))
        .collect()
}

/// The broken bodies of `ty`: (what was broken, the body).
fn broken(
    model: &ApiModel,
    ty: &str,
    valid_body: &Map<String, Value>,
) -> Vec<(String, Map<String, Value>)> {
    let members: Vec<&Member> = model
        .structural_members(ty)
        .iter()
        .filter(|m| valid_body.contains_key(&m.name))
        .collect();
    let mut broken = Vec::new();
    let mut with = |what: String, name: &str, value: Value| {
        let mut body = valid_body.clone();
        body.insert(name.to_string(), value);
        broken.push((what, body));
    };
    if let Some(m) = members.iter().find(|m| !m.nullable && !m.collection) {
        with(
            format!("null for non-nullable {}", m.name),
            &m.name,
            Value::Null,
        );
    }
    if let Some(m) = members
        .iter()
        .find(|m| m.ty == "Edm.String" && !m.collection)
    {
        with(format!("a number for string {}", m.name), &m.name, json!(5));
    }
    if let Some(m) = members
        .iter()
        .find(|m| m.ty == "Edm.Int32" && !m.collection)
    {
        with(
            format!("2147483648 for Int32 {}", m.name),
            &m.name,
            json!(2_147_483_648_i64),
        );
    }
    let open = model
        .lineage(ty)
        .any(|t| model.type_info(t).is_some_and(|i| i.open));
    if !open {
        with(
            "a property the type lacks".into(),
            "conformNoSuchProperty",
            json!(1),
        );
    }
    broken
}

/// The collections to create in: (path, item type).
fn collections(model: &ApiModel, me: &str) -> Vec<(String, String)> {
    let sets = model
        .roots
        .iter()
        .filter(|r| r.collection && model.insertable(&r.name))
        .map(|r| (format!("/v1.0/{}", r.name), r.ty.clone()));
    let user = "microsoft.graph.user";
    let mine = model
        .lineage(user)
        .filter_map(|t| model.type_info(t))
        .flat_map(|info| info.members.iter())
        .filter(|m| m.kind == MemberKind::Contained && m.collection)
        .filter(|m| model.insertable(&format!("{user}/{}", m.name)) && m.name != "calendarView")
        .map(|m| (format!("{me}/{}", m.name), m.ty.clone()));
    let mut all: Vec<(String, String)> = sets.chain(mine).collect();
    // A fixed shuffle: the same sample every run.
    let mut seed: u64 = 0x5eed;
    for i in (1..all.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        all.swap(i, (seed >> 33) as usize % (i + 1));
    }
    all.truncate(SAMPLE);
    all
}

/// Sends a request to the server under test: (method, path, JSON body) → (status, body).
type Send<'a> = dyn Fn(&str, &str, Option<&Map<String, Value>>) -> (u16, Value) + 'a;

/// What the sweep counted.
#[derive(Default, Debug)]
struct Tally {
    types: usize,
    valid_taken: usize,
    broken_refused: usize,
    actions: usize,
    calls_judged: usize,
    wrong: Vec<String>,
}

#[test]
#[cfg_attr(
    not(graph_metadata),
    ignore = "../shared/graph-metadata/v1.0.csdl is not beside the project"
)]
fn bodies_and_action_parameters_are_judged_by_the_metadata() {
    let model = v1_model();
    let runtime = common::runtime();
    let config = MockConfig {
        served: Some(conform::mock::generic::served::Served {
            models: Arc::new(Models::from_models(vec![model.clone()])),
            ..Default::default()
        }),
        ..MockConfig::default()
    };
    let server = common::reference_server_with(&runtime, config);
    let base = server.base_url();
    let send = |method: &str, path: &str, body: Option<&Map<String, Value>>| -> (u16, Value) {
        runtime.block_on(async {
            let mut request = common::http_client()
                .request(method.parse().unwrap(), format!("{base}{path}"))
                .bearer_auth("t");
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(Value::Object(body.clone()).to_string());
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.bytes().await.unwrap();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        })
    };
    let me = format!(
        "/v1.0/users/{}",
        send("GET", "/v1.0/me", None).1["id"].as_str().unwrap()
    );
    let mut tally = Tally::default();
    for (collection, ty) in collections(&model, &me) {
        let valid_body = body(&model, &ty, 0);
        let (status, created) = send("POST", &collection, Some(&valid_body));
        if status != 201 {
            tally
                .wrong
                .push(format!("POST {collection} valid: {status} {created}"));
            continue;
        }
        tally.types += 1;
        tally.valid_taken += 1;
        for (what, body) in broken(&model, &ty, &valid_body) {
            let (status, answer) = send("POST", &collection, Some(&body));
            match status {
                400 => tally.broken_refused += 1,
                _ => tally
                    .wrong
                    .push(format!("POST {collection} with {what}: {status} {answer}")),
            }
        }
        let entity = format!(
            "{collection}/{}",
            created["id"].as_str().unwrap_or_default()
        );
        call_actions(&model, (&ty, &entity), &send, &mut tally);
    }
    eprintln!(
        "v1.0 model: {} types created, {} valid bodies taken, {} broken bodies refused, {} actions, {} calls judged",
        tally.types, tally.valid_taken, tally.broken_refused, tally.actions, tally.calls_judged
    );
    assert!(tally.types > 50, "{tally:?}");
    assert!(
        tally.wrong.is_empty(),
        "{} judged unlike Graph:\n{}",
        tally.wrong.len(),
        tally
            .wrong
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The bound actions of `ty` with parameters, called on the entity at `entity`: valid
/// parameters taken, an unknown or ill-typed one refused.
fn call_actions(model: &ApiModel, (ty, entity): (&str, &str), send: &Send<'_>, tally: &mut Tally) {
    let actions = model.operations.iter().filter(|op| {
        op.action && !op.binding_collection && op.binding == ty && !op.parameters.is_empty()
    });
    for action in actions.take(3) {
        let mut parameters = Map::new();
        for (name, declared) in &action.parameters {
            let (item, collection) = match declared.strip_prefix("Collection(") {
                Some(item) => (item.trim_end_matches(')'), true),
                None => (declared.as_str(), false),
            };
            if let Some(value) = valid(model, item, collection, 0) {
                parameters.insert(name.clone(), value);
            }
        }
        if action.required.iter().any(|r| !parameters.contains_key(r)) {
            continue;
        }
        tally.actions += 1;
        let path = format!("{entity}/{}", action.name);
        let (status, answer) = send("POST", &path, Some(&parameters));
        if !(200..300).contains(&status) {
            tally
                .wrong
                .push(format!("POST {path} valid: {status} {answer}"));
            continue;
        }
        let mut unknown = parameters.clone();
        unknown.insert("conformNoSuchParameter".into(), json!(1));
        let string = action.parameters.iter().find(|(_, t)| t == "Edm.String");
        let mut ill_typed = parameters.clone();
        let cases =
            std::iter::once(("an unknown parameter", unknown)).chain(string.map(|(name, _)| {
                ill_typed.insert(name.clone(), json!(5));
                ("a number for a string parameter", ill_typed)
            }));
        for (what, body) in cases {
            let (status, answer) = send("POST", &path, Some(&body));
            match status {
                400 => tally.calls_judged += 1,
                _ => tally
                    .wrong
                    .push(format!("POST {path} with {what}: {status} {answer}")),
            }
        }
    }
}
