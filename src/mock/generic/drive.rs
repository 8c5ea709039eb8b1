//! Files as Graph keeps them. An item addressed by path (`root:/a/b.txt:`) is the item of that
//! name among its parent's `children`, the same item its id reaches; a path that names nothing
//! is 404 `itemNotFound`, unless the request writes a file there (a PUT of `content`, an
//! upload session), which makes the folders on the way and the file. An item made under a
//! drive's root is one of the drive's `items` too; a special folder (`special/approot`)
//! exists once asked for.

use serde_json::{Map, json};

use crate::api::model::ApiModel;
use crate::mock::generic::entities::{Entities, Entity};
use crate::mock::generic::properties;

/// What a request may do to a path that names no item yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Reach what exists; a missing item is 404.
    Existing,
    /// Write a file: a missing file and its folders are made.
    WritesFile,
}

/// The collection, by name, a drive item keeps its children in.
const CHILDREN: &str = "children";

/// The item `drive_path` (`:/a/b.txt:`) names below the item at `from`, of type `ty`; `None`
/// when it names nothing (and the request writes no file).
pub fn walk(
    model: &ApiModel,
    store: &mut Entities,
    (from, ty): (&str, &str),
    drive_path: &str,
    reach: Reach,
) -> Option<String> {
    let mut at = from.to_string();
    let names: Vec<&str> = drive_path
        .trim_matches(':')
        .split('/')
        .filter(|n| !n.is_empty())
        .collect();
    for (i, name) in names.iter().enumerate() {
        let children = format!("{at}/{CHILDREN}");
        at = match child(store, &children, name) {
            Some(found) => found,
            None if reach == Reach::WritesFile => {
                let folder = i + 1 < names.len();
                make(model, store, (&children, ty), name, folder)
            }
            None => return None,
        };
    }
    Some(at)
}

/// The child named `name` (without regard to case) in the collection at `children`.
pub fn child(store: &Entities, children: &str, name: &str) -> Option<String> {
    store
        .list(children)
        .into_iter()
        .find(|(_, item)| {
            item.property("name")
                .and_then(|n| n.as_str().map(|n| n.eq_ignore_ascii_case(name)))
                .unwrap_or(false)
        })
        .map(|(path, _)| path)
}

/// Makes an item named `name` in the collection at `children` (a folder, or a file its
/// content will fill), and answers its path.
pub fn make(
    model: &ApiModel,
    store: &mut Entities,
    (children, ty): (&str, &str),
    name: &str,
    folder: bool,
) -> String {
    let mut body = Map::new();
    body.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    body.insert("name".into(), json!(name));
    if folder {
        body.insert("folder".into(), json!({"childCount": 0}));
    }
    properties::stamp(model, ty, &mut body);
    properties::complete(model, ty, &mut body);
    let made = store.insert(children, Entity::new(ty, body));
    after_create(store, &made);
    made
}

/// A special folder (`special/{name}`): made, with its facet, the first time it is asked for.
pub fn special(
    model: &ApiModel,
    store: &mut Entities,
    (collection, ty): (&str, &str),
    name: &str,
) -> Option<String> {
    if !collection.ends_with("/special") {
        return None;
    }
    if let Some(found) = child(store, collection, name) {
        return Some(found);
    }
    let made = make(model, store, (collection, ty), name, true);
    if let Some(entity) = store.get_mut(&made) {
        entity.edit(|body| {
            body.insert("specialFolder".into(), json!({"name": name}));
        });
    }
    Some(made)
}

/// After an item is made below a drive's root: it is one of the drive's `items` too.
pub fn after_create(store: &mut Entities, created: &str) {
    let Some(at) = created.find("/root/") else {
        return;
    };
    let drive = &created[..at];
    if created[at..].contains(&format!("/{CHILDREN}/")) {
        store.link(&format!("{drive}/items"), created);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const ROOT: &str = "/users/u/drive/root";
    const ITEM: &str = "microsoft.graph.driveItem";

    fn store_with_root() -> Entities {
        let mut store = Entities::default();
        let mut body = Map::new();
        body.insert("id".into(), Value::String("root-id".into()));
        store.put(ROOT, Entity::new(ITEM, body));
        store
    }

    #[test]
    fn a_path_names_the_item_its_id_reaches_and_nothing_else() {
        let model = crate::api::fixtures::office_model();
        let mut store = store_with_root();
        let missing = walk(
            &model,
            &mut store,
            (ROOT, ITEM),
            ":/a/b.txt:",
            Reach::Existing,
        );
        assert_eq!(missing, None);
        assert!(
            store.list(&format!("{ROOT}/children")).is_empty(),
            "a read makes nothing"
        );
        let made = walk(
            &model,
            &mut store,
            (ROOT, ITEM),
            ":/a/b.txt:",
            Reach::WritesFile,
        )
        .unwrap();
        let again = walk(
            &model,
            &mut store,
            (ROOT, ITEM),
            ":/A/b.txt:",
            Reach::Existing,
        )
        .unwrap();
        assert_eq!(made, again, "names are matched without regard to case");
        let folder = child(&store, &format!("{ROOT}/children"), "a").unwrap();
        assert!(
            store
                .get(&folder)
                .unwrap()
                .property("folder")
                .is_some_and(|f| f.is_object())
        );
        let id = store.get(&made).unwrap().id().unwrap().to_string();
        assert_eq!(
            store.get(&format!("/users/u/drive/items/{id}")),
            store.get(&made)
        );
    }

    #[test]
    fn a_special_folder_exists_once_asked_for() {
        let model = crate::api::fixtures::office_model();
        let mut store = store_with_root();
        let folders = "/users/u/drive/special";
        let first = special_folder(&model, &mut store, folders);
        assert_eq!(first, special_folder(&model, &mut store, folders));
        assert_eq!(store.list(folders).len(), 1);
        assert!(
            special(
                &model,
                &mut store,
                ("/users/u/drive/items", ITEM),
                "approot"
            )
            .is_none()
        );
    }

    fn special_folder(model: &ApiModel, store: &mut Entities, at: &str) -> String {
        special(model, store, (at, ITEM), "approot").unwrap()
    }
}
