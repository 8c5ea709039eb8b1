//! Where a typed path points in the store: a collection (contained, or the references of a
//! navigation), an entity, a single-valued reference, a property, or what `$ref`, `$value`,
//! `$count` and a bound operation make of one of them. Keys are looked up as the path is
//! walked: a key that names nothing is a 404 naming the collection.

use crate::api::model::ApiModel;
use crate::api::typing::{Key, SegmentKind, Typed, TypedPath};
use crate::mock::generic::drive::{self, Reach};
use crate::mock::generic::entities::{Entities, Entity};
use crate::mock::generic::graph;
use crate::mock::generic::properties;
use serde_json::Value;

/// Properties a key may name in its place, besides `id` (`/users/adele@contoso.com`).
const ALTERNATE_KEYS: &[&str] = &["userPrincipalName", "mail", "appId", "deviceId", "name"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Collection {
        /// Where its members (or references) are kept: `/groups/g1/threads`.
        path: String,
        ty: String,
        /// Its entities exist only below the parent; else it refers to entities elsewhere.
        contained: bool,
        /// What capability restrictions name it by: an entity set's name (`users`), a
        /// navigation's qualified by its owner's type (`microsoft.graph.user/people`).
        navigation: Option<String>,
    },
    Entity {
        path: String,
        ty: String,
        /// Reached through a collection of references (`/groups/g1/members/u1`): the collection.
        via_reference: Option<String>,
    },
    /// A single-valued navigation that refers (`manager`): where its reference is kept.
    SingleReference {
        path: String,
        ty: String,
    },
    Property {
        entity: String,
        name: String,
        ty: String,
        collection: bool,
    },
    Count(Box<Place>),
    Refs(Box<Place>),
    Value(Box<Place>),
    Operation {
        on: Box<Place>,
        name: String,
        action: bool,
        /// A function's arguments in the path, as written: (name, literal).
        arguments: Vec<(String, String)>,
        /// Its return type and whether it is a collection.
        returns: Option<(String, bool)>,
    },
}

impl Place {
    /// The path in the store the place is at or below: an entity, a collection, a property's
    /// entity; that of what a `$ref`, `$value`, `$count` or operation applies to.
    pub fn anchor(&self) -> Option<&str> {
        match self {
            Self::Collection { path, .. }
            | Self::Entity { path, .. }
            | Self::SingleReference { path, .. } => Some(path),
            Self::Property { entity, .. } => Some(entity),
            Self::Count(on) | Self::Refs(on) | Self::Value(on) => on.anchor(),
            Self::Operation { on, .. } => on.anchor(),
        }
    }
}

/// Why a path points nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nowhere {
    /// A key names no entity of the collection.
    NotFound(String),
    /// The path cannot be followed this way (a key after an entity).
    Invalid(String),
}

/// The singletons that stand for an entity of a set (`me` for a user): their fixed id.
pub fn singleton_id(name: &str) -> String {
    let hex: String = name.bytes().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{hex:0>8}-0000-4000-8000-000000000000")
}

/// Walks `typed` through the store. Single-valued contained navigations and singletons
/// exist once their parent does: they are made on first use.
pub fn resolve(
    model: &ApiModel,
    typed: &TypedPath,
    store: &mut Entities,
    reach: Reach,
) -> Result<Place, Nowhere> {
    let mut place: Option<Place> = None;
    for segment in &typed.segments {
        if segment.step == SegmentKind::Version {
            continue;
        }
        let name = segment
            .spelled
            .clone()
            .unwrap_or_else(|| segment.text.clone());
        let ty = segment.ty.clone().unwrap_or_default();
        place = Some(match (&segment.step, place) {
            (SegmentKind::EntitySet, _) => Place::Collection {
                path: format!("/{name}"),
                ty,
                contained: true,
                navigation: Some(name),
            },
            (SegmentKind::Singleton, _) => singleton(model, &name, &ty, store),
            (SegmentKind::Key(key), Some(collection)) => {
                keyed(model, collection, (key, segment), store, reach)?
            }
            (
                SegmentKind::Navigation { contained },
                Some(Place::Entity {
                    path, ty: owner, ..
                }),
            ) => {
                let restricted = format!("{owner}/{name}");
                let place = navigation(
                    model,
                    (&path, &name),
                    ty,
                    (segment.collection, *contained),
                    store,
                );
                with_navigation(place, restricted)
            }
            (SegmentKind::Property, Some(Place::Entity { path, .. })) => Place::Property {
                entity: path,
                name,
                ty,
                collection: segment.collection,
            },
            (SegmentKind::Cast, Some(place)) => cast(place, ty),
            (SegmentKind::Action | SegmentKind::Function { .. }, Some(on)) => {
                operation(on, segment)
            }
            (SegmentKind::Ref, Some(place)) => Place::Refs(Box::new(place)),
            (SegmentKind::Value, Some(place)) => Place::Value(Box::new(place)),
            (SegmentKind::Count, Some(place)) => Place::Count(Box::new(place)),
            (SegmentKind::DrivePath, Some(Place::Entity { path, ty, .. })) => Place::Entity {
                path: drive::walk(model, store, (&path, &ty), &segment.text, reach)
                    .ok_or_else(|| Nowhere::NotFound("items".into()))?,
                ty,
                via_reference: None,
            },
            (_, _) => {
                return Err(Nowhere::Invalid(format!(
                    "`{}` cannot follow here",
                    segment.text
                )));
            }
        });
    }
    place.ok_or_else(|| Nowhere::Invalid("the path names nothing".into()))
}

