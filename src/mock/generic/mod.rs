//! The reference server for the whole API its models describe: every request is typed by the
//! API model of its version (`api::typing`) and served from one store of entities by Graph's
//! conventions — POST to a collection creates, GET reads and lists (with OData query options),
//! PATCH merges, PUT replaces, DELETE removes the entity and all it contains, `$ref` adds and
//! removes references, bound operations answer by their return type. A path the models cannot
//! type is a 400 naming the segment.

mod calendar;
mod collection;
mod create;
mod delta;
mod directory;
mod drive;
pub mod entities;
pub mod examples;
mod expand;
pub mod filter;
mod graph;
mod incoming;
mod media;
mod onenote;
pub mod place;
mod prefer;
mod primitive;
mod properties;
pub mod query;
mod references;
pub mod requested;
mod respond;
mod search;
pub mod seed;
pub mod served;
pub mod upload;
pub mod validate;
mod zones;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::file::Models;
use crate::api::{operations, path, typing};
use crate::mock::answer::{GraphError, error};
use crate::mock::broken::BrokenRule;
use crate::mock::generic::drive::Reach;
use crate::mock::generic::entities::{Entities, Entity};
use crate::mock::generic::examples::Examples;
use crate::mock::generic::place::Nowhere;
use crate::mock::generic::requested::ServedBy;

/// What the generic server holds.
pub struct Generic {
    models: Arc<Models>,
    /// The suite's documented answers, by operation.
    examples: Arc<Examples>,
    store: Mutex<Entities>,
    broken: Arc<[BrokenRule]>,
    /// How long what was just created stays unseen (`--consistency-lag-ms`), and what was
    /// created within it, by path.
    lag: std::time::Duration,
    recent: Mutex<Vec<(String, std::time::Instant)>>,
    /// What exists from the start, and again after a reset: the fixtures' entities, and what
    /// the documented reads and lists show unless the server starts empty.
    fixtures: Vec<(String, String)>,
    seeds: bool,
    /// Resumable uploads in progress.
    uploads: upload::Uploads,
    /// The delta rounds issued.
    deltas: delta::Deltas,
    /// `https` when served over TLS: the scheme of the links the server writes.
    scheme: &'static str,
    /// Starts with a small organisation (`directory`), as `conform mock` does.
    organisation: bool,
    /// What clients asked, operation by operation (`GET /_mock/coverage`).
    requested: requested::Requested,
}

impl Generic {
    pub fn new(models: Arc<Models>, examples: Arc<Examples>, broken: &[BrokenRule]) -> Self {
        Self {
            models,
            examples,
            store: Mutex::new(Entities::default()),
            broken: broken.into(),
            lag: std::time::Duration::ZERO,
            recent: Mutex::new(Vec::new()),
            fixtures: Vec::new(),
            seeds: false,
            uploads: upload::Uploads::default(),
            deltas: delta::Deltas::default(),
            scheme: "http",
            organisation: false,
            requested: requested::Requested::default(),
        }
    }

    /// What clients asked of the server, by operation, against what the models offer.
    pub fn requested(&self) -> serde_json::Value {
        self.requested.ledger(&self.models)
    }

    /// Starts (and starts again after a reset) with a small organisation: users, groups, the
    /// signed-in user's events.
    pub fn with_organisation(mut self, organisation: bool) -> Self {
        self.organisation = organisation;
        self
    }

    /// Writes its links with `https://`, as it is served over TLS.
    pub fn over_https(mut self, https: bool) -> Self {
        if https {
            self.scheme = "https";
        }
        self
    }

    /// Starts with an entity for each fixture and, with `seeds`, what the documented reads and
    /// lists show; a reset comes back to that.
    pub fn starting_with(mut self, fixtures: Vec<(String, String)>, seeds: bool) -> Self {
        self.fixtures = fixtures;
        self.seeds = seeds;
        self.populate();
        self
    }

    fn populate(&self) {
        if self.organisation {
            directory::populate(&self.models, &mut self.store());
        }
        self.add_fixtures();
        if self.seeds {
            self.add_seeds();
        }
    }

