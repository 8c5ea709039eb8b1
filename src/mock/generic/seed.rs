//! What conform's own server makes for a run that needs an entity it has no create for
//! (`POST /_mock/seed/{collection}`): one entity of the collection's type, shaped by the suite's
//! documented read of that entity (else its list), its required properties filled, kept
//! whatever the collection's capabilities say — the server is disposable, and a run against it
//! needs something there to address. A collection of references gets a new entity of its
//! entity set, referred to.

use serde_json::{Map, Value};

use crate::api::model::ApiModel;
use crate::api::typing::{self, TypedPath};
use crate::mock::generic::drive::Reach;
use crate::mock::generic::entities::Entity;
use crate::mock::generic::place::{self, Place};
use crate::mock::generic::{Generic, create, validate};

/// Why nothing could be seeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unseeded {
    /// The path names no collection the models place.
    NotACollection(String),
    /// A key of the path names nothing.
    NotFound(String),
    /// A collection of references to a type no entity set holds.
    NoEntitySet(String),
}

impl std::fmt::Display for Unseeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotACollection(path) => write!(f, "{path} is not a collection the models place"),
            Self::NotFound(what) => write!(f, "a key of the path names no entity of {what}"),
            Self::NoEntitySet(ty) => {
                write!(f, "no entity set holds {ty}, which the path refers to")
            }
        }
    }
}

impl Generic {
    /// Makes an entity in the collection at `collection`, shaped by `shown` when the run
    /// sends what its case documents of the entity; its id.
    pub fn seed(
        &self,
        collection: &str,
        shown: Option<Map<String, Value>>,
    ) -> Result<String, Unseeded> {
        let not_a_collection = || Unseeded::NotACollection(collection.to_string());
        let typed = typing::type_request(&self.models, collection, None)
            .ok()
            .filter(|typed| typed.untyped.is_none())
            .ok_or_else(not_a_collection)?;
        let model = self
            .models
            .for_version(typed.version.as_deref())
            .into_iter()
            .find(|m| m.version == typed.model)
            .ok_or_else(not_a_collection)?;
        // A file named by a drive path is made where the path says.
        if typed
            .segments
            .last()
            .is_some_and(|s| s.step == typing::SegmentKind::DrivePath)
        {
            return self
                .seed_file(model, &typed)
                .unwrap_or_else(|| Err(not_a_collection()));
        }
        let placed = place::resolve(model, &typed, &mut self.store(), Reach::Existing);
        let (path, ty, contained) = match placed {
            Ok(Place::Collection {
                path,
                ty,
                contained,
                ..
            }) => (path, ty, contained),
            Ok(_) => return Err(not_a_collection()),
            Err(place::Nowhere::NotFound(what)) => return Err(Unseeded::NotFound(what)),
            Err(place::Nowhere::Invalid(_)) => return Err(not_a_collection()),
        };
        // A literal key of a case's path names the entity it needs: made once, with that id.
        let wanted = shown
            .as_ref()
            .and_then(|shown| shown.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(id) = &wanted
            && let Some(found) = self.store().find(&path, id, &[])
        {
            return Ok(found.rsplit('/').next().unwrap_or(id).to_string());
        }
        let shown = shown.or_else(|| self.documented_read(collection));
        let body = shown
            .and_then(|shown| judged(model, &ty, shown))
            .unwrap_or_default();
        let ty = validate::body_type(model, &ty, &body).to_string();
        let mut deep = create::prepared(model, &ty, body, 0);
        if let Some(id) = wanted {
            let mut body = deep.entity.body();
            body.insert("id".into(), Value::String(id));
            deep.entity = Entity::new(ty.clone(), body);
        }
        let id = deep.entity.id().unwrap_or_default().to_string();
        if contained {
            self.store().insert_deep(&path, deep);
            return Ok(id);
        }
        let set = model
            .roots
            .iter()
            .find(|root| root.collection && model.lineage(&ty).any(|t| t == root.ty))
            .ok_or_else(|| Unseeded::NoEntitySet(ty.clone()))?;
        let mut store = self.store();
        let target = store.insert_deep(&format!("/{}", set.name), deep);
        // The entity is new: it is neither missing nor referred to already.
        let _ = store.add_reference(&path, &target);
        Ok(id)
    }

    /// What the suite documents of an entity of the collection: its read, else the first
    /// item of its list.
    /// Makes the file the drive path of `typed` names (and the folders on its way); its id.
    fn seed_file(
        &self,
        model: &crate::api::model::ApiModel,
        typed: &typing::TypedPath,
    ) -> Option<Result<String, Unseeded>> {
        // The store's lock is let go before the id is read.
        let placed = place::resolve(model, typed, &mut self.store(), Reach::WritesFile);
        match placed {
            Ok(Place::Entity { path, .. }) => {
                let store = self.store();
                Some(Ok(store.get(&path)?.id()?.to_string()))
            }
            Err(place::Nowhere::NotFound(what)) => Some(Err(Unseeded::NotFound(what))),
            _ => None,
        }
    }

    fn documented_read(&self, collection: &str) -> Option<Map<String, Value>> {
        let entity = format!("{}/seeded", collection.trim_end_matches('/'));
        [entity.as_str(), collection]
            .into_iter()
            .filter_map(|path| typing::type_request(&self.models, path, None).ok())
            .find_map(|typed: TypedPath| {
                self.examples
                    .get(crate::graph::Method::Get, &typed)?
                    .body
                    .clone()
            })
    }
}

/// What is shown of an entity of `ty`, as a create's body would be judged: its annotations
/// (but its type) and id left out, enum members spelled as the metadata spells them, values of
/// the wrong type (a page's `"String"`) dropped; nothing when what remains is still not valid.
pub(super) fn judged(
    model: &ApiModel,
    ty: &str,
    shown: Map<String, Value>,
) -> Option<Map<String, Value>> {
    let mut body: Map<String, Value> = shown
        .into_iter()
        .filter(|(k, _)| !k.starts_with('@') || k == "@odata.type")
        .filter(|(k, _)| k != "id")
        .collect();
    let ty = validate::body_type(model, ty, &body).to_string();
    validate::check(model, &ty, &mut body, true).ok()?;
    Some(body)
}