/// A bound action or function called on `on`.
fn operation(on: Place, segment: &Typed) -> Place {
    Place::Operation {
        on: Box::new(on),
        name: segment
            .text
            .split('(')
            .next()
            .unwrap_or_default()
            .to_string(),
        action: segment.step == SegmentKind::Action,
        arguments: match &segment.step {
            SegmentKind::Function { arguments } => arguments.clone(),
            _ => Vec::new(),
        },
        returns: segment.ty.clone().map(|t| (t, segment.collection)),
    }
}

/// A singleton: the entity of a set of its type under a fixed id (`me`), else its own.
fn singleton(model: &ApiModel, name: &str, ty: &str, store: &mut Entities) -> Place {
    let path = match model.roots.iter().find(|r| r.collection && r.ty == ty) {
        Some(set) => {
            let id = singleton_id(name);
            let path = format!("/{}/{id}", set.name);
            if store.get(&path).is_none() {
                let mut body = graph::signed_in_user(&id);
                if !model.derives_from(ty, "microsoft.graph.user") {
                    body.retain(|name, _| name == "id");
                }
                properties::complete(model, ty, &mut body);
                store.insert(&format!("/{}", set.name), Entity::new(ty, body));
            }
            path
        }
        None => {
            let path = format!("/{name}");
            made(model, store, &path, ty);
            path
        }
    };
    Place::Entity {
        path,
        ty: ty.to_string(),
        via_reference: None,
    }
}

/// An entity at `path`, made with a fresh id when there is none yet.
fn made(model: &ApiModel, store: &mut Entities, path: &str, ty: &str) {
    if store.get(path).is_none() {
        let mut body = serde_json::Map::new();
        body.insert("id".into(), uuid::Uuid::new_v4().to_string().into());
        properties::complete(model, ty, &mut body);
        store.put(path, Entity::new(ty, body));
        // What a single navigation holds is one of the entity set of its type too (a user's
        // `drive` is one of `drives`).
        if let Some(set) = model.roots.iter().find(|r| r.collection && r.ty == ty) {
            store.link(&format!("/{}", set.name), path);
        }
    }
}

fn keyed(
    model: &ApiModel,
    collection: Place,
    (key, segment): (&Key, &Typed),
    store: &mut Entities,
    reach: Reach,
) -> Result<Place, Nowhere> {
    let Place::Collection {
        path,
        ty,
        contained,
        ..
    } = collection
    else {
        return Err(Nowhere::Invalid(format!(
            "`{}` is not a key of a collection",
            segment.text
        )));
    };
    let found = match key {
        Key::Placeholder(text) | Key::Literal(text) => {
            let text = text.trim_matches('\'');
            if contained {
                store.find(&path, text, ALTERNATE_KEYS)
            } else {
                store
                    .referenced(&path)
                    .into_iter()
                    .find(|(_, e)| e.id().is_some_and(|id| id.eq_ignore_ascii_case(text)))
                    .map(|(p, _)| p)
            }
        }
        Key::Alternate(pairs) => store
            .list(&path)
            .into_iter()
            .find(|(_, e)| {
                let names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
                e.has_any_of(&names).is_some_and(|body| {
                    pairs.iter().all(|(name, value)| {
                        body.get(name).and_then(Value::as_str) == Some(value.as_str())
                    })
                })
            })
            .map(|(p, _)| p),
    };
    // An entity set of a base type (`directoryObjects`) holds the entities of the sets of its
    // derived types (users, groups).
    let found = found.or_else(
        || match (key, contained && path.matches('/').count() == 1) {
            (Key::Placeholder(text) | Key::Literal(text), true) => store
                .find_anywhere(text.trim_matches('\''))
                .filter(|other| {
                    store
                        .get(other)
                        .is_some_and(|e| model.derives_from(&e.ty, &ty))
                }),
            _ => None,
        },
    );
    let found = found.or_else(|| on_demand(model, (&path, &ty, contained), key, store));
    let found = found.or_else(|| named_item(model, (&path, &ty), key, store, reach));
    let what = path.rsplit('/').next().unwrap_or_default().to_string();
    let found = found.ok_or(Nowhere::NotFound(what))?;
    let ty = store.get(&found).map_or(ty, |e| e.ty.clone());
    Ok(Place::Entity {
        path: found,
        ty,
        via_reference: (!contained).then_some(path),
    })
}

