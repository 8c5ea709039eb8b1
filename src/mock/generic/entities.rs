//! The generic reference server's state: entities by their canonical path (`/groups/g1`,
//! `/groups/g1/threads/t1`), the members of each collection in the order they were added, the
//! references of non-contained navigations, and media streams. Deleting an entity deletes
//! everything below it and every reference to it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One stored entity. Its properties are kept as compact JSON text: a parsed map takes about
/// four times the memory of its text, and most entities are written once and read seldom.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Qualified entity type.
    pub ty: String,
    id: Box<str>,
    /// Its properties, `id` included: a JSON object.
    text: Box<str>,
}

impl Entity {
    pub fn new(ty: impl Into<String>, body: Map<String, Value>) -> Entity {
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        Entity {
            ty: ty.into(),
            id,
            text: Value::Object(body).to_string().into(),
        }
    }

    pub fn id(&self) -> Option<&str> {
        (!self.id.is_empty()).then_some(&*self.id)
    }

    /// Its properties as a JSON object's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Its properties.
    pub fn body(&self) -> Map<String, Value> {
        serde_json::from_str(&self.text).unwrap_or_default()
    }

    /// Its properties, when it has one of `names`: parsed only then, as a scan of a
    /// collection reads every member.
    pub fn has_any_of(&self, names: &[&str]) -> Option<Map<String, Value>> {
        let named = names
            .iter()
            .any(|name| self.text.contains(&format!("\"{name}\":")));
        named.then(|| self.body())
    }

    pub fn property(&self, name: &str) -> Option<Value> {
        self.body().remove(name)
    }

    /// Changes its properties; its id stays what the change leaves in `id`.
    pub fn edit<R>(&mut self, change: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
        let mut body = self.body();
        let result = change(&mut body);
        *self = Entity::new(std::mem::take(&mut self.ty), body);
        result
    }
}

/// An entity and the entities it contains, by navigation, as a deep insert carries them.
#[derive(Debug)]
pub struct Deep {
    pub entity: Entity,
    pub below: Vec<(String, Vec<Deep>)>,
}

/// The ids of a collection, in the order they were added. A vector: most collections hold a
/// few members (a conversation's threads), and a map per collection would cost more than what
/// it holds.
#[derive(Debug, Default)]
struct Members {
    ids: Vec<String>,
}

impl Members {
    fn forget(&mut self, id: &str) {
        if let Some(at) = self.ids.iter().position(|member| member == id) {
            self.ids.remove(at);
        }
    }
}

/// Why a reference cannot be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    /// The entity referred to does not exist.
    Missing,
    /// The reference is there already.
    Duplicate,
}

#[derive(Debug, Default)]
pub struct Entities {
    entities: BTreeMap<String, Entity>,
    /// Collection path → its members' ids.
    collections: BTreeMap<String, Members>,
    /// Navigation path → the canonical paths of the entities it refers to.
    references: BTreeMap<String, Vec<String>>,
    media: BTreeMap<String, (String, Vec<u8>)>,
    /// Entity paths that name an entity kept elsewhere (a group's thread, kept in its
    /// conversation) → the entity's own path.
    aliases: BTreeMap<String, String>,
}

