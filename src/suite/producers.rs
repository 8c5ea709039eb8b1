//! The suite's creates, and what stands for a create where the suite documents none for a
//! collection: another collection's create of the same entity type, else what the type's
//! documented read shows — where the metadata does not refuse inserts.

use std::collections::HashMap;

use crate::api::file::Models;
use crate::api::typing::{Operation, SegmentKind, TypedPath};
use crate::suite::shape::{CaseShape, Given, placeholders, typed, writes};

/// How deep a chain of creates may go.
pub const MAX_CHAIN: usize = 6;

/// The suite's creates, by the shape of the collection they create in (`/groups/{}/threads`).
#[derive(Debug, Default)]
pub struct Producers {
    by_collection: HashMap<String, Producer>,
    /// The first create of each entity type: what a collection of that type with no create
    /// of its own is sent.
    by_type: HashMap<String, Producer>,
}

#[derive(Debug, Clone)]
struct Producer {
    case: String,
    /// A read whose documented entity is the create's body, not a create.
    read: bool,
    /// The create's request, sent as a setup step of the cases that need what it creates.
    request: Option<crate::suite::model::Request>,
    /// The key placeholders of the create's own path, each with the shape of the collection it
    /// names an entity of: what the chain must bind first.
    needs: Vec<(String, String)>,
}

impl Producers {
    /// The cases that create (a POST to a collection documented as 201), first of each
    /// collection kept.
    pub fn of(cases: &[CaseShape], models: &Models) -> Self {
        let mut producers = Self::default();
        for case in cases {
            let Some(typed) = typed(models, case) else {
                continue;
            };
            if case.expected_status != 201
                || typed.operation(case.method) != Some(Operation::Create)
            {
                continue;
            }
            let needs = placeholders(&typed)
                .into_iter()
                .filter_map(|(name, at)| Some((name, typed.shape(at?))))
                .collect();
            let producer = Producer {
                case: case.name.clone(),
                read: false,
                request: case.request.clone(),
                needs,
            };
            if let Some((ty, true)) = typed.result() {
                producers
                    .by_type
                    .entry(ty.to_string())
                    .or_insert_with(|| producer.clone());
            }
            producers
                .by_collection
                .entry(typed.shape(typed.segments.len()))
                .or_insert(producer);
        }
        // Where no create of a type is documented, its documented read is the body of one.
        for case in cases {
            if let Some((ty, producer)) = read_producer(case, models) {
                producers.by_type.entry(ty).or_insert(producer);
            }
        }
        producers
    }
}

/// Properties the service sets itself: left out of a read's entity sent as a create.
const SERVER_SET: &[&str] = &["id", "createdDateTime", "lastModifiedDateTime", "changeKey"];