/// The drive item a key names by its name: a special folder, made when first asked for; a
/// file a request writes (`children/{name}/content`), made to be filled.
fn named_item(
    model: &ApiModel,
    (collection, ty): (&str, &str),
    key: &Key,
    store: &mut Entities,
    reach: Reach,
) -> Option<String> {
    let (Key::Placeholder(text) | Key::Literal(text)) = key else {
        return None;
    };
    let name = text.trim_matches('\'');
    // `items/root` is the drive's root.
    if let Some(drive) = collection.strip_suffix("/items")
        && name.eq_ignore_ascii_case("root")
    {
        let root = format!("{drive}/root");
        made(model, store, &root, ty);
        return Some(root);
    }
    drive::special(model, store, (collection, ty), name).or_else(|| {
        (reach == Reach::WritesFile && collection.ends_with("/children"))
            .then(|| drive::make(model, store, (collection, ty), name, false))
    })
}

/// What a request may make of a drive path that names nothing yet: a PUT of content and an
/// upload session write a file there.
pub fn reach(method: &axum::http::Method, typed: &TypedPath) -> Reach {
    let Some(last) = typed.segments.last() else {
        return Reach::Existing;
    };
    let name = last.text.split('(').next().unwrap_or_default();
    let writes = match *method {
        axum::http::Method::PUT => {
            name.eq_ignore_ascii_case("content") || last.step == SegmentKind::Value
        }
        axum::http::Method::POST => name.eq_ignore_ascii_case("createUploadSession"),
        _ => false,
    };
    if writes {
        Reach::WritesFile
    } else {
        Reach::Existing
    }
}

/// The entity a key names in a collection of a type whose entities exist when named
/// (`ApiModel::on_demand`): made in the collection — or, for a navigation that refers, in the
/// entity set of its type — under that key.
fn on_demand(
    model: &ApiModel,
    (collection, ty, contained): (&str, &str, bool),
    key: &Key,
    store: &mut Entities,
) -> Option<String> {
    let (Key::Placeholder(text) | Key::Literal(text)) = key else {
        return None;
    };
    if !model.on_demand.contains(ty) {
        return None;
    }
    let home = if contained {
        collection.to_string()
    } else {
        let set = model.roots.iter().find(|r| r.collection && r.ty == ty)?;
        format!("/{}", set.name)
    };
    let id = text.trim_matches('\'');
    if let Some(found) = store.find(&home, id, ALTERNATE_KEYS) {
        return Some(found);
    }
    let mut body = serde_json::Map::new();
    body.insert("id".into(), id.into());
    properties::complete(model, ty, &mut body);
    Some(store.insert(&home, Entity::new(ty, body)))
}

fn navigation(
    model: &ApiModel,
    (parent, name): (&str, &str),
    ty: String,
    (collection, contained): (bool, bool),
    store: &mut Entities,
) -> Place {
    // A view lists the collection it shows.
    let path = match graph::viewed(name) {
        Some(shown) if collection => format!("{parent}/{shown}"),
        _ => format!("{parent}/{name}"),
    };
    match (collection, contained) {
        (true, _) => Place::Collection {
            path,
            ty,
            contained,
            navigation: Some(name.to_string()),
        },
        (false, true) => {
            made(model, store, &path, &ty);
            Place::Entity {
                path,
                ty,
                via_reference: None,
            }
        }
        (false, false) => Place::SingleReference { path, ty },
    }
}

/// A collection reached through a navigation, known for its restrictions by the type that
/// declares it (`microsoft.graph.user/people`), as the metadata annotates them.
fn with_navigation(place: Place, qualified: String) -> Place {
    match place {
        Place::Collection {
            path,
            ty,
            contained,
            ..
        } => Place::Collection {
            path,
            ty,
            contained,
            navigation: Some(qualified),
        },
        other => other,
    }
}

fn cast(place: Place, to: String) -> Place {
    match place {
        Place::Collection {
            path,
            contained,
            navigation,
            ..
        } => Place::Collection {
            path,
            ty: to,
            contained,
            navigation,
        },
        Place::Entity {
            path,
            via_reference,
            ..
        } => Place::Entity {
            path,
            ty: to,
            via_reference,
        },
        other => other,
    }
}
