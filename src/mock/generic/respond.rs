//! The generic server's answers, one function per operation, each over the store under its
//! lock: what a method does to a place.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::api::model::{ApiModel, OperationDef};
use crate::mock::answer::{GraphError, error};
use crate::mock::broken::BrokenRule;
use crate::mock::generic::collection::{self, Listed};
use crate::mock::generic::create::{self, CreateAt};
use crate::mock::generic::examples::{self, Example};
use crate::mock::generic::graph;
use crate::mock::generic::incoming::{
    Incoming, Reply, context_of, documented_status, entity_text, json_response, json_text_response,
    last_collection, refused, shown_text,
};
use crate::mock::generic::media;
use crate::mock::generic::place::Place;
use crate::mock::generic::properties;
use crate::mock::generic::query;
use crate::mock::generic::references;
use crate::mock::generic::validate;
use crate::mock::generic::{Generic, empty, expand, method_not_allowed, not_found};

/// The answer of `exchange` at `place`, shaped by the suite's documented `example` of the
/// operation where there is one.
pub fn answer(
    generic: &Generic,
    model: &ApiModel,
    place: Place,
    exchange: Incoming,
    example: Option<&Example>,
) -> Response {
    if let Some(redirect) = redirected(example, &exchange) {
        return redirect;
    }
    let reply = match place {
        Place::Collection { .. } | Place::Entity { .. } | Place::SingleReference { .. } => {
            resource(generic, model, place, &exchange, example)
        }
        _ => derived(generic, model, place, &exchange, example),
    };
    let mut response = reply.unwrap_or_else(IntoResponse::into_response);
    if let Some(example) = example
        && response.status().is_success()
    {
        documented_headers(&mut response, example, &exchange);
    }
    response
}

