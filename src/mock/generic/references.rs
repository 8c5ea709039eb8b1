//! References: `$ref` lists, adds (POST to a collection, PUT to a single navigation) and
//! removes the entities a navigation refers to; a single reference reads as its entity.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::mock::answer::error;
use crate::mock::broken::BrokenRule;
use crate::mock::generic::collection::typed_body;
use crate::mock::generic::entities::{Entity, ReferenceError};
use crate::mock::generic::incoming::{
    Incoming, Reply, entity_text, json_response, json_text_response, last_collection,
};
use crate::mock::generic::place::Place;
use crate::mock::generic::{Generic, empty, method_not_allowed, not_found};

pub(super) fn single_reference(generic: &Generic, path: &str, exchange: &Incoming) -> Reply {
    let store = generic.store();
    let (_, entity) = store
        .referenced(path)
        .into_iter()
        .next()
        .ok_or_else(|| not_found(path.rsplit('/').next().unwrap_or(path)))?;
    let typed = Entity::new(entity.ty.clone(), typed_body(entity));
    Ok(json_text_response(
        StatusCode::OK,
        entity_text(&typed, exchange, "directoryObjects/$entity"),
    ))
}

/// `$ref`: list, add (POST to a collection, PUT to a single navigation) and remove.
pub(super) fn references(
    generic: &Generic,
    method: &Method,
    on: Place,
    exchange: &Incoming,
) -> Reply {
    match (method.as_str(), on) {
        (
            "GET",
            Place::Collection {
                path,
                contained: false,
                ..
            },
        ) => {
            let store = generic.store();
            let value: Vec<Value> = store
                .referenced(&path)
                .into_iter()
                .map(|(target, _)| json!({ "@odata.id": exchange.graph_url(&target) }))
                .collect();
            Ok(json_response(
                StatusCode::OK,
                json!({"@odata.context": exchange.context("Collection($ref)"), "value": value}),
            ))
        }
        (
            "POST",
            Place::Collection {
                path,
                contained: false,
                ..
            },
        ) => add_reference(generic, &path, exchange, false),
        ("PUT", Place::SingleReference { path, .. }) => {
            add_reference(generic, &path, exchange, true)
        }
        (
            "DELETE",
            Place::Entity {
                path,
                via_reference: Some(collection),
                ..
            },
        ) => {
            let id = path.rsplit('/').next().unwrap_or_default();
            if generic.breaks(BrokenRule::IgnoresDeletes)
                || generic.store().remove_reference(&collection, id)
            {
                Ok(empty(StatusCode::NO_CONTENT))
            } else {
                Err(not_found(last_collection(&collection)))
            }
        }
        ("DELETE", Place::SingleReference { path, .. }) => {
            generic.store().set_references(&path, Vec::new());
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Ok(method_not_allowed(method, &exchange.path)),
    }
}

pub(super) fn add_reference(
    generic: &Generic,
    navigation: &str,
    exchange: &Incoming,
    single: bool,
) -> Reply {
    let body = exchange.json(false)?;
    let Some(target) = body.get("@odata.id").and_then(Value::as_str) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The request body must carry `@odata.id`.",
        ));
    };
    let target_path = crate::api::path::path_part(target);
    // `…/directoryObjects/{id}` or `…/directoryObjects('{id}')`.
    let last = target_path.rsplit('/').next().unwrap_or_default();
    let id = match last.split_once('(') {
        Some((_, key)) => key.trim_end_matches(')').trim_matches('\''),
        None => last,
    };
    let mut store = generic.store();
    let found = store.find_anywhere(id);
    let Some(found) = found else {
        return Err(not_found("directoryObjects"));
    };
    let added = if single {
        store.set_reference(navigation, &found)
    } else {
        store.add_reference(navigation, &found)
    };
    match added {
        Ok(()) => Ok(empty(StatusCode::NO_CONTENT)),
        Err(ReferenceError::Duplicate) => Err(error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "One or more added object references already exist for the following modified properties.",
        )),
        Err(ReferenceError::Missing) => Err(not_found("directoryObjects")),
    }
}
