//! The model of one API version's URL space, as conform keeps it beside the schemas: the roots
//! (entity sets and singletons), the members of every entity and complex type (properties and
//! navigations, with containment), keys, bound operations and the capability restrictions.
//! Built from a CSDL file by `schemas import`; its file format is `file.rs`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::schema::csdl::{self, OperationElement, PropertyType, TypeKind};

/// One API version's URL space.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiModel {
    /// `v1.0`, `beta`.
    pub version: String,
    /// The metadata file it was read from.
    pub source: String,
    /// The entity container's qualified name: capability restrictions of entity sets name it.
    pub container: String,
    pub roots: Vec<RootDef>,
    /// Entity and complex types, by qualified name.
    pub types: BTreeMap<String, TypeInfo>,
    pub operations: Vec<OperationDef>,
    pub restrictions: Vec<csdl::Restriction>,
    /// Enum types, by qualified name.
    #[serde(default)]
    pub enums: BTreeMap<String, EnumDef>,
    /// Entity types whose entities exist as soon as a key names them: what a model read from
    /// a suite's paths (`derived.rs`) knows nothing creates.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub on_demand: BTreeSet<String>,
    #[serde(skip)]
    pub(super) index: Index,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootDef {
    pub name: String,
    /// Qualified entity type.
    pub ty: String,
    /// An entity set; else a singleton.
    pub collection: bool,
    /// (navigation path, target) pairs.
    pub bindings: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeInfo {
    pub entity: bool,
    pub base: Option<String>,
    pub key: Vec<String>,
    pub open: bool,
    pub members: Vec<Member>,
}

/// A property or navigation of a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// Qualified type, or `Edm.*`.
    pub ty: String,
    pub collection: bool,
    /// May be null (for a collection: its items may be).
    #[serde(default = "nullable_by_default")]
    pub nullable: bool,
    pub kind: MemberKind,
}

fn nullable_by_default() -> bool {
    true
}

/// An enum type's members; `flags` when a value may combine several (`a,b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    pub members: Vec<String>,
    pub flags: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    Property,
    /// A navigation whose entities exist only below the parent.
    Contained,
    /// A navigation that refers to entities of an entity set.
    Reference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDef {
    pub name: String,
    pub namespace: String,
    pub action: bool,
    /// Qualified binding type (or `Edm.*`), and whether it binds to a collection of it.
    pub binding: String,
    pub binding_collection: bool,
    /// (name, type) after the binding parameter.
    pub parameters: Vec<(String, String)>,
    /// The parameters that may be neither null nor left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// Its parameters are not known (an operation read from a suite's paths): a body is not
    /// judged against them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_parameters: bool,
    /// Return type and whether it is a collection.
    pub returns: Option<(String, bool)>,
}

/// FNV-1a: the index's keys are short names, hashed on every lookup of a request's path and
/// body; SipHash's resistance to chosen keys buys nothing for names read from metadata.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Names<V> = HashMap<String, V, std::hash::BuildHasherDefault<Fnv>>;

/// Lookups by lower-case name, built when a model is made or loaded.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    roots: Names<usize>,
    /// Qualified type → lower-case member name → member index of that type.
    members: Names<Names<usize>>,
    /// Lower-case qualified type name → qualified type name.
    types: Names<String>,
    /// Lower-case entity type name without its namespace → qualified type name.
    entity_short_names: Names<String>,
    /// Lower-case operation name (unqualified and qualified) → operation indexes.
    operations: Names<Vec<usize>>,
    /// Type → the types that name it as base.
    children: Names<Vec<String>>,
    /// Type → its structural properties, its own and its bases', `id` aside.
    structural: Names<Vec<Member>>,
}

fn type_text(ty: &PropertyType) -> String {
    match ty {
        PropertyType::Primitive(name) => format!("Edm.{name}"),
        PropertyType::Named(name) => name.clone(),
    }
}

impl ApiModel {
    /// The model of a CSDL file's URL space; `None` when the file has no entity container.
    pub fn from_csdl(csdl: &csdl::Model, version: &str, source: &str) -> Option<Self> {
        let container = csdl.container.as_ref()?;
        let roots = container
            .roots
            .iter()
            .map(|root| RootDef {
                name: root.name.clone(),
                ty: root.ty.clone(),
                collection: root.collection,
                bindings: root
                    .bindings
                    .iter()
                    .map(|b| (b.path.clone(), b.target.clone()))
                    .collect(),
            })
            .collect();
        let types = csdl
            .types
            .values()
            .filter(|def| !matches!(def.kind, TypeKind::Enum { .. }))
            .map(|def| (def.qualified.clone(), type_info(def)))
            .collect();
        let operations = csdl.operations.iter().map(operation_def).collect();
        let enums = csdl
            .types
            .values()
            .filter_map(|def| match &def.kind {
                TypeKind::Enum { members, flags } => Some((
                    def.qualified.clone(),
                    EnumDef {
                        members: members.clone(),
                        flags: *flags,
                    },
                )),
                _ => None,
            })
            .collect();
        Some(
            Self {
                version: version.to_string(),
                source: source.to_string(),
                container: container.name.clone(),
                roots,
                types,
                operations,
                restrictions: csdl.restrictions.clone(),
                enums,
                on_demand: BTreeSet::new(),
                index: Index::default(),
            }
            .indexed(),
        )
    }

