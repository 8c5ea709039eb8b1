//! Collections: a page of one as a query asks it (`$filter`, `$search`, `$expand`, paging),
//! `delta` rounds, `$count`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use crate::api::model::ApiModel;
use crate::mock::answer::{GraphError, error};
use crate::mock::broken::BrokenRule;
use crate::mock::generic::calendar::Window;
use crate::mock::generic::entities::Entity;
use crate::mock::generic::examples::{self, Example};
use crate::mock::generic::incoming::{Incoming, Reply, context_of, json_response};
use crate::mock::generic::place::Place;
use crate::mock::generic::{Generic, delta, expand, graph, properties, query, search};

/// A collection: where it is kept, its item type, whether it holds its entities.
pub(super) struct Listed<'a> {
    pub(super) path: &'a str,
    pub(super) ty: &'a str,
    pub(super) contained: bool,
    /// The navigation it was reached by (`calendarView` is a window on `events`).
    pub(super) navigation: Option<&'a str>,
}

/// A page of the collection as the query asks it (with `$search`, `$expand`, paging), and the
/// page size the request preferred.
pub(super) fn listed_page(
    generic: &Generic,
    model: &ApiModel,
    Listed {
        path,
        ty,
        contained,
        navigation,
    }: Listed<'_>,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Result<(Value, Option<usize>), GraphError> {
    let mut query = query::parse(exchange.query.as_deref())
        .map_err(|e| error(StatusCode::BAD_REQUEST, "BadRequest", &e.0))?;
    query.max_page = query::max_page_size(
        exchange
            .headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    expand::check(model, ty, &query.expand)
        .and_then(|()| properties::check_query(model, ty, &query))
        .map_err(|message| error(StatusCode::BAD_REQUEST, "BadRequest", &message))?;
    let window = navigation
        .and_then(graph::viewed)
        .map(|_| Window::read(exchange.query.as_deref()))
        .transpose()?;
    let store = generic.store();
    let listed = if generic.breaks(BrokenRule::ForgetsCreated) {
        Vec::new()
    } else if contained {
        store.list(path)
    } else {
        store.referenced(path)
    };
    let items: Vec<Map<String, Value>> = listed
        .into_iter()
        .map(|(at, e)| {
            let body = if contained { e.body() } else { typed_body(e) };
            (at, e, body)
        })
        .filter(|(_, _, body)| window.is_none_or(|w| w.holds(body)))
        .map(|(at, e, mut body)| {
            expand::expand(model, &store, (&at, &e.ty), &query.expand, &mut body)?;
            Ok(body)
        })
        .collect::<Result<_, String>>()
        .map_err(|message| error(StatusCode::BAD_REQUEST, "BadRequest", &message))?;
    drop(store);
    let mut items = searched(model, ty, &query, exchange, items)?;
    if let Some(shown) = example.and_then(|e| e.body.as_ref()) {
        for item in &mut items {
            examples::fill(model, ty, item, shown);
        }
    }
    let max_page = query.max_page;
    let mut page = query::apply(&query, items);
    page.items = page
        .items
        .into_iter()
        .map(|item| properties::shown(model, ty, item, &query.select))
        .collect();
    Ok((page_body(page, path, exchange), max_page))
}

/// A page of the collection, answered; with the page size it was held to, where the request
/// preferred one.
pub(super) fn list(
    generic: &Generic,
    model: &ApiModel,
    listed: Listed<'_>,
    exchange: &Incoming,
    example: Option<&Example>,
) -> Reply {
    let (page, max_page) = listed_page(generic, model, listed, exchange, example)?;
    let mut response = json_response(StatusCode::OK, page);
    if let Some(size) = max_page
        && let Ok(applied) = HeaderValue::from_str(&format!("odata.maxpagesize={size}"))
    {
        response.headers_mut().insert("preference-applied", applied);
    }
    Ok(response)
}

/// A `delta` of the collection: its pages, the last with an `@odata.deltaLink`; with a token,
/// what changed since the round it stands for.
pub(super) fn delta(
    generic: &Generic,
    model: &ApiModel,
    listed: Listed<'_>,
    exchange: &Incoming,
) -> Reply {
    let (path, contained) = (listed.path, listed.contained);
    let link = |token: String| {
        json!(format!(
            "{}{}?$deltatoken={token}",
            exchange.origin, exchange.path
        ))
    };
    if let Some(token) = delta::token(exchange.query.as_deref()) {
        let changes = generic
            .delta_changes(&token, path, contained)
            .ok_or_else(|| {
                error(
                    StatusCode::GONE,
                    "syncStateNotFound",
                    "The sync state of this delta token was not found; start a new round.",
                )
            })?;
        let body = json!({
            "@odata.context": exchange.context(&context_of(path)),
            "value": changes,
            "@odata.deltaLink": link(generic.delta_round(path, contained)),
        });
        return Ok(json_response(StatusCode::OK, body));
    }
    let (mut page, _) = listed_page(generic, model, listed, exchange, None)?;
    if page.get("@odata.nextLink").is_none() {
        page["@odata.deltaLink"] = link(generic.delta_round(path, contained));
    }
    Ok(json_response(StatusCode::OK, page))
}

/// A referenced entity names its type, as Graph's lists of directory objects do.
/// The items `$search` finds, when the query has one: on directory objects only with
/// `ConsistencyLevel: eventual`, as Graph requires.
pub(super) fn searched(
    model: &ApiModel,
    ty: &str,
    query: &query::Query,
    exchange: &Incoming,
    items: Vec<Map<String, Value>>,
) -> Result<Vec<Map<String, Value>>, GraphError> {
    let Some(text) = &query.search else {
        return Ok(items);
    };
    let refused = |message: &str| error(StatusCode::BAD_REQUEST, "BadRequest", message);
    let directory = model.lineage(ty).any(|t| t.ends_with(".directoryObject"));
    let eventual = exchange
        .headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"));
    if directory && !eventual {
        return Err(refused(search::NEEDS_EVENTUAL));
    }
    let search = search::parse(text, directory).map_err(|message| refused(&message))?;
    if let search::Search::Directory(groups) = &search {
        for (property, _) in groups.iter().flatten() {
            properties::check_searched(model, ty, property).map_err(|message| refused(&message))?;
        }
    }
    Ok(items
        .into_iter()
        .filter(|item| search::matches(&search, item))
        .collect())
}

pub(super) fn typed_body(entity: &Entity) -> Map<String, Value> {
    let mut body = entity.body();
    body.entry("@odata.type")
        .or_insert_with(|| json!(format!("#{}", entity.ty)));
    body
}

pub(super) fn page_body(page: query::Page, path: &str, exchange: &Incoming) -> Value {
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(exchange.context(&context_of(path))),
    );
    if let Some(count) = page.count {
        body.insert("@odata.count".into(), json!(count));
    }
    if let Some(next) = page.next {
        let next_query = query::next_query(exchange.query.as_deref(), next);
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{}{}?{next_query}", exchange.origin, exchange.path)),
        );
    }
    body.insert(
        "value".into(),
        Value::Array(page.items.into_iter().map(Value::Object).collect()),
    );
    Value::Object(body)
}

pub(super) fn count(generic: &Generic, on: Place) -> Reply {
    let Place::Collection {
        path, contained, ..
    } = on
    else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "$count applies to collections.",
        ));
    };
    let store = generic.store();
    let n = if contained {
        store.list(&path).len()
    } else {
        store.referenced(&path).len()
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain")],
        n.to_string(),
    )
        .into_response())
}
