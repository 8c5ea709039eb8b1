//! The contract's operations: create, read, list and delete threads, conversations and
//! channel chat threads, over the in-memory store.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::graph;
use crate::mock::answer::{
    GraphError, MAX_REQUEST_BYTES, collection, error, invalid, not_found, resource,
};
use crate::mock::store::{self, ChatThreadInput, ConversationInput, Store, ThreadInput};

const API_VERSIONS: &[&str] = &["v1.0", "beta"];

#[derive(Clone, Default)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
}

impl AppState {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a way later
        // requests could not use, so a poisoned lock is still served.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Reads a JSON request body: 415 for another media type, 413 when too large, 400 when malformed.
async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, GraphError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !graph::is_json_media_type(content_type) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "The request body must be application/json.",
        ));
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                &format!("The request body exceeds {MAX_REQUEST_BYTES} bytes."),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Unable to read JSON request payload: {e}"),
        )
    })
}

async fn parsed<T: for<'de> serde::Deserialize<'de>>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, GraphError> {
    let value = json_body(headers, body).await?;
    store::parse(&value).map_err(invalid)
}

fn check_version(version: &str) -> Result<(), GraphError> {
    if API_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Unknown API version `{version}`."),
        ))
    }
}

type Reply = Result<Response, GraphError>;

pub async fn create_group_thread(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    create_thread(state, &version, &group, &headers, body).await
}

pub async fn create_joined_group_thread(
    State(state): State<AppState>,
    Path((version, _user, group)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    create_thread(state, &version, &group, &headers, body).await
}

async fn create_thread(
    state: AppState,
    version: &str,
    group: &str,
    headers: &HeaderMap,
    body: Body,
) -> Reply {
    check_version(version)?;
    let input: ThreadInput = parsed(headers, body).await?;
    let thread = state.store().create_thread(group, input).map_err(invalid)?;
    Ok(resource(
        StatusCode::CREATED,
        version,
        &format!("groups('{group}')/threads/$entity"),
        thread,
    ))
}

pub async fn get_thread(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .thread(&group, &thread)
        .ok_or_else(|| not_found("thread"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/threads/$entity"),
        found,
    ))
}

pub async fn delete_thread(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    if state.store().delete_thread(&group, &thread) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found("thread"))
    }
}

pub async fn reply(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    json_body(&headers, body).await?;
    if state.store().thread(&group, &thread).is_none() {
        return Err(not_found("thread"));
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

pub async fn create_conversation(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ConversationInput = parsed(&headers, body).await?;
    let conversation = state
        .store()
        .create_conversation(&group, input)
        .map_err(invalid)?;
    Ok(resource(
        StatusCode::CREATED,
        &version,
        &format!("groups('{group}')/conversations/$entity"),
        conversation,
    ))
}

pub async fn list_conversations(
    State(state): State<AppState>,
    Path((version, group)): Path<(String, String)>,
) -> Reply {
    check_version(&version)?;
    let list = state.store().conversations(&group);
    Ok(collection(
        &version,
        &format!("groups('{group}')/conversations"),
        list,
    ))
}

pub async fn get_conversation(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .conversation(&group, &conversation)
        .ok_or_else(|| not_found("conversation"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/conversations/$entity"),
        found,
    ))
}

pub async fn delete_conversation(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    if state.store().delete_conversation(&group, &conversation) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found("conversation"))
    }
}

pub async fn create_conversation_thread(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ThreadInput = parsed(&headers, body).await?;
    let thread = state
        .store()
        .create_thread_in(&group, &conversation, input)
        .map_err(invalid)?
        .ok_or_else(|| not_found("conversation"))?;
    Ok(resource(
        StatusCode::CREATED,
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads/$entity"),
        thread,
    ))
}

pub async fn list_conversation_threads(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let threads = state
        .store()
        .conversation_threads(&group, &conversation)
        .ok_or_else(|| not_found("conversation"))?;
    Ok(collection(
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads"),
        threads,
    ))
}

pub async fn get_conversation_thread(
    State(state): State<AppState>,
    Path((version, group, conversation, thread)): Path<(String, String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let found = state
        .store()
        .conversation_thread(&group, &conversation, &thread)
        .ok_or_else(|| not_found("thread"))?;
    Ok(resource(
        StatusCode::OK,
        &version,
        &format!("groups('{group}')/conversations('{conversation}')/threads/$entity"),
        found,
    ))
}

pub async fn create_chat_thread(
    State(state): State<AppState>,
    Path((version, group, channel)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ChatThreadInput = parsed(&headers, body).await?;
    state
        .store()
        .create_chat_thread(&group, &channel, input)
        .map_err(invalid)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_chat_threads(
    State(state): State<AppState>,
    Path((version, group, channel)): Path<(String, String, String)>,
) -> Reply {
    check_version(&version)?;
    let items = state
        .store()
        .chat_threads(&group, &channel)
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect();
    Ok(collection(
        &version,
        &format!("groups('{group}')/channels('{channel}')/chatThreads"),
        items,
    ))
}