impl Entities {
    pub fn get(&self, path: &str) -> Option<&Entity> {
        self.entities.get(self.own_path(path))
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Entity> {
        let own = self.own_path(path).to_string();
        self.entities.get_mut(&own)
    }

    /// The path an entity is kept at: `path`, or what it is an alias of.
    fn own_path<'p>(&'p self, path: &'p str) -> &'p str {
        self.aliases.get(path).map_or(path, String::as_str)
    }

    /// Makes the entity at `own` a member of `collection` too, under its id (a group's
    /// threads are its conversations' threads).
    pub fn link(&mut self, collection: &str, own: &str) {
        let Some(id) = self
            .entities
            .get(own)
            .and_then(Entity::id)
            .map(str::to_string)
        else {
            return;
        };
        let alias = format!("{collection}/{id}");
        if alias == own {
            return;
        }
        if self.aliases.insert(alias, own.to_string()).is_some() {
            return;
        }
        self.add_member(collection, id);
    }

    /// Takes the entity at `path` out of the members of its collection.
    fn forget_member(&mut self, path: &str) {
        if let Some((collection, id)) = path.rsplit_once('/')
            && let Some(members) = self.collections.get_mut(collection)
        {
            members.forget(id);
        }
    }

    /// Appends `id` to the members of `collection`.
    fn add_member(&mut self, collection: &str, id: String) {
        match self.collections.get_mut(collection) {
            Some(members) => members.ids.push(id),
            None => {
                let members = Members { ids: vec![id] };
                self.collections.insert(collection.to_string(), members);
            }
        }
    }

    /// The entities kept below `path` (its contained entities, at any depth).
    pub fn below<'s>(&'s self, path: &str) -> impl Iterator<Item = (&'s String, &'s Entity)> {
        let below = format!("{path}/");
        self.entities
            .range(below.clone()..)
            .take_while(move |(k, _)| k.starts_with(&below))
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Adds `deep` to `collection`, and what it contains below it; its canonical path.
    pub fn insert_deep(&mut self, collection: &str, deep: Deep) -> String {
        let path = self.insert(collection, deep.entity);
        for (navigation, items) in deep.below {
            let collection = format!("{path}/{navigation}");
            for item in items {
                self.insert_deep(&collection, item);
            }
        }
        path
    }

    /// Adds `entity` to `collection` under its id; its canonical path.
    pub fn insert(&mut self, collection: &str, entity: Entity) -> String {
        let id = entity.id().unwrap_or_default().to_string();
        let path = format!("{collection}/{id}");
        if self.entities.insert(path.clone(), entity).is_none() {
            self.add_member(collection, id);
        }
        path
    }

    /// Puts `entity` at `path`: a singleton or a single-valued contained navigation.
    pub fn put(&mut self, path: &str, entity: Entity) {
        self.entities.insert(path.to_string(), entity);
    }

    /// The members of `collection`, in the order they were added.
    pub fn list(&self, collection: &str) -> Vec<(String, &Entity)> {
        let Some(members) = self.collections.get(collection) else {
            return Vec::new();
        };
        members
            .ids
            .iter()
            .filter_map(|id| {
                let path = format!("{collection}/{id}");
                let own = self.own_path(&path).to_string();
                let entity = self.entities.get(&own)?;
                Some((own, entity))
            })
            .collect()
    }

    /// The member of `collection` whose id is `key` — or, failing that, whose value of one of
    /// `alternate` properties is (`userPrincipalName`); matched without regard to case.
    pub fn find(&self, collection: &str, key: &str, alternate: &[&str]) -> Option<String> {
        let path = format!("{collection}/{key}");
        let own = self.own_path(&path);
        if self.entities.contains_key(own) {
            return Some(own.to_string());
        }
        self.list(collection)
            .into_iter()
            .find(|(_, entity)| {
                entity.id().is_some_and(|id| id.eq_ignore_ascii_case(key))
                    || entity.has_any_of(alternate).is_some_and(|body| {
                        alternate.iter().any(|name| {
                            body.get(*name)
                                .and_then(Value::as_str)
                                .is_some_and(|v| v.eq_ignore_ascii_case(key))
                        })
                    })
            })
            .map(|(path, _)| path)
    }

    /// Deletes the entity at `path` (or that `path` is an alias of), everything below it, and
    /// every reference and alias to them.
    pub fn remove(&mut self, path: &str) -> bool {
        let path = &self.own_path(path).to_string();
        if self.entities.remove(path).is_none() {
            return false;
        }
        self.forget_aliases(path);
        let below = format!("{path}/");
        for key in keys_below(&self.entities, &below) {
            self.entities.remove(&key);
        }
        for collection in keys_below(&self.collections, &below) {
            self.collections.remove(&collection);
        }
        self.forget_member(path);
        let gone = |target: &String| target == path || target.starts_with(&below);
        self.references
            .retain(|navigation, _| !navigation.starts_with(&below) && navigation != path);
        for targets in self.references.values_mut() {
            targets.retain(|t| !gone(t));
        }
        self.media
            .retain(|key, _| !(key == path || key.starts_with(&below)));
        true
    }

    /// Drops the aliases of the entity at `path` and of what it contains, and those kept below
    /// it, with their places in their collections.
    fn forget_aliases(&mut self, path: &str) {
        let below = format!("{path}/");
        let gone: Vec<String> = self
            .aliases
            .iter()
            .filter(|(alias, own)| {
                *own == path || own.starts_with(&below) || alias.starts_with(&below)
            })
            .map(|(alias, _)| alias.clone())
            .collect();
        for alias in gone {
            self.aliases.remove(&alias);
            self.forget_member(&alias);
        }
    }

    /// Refers from `navigation` to the entity at `target`.
    pub fn add_reference(&mut self, navigation: &str, target: &str) -> Result<(), ReferenceError> {
        if !self.entities.contains_key(target) {
            return Err(ReferenceError::Missing);
        }
        let targets = self.references.entry(navigation.to_string()).or_default();
        if targets.iter().any(|t| t == target) {
            return Err(ReferenceError::Duplicate);
        }
        targets.push(target.to_string());
        Ok(())
    }

    /// Sets the single reference of `navigation` (`manager`) to `target`.
    pub fn set_reference(&mut self, navigation: &str, target: &str) -> Result<(), ReferenceError> {
        if !self.entities.contains_key(target) {
            return Err(ReferenceError::Missing);
        }
        self.references
            .insert(navigation.to_string(), vec![target.to_string()]);
        Ok(())
    }

    /// Replaces the references of `navigation` (a single-valued one: with none or one).
    pub fn set_references(&mut self, navigation: &str, targets: Vec<String>) {
        self.references.insert(navigation.to_string(), targets);
    }

    /// The entity of any entity set whose id is `id` (what `@odata.id` of a `$ref` names).
    pub fn find_anywhere(&self, id: &str) -> Option<String> {
        self.entities
            .iter()
            .find(|(path, entity)| {
                path.matches('/').count() == 2
                    && entity.id().is_some_and(|e| e.eq_ignore_ascii_case(id))
            })
            .map(|(path, _)| path.clone())
    }

    /// Removes the reference from `navigation` to the entity whose id is `id`.
    pub fn remove_reference(&mut self, navigation: &str, id: &str) -> bool {
        let Some(targets) = self.references.get_mut(navigation) else {
            return false;
        };
        let before = targets.len();
        targets.retain(|t| {
            !t.rsplit('/')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case(id))
        });
        targets.len() != before
    }