    /// The model with its lookups built (after reading it from a file).
    pub fn indexed(mut self) -> Self {
        let mut index = Index::default();
        for (i, root) in self.roots.iter().enumerate() {
            index.roots.insert(root.name.to_ascii_lowercase(), i);
        }
        for (name, info) in &self.types {
            index.types.insert(name.to_ascii_lowercase(), name.clone());
            if info.entity {
                let short = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
                // A short name Graph's own namespace has is that type's (`user`, not
                // `callRecords.user`), whichever namespace comes first.
                let own = name
                    .strip_prefix("microsoft.graph.")
                    .is_some_and(|rest| !rest.contains('.'));
                let entry = index.entity_short_names.entry(short);
                match entry {
                    std::collections::hash_map::Entry::Occupied(mut taken) if own => {
                        taken.insert(name.clone());
                    }
                    other => {
                        other.or_insert_with(|| name.clone());
                    }
                }
            }
            let members = index.members.entry(name.clone()).or_default();
            for (i, member) in info.members.iter().enumerate() {
                members.entry(member.name.to_ascii_lowercase()).or_insert(i);
            }
            if let Some(base) = &info.base {
                index
                    .children
                    .entry(base.clone())
                    .or_default()
                    .push(name.clone());
            }
        }
        for name in self.types.keys() {
            let structural: Vec<Member> = self
                .lineage(name)
                .filter_map(|t| self.types.get(t))
                .flat_map(|info| info.members.iter())
                .filter(|m| m.kind == MemberKind::Property && m.name != "id")
                .cloned()
                .collect();
            if !structural.is_empty() {
                index.structural.insert(name.clone(), structural);
            }
        }
        for (i, operation) in self.operations.iter().enumerate() {
            let short = operation.name.to_ascii_lowercase();
            let qualified = format!("{}.{short}", operation.namespace.to_ascii_lowercase());
            index.operations.entry(short).or_default().push(i);
            index.operations.entry(qualified).or_default().push(i);
        }
        self.index = index;
        self
    }

    /// The entity set or singleton named `name`, without regard to case.
    pub fn root(&self, name: &str) -> Option<&RootDef> {
        let i = self.index.roots.get(&name.to_ascii_lowercase())?;
        self.roots.get(*i)
    }

    pub fn type_info(&self, qualified: &str) -> Option<&TypeInfo> {
        self.types.get(qualified)
    }

