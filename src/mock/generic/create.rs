//! Creates: a POST to a collection stores the body as a new entity (with what it carries in
//! contained navigations), filled from the documented example, stamped; where the metadata
//! refuses creates, 405.

use axum::http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::api::model::ApiModel;
use crate::mock::answer::GraphError;
use crate::mock::broken::BrokenRule;
use crate::mock::generic::entities::{Deep, Entity};
use crate::mock::generic::examples::{self, Example};
use crate::mock::generic::incoming::{
    Incoming, Reply, context_of, documented_status, json_text_response, refused, shown_text,
};
use crate::mock::generic::validate;
use crate::mock::generic::{
    Generic, drive, empty, graph, method_not_allowed, not_found, onenote, properties,
};

/// The type of a OneNote page, made from HTML rather than JSON.
const ONENOTE_PAGE: &str = "microsoft.graph.onenotePage";

/// Where a create goes: the collection's path, its item type and its navigation's name.
pub(super) struct CreateAt<'a> {
    pub(super) path: &'a str,
    pub(super) ty: &'a str,
    pub(super) navigation: Option<&'a str>,
}

pub(super) fn create(
    generic: &Generic,
    model: &ApiModel,
    CreateAt {
        path,
        ty,
        navigation,
    }: CreateAt<'_>,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    if let Some(name) = navigation
        && !model.insertable(name)
    {
        return Ok(method_not_allowed(&exchange.method, path));
    }
    // A OneNote page is made from the HTML it is sent as.
    let page = onenote::page(exchange).filter(|_| model.derives_from(ty, ONENOTE_PAGE));
    let mut body = match &page {
        Some(page) => page.body.clone(),
        None => judged_body(generic, model, ty, exchange)?,
    };
    let ty = validate::body_type(model, ty, &body).to_string();
    if let Some(example) = example {
        examples::fill_from(model, &ty, &mut body, example);
    }
    // A thread posted to a group starts a conversation that holds it.
    let conversations = graph::thread_of_group(model, &generic.store(), path);
    let started = conversations.map(|(collection, conversation_ty)| {
        let mut conversation = Map::new();
        if let Some(topic) = body.get("topic") {
            conversation.insert("topic".into(), topic.clone());
        }
        (
            collection,
            prepared(model, &conversation_ty, conversation, 0),
        )
    });
    // Made before the store is locked: the lock is held only to store it.
    let thread = prepared(model, &ty, body, 0);
    let mut store = generic.store();
    // The group may have gone while the entities were made.
    if started.is_some() && graph::thread_of_group(model, &store, path).is_none() {
        return Err(not_found(path.rsplit('/').nth(2).unwrap_or(path)));
    }
    let started =
        started.map(|(collection, conversation)| store.insert_deep(&collection, conversation));
    let home = started
        .as_ref()
        .map_or_else(|| path.to_string(), |c| format!("{c}/threads"));
    let created = store.insert_deep(&home, thread);
    graph::after_create(model, &mut store, started.as_deref().unwrap_or(&created));
    drive::after_create(&mut store, &created);
    onenote::after_create(&mut store, &created);
    if let Some(page) = page {
        keep_page(&mut store, &created, page, exchange);
    }
    generic.created(&created);
    let status = documented_status(example, StatusCode::CREATED);
    if status == StatusCode::NO_CONTENT {
        return Ok(empty(status));
    }
    let context = format!("{}/$entity", context_of(path));
    let text = store
        .get(&created)
        .map(|entity| shown_text(model, entity, exchange, &context))
        .unwrap_or_default();
    drop(store);
    let mut response = json_text_response(status, text);
    if let Ok(location) = HeaderValue::from_str(&format!(
        "{}/{}{created}",
        exchange.origin, exchange.version
    )) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A OneNote page's HTML kept as its `content`, and the address it is read at.
fn keep_page(
    store: &mut crate::mock::generic::entities::Entities,
    created: &str,
    page: onenote::Page,
    exchange: &Incoming,
) {
    let content = format!("{}/{}{created}/content", exchange.origin, exchange.version);
    store.set_media(&format!("{created}/content"), "text/html".into(), page.html);
    if let Some(entity) = store.get_mut(created) {
        entity.edit(|body| body.insert("contentUrl".into(), json!(content)));
    }
}

/// `body` as an entity of `ty` with a fresh id and timestamps where its type has them, and
/// the contained entities it carries (deep insert), ready to be stored.
pub(super) fn prepared(
    model: &ApiModel,
    ty: &str,
    mut body: Map<String, Value>,
    depth: usize,
) -> Deep {
    let contained: Vec<String> = body
        .keys()
        .filter(|name| {
            depth < 8
                && model
                    .member(ty, name)
                    .is_some_and(|m| m.kind == crate::api::model::MemberKind::Contained)
        })
        .cloned()
        .collect();
    let mut below = Vec::new();
    for name in contained {
        if let (Some(member), Some(value)) = (model.member(ty, &name), body.remove(&name)) {
            let items = match value {
                Value::Array(items) => items,
                Value::Object(_) => vec![value],
                _ => Vec::new(),
            };
            let items = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(item) => Some(prepared(model, &member.ty, item, depth + 1)),
                    _ => None,
                })
                .collect();
            below.push((member.name.clone(), items));
        }
    }
    body.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    graph::forget_write_only(&mut body);
    properties::stamp(model, ty, &mut body);
    properties::complete(model, ty, &mut body);
    Deep {
        entity: Entity::new(ty, body),
        below,
    }
}

/// The request's body, judged as an instance of `ty` (the broken rules as the server breaks
/// them).
pub(super) fn judged_body(
    generic: &Generic,
    model: &ApiModel,
    ty: &str,
    exchange: &Incoming,
) -> Result<Map<String, Value>, GraphError> {
    let mut body = exchange.json(generic.breaks(BrokenRule::AcceptsMalformedJson))?;
    let drop_wrong = generic.breaks(BrokenRule::AcceptsWrongTypes);
    validate::check(model, ty, &mut body, drop_wrong).map_err(refused)?;
    Ok(body)
}