/// A documented read of an entity (GET of a key, 200 with an object), as a create of its type:
/// the entity it shows without its annotations and what the service sets.
fn read_producer(case: &CaseShape, models: &Models) -> Option<(String, Producer)> {
    let typed = typed(models, case)?;
    let reads_an_entity = case.method == crate::graph::Method::Get
        && case.expected_status == 200
        && typed.operation(crate::graph::Method::Get) == Some(Operation::Read)
        && matches!(
            typed.segments.last().map(|s| &s.step),
            Some(SegmentKind::Key(_))
        );
    if !reads_an_entity {
        return None;
    }
    let (ty, false) = typed.result()? else {
        return None;
    };
    let shown = crate::graph::documented_body(case.response.as_deref()?)?;
    let shown = shown.as_object()?;
    let model = models.get(&typed.model)?;
    // The type the entity says it is (`@odata.type`), where the model knows it.
    let own_type = shown
        .get("@odata.type")
        .and_then(|t| t.as_str())
        .map(|t| t.trim_start_matches('#'))
        .filter(|t| model.type_info(t).is_some())
        .unwrap_or(ty);
    let body: serde_json::Map<String, serde_json::Value> = shown
        .iter()
        .filter(|(k, _)| {
            (k.as_str() == "@odata.type" || model.member(own_type, k).is_some())
                && !SERVER_SET.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let template = case.request.as_ref()?.path.clone();
    let request = crate::suite::model::Request {
        method: crate::graph::Method::Post,
        path: template,
        headers: Vec::new(),
        json: Some(serde_json::Value::Object(body).to_string().into()),
        capture: Vec::new(),
    };
    let producer = Producer {
        case: case.name.clone(),
        read: true,
        request: Some(request),
        needs: Vec::new(),
    };
    Some((ty.to_string(), producer))
}

impl Producers {
    /// The request of the suite's create `case`, when it is the create of its entity type
    /// that other collections of the type adopt.
    pub fn adopted_request(&self, case: &str) -> Option<crate::suite::model::Request> {
        self.by_type
            .values()
            .find(|producer| producer.case == case)?
            .request
            .clone()
    }

    /// The create of the collection of `shape`: its request and the keys it needs first.
    pub fn create_of(
        &self,
        shape: &str,
    ) -> Option<(crate::suite::model::Request, Vec<(String, String)>)> {
        let producer = self.by_collection.get(shape)?;
        Some((producer.request.clone()?, producer.needs.clone()))
    }

    /// The suite's create of `collection` (not `case` itself) whose chain of creates binds:
    /// its case.
    pub fn own_create(&self, collection: &str, case: &str, given: &Given) -> Option<&str> {
        let producer = self.by_collection.get(collection)?;
        let binds = producer.case != case
            && chain_binds(self, producer, given, &mut vec![producer.case.clone()]);
        binds.then_some(producer.case.as_str())
    }

    /// What the key at segment `at` of `case`'s path may be created from where its collection
    /// has no create of its own: the create of its entity type elsewhere, or a read of it —
    /// the read only for a case that changes what it addresses — when the metadata lets the
    /// collection take it. Its case, and whether it is a read.
    pub fn adoptable(
        &self,
        (typed, at): (&TypedPath, usize),
        models: &Models,
        case: &CaseShape,
    ) -> Option<(&str, bool)> {
        let producer = self.by_type.get(typed.segments[at].ty.as_deref()?)?;
        let fits = producer.case != case.name
            && (!producer.read || writes(case, typed))
            && takes_inserts(models, typed, at);
        fits.then_some((producer.case.as_str(), producer.read))
    }
}

/// Whether the metadata lets the collection before segment `at` take a create: its entity
/// set's or navigation's `InsertRestrictions` do not say no.
fn takes_inserts(models: &Models, typed: &TypedPath, at: usize) -> bool {
    let Some(model) = models.get(&typed.model) else {
        return true;
    };
    let Some(collection) = at.checked_sub(1).and_then(|i| typed.segments.get(i)) else {
        return true;
    };
    let parent = at
        .checked_sub(2)
        .and_then(|i| typed.segments.get(i))
        .and_then(|s| s.ty.as_deref());
    let target = match parent {
        Some(parent) => format!("{parent}/{}", collection.text),
        None => collection.text.clone(),
    };
    model.insertable(&target)
}

/// Whether the chain of creates a create needs first binds within `MAX_CHAIN`: each key it
/// needs is given or created by another create (followed; a create met again breaks it).
fn chain_binds(
    producers: &Producers,
    producer: &Producer,
    given: &Given,
    seen: &mut Vec<String>,
) -> bool {
    if seen.len() > MAX_CHAIN {
        return false;
    }
    producer.needs.iter().all(|(name, collection)| {
        if given.contains(name) {
            return true;
        }
        // A chain creates below what is given or what it creates itself, never below an entity
        // it merely found.
        match producers.by_collection.get(collection) {
            Some(next) if !seen.contains(&next.case) => {
                seen.push(next.case.clone());
                let binds = chain_binds(producers, next, given, seen);
                seen.pop();
                binds
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::typing;

    #[test]
    fn the_metadata_can_refuse_a_create() {
        let models = Models::from_models(vec![crate::api::fixtures::office_model()]);
        let refused = typing::type_request(&models, "/v1.0/directoryObjects/{x}", None).unwrap();
        assert!(!takes_inserts(&models, &refused, 2));
        let taken = typing::type_request(&models, "/v1.0/groups/{x}", None).unwrap();
        assert!(takes_inserts(&models, &taken, 2));
    }
}