    /// A qualified type name written without regard to case.
    pub fn type_named(&self, written: &str) -> Option<&str> {
        self.index
            .types
            .get(&written.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The entity type named `short` (without its namespace, without regard to case).
    pub fn entity_type_named(&self, short: &str) -> Option<&str> {
        self.index
            .entity_short_names
            .get(&short.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// `ty` and its bases, nearest first.
    pub fn lineage<'m>(&'m self, ty: &'m str) -> impl Iterator<Item = &'m str> + 'm {
        let mut next = Some(ty);
        std::iter::from_fn(move || {
            let current = next?;
            next = self
                .types
                .get(current)
                .and_then(|info| info.base.as_deref());
            Some(current)
        })
    }

    /// Whether `ty` is `ancestor` or derives from it.
    pub fn derives_from(&self, ty: &str, ancestor: &str) -> bool {
        self.lineage(ty).any(|t| t == ancestor)
    }

    /// The types deriving from `ty`, through every level.
    pub fn descendants(&self, ty: &str) -> Vec<&str> {
        let mut found = Vec::new();
        let mut queue = vec![ty];
        while let Some(name) = queue.pop() {
            for child in self.index.children.get(name).into_iter().flatten() {
                found.push(child.as_str());
                queue.push(child.as_str());
            }
        }
        found
    }

    /// The member `name` (without regard to case) of `ty` or of one of its bases.
    pub fn member(&self, ty: &str, name: &str) -> Option<&Member> {
        // Names are short: lowered on the stack, as this runs for every property of a body.
        let mut buffer = [0u8; 64];
        let owned;
        let lower = match buffer.get_mut(..name.len()) {
            Some(slot) => {
                slot.copy_from_slice(name.as_bytes());
                slot.make_ascii_lowercase();
                std::str::from_utf8(slot).unwrap_or(name)
            }
            None => {
                owned = name.to_ascii_lowercase();
                owned.as_str()
            }
        };
        self.lineage(ty).find_map(|t| {
            let i = self.index.members.get(t)?.get(lower)?;
            self.types.get(t)?.members.get(*i)
        })
    }

    /// The structural properties of `ty`, its own and its bases'; `id` aside.
    pub fn structural_members(&self, ty: &str) -> &[Member] {
        self.index.structural.get(ty).map_or(&[], Vec::as_slice)
    }

    /// The key property names of `ty` (its own, else its nearest base's).
    pub fn key_of(&self, ty: &str) -> &[String] {
        self.lineage(ty)
            .find_map(|t| {
                self.types
                    .get(t)
                    .map(|info| info.key.as_slice())
                    .filter(|k| !k.is_empty())
            })
            .unwrap_or(&[])
    }

    /// The operation `name` (short or qualified, without regard to case) bound to `ty` — or to
    /// a base of it — as a collection or not.
    pub fn operation(&self, ty: &str, collection: bool, name: &str) -> Option<&OperationDef> {
        let candidates = self.index.operations.get(&name.to_ascii_lowercase())?;
        self.lineage(ty).find_map(|t| {
            candidates
                .iter()
                .map(|i| &self.operations[*i])
                .find(|op| op.binding == t && op.binding_collection == collection)
        })
    }

    /// Every overload of the operation `name` bound to `ty` (or, where `ty` binds none, to its
    /// nearest base that does) as a collection or not.
    pub fn overloads(&self, ty: &str, collection: bool, name: &str) -> Vec<&OperationDef> {
        let Some(candidates) = self.index.operations.get(&name.to_ascii_lowercase()) else {
            return Vec::new();
        };
        self.lineage(ty)
            .map(|t| {
                candidates
                    .iter()
                    .map(|i| &self.operations[*i])
                    .filter(|op| op.binding == t && op.binding_collection == collection)
                    .collect::<Vec<_>>()
            })
            .find(|found| !found.is_empty())
            .unwrap_or_default()
    }

    /// Every name that may follow a value of `ty`: its members' and its operations'.
    pub fn names_after(&self, ty: &str, collection: bool) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        if !collection {
            for t in self.lineage(ty) {
                if let Some(info) = self.types.get(t) {
                    names.extend(info.members.iter().map(|m| m.name.as_str()));
                }
            }
        }
        let lineage: Vec<&str> = self.lineage(ty).collect();
        names.extend(
            self.operations
                .iter()
                .filter(|op| op.binding_collection == collection && lineage.contains(&&*op.binding))
                .map(|op| op.name.as_str()),
        );
        names
    }

    pub fn root_names(&self) -> impl Iterator<Item = &str> {
        self.roots.iter().map(|r| r.name.as_str())
    }

    /// What the capability annotations say of an entity set (`users`) or of a navigation of a
    /// type (`microsoft.graph.admin/people`); `None` where they say nothing.
    /// Whether the metadata lets the collection named `restricted` take a create: an entity
    /// set's name (`users`), or a navigation qualified by its owner's type
    /// (`microsoft.graph.user/people`), whose restrictions may be declared on a base type.
    pub fn insertable(&self, restricted: &str) -> bool {
        let refused = |target: &str| {
            self.restriction(target)
                .is_some_and(|r| r.insertable == Some(false))
        };
        match restricted.rsplit_once('/') {
            Some((owner, navigation)) => !self
                .lineage(owner)
                .any(|ty| refused(&format!("{ty}/{navigation}"))),
            None => !refused(restricted),
        }
    }

    pub fn restriction(&self, set_or_navigation: &str) -> Option<&csdl::Restriction> {
        let of_set = format!("{}/{set_or_navigation}", self.container);
        self.restrictions
            .iter()
            .find(|r| r.target == set_or_navigation || r.target == of_set)
    }
}

fn type_info(def: &csdl::TypeDef) -> TypeInfo {
    TypeInfo {
        entity: def.kind == TypeKind::Entity,
        base: def.base.clone(),
        key: def.key.clone(),
        open: def.open,
        members: def
            .properties
            .iter()
            .map(|p| Member {
                name: p.name.clone(),
                ty: type_text(&p.ty),
                collection: p.collection,
                nullable: p.nullable,
                kind: match (p.navigation, p.contains_target) {
                    (false, _) => MemberKind::Property,
                    (true, true) => MemberKind::Contained,
                    (true, false) => MemberKind::Reference,
                },
            })
            .collect(),
    }
}

fn operation_def(operation: &csdl::Operation) -> OperationDef {
    OperationDef {
        name: operation.name.clone(),
        namespace: operation.namespace.clone(),
        action: operation.kind == OperationElement::Action,
        binding: type_text(&operation.binding.0),
        binding_collection: operation.binding.1,
        parameters: operation
            .parameters
            .iter()
            .map(|p| {
                let ty = type_text(&p.ty);
                let ty = if p.collection {
                    format!("Collection({ty})")
                } else {
                    ty
                };
                (p.name.clone(), ty)
            })
            .collect(),
        required: operation
            .parameters
            .iter()
            .filter(|p| !p.nullable)
            .map(|p| p.name.clone())
            .collect(),
        unknown_parameters: false,
        returns: operation
            .returns
            .as_ref()
            .map(|(ty, collection)| (type_text(ty), *collection)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_name_is_graph_s_own_type_whatever_namespace_sorts_first() {
        let mut model = crate::api::fixtures::office_model();
        let user = model.types["microsoft.graph.user"].clone();
        model
            .types
            .insert("microsoft.graph.callRecords.user".into(), user);
        let model = model.indexed();
        assert_eq!(
            model.entity_type_named("User"),
            Some("microsoft.graph.user")
        );
    }
}