/// A read documented as a redirect (`302` to where the content is downloaded from): to the
/// server's own download address of the same path.
fn redirected(example: Option<&Example>, exchange: &Incoming) -> Option<Response> {
    if example?.status != 302 || exchange.method != Method::GET {
        return None;
    }
    let location = format!("{}/_mock/download{}", exchange.origin, exchange.path);
    let location = HeaderValue::from_str(&location).ok()?;
    Some((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// The contractual headers the operation's documentation shows, where the answer lacks them:
/// the documented value, or for a `Location` the address of the operation's status
/// (`…/operations/{id}`, as Graph answers a long-running action).
fn documented_headers(response: &mut Response, example: &Example, exchange: &Incoming) {
    for (name, value) in &example.headers {
        if response.headers().contains_key(name.as_str()) {
            continue;
        }
        let value = match value {
            Some(value) => value.clone(),
            None if name.eq_ignore_ascii_case("location") => format!(
                "{}{}/operations/{}",
                exchange.origin,
                exchange.path.trim_end_matches('/'),
                uuid::Uuid::new_v4()
            ),
            None => continue,
        };
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// What a method does to a collection, an entity or a single reference.
fn resource(
    generic: &Generic,
    model: &ApiModel,
    place: Place,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    let method = exchange.method.as_str();
    match (method, place) {
        (
            "GET",
            Place::Collection {
                path,
                ty,
                contained,
                navigation,
            },
        ) => {
            let listed = Listed {
                path: &path,
                ty: &ty,
                contained,
                navigation: navigation.as_deref(),
            };
            collection::list(generic, model, listed, exchange, example)
        }
        (
            "POST",
            Place::Collection {
                path,
                ty,
                contained: true,
                navigation,
            },
        ) => {
            let at = CreateAt {
                path: &path,
                ty: &ty,
                navigation: navigation.as_deref(),
            };
            create::create(generic, model, at, exchange, example)
        }
        ("GET", Place::Entity { path, .. }) => read(generic, model, &path, exchange, example),
        ("PATCH" | "PUT", Place::Entity { path, ty, .. }) => {
            let replace = method == "PUT";
            update(generic, model, (&path, &ty), exchange, replace, example)
        }
        (
            "DELETE",
            Place::Entity {
                path,
                via_reference: None,
                ..
            },
        ) => delete(generic, model, &path, exchange),
        ("GET", Place::SingleReference { path, .. }) => {
            references::single_reference(generic, &path, exchange)
        }
        _ => Ok(method_not_allowed(&exchange.method, &exchange.path)),
    }
}

/// What a method does to `$ref`, `$count`, `$value`, a property or a bound operation.
fn derived(
    generic: &Generic,
    model: &ApiModel,
    place: Place,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    let method = &exchange.method;
    match (method.as_str(), place) {
        (_, Place::Refs(on)) => references::references(generic, method, *on, exchange),
        ("GET", Place::Count(on)) => collection::count(generic, *on),
        (_, Place::Value(on)) => media::value(generic, method, *on, exchange),
        (
            _,
            Place::Property {
                entity,
                name,
                ty,
                collection,
            },
        ) => property(
            generic,
            model,
            method,
            &entity,
            (&name, &ty, collection),
            (exchange, example),
        ),
        (
            _,
            Place::Operation {
                on,
                name,
                action,
                arguments,
                returns,
            },
        ) => {
            let called = Called {
                on: *on,
                name: &name,
                action,
                arguments: &arguments,
                returns,
            };
            operation(generic, model, called, exchange, example)
        }
        _ => Ok(method_not_allowed(method, &exchange.path)),
    }
}

fn read(
    generic: &Generic,
    model: &ApiModel,
    path: &str,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    let mut store = generic.store();
    if generic.breaks(BrokenRule::ForgetsCreated) || store.get(path).is_none() {
        return Err(not_found(last_collection(path)));
    }
    if let (Some(example), Some(entity)) = (example, store.get_mut(path)) {
        let ty = entity.ty.clone();
        entity.edit(|body| {
            examples::fill_from(model, &ty, body, example);
            // An entity the server made as it was reached (a drive's root) has its stamps too.
            properties::stamp(model, &ty, body);
        });
    }
    let entity = store
        .get(path)
        .ok_or_else(|| not_found(last_collection(path)))?;
    let context = format!(
        "{}/$entity",
        context_of(path.rsplit_once('/').map_or(path, |(c, _)| c))
    );
    let query = query::parse(exchange.query.as_deref())
        .map_err(|e| e.0)
        .and_then(|query| properties::check_query(model, &entity.ty, &query).map(|()| query))
        .map_err(|message| error(StatusCode::BAD_REQUEST, "BadRequest", &message))?;
    if query.expand.is_empty() && !properties::narrowed(&entity.ty, &query.select) {
        return Ok(json_text_response(
            StatusCode::OK,
            entity_text(entity, exchange, &context),
        ));
    }
    let mut body = properties::shown(model, &entity.ty, entity.body(), &query.select);
    expand::expand(model, &store, (path, &entity.ty), &query.expand, &mut body)
        .map_err(|message| error(StatusCode::BAD_REQUEST, "BadRequest", &message))?;
    body.insert("@odata.context".into(), json!(exchange.context(&context)));
    Ok(json_response(StatusCode::OK, Value::Object(body)))
}

fn update(
    generic: &Generic,
    model: &ApiModel,
    (path, ty): (&str, &str),
    exchange: &Incoming,
    replace: bool,
    example: Option<&Example>,
) -> Reply {
    let mut body = create::judged_body(generic, model, ty, exchange)?;
    graph::forget_write_only(&mut body);
    let mut store = generic.store();
    let entity = store
        .get_mut(path)
        .filter(|_| !generic.breaks(BrokenRule::ForgetsCreated))
        .ok_or_else(|| not_found(last_collection(path)))?;
    let stamped = model.member(ty, "lastModifiedDateTime").is_some();
    entity.edit(|stored| {
        let id = stored.get("id").cloned();
        if replace {
            *stored = body;
        } else {
            stored.extend(body);
        }
        if let Some(id) = id {
            stored.insert("id".into(), id);
        }
        if stamped {
            let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            stored.insert("lastModifiedDateTime".into(), json!(now.to_string()));
        }
        // As a read does: what the documented answer shows and the entity lacks.
        if let Some(example) = example {
            examples::fill_from(model, ty, stored, example);
        }
    });
    // The documented answer decides; else the workload's convention (Outlook items answer
    // what they became, directory objects 204); `Prefer: return=minimal` asks for 204.
    let with_entity = match example.map(|e| e.status) {
        Some(200) => true,
        Some(204) => false,
        _ => graph::updates_answer_the_entity(model, ty),
    };
    let minimal = exchange.prefers("return=minimal");
    if exchange.prefers_representation() || replace || (with_entity && !minimal) {
        let context = format!("{}/$entity", context_of(path));
        let text = shown_text(model, entity, exchange, &context);
        drop(store);
        let mut response = json_text_response(StatusCode::OK, text);
        if exchange.prefers_representation() {
            response.headers_mut().insert(
                "preference-applied",
                HeaderValue::from_static("return=representation"),
            );
        }
        return Ok(response);
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

fn delete(generic: &Generic, model: &ApiModel, path: &str, exchange: &Incoming) -> Reply {
    if generic.breaks(BrokenRule::IgnoresDeletes) {
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    let mut store = generic.store();
    if generic.breaks(BrokenRule::ForgetsCreated) || !store.remove(path) {
        return Err(not_found(last_collection(path)));
    }
    // Asked for by another path than its own: through a group's threads. (Keys are found
    // without regard to case, and may come percent-encoded.)
    let asked = crate::api::path::percent_decoded(&exchange.path).to_ascii_lowercase();
    if !asked.ends_with(&path.to_ascii_lowercase()) {
        graph::after_group_thread_delete(model, &mut store, path);
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

fn property(
    generic: &Generic,
    model: &ApiModel,
    method: &Method,
    entity: &str,
    (name, ty, collection): (&str, &str, bool),
    (exchange, example): (&Incoming, Option<&Example>),
) -> Reply {
    if ty == "Edm.Stream" {
        // A stream that held nothing was made by this upload: 201, as Graph answers (or what
        // the documentation shows).
        let stream = format!("{entity}/{name}");
        let new_file = generic.store().media(&stream).is_none();
        let stored = media::media(generic, method, &stream, exchange)?;
        if method == Method::PUT && stored.status().is_success() {
            media::describe_file(generic, model, entity, exchange);
            let made = match new_file {
                true => StatusCode::CREATED,
                false => StatusCode::OK,
            };
            let status = documented_status(example, made);
            return Ok(media::uploaded(generic, entity, exchange, status));
        }
        return Ok(stored);
    }
    match method.as_str() {
        "GET" => {
            let store = generic.store();
            let value = store
                .get(entity)
                .and_then(|e| e.property(name))
                .unwrap_or(Value::Null);
            let context = exchange.context(&format!("{}/{name}", context_of(entity)));
            let body = match value {
                Value::Object(mut object) if !collection => {
                    object.insert("@odata.context".into(), json!(context));
                    Value::Object(object)
                }
                other => json!({"@odata.context": context, "value": other}),
            };
            Ok(json_response(StatusCode::OK, body))
        }
        "PATCH" | "PUT" => {
            let body = exchange.json(false)?;
            let mut wrapper = Map::new();
            wrapper.insert(name.to_string(), Value::Object(body));
            let owner = generic
                .store()
                .get(entity)
                .map(|e| e.ty.clone())
                .unwrap_or_default();
            validate::check(model, &owner, &mut wrapper, false).map_err(refused)?;
            if let Some(stored) = generic.store().get_mut(entity) {
                stored.edit(|body| body.extend(wrapper));
            }
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Ok(method_not_allowed(method, &exchange.path)),
    }
}

/// A bound operation as called: what it is bound to, its name, whether it is an action, and
/// its return type.
struct Called<'a> {
    on: Place,
    name: &'a str,
    action: bool,
    /// A function's arguments in the path: (name, literal).
    arguments: &'a [(String, String)],
    returns: Option<(String, bool)>,
}

/// A bound action (POST) or function (GET): as its documented example shows, else 204 without
/// a return type, else a value of it — the bound collection for `delta`, an empty collection,
/// or a minimal instance.
fn operation(
    generic: &Generic,
    model: &ApiModel,
    Called {
        on,
        name,
        action,
        arguments,
        returns,
    }: Called<'_>,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    let method = &exchange.method;
    let wanted = if action { "POST" } else { "GET" };
    if method.as_str() != wanted {
        return Ok(method_not_allowed(method, &exchange.path));
    }
    let request = if action {
        parameters(generic, model, (&on, name), exchange)?
    } else {
        let overloads = bound_type(&on)
            .map(|(ty, collection)| model.overloads(ty, collection, name))
            .unwrap_or_default();
        validate::check_arguments(model, &overloads, arguments, exchange.query.as_deref())
            .map_err(refused)?;
        Map::new()
    };
    if let Place::Entity { path, .. } = &on
        && let Some(ids) = graph::membership(&generic.store(), path, name, &request)
    {
        let context = exchange.context("Collection(Edm.String)");
        return Ok(json_response(
            StatusCode::OK,
            json!({"@odata.context": context, "value": ids}),
        ));
    }
    let own_rule = tracked_or_uploaded(generic, model, (name, action, &on), (exchange, example));
    if let Some(answer) = own_rule {
        return answer;
    }
    if let Some(answer) = documented_answer(example, exchange, returns.is_some()) {
        return Ok(answer);
    }
    let Some((ty, collection)) = returns else {
        return Ok(empty(StatusCode::NO_CONTENT));
    };
    let context = if collection {
        exchange.context(&format!("Collection({ty})"))
    } else {
        exchange.context(&ty)
    };
    let body = match (collection, model.type_info(&ty)) {
        (true, _) => json!({"@odata.context": context, "value": []}),
        (false, Some(info)) => {
            let mut object = Map::new();
            object.insert("@odata.context".into(), json!(context));
            if info.entity {
                object.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
            }
            Value::Object(object)
        }
        (false, None) => json!({"@odata.context": context, "value": primitive_default(&ty)}),
    };
    Ok(json_response(
        documented_status(example, StatusCode::OK),
        body,
    ))
}

/// The operation `name` bound to what `on` is, where the metadata declares its parameters.
fn declared<'m>(model: &'m ApiModel, on: &Place, name: &str) -> Option<&'m OperationDef> {
    let (ty, collection) = bound_type(on)?;
    model
        .operation(ty, collection, name)
        .filter(|op| !op.unknown_parameters)
}

/// The type an operation on `on` binds to, and whether as a collection.
fn bound_type(on: &Place) -> Option<(&str, bool)> {
    match on {
        Place::Entity { ty, .. } => Some((ty.as_str(), false)),
        Place::Collection { ty, .. } => Some((ty.as_str(), true)),
        _ => None,
    }
}

/// The parameters an action is called with, judged by its declaration in the metadata: a body
/// where it takes none is ignored, none where it requires some is Graph's `Empty Payload`.
fn parameters(
    generic: &Generic,
    model: &ApiModel,
    (on, name): (&Place, &str),
    exchange: &Incoming,
) -> Result<Map<String, Value>, GraphError> {
    let malformed_as_empty = generic.breaks(BrokenRule::AcceptsMalformedJson);
    let Some(operation) = declared(model, on, name) else {
        return match exchange.body.is_empty() {
            true => Ok(Map::new()),
            false => exchange.json(malformed_as_empty),
        };
    };
    // A body where it takes none is ignored; none where every parameter may be left out
    // calls it with none.
    let unsent = exchange.body.iter().all(u8::is_ascii_whitespace);
    if operation.parameters.is_empty() || (unsent && operation.required.is_empty()) {
        return Ok(Map::new());
    }
    let mut body = exchange.json(malformed_as_empty)?;
    if !generic.breaks(BrokenRule::AcceptsWrongTypes) {
        validate::check_parameters(model, operation, &mut body).map_err(refused)?;
    }
    Ok(body)
}

/// The operations served by rules of their own: `delta` (change tracking) and
/// `createUploadSession` (resumable uploads).
fn tracked_or_uploaded(
    generic: &Generic,
    model: &ApiModel,
    (name, action, on): (&str, bool, &Place),
    (exchange, example): (&Incoming, Option<&Example>),
) -> Option<Reply> {
    if let (
        true,
        Place::Collection {
            path,
            ty,
            contained,
            navigation,
        },
    ) = (name.eq_ignore_ascii_case("delta"), on)
    {
        let listed = Listed {
            path,
            ty,
            contained: *contained,
            navigation: navigation.as_deref(),
        };
        return Some(collection::delta(generic, model, listed, exchange));
    }
    if action
        && name.eq_ignore_ascii_case("createUploadSession")
        && let Place::Entity { path, .. } = on
    {
        let mut session = generic.open_upload(path, &exchange.origin);
        session["@odata.context"] = json!(exchange.context("microsoft.graph.uploadSession"));
        let status = documented_status(example, StatusCode::OK);
        return Some(Ok(json_response(status, session)));
    }
    None
}

/// An operation answered as its example: its status, and its body when it has one.
fn documented_answer(
    example: Option<&Example>,
    exchange: &Incoming,
    returns: bool,
) -> Option<Response> {
    let example = example?;
    let status = StatusCode::from_u16(example.status)
        .ok()
        .filter(StatusCode::is_success)?;
    match &example.whole {
        Some(body) if status != StatusCode::NO_CONTENT => {
            let mut body = body.clone();
            if let Some(Value::String(context)) = body.get("@odata.context") {
                let what = context.rsplit('#').next().unwrap_or_default().to_string();
                body.insert("@odata.context".into(), json!(exchange.context(&what)));
            }
            Some(json_response(status, Value::Object(body)))
        }
        _ if status == StatusCode::NO_CONTENT || !returns => Some(empty(status)),
        // A documented answer whose body the page does not show: made by the return type.
        _ => None,
    }
}

fn primitive_default(ty: &str) -> Value {
    match ty {
        "Edm.Boolean" => json!(true),
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" => json!(0),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => json!(0.0),
        "Edm.DateTimeOffset" => {
            json!(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string())
        }
        _ => json!(""),
    }
}
