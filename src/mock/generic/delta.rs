//! Change tracking (`…/delta`): the last page of a delta round carries an `@odata.deltaLink`
//! whose token stands for the collection as it was then; a call with that token answers what
//! was created or changed since, and what was deleted (`@removed`), with a new link. A token
//! the server did not issue is Graph's 410 `syncStateNotFound`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::mock::generic::Generic;

/// The most rounds remembered: the oldest tokens are forgotten past it (a client then starts
/// over, as after Graph's own expiry).
const MAX_TOKENS: usize = 1000;

/// The rounds issued, by token: each collection's entities then, id → a hash of their text.
#[derive(Debug, Default)]
pub struct Deltas {
    rounds: Mutex<(Vec<String>, HashMap<String, Round>)>,
}

#[derive(Debug)]
struct Round {
    collection: String,
    entities: HashMap<String, u64>,
}

impl Deltas {
    fn rounds(&self) -> MutexGuard<'_, (Vec<String>, HashMap<String, Round>)> {
        self.rounds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets every round (a reset).
    pub fn clear(&self) {
        let mut rounds = self.rounds();
        rounds.0.clear();
        rounds.1.clear();
    }
}

/// A delta call's token (`$deltatoken`), when the query has one.
pub fn token(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name.eq_ignore_ascii_case("$deltatoken"))
        .map(|(_, value)| value.into_owned())
}

impl Generic {
    /// The collection at `path` as it is now: id → a hash of the entity's text.
    fn state(&self, path: &str, contained: bool) -> HashMap<String, u64> {
        let store = self.store();
        let listed = if contained {
            store.list(path)
        } else {
            store.referenced(path)
        };
        listed
            .into_iter()
            .filter_map(|(_, entity)| {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                entity.text().hash(&mut hasher);
                Some((entity.id()?.to_string(), hasher.finish()))
            })
            .collect()
    }

    /// Remembers the collection at `path` as it is now; the token that stands for it.
    pub fn delta_round(&self, path: &str, contained: bool) -> String {
        let entities = self.state(path, contained);
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut rounds = self.deltas.rounds();
        rounds.0.push(token.clone());
        rounds.1.insert(
            token.clone(),
            Round {
                collection: path.to_string(),
                entities,
            },
        );
        if rounds.0.len() > MAX_TOKENS {
            let oldest = rounds.0.remove(0);
            rounds.1.remove(&oldest);
        }
        token
    }

    /// What changed in the collection at `path` since the round of `token`: the entities
    /// created or changed, and `{"id", "@removed"}` for those deleted; `None` for a token this
    /// server did not issue for that collection.
    pub fn delta_changes(&self, token: &str, path: &str, contained: bool) -> Option<Vec<Value>> {
        let before: HashMap<String, u64> = {
            let rounds = self.deltas.rounds();
            let round = rounds.1.get(token).filter(|r| r.collection == path)?;
            round.entities.clone()
        };
        let now = self.state(path, contained);
        let changed: std::collections::HashSet<&str> = now
            .iter()
            .filter(|(id, hash)| before.get(*id) != Some(*hash))
            .map(|(id, _)| id.as_str())
            .collect();
        // Only what changed is read whole.
        let store = self.store();
        let listed = if contained {
            store.list(path)
        } else {
            store.referenced(path)
        };
        let mut changes: Vec<Value> = listed
            .into_iter()
            .filter(|(_, e)| e.id().is_some_and(|id| changed.contains(id)))
            .map(|(_, e)| Value::Object(e.body()))
            .collect();
        drop(store);
        changes.extend(
            before
                .keys()
                .filter(|id| !now.contains_key(*id))
                .map(|id| json!({"id": id, "@removed": {"reason": "deleted"}})),
        );
        Some(changes)
    }
}