    /// The navigations that refer to the entity at `target`.
    pub fn referrers(&self, target: &str) -> Vec<String> {
        self.references
            .iter()
            .filter(|(_, targets)| targets.iter().any(|t| t == target))
            .map(|(navigation, _)| navigation.clone())
            .collect()
    }

    /// The entities `navigation` refers to, with their paths.
    pub fn referenced(&self, navigation: &str) -> Vec<(String, &Entity)> {
        self.references
            .get(navigation)
            .into_iter()
            .flatten()
            .filter_map(|target| Some((target.clone(), self.entities.get(target)?)))
            .collect()
    }

    pub fn set_media(&mut self, path: &str, content_type: String, bytes: Vec<u8>) {
        self.media.insert(path.to_string(), (content_type, bytes));
    }

    pub fn media(&self, path: &str) -> Option<&(String, Vec<u8>)> {
        self.media.get(path)
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The keys of `map` that start with `below`.
fn keys_below<V>(map: &BTreeMap<String, V>, below: &str) -> Vec<String> {
    map.range(below.to_string()..)
        .take_while(|(key, _)| key.starts_with(below))
        .map(|(key, _)| key.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(id: &str) -> Entity {
        let body = json!({"id": id, "userPrincipalName": format!("{id}@contoso.com")});
        Entity::new("microsoft.graph.x", body.as_object().unwrap().clone())
    }

    #[test]
    fn deleting_an_entity_deletes_what_it_contains_and_what_refers_to_it() {
        let mut store = Entities::default();
        let group = store.insert("/groups", entity("g1"));
        let thread = store.insert(&format!("{group}/threads"), entity("t1"));
        store.insert(&format!("{thread}/posts"), entity("p1"));
        let user = store.insert("/users", entity("u1"));
        store
            .add_reference(&format!("{group}/members"), &user)
            .unwrap();
        assert_eq!(
            store.add_reference(&format!("{group}/members"), &user),
            Err(ReferenceError::Duplicate)
        );
        assert_eq!(
            store.add_reference(&format!("{group}/members"), "/users/nobody"),
            Err(ReferenceError::Missing)
        );
        assert_eq!(store.list("/groups/g1/threads").len(), 1);
        assert!(store.remove(&thread));
        assert!(store.get("/groups/g1/threads/t1/posts/p1").is_none());
        assert!(store.list("/groups/g1/threads").is_empty());
        assert!(store.remove(&user));
        assert!(
            store.referenced("/groups/g1/members").is_empty(),
            "no reference to a deleted user"
        );
        assert!(!store.remove(&user), "deleted once");
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn an_alias_reads_lists_and_deletes_the_entity_it_names() {
        let mut store = Entities::default();
        let conversation = store.insert("/groups/g/conversations", entity("c1"));
        let thread = store.insert(&format!("{conversation}/threads"), entity("t1"));
        store.link("/groups/g/threads", &thread);
        assert_eq!(store.get("/groups/g/threads/t1"), store.get(&thread));
        assert_eq!(
            store.find("/groups/g/threads", "T1", &[]),
            Some(thread.clone())
        );
        let listed: Vec<String> = store
            .list("/groups/g/threads")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(listed, std::slice::from_ref(&thread));
        assert!(store.remove("/groups/g/threads/t1"));
        assert!(store.get(&thread).is_none());
        assert!(store.list("/groups/g/threads").is_empty());
        let again = store.insert(&format!("{conversation}/threads"), entity("t2"));
        store.link("/groups/g/threads", &again);
        assert!(store.remove(&conversation));
        assert!(
            store.list("/groups/g/threads").is_empty(),
            "gone with its conversation"
        );
    }

    #[test]
    fn lists_in_the_order_added_and_finds_by_alternate_key() {
        let mut store = Entities::default();
        for id in ["b", "a", "c"] {
            store.insert("/users", entity(id));
        }
        let ids: Vec<&str> = store
            .list("/users")
            .iter()
            .filter_map(|(_, e)| e.id())
            .collect();
        assert_eq!(ids, ["b", "a", "c"]);
        assert_eq!(store.find("/users", "A", &[]), Some("/users/a".into()));
        assert_eq!(
            store.find("/users", "c@contoso.com", &["userPrincipalName"]),
            Some("/users/c".into())
        );
        assert_eq!(store.find("/users", "z", &["userPrincipalName"]), None);
        assert!(!store.remove_reference("/nothing", "a"));
    }
}
