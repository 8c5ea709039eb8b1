//! The small organisation `conform mock` starts with, as a developer tenant does: the
//! signed-in user (`/me`), two colleagues, three groups (the signed-in user a member of the
//! first) and three events in the signed-in user's calendar — so that a client's first list
//! finds something. `--empty` starts without it; `conform run`'s embedded server never has it.

use serde_json::{Map, Value, json};

use crate::api::model::ApiModel;
use crate::api::typing;
use crate::mock::generic::drive::Reach;
use crate::mock::generic::entities::{Entities, Entity};
use crate::mock::generic::graph::DOMAIN;
use crate::mock::generic::place::{self, Place};
use crate::mock::generic::properties;

fn users() -> Vec<Value> {
    [
        ("Blake", "Ortiz", "Designer"),
        ("Casey", "Nguyen", "Analyst"),
    ]
    .into_iter()
    .map(|(given, surname, title)| {
        let address = format!(
            "{}.{}@{DOMAIN}",
            given.to_lowercase(),
            surname.to_lowercase()
        );
        json!({
            "displayName": format!("{given} {surname}"),
            "givenName": given,
            "surname": surname,
            "jobTitle": title,
            "mail": address,
            "userPrincipalName": address,
            "businessPhones": [],
            "accountEnabled": true,
        })
    })
    .collect()
}

fn groups() -> Vec<Value> {
    ["Engineering", "Marketing", "Finance"]
        .into_iter()
        .map(|name| {
            json!({
                "displayName": name,
                "description": format!("The {name} team"),
                "mailNickname": name.to_lowercase(),
                "mailEnabled": true,
                "securityEnabled": false,
                "groupTypes": ["Unified"],
                "visibility": "Private",
            })
        })
        .collect()
}

fn events() -> Vec<Value> {
    let now = std::time::SystemTime::now();
    (1..=3u64)
        .map(|day| {
            let start = now + std::time::Duration::from_secs(day * 86_400);
            let end = start + std::time::Duration::from_secs(3600);
            let at = |t| {
                let text = humantime::format_rfc3339_seconds(t).to_string();
                json!({"dateTime": format!("{}.0000000", &text[..19]), "timeZone": "UTC"})
            };
            json!({
                "subject": format!("Planning, day {day}"),
                "start": at(start),
                "end": at(end),
                "body": {"contentType": "html", "content": "<p>Agenda to follow.</p>"},
                "isReminderOn": true,
            })
        })
        .collect()
}

/// Makes the organisation in `store`, where `model` has users, groups and `/me`.
pub fn populate(models: &crate::api::file::Models, store: &mut Entities) {
    let Some(model) = models.all().find(|m| set(m, "users").is_some()) else {
        return;
    };
    let me_path = format!("/{}/me", model.version);
    let Ok(typed) = typing::type_request(models, &me_path, None) else {
        return;
    };
    let Ok(Place::Entity { path: me, .. }) = place::resolve(model, &typed, store, Reach::Existing)
    else {
        return;
    };
    if let Some(user) = set(model, "users") {
        for body in users() {
            add(model, store, ("/users", &user), body);
        }
    }
    if let Some(group) = set(model, "groups") {
        let made: Vec<String> = groups()
            .into_iter()
            .map(|body| add(model, store, ("/groups", &group), body))
            .collect();
        if let Some(first) = made.first() {
            let _ = store.add_reference(&format!("{first}/members"), &me);
        }
    }
    if let Some(event) = model
        .member("microsoft.graph.user", "events")
        .map(|m| m.ty.clone())
    {
        for body in events() {
            add(model, store, (&format!("{me}/events"), &event), body);
        }
    }
}

/// The type of the entity set `name`.
fn set(model: &ApiModel, name: &str) -> Option<String> {
    model
        .roots
        .iter()
        .find(|r| r.collection && r.name == name)
        .map(|r| r.ty.clone())
}

fn add(
    model: &ApiModel,
    store: &mut Entities,
    (collection, ty): (&str, &str),
    body: Value,
) -> String {
    let mut body: Map<String, Value> = body.as_object().cloned().unwrap_or_default();
    body.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    properties::stamp(model, ty, &mut body);
    properties::complete(model, ty, &mut body);
    store.insert(collection, Entity::new(ty, body))
}
