//! The contract's operations: create, read, list and delete threads, conversations and
//! channel chat threads, over the in-memory store.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::mock::answer::{GraphError, collection, error, invalid, json_body, not_found, resource};
use crate::mock::broken::BrokenRule;
use crate::mock::store::{self, ChatThreadInput, ConversationInput, Store, ThreadInput};

const API_VERSIONS: &[&str] = &["v1.0", "beta"];

#[derive(Clone, Default)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    /// Rules of the contract this server breaks (`--break`).
    broken: Arc<[BrokenRule]>,
}

impl AppState {
    pub fn breaking(broken: &[BrokenRule]) -> Self {
        Self {
            broken: broken.into(),
            ..Self::default()
        }
    }

    fn breaks(&self, rule: BrokenRule) -> bool {
        self.broken.contains(&rule)
    }

    /// A stored resource found by `find`, unless the server forgets what it creates.
    fn found<T>(
        &self,
        find: impl FnOnce(&Store) -> Option<T>,
        what: &str,
    ) -> Result<T, GraphError> {
        if self.breaks(BrokenRule::ForgetsCreated) {
            return Err(not_found(what));
        }
        find(&self.store()).ok_or_else(|| not_found(what))
    }

    /// Deletes with `delete`, unless the server ignores deletes or forgets what it creates.
    fn deleted(&self, delete: impl FnOnce(&mut Store) -> bool, what: &str) -> Reply {
        let deleted = if self.breaks(BrokenRule::IgnoresDeletes) {
            true
        } else {
            !self.breaks(BrokenRule::ForgetsCreated) && delete(&mut self.store())
        };
        if deleted {
            Ok(StatusCode::NO_CONTENT.into_response())
        } else {
            Err(not_found(what))
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a way later
        // requests could not use, so a poisoned lock is still served.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn parsed<T: for<'de> serde::Deserialize<'de>>(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, GraphError> {
    let value = json_body(
        headers,
        body,
        state.breaks(BrokenRule::AcceptsMalformedJson),
    )
    .await?;
    let refused = match store::parse(&value) {
        Ok(input) => return Ok(input),
        Err(refused) => refused,
    };
    if state.breaks(BrokenRule::AcceptsWrongTypes)
        && let Value::Object(map) = &value
    {
        // Drops the first property whose removal makes the body readable.
        for key in map.keys() {
            let mut fewer = map.clone();
            fewer.remove(key);
            if let Ok(input) = store::parse(&Value::Object(fewer)) {
                return Ok(input);
            }
        }
    }
    Err(invalid(refused))
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
    let input: ThreadInput = parsed(&state, headers, body).await?;
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
    let found = state.found(|store| store.thread(&group, &thread), "thread")?;
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
    state.deleted(|store| store.delete_thread(&group, &thread), "thread")
}

pub async fn reply(
    State(state): State<AppState>,
    Path((version, group, thread)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    json_body(
        &headers,
        body,
        state.breaks(BrokenRule::AcceptsMalformedJson),
    )
    .await?;
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
    let input: ConversationInput = parsed(&state, &headers, body).await?;
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
    let found = state.found(
        |store| store.conversation(&group, &conversation),
        "conversation",
    )?;
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
    state.deleted(
        |store| store.delete_conversation(&group, &conversation),
        "conversation",
    )
}

pub async fn create_conversation_thread(
    State(state): State<AppState>,
    Path((version, group, conversation)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    check_version(&version)?;
    let input: ThreadInput = parsed(&state, &headers, body).await?;
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
    let found = state.found(
        |store| store.conversation_thread(&group, &conversation, &thread),
        "thread",
    )?;
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
    let input: ChatThreadInput = parsed(&state, &headers, body).await?;
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
