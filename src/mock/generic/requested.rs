//! What clients asked of the server, as the coverage ledger names it (`GET /_mock/coverage`):
//! each operation requested, how it was served (by a documented example, by convention) and
//! the statuses it answered; and the requests it could not serve at all. Kept across resets:
//! it is about the client's tests, not the server's state.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::{Value, json};

use crate::api::file::Models;
use crate::api::operations::{self, OperationId};

/// The distinct requests not served that are kept: a client that sends endless distinct
/// paths cannot grow the server without bound.
const MAX_UNSERVED: usize = 1000;

/// How the server answered an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServedBy {
    Example,
    Convention,
}

#[derive(Debug, Default)]
struct Asked {
    by_example: usize,
    by_convention: usize,
    statuses: BTreeMap<u16, usize>,
}

#[derive(Debug, Default)]
pub struct Requested {
    operations: Mutex<BTreeMap<OperationId, Asked>>,
    /// `METHOD path` → (requests, why).
    unserved: Mutex<BTreeMap<String, (usize, String)>>,
    /// Operation → workload, made on the first ask for the ledger.
    workloads: OnceLock<BTreeMap<OperationId, String>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Requested {
    pub fn served(&self, operation: OperationId, by: ServedBy, status: u16) {
        let mut operations = locked(&self.operations);
        let asked = operations.entry(operation).or_default();
        match by {
            ServedBy::Example => asked.by_example += 1,
            ServedBy::Convention => asked.by_convention += 1,
        }
        *asked.statuses.entry(status).or_default() += 1;
    }

    pub fn not_served(&self, method: &str, path: &str, why: &str) {
        let mut unserved = locked(&self.unserved);
        let key = format!("{method} {path}");
        if let Some((count, _)) = unserved.get_mut(&key) {
            *count += 1;
        } else if unserved.len() < MAX_UNSERVED {
            unserved.insert(key, (1, why.to_string()));
        }
    }

    /// The ledger of what was asked, against what `models` offer.
    pub fn ledger(&self, models: &Models) -> Value {
        let workloads = self.workloads.get_or_init(|| {
            models
                .all()
                .flat_map(operations::offered)
                .map(|offered| (offered.id, offered.workload))
                .collect()
        });
        let operations: Vec<Value> = locked(&self.operations)
            .iter()
            .map(|(id, asked)| {
                let served = match (asked.by_example, asked.by_convention) {
                    (0, _) => "by convention",
                    (_, 0) => "by example",
                    _ => "by example and by convention",
                };
                let statuses: BTreeMap<String, usize> = asked
                    .statuses
                    .iter()
                    .map(|(s, n)| (s.to_string(), *n))
                    .collect();
                json!({
                    "operation": id.to_string(),
                    "workload": workloads.get(id),
                    "served": served,
                    "requests": asked.by_example + asked.by_convention,
                    "statuses": statuses,
                })
            })
            .collect();
        let unserved: Vec<Value> = locked(&self.unserved)
            .iter()
            .map(|(request, (count, why))| {
                json!({ "request": request, "served": "not at all", "requests": count, "why": why })
            })
            .collect();
        json!({
            "offered": workloads.len(),
            "requested": operations.len(),
            "operations": operations,
            "not_served": unserved,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_counted_with_how_it_was_served_and_its_workload() {
        let models = Models::from_models(vec![crate::api::fixtures::office_model()]);
        let requested = Requested::default();
        let create: OperationId = "v1.0 group create".parse().unwrap();
        requested.served(create.clone(), ServedBy::Convention, 201);
        requested.served(create, ServedBy::Convention, 400);
        requested.not_served("GET", "/v1.0/nothing", "`nothing`: not an entity set");
        requested.not_served("GET", "/v1.0/nothing", "`nothing`: not an entity set");
        let ledger = requested.ledger(&models);
        assert_eq!(ledger["requested"], 1);
        let entry = &ledger["operations"][0];
        assert_eq!(entry["operation"], "v1.0 group create");
        assert_eq!(entry["workload"], "groups");
        assert_eq!(entry["served"], "by convention");
        assert_eq!(entry["statuses"], json!({"201": 1, "400": 1}));
        assert_eq!(ledger["not_served"][0]["requests"], 2);
    }
}
