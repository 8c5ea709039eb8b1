//! Media: `$value` of an entity or a property, stream properties (a file's `content`) read and
//! put, and what an upload answers.

use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::model::ApiModel;
use crate::mock::generic::incoming::{
    Incoming, Reply, context_of, entity_text, json_text_response,
};
use crate::mock::generic::place::Place;
use crate::mock::generic::{Generic, empty, method_not_allowed, properties};

/// `$value` of an entity (its media) or of a property (its raw value).
pub(super) fn value(generic: &Generic, method: &Method, on: Place, exchange: &Incoming) -> Reply {
    match (method.as_str(), on) {
        (_, Place::Entity { path, .. }) => media(generic, method, &path, exchange),
        ("GET", Place::Property { entity, name, .. }) => {
            let store = generic.store();
            let value = store
                .get(&entity)
                .and_then(|e| e.property(&name))
                .unwrap_or(Value::Null);
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            Ok((StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], text).into_response())
        }
        (_, _) => Ok(method_not_allowed(method, &exchange.path)),
    }
}

/// What an upload tells of the file it made or replaced, where its type has such properties:
/// its `name` (the last segment of a drive path, when it has none), `size`, and the `file`
/// facet with the media type sent (in place of a `folder` one).
pub(super) fn describe_file(
    generic: &Generic,
    model: &ApiModel,
    entity: &str,
    exchange: &Incoming,
) {
    let content_type = exchange.media_type();
    let named = exchange
        .path
        .rsplit_once(":/")
        .and_then(|(before, _)| before.rsplit_once(":/"))
        .and_then(|(_, path)| path.rsplit('/').next())
        .map(str::to_string);
    let size = exchange.body.len();
    let mut store = generic.store();
    let Some(stored) = store.get_mut(entity) else {
        return;
    };
    let ty = stored.ty.clone();
    let has = |name: &str| model.member(&ty, name).is_some();
    let (with_file, with_size, with_name) = (has("file"), has("size"), has("name"));
    stored.edit(|body| {
        // What has content is a file, whatever it was made as.
        if with_file {
            body.remove("folder");
            body.insert("file".into(), json!({ "mimeType": content_type }));
        }
        if with_size {
            body.insert("size".into(), json!(size));
        }
        if let (true, Some(name)) = (with_name, named) {
            properties::set_if_unset(body, "name", || json!(name));
        }
    });
}

/// The answer to content put to an entity's stream property (a file's `content`): the entity
/// as it now is, with `status`; no body only where the documentation shows none (204).
pub(super) fn uploaded(
    generic: &Generic,
    entity: &str,
    exchange: &Incoming,
    status: StatusCode,
) -> Response {
    let store = generic.store();
    match store.get(entity) {
        Some(stored) if status != StatusCode::NO_CONTENT => {
            let context = format!(
                "{}/$entity",
                context_of(entity.rsplit_once('/').map_or(entity, |(c, _)| c))
            );
            json_text_response(status, entity_text(stored, exchange, &context))
        }
        _ => empty(status),
    }
}

/// A media stream: GET its bytes (404 when none was put), PUT them.
pub(super) fn media(generic: &Generic, method: &Method, path: &str, exchange: &Incoming) -> Reply {
    match method.as_str() {
        "GET" => {
            let store = generic.store();
            // A stream nothing was put to reads as empty, as a new file does.
            let (content_type, bytes) = store
                .media(path)
                .cloned()
                .unwrap_or_else(|| ("application/octet-stream".to_string(), Vec::new()));
            Ok((
                StatusCode::OK,
                [(header::CONTENT_TYPE, content_type)],
                bytes,
            )
                .into_response())
        }
        "PUT" => {
            let content_type = exchange.media_type();
            generic
                .store()
                .set_media(path, content_type, exchange.body.clone());
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Ok(method_not_allowed(method, path)),
    }
}