    /// Leaves what is created unseen for `lag`, as an eventually consistent service does.
    pub fn lagging(mut self, lag: std::time::Duration) -> Self {
        self.lag = lag;
        self
    }

    /// Notes that `path` was just created, when the server lags.
    fn created(&self, path: &str) {
        if !self.lag.is_zero() {
            self.recent()
                .push((path.to_string(), std::time::Instant::now()));
        }
    }

    /// Whether `path` is, or is below, something created less than the lag ago.
    fn unseen(&self, path: &str) -> bool {
        if self.lag.is_zero() {
            return false;
        }
        let mut recent = self.recent();
        recent.retain(|(_, at)| at.elapsed() < self.lag);
        recent.iter().any(|(created, _)| {
            path == created
                || path
                    .strip_prefix(created.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    }

    /// Makes an entity for each fixture named after an entity type that an entity set holds
    /// (`group-id` → `/groups/{value}`), so that a suite's placeholders name what exists.
    fn add_fixtures(&self) {
        {
            let mut store = self.store();
            for (name, value) in &self.fixtures {
                let Some(short) = name.strip_suffix("-id") else {
                    continue;
                };
                for model in self.models.all() {
                    let Some(ty) = model.entity_type_named(short) else {
                        continue;
                    };
                    if let Some(set) = model.roots.iter().find(|r| r.collection && r.ty == ty) {
                        let mut body = serde_json::Map::new();
                        body.insert("id".into(), value.clone().into());
                        properties::complete(model, ty, &mut body);
                        store.insert(&format!("/{}", set.name), Entity::new(ty, body));
                        break;
                    }
                }
            }
        }
    }

    /// Loads what the suite's documented reads and lists show as existing entities of their
    /// collections (fresh ids), shallow collections first. A key above a seeded collection is
    /// the fixture of its name, else the first entity already in the collection it keys (a
    /// conversation's documented threads go into the first seeded conversation).
    fn add_seeds(&self) {
        let values: std::collections::HashMap<&str, &str> = self
            .fixtures
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut seeds: Vec<_> = self.examples.seeds.iter().collect();
        seeds.sort_by_key(|seed| seed.collection.matches('/').count());
        for seed in seeds {
            let Some(path) = self.filled_from_store(&seed.collection, &values) else {
                continue;
            };
            let Ok(typed) = typing::type_request(&self.models, &path, None) else {
                continue;
            };
            let Some(model) = self.models.get(&typed.model) else {
                continue;
            };
            let mut store = self.store();
            let Ok(place::Place::Collection {
                path,
                ty,
                contained: true,
                ..
            }) = place::resolve(model, &typed, &mut store, Reach::Existing)
            else {
                continue;
            };
            for shown in &seed.entities {
                let Some(mut body) = seed::judged(model, &ty, shown.clone()) else {
                    continue;
                };
                body.insert("id".into(), uuid::Uuid::new_v4().to_string().into());
                let ty = validate::body_type(model, &ty, &body).to_string();
                properties::complete(model, &ty, &mut body);
                store.insert(&path, Entity::new(ty, body));
            }
        }
    }

    /// `template` with each placeholder replaced by its fixture, else by the id of the first
    /// entity of the collection before it; `None` when that collection is empty or untyped.
    fn filled_from_store(
        &self,
        template: &str,
        values: &std::collections::HashMap<&str, &str>,
    ) -> Option<String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}')? + open;
            let name = &rest[open + 1..close];
            match values.get(name) {
                Some(value) => out.push_str(value),
                None => out.push_str(&self.first_id(out.trim_end_matches('/'))?),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// The id of the first entity of the collection at `path`.
    fn first_id(&self, path: &str) -> Option<String> {
        let typed = typing::type_request(&self.models, path, None).ok()?;
        let model = self.models.get(&typed.model)?;
        let mut store = self.store();
        let place::Place::Collection {
            path, contained, ..
        } = place::resolve(model, &typed, &mut store, Reach::Existing).ok()?
        else {
            return None;
        };
        let listed = if contained {
            store.list(&path)
        } else {
            store.referenced(&path)
        };
        listed.first()?.1.id().map(str::to_string)
    }

    fn breaks(&self, rule: BrokenRule) -> bool {
        self.broken.contains(&rule)
    }

    fn recent(&self) -> MutexGuard<'_, Vec<(String, std::time::Instant)>> {
        // As the store's: a poisoned list is still whole.
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn store(&self) -> MutexGuard<'_, Entities> {
        // A panic while holding the lock leaves whole entries: the store is still served.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How the server serves `method` on `path` (`GET /_mock/routes?method=…&path=…`): typed
    /// by a model and answered by convention, or shaped by a documented example; or not at
    /// all.
    pub fn route(&self, method: &str, path: &str) -> serde_json::Value {
        // The test API's `method=` may be written in any case.
        let Some(method) = crate::graph::Method::parse(method) else {
            return serde_json::json!({"path": path, "served": "not at all", "why": format!("`{method}` is not an HTTP method")});
        };
        let typed = typing::type_request(&self.models, path, None);
        let Ok(typed) = typed else {
            return serde_json::json!({"path": path, "served": "not at all", "why": "the path cannot be read"});
        };
        if let Some(restricted) = self.refused_create(method, &typed) {
            return serde_json::json!({
                "path": path,
                "method": method,
                "served": "not at all",
                "why": format!("the metadata's InsertRestrictions on `{restricted}` refuse creates: 405"),
            });
        }
        match &typed.untyped {
            None => serde_json::json!({
                "path": path,
                "method": method,
                "served": if self.examples.get(method, &typed).is_some() { "by example" } else { "by convention" },
                "operation": typed.operation(method).map(|o| o.as_str()),
                "resource_type": typed.resource_type(),
                "model": typed.model,
            }),
            Some(untyped) => serde_json::json!({
                "path": path,
                "method": method,
                "served": "not at all",
                "why": format!("`{}`: {}", untyped.segment, untyped.reason),
            }),
        }
    }

    /// The collection a create of `typed` goes to, as its restrictions name it, when the
    /// metadata refuses creates there.
    fn refused_create(
        &self,
        method: crate::graph::Method,
        typed: &typing::TypedPath,
    ) -> Option<String> {
        if typed.untyped.is_some() || typed.operation(method) != Some(typing::Operation::Create) {
            return None;
        }
        let model = self.models.get(&typed.model)?;
        let last = typed.segments.last()?;
        let owner = typed
            .segments
            .len()
            .checked_sub(2)
            .and_then(|i| typed.segments.get(i))
            .and_then(|s| s.ty.as_deref())
            .filter(|_| matches!(last.step, typing::SegmentKind::Navigation { .. }));
        let restricted = match owner {
            Some(owner) => format!("{owner}/{}", last.text),
            None => last.text.clone(),
        };
        (!model.insertable(&restricted)).then_some(restricted)
    }

    /// What the download address of `path` serves (`GET /_mock/download/…`, where a read
    /// documented as a redirect points): the media put at that path, else nothing.
    pub fn download(&self, path: &str) -> (String, Vec<u8>) {
        let path = path::percent_decoded(path);
        let unversioned = match path.trim_start_matches('/').split_once('/') {
            Some((version, rest)) if typing::is_version_or_any(version) => format!("/{rest}"),
            _ => path.clone(),
        };
        let store = self.store();
        let parent = unversioned.rsplit_once('/').map_or("", |(p, _)| p);
        store
            .media(&unversioned)
            .or_else(|| store.media(parent))
            .cloned()
            .unwrap_or_else(|| ("application/octet-stream".into(), Vec::new()))
    }

    /// Forgets everything the requests made (`POST /_mock/reset`): the server is as it started,
    /// its fixtures and seeds there again.
    pub fn reset(&self) {
        self.uploads.clear();
        self.deltas.clear();
        self.store().clear();
        self.recent().clear();
        self.populate();
    }
}

/// The router of the generic server: every request goes through `serve`.
pub fn router(generic: Arc<Generic>) -> Router {
    Router::new().fallback(serve).with_state(generic)
}

async fn serve(State(generic): State<Arc<Generic>>, request: Request) -> Response {
    let path = path::percent_decoded(request.uri().path());
    let method = request.method().as_str().to_string();
    let typed = match typing::type_request(&generic.models, &path, None) {
        Ok(typed) if typed.untyped.is_none() => typed,
        Ok(typed) => {
            let (segment, why) = typed
                .untyped
                .map(|u| (u.segment.clone(), format!("`{}`: {}", u.segment, u.reason)))
                .unwrap_or_default();
            generic.requested.not_served(&method, &path, &why);
            return unknown_segment(&segment);
        }
        Err(error) => {
            generic.requested.not_served(&method, &path, &error.message);
            return unknown_segment(&path);
        }
    };
    let known_version = typed.version.as_deref().is_none_or(|v| {
        crate::graph::VERSIONS.contains(&v) || generic.models.versions().any(|m| m == v)
    });
    let model = generic
        .models
        .for_version(typed.version.as_deref())
        .into_iter()
        .find(|m| m.version == typed.model);
    let (Some(model), true) = (model, known_version) else {
        return error(StatusCode::BAD_REQUEST, "BadRequest", "Invalid version.").into_response();
    };
    let operation = crate::graph::Method::parse(&method)
        .and_then(|m| operations::operation_of(model, &typed, m));
    let (response, by) = answer_typed(&generic, model, &typed, request).await;
    // Every answer to an operation counts in the ledger, a refusal (404, 400, 415) as well.
    if let Some(operation) = operation {
        generic
            .requested
            .served(operation, by, response.status().as_u16());
    }
    response
}

/// The answer to a request the model typed, and how it was made.
async fn answer_typed(
    generic: &Generic,
    model: &crate::api::model::ApiModel,
    typed: &typing::TypedPath,
    request: Request,
) -> (Response, ServedBy) {
    let exchange = match incoming::Incoming::read(request, typed, generic.scheme).await {
        Ok(exchange) => exchange,
        Err(refused) => return (refused.into_response(), ServedBy::Convention),
    };
    let reach = place::reach(&exchange.method, typed);
    let placed = place::resolve(model, typed, &mut generic.store(), reach);
    let placed = match placed {
        Ok(place) if place.anchor().is_some_and(|p| generic.unseen(p)) => {
            let what = place
                .anchor()
                .and_then(|p| p.rsplit('/').nth(1))
                .unwrap_or_default();
            Err(Nowhere::NotFound(what.to_string()))
        }
        other => other,
    };
    match placed {
        Ok(place) => {
            let example = crate::graph::Method::parse_exact(exchange.method.as_str())
                .and_then(|method| generic.examples.get(method, typed));
            let by = match example {
                Some(_) => ServedBy::Example,
                None => ServedBy::Convention,
            };
            let outlook = prefer::Outlook::read(&exchange.headers);
            let response = respond::answer(generic, model, place, exchange, example);
            (prefer::answered(&outlook, response).await, by)
        }
        Err(Nowhere::NotFound(what)) => (not_found(&what).into_response(), ServedBy::Convention),
        Err(Nowhere::Invalid(message)) => (
            error(StatusCode::BAD_REQUEST, "BadRequest", &message).into_response(),
            ServedBy::Convention,
        ),
    }
}

/// Graph's answer to a path whose segment `segment` names nothing it serves.
fn unknown_segment(segment: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
    .into_response()
}

/// 404 with the error code of the workload the collection belongs to.
pub fn not_found(what: &str) -> GraphError {
    let code = match what {
        "users" | "groups" | "applications" | "servicePrincipals" | "devices" | "members"
        | "owners" | "directoryObjects" => "Request_ResourceNotFound",
        "messages" | "events" | "mailFolders" | "contacts" | "calendars" | "childFolders" => {
            "ErrorItemNotFound"
        }
        "items" | "children" | "special" => "itemNotFound",
        _ => "ResourceNotFound",
    };
    error(
        StatusCode::NOT_FOUND,
        code,
        &format!("Resource '{what}' with the given key does not exist."),
    )
}

/// A method the place does not allow: 405 (the envelope answers 404 in its place when the
/// server breaks that rule).
fn method_not_allowed(method: &Method, what: &str) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("{method} is not allowed on {what}."),
    )
    .into_response()
}

/// An empty answer with `status`.
fn empty(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}
