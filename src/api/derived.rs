//! The URL space a suite shows, for a schemas folder that holds no metadata: every path its
//! requests, setups and teardowns send becomes entity sets, singletons, navigations and bound
//! actions, typed by the case's schema (else the key placeholder's name, else the segment),
//! with the properties its JSON Schemas describe. The reference server serves the suite's
//! documented operations from it by the same conventions as from metadata.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::model::{ApiModel, EnumDef, Member, MemberKind, OperationDef, RootDef, TypeInfo};
use crate::api::path::{self, RawSegment};
use crate::api::typing::{is_version_or_any, placeholder_name};
use crate::graph::Method;
use crate::schema::registry::Schemas;
use crate::schema::shape::{Field, JsonType, Shape};

/// The namespace of the types a suite shows, so that answers name them as Graph does.
const NAMESPACE: &str = "microsoft.graph";

/// How deep complex types named by schemas are followed.
const MAX_DEPTH: usize = 8;

/// One request a suite documents, as the derivation reads it.
#[derive(Debug, Clone, Copy)]
pub struct DocumentedRequest<'c> {
    pub method: Method,
    /// A path template, with its query if any.
    pub path: &'c str,
    pub status: u16,
    /// The schema its answer is judged by.
    pub schema: Option<&'c str>,
    /// Its documented answer is a collection (`value`).
    pub lists: bool,
}

/// A collection or single entity the suite's paths reach, and what they reach below it.
#[derive(Debug, Default)]
struct Node {
    collection: bool,
    /// Something in the suite creates its entities.
    created: bool,
    /// The schema the suite judges its entities by.
    schema: Option<String>,
    /// The key placeholder's name, less `-id`.
    keyed_as: Option<String>,
    children: BTreeMap<String, Node>,
    actions: BTreeSet<String>,
}

/// The model of the URL space `documented` shows, for each of `versions`.
pub fn from_suite(
    documented: &[DocumentedRequest],
    schemas: &Schemas,
    versions: &[&str],
) -> Vec<ApiModel> {
    let mut roots: BTreeMap<String, Node> = BTreeMap::new();
    for request in documented {
        let Ok(segments) = path::split(path::path_part(request.path)) else {
            continue;
        };
        let segments: Vec<RawSegment> = segments
            .into_iter()
            .skip_while(|s| is_version_or_any(s.name))
            .collect();
        walk(&mut roots, &segments, request);
    }
    let mut builder = Builder {
        schemas,
        types: BTreeMap::new(),
        enums: BTreeMap::new(),
        operations: Vec::new(),
        uncreated: BTreeSet::new(),
        created: BTreeSet::new(),
    };
    let root_types: BTreeMap<&str, String> = roots
        .iter()
        .filter(|(_, node)| node.collection)
        .map(|(name, node)| (name.as_str(), type_of(name, node, schemas)))
        .collect();
    let mut defs = Vec::new();
    for (name, node) in &roots {
        let ty = builder.entity(name, node, &root_types);
        defs.push(RootDef {
            name: name.clone(),
            ty,
            collection: node.collection,
            bindings: Vec::new(),
        });
    }
    // The entities of a type nothing in the suite creates anywhere exist when a key names
    // them; a type the suite creates somewhere is never made up, so that a missing key is 404.
    let on_demand: BTreeSet<String> = builder
        .uncreated
        .difference(&builder.created)
        .cloned()
        .collect();
    versions
        .iter()
        .map(|version| {
            ApiModel {
                version: version.to_string(),
                source: "the suite's paths".into(),
                container: format!("{NAMESPACE}.GraphService"),
                roots: defs.clone(),
                types: builder.types.clone(),
                operations: builder.operations.clone(),
                restrictions: Vec::new(),
                enums: builder.enums.clone(),
                on_demand: on_demand.clone(),
                ..ApiModel::default()
            }
            .indexed()
        })
        .collect()
}

/// Adds what `segments` reach to the tree of `roots`.
fn walk(roots: &mut BTreeMap<String, Node>, segments: &[RawSegment], request: &DocumentedRequest) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if !is_name(first.name) {
        return;
    }
    let mut node = roots.entry(first.name.to_string()).or_default();
    let mut rest = rest;
    loop {
        let keyed = rest.first().and_then(|s| placeholder_name(s.name));
        if let Some(key) = keyed {
            node.collection = true;
            node.keyed_as
                .get_or_insert_with(|| key_type(key).to_string());
            rest = &rest[1..];
        }
        match rest.first() {
            None => return describe_end(node, keyed.is_some(), request),
            // `$ref`, `$value`, a cast: the server reads them without the model.
            Some(next) if !is_name(next.name) => return,
            Some(_) => {}
        }
        let name = rest[0].name;
        if rest.len() == 1 && is_action(name, request, &node.children) {
            node.actions.insert(name.to_string());
            return;
        }
        node = node.children.entry(name.to_string()).or_default();
        rest = &rest[1..];
    }
}

/// What the request says of the node it ends at: a create makes it a collection, a documented
/// list too, and the answer's schema types its entities.
fn describe_end(node: &mut Node, keyed: bool, request: &DocumentedRequest) {
    let method = request.method;
    if !keyed && method == Method::Post {
        node.collection = true;
        node.created = true;
    }
    if !keyed && method == Method::Get && request.lists {
        node.collection = true;
    }
    if matches!(method, Method::Post | Method::Get)
        && let Some(schema) = request.schema
    {
        node.schema.get_or_insert_with(|| schema.to_string());
    }
}

/// A POST to a last segment that is no collection: a segment documented as creating (201),
/// a plural noun, or one already known as a collection is a collection; else an action.
fn is_action(name: &str, request: &DocumentedRequest, known: &BTreeMap<String, Node>) -> bool {
    // A setup step without a status says nothing: it is taken for a create.
    request.method == Method::Post
        && !matches!(request.status, 0 | 201)
        && !name.ends_with('s')
        && !known.get(name).is_some_and(|n| n.collection)
}

/// A segment that names something: not a placeholder, a system segment (`$ref`), a cast or a
/// qualified operation, or a drive path.
fn is_name(segment: &str) -> bool {
    placeholder_name(segment).is_none()
        && !segment.starts_with('$')
        && !segment.contains(['.', ':', '(', '\''])
        && !segment.is_empty()
}

/// `conversationThread-id` → `conversationThread`; `group-id-2` → `group`.
fn key_type(placeholder: &str) -> &str {
    let trimmed = placeholder.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    let trimmed = if trimmed.len() < placeholder.len() && trimmed.ends_with("-id") {
        trimmed
    } else {
        placeholder
    };
    trimmed
        .strip_suffix("-id")
        .or_else(|| trimmed.strip_suffix("Id"))
        .unwrap_or(trimmed)
}

/// The short name of the type of `name`'s entities: the schema the suite judges them by, the
/// key placeholder's name, a schema named as the singular of the segment, or that singular.
fn type_of(name: &str, node: &Node, schemas: &Schemas) -> String {
    if let Some(schema) = &node.schema {
        return schema.rsplit('/').next().unwrap_or(schema).to_string();
    }
    if let Some(key) = &node.keyed_as {
        return key.clone();
    }
    let singular = singular(name);
    schemas
        .names()
        .find(|schema| !schema.contains('/') && schema.eq_ignore_ascii_case(&singular))
        .map_or(singular, str::to_string)
}

fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if name.len() > 1 && name.ends_with('s') && !name.ends_with("ss") {
        name[..name.len() - 1].to_string()
    } else {
        name.to_string()
    }
}

fn qualified(short: &str) -> String {
    format!("{NAMESPACE}.{short}")
}

struct Builder<'s> {
    schemas: &'s Schemas,
    types: BTreeMap<String, TypeInfo>,
    enums: BTreeMap<String, EnumDef>,
    operations: Vec<OperationDef>,
    /// Types with a collection nothing creates into, and types something creates.
    uncreated: BTreeSet<String>,
    created: BTreeSet<String>,
}

impl Builder<'_> {
    /// The qualified type of `name`'s entities, with its members: what the paths reach below
    /// it and what its schema describes.
    fn entity(&mut self, name: &str, node: &Node, roots: &BTreeMap<&str, String>) -> String {
        let short = type_of(name, node, self.schemas);
        let ty = qualified(&short);
        if node.collection && !node.created {
            self.uncreated.insert(ty.clone());
        }
        if node.created {
            self.created.insert(ty.clone());
        }
        let mut members = Vec::new();
        for (child_name, child) in &node.children {
            let child_short = type_of(child_name, child, self.schemas);
            // A navigation to the entities of an entity set the suite never creates below it
            // (`joinedGroups/{group-id}`) refers to them; else it holds its own.
            let refers = child.collection
                && !child.created
                && roots
                    .iter()
                    .any(|(root, t)| *t == child_short && *root != child_name);
            let child_ty = if refers {
                qualified(&child_short)
            } else {
                self.entity(child_name, child, roots)
            };
            members.push(Member {
                name: child_name.clone(),
                ty: child_ty,
                collection: child.collection,
                nullable: true,
                kind: if refers {
                    MemberKind::Reference
                } else {
                    MemberKind::Contained
                },
            });
        }
        for action in &node.actions {
            self.operations.push(OperationDef {
                name: action.clone(),
                namespace: NAMESPACE.into(),
                action: true,
                binding: ty.clone(),
                binding_collection: false,
                parameters: Vec::new(),
                required: Vec::new(),
                unknown_parameters: true,
                returns: None,
            });
        }
        let described = self.described(&short, 0);
        let info = self.types.entry(ty.clone()).or_insert(TypeInfo {
            entity: true,
            base: None,
            key: vec!["id".into()],
            open: true,
            members: Vec::new(),
        });
        info.entity = true;
        info.key = vec!["id".into()];
        for member in members.into_iter().chain(described) {
            if !info.members.iter().any(|m| m.name == member.name) {
                info.members.push(member);
            }
        }
        ty
    }

    /// The properties schema `name` describes (none when there is no such schema).
    fn described(&mut self, name: &str, depth: usize) -> Vec<Member> {
        let Some(properties) = self.schemas.properties(name) else {
            return Vec::new();
        };
        let properties: Vec<(String, Field)> = properties
            .iter()
            .filter(|(key, _)| !key.contains('@'))
            .map(|(key, field)| (key.clone(), field.clone()))
            .collect();
        properties
            .into_iter()
            .map(|(key, field)| {
                let (ty, collection) = self.field_type(name, &key, &field, depth);
                Member {
                    name: key,
                    ty,
                    collection,
                    nullable: field.nullable || collection,
                    kind: MemberKind::Property,
                }
            })
            .collect()
    }

    /// The type of a property of schema `owner`, and whether it is a collection.
    fn field_type(
        &mut self,
        owner: &str,
        name: &str,
        field: &Field,
        depth: usize,
    ) -> (String, bool) {
        let (shape, collection) = match &field.shape {
            Shape::ArrayOf(items) => (items.as_ref(), true),
            other => (other, false),
        };
        let ty = match shape {
            Shape::Typed(JsonType::Boolean) => "Edm.Boolean".to_string(),
            Shape::Typed(JsonType::Integer) => "Edm.Int64".to_string(),
            Shape::Typed(JsonType::Number) => "Edm.Double".to_string(),
            // An `enum` written in place: an enum type of its own.
            Shape::Typed(JsonType::String) | Shape::Unknown if !field.members.is_empty() => {
                let ty = qualified(&format!("{owner}_{name}"));
                let members = field.members.clone();
                let def = EnumDef {
                    members,
                    flags: false,
                };
                self.enums.insert(ty.clone(), def);
                ty
            }
            Shape::Typed(JsonType::String) => match field.format.as_deref() {
                Some("date-time") => "Edm.DateTimeOffset",
                Some("date") => "Edm.Date",
                Some("uuid") => "Edm.Guid",
                _ => "Edm.String",
            }
            .to_string(),
            Shape::Named(target) => self.named(owner, target, depth),
            _ => "Edm.Untyped".to_string(),
        };
        (ty, collection)
    }

    /// The type schema `target` describes: an enum, or a complex type (open, as the schemas
    /// leave objects open).
    fn named(&mut self, owner: &str, target: &str, depth: usize) -> String {
        let name = self.schemas.sibling(owner, target);
        let short = target.to_string();
        let ty = qualified(&short);
        let members = self.schemas.enum_members(&name);
        if !members.is_empty() {
            self.enums.entry(ty.clone()).or_insert(EnumDef {
                members: members.to_vec(),
                flags: false,
            });
            return ty;
        }
        if self.schemas.kind(&name) != Some(JsonType::Object) && self.schemas.kind(&name).is_some()
        {
            return "Edm.Untyped".into();
        }
        if depth >= MAX_DEPTH || self.types.contains_key(&ty) {
            return ty;
        }
        self.types.insert(
            ty.clone(),
            TypeInfo {
                entity: false,
                base: None,
                key: Vec::new(),
                open: true,
                members: Vec::new(),
            },
        );
        let members = self.described(&name, depth + 1);
        if let Some(info) = self.types.get_mut(&ty) {
            info.members = members;
        }
        ty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::typing::{SegmentKind, type_path};

    fn documented<'a>(
        method: &'a str,
        path: &'a str,
        status: u16,
        schema: Option<&'a str>,
    ) -> DocumentedRequest<'a> {
        DocumentedRequest {
            method: Method::parse(method).unwrap(),
            path,
            status,
            schema,
            lists: false,
        }
    }

    fn schemas() -> Schemas {
        Schemas::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"))
            .unwrap()
    }

    /// Paths like the shipped suite's, and a read where nothing creates.
    fn shipped_like() -> Vec<DocumentedRequest<'static>> {
        vec![
            documented(
                "POST",
                "/beta/groups/{group-id}/threads",
                201,
                Some("conversationThread"),
            ),
            documented(
                "DELETE",
                "/beta/groups/{group-id}/threads/{thread-id}",
                204,
                None,
            ),
            documented(
                "POST",
                "/beta/users/{user-id}/joinedGroups/{group-id}/threads",
                201,
                Some("conversationThread"),
            ),
            documented(
                "POST",
                "/v1.0/groups/{group-id}/conversations/{conversation-id}/threads",
                201,
                Some("conversationThread"),
            ),
            documented(
                "POST",
                "/beta/groups/{group-id}/channels/{channel-id}/chatthreads",
                204,
                None,
            ),
            documented(
                "POST",
                "/beta/groups/{group-id}/threads/{thread-id}/reply",
                202,
                None,
            ),
            // Read where nothing creates: threads are still not made up, as one is created.
            documented(
                "GET",
                "/beta/groups/{group-id}/conversations/{conversation-id}/threads/{thread-id}",
                200,
                Some("conversationThread"),
            ),
        ]
    }

    #[test]
    fn the_shipped_paths_make_a_url_space() {
        let schemas = schemas();
        let suite = shipped_like();
        let models = from_suite(&suite, &schemas, &["v1.0", "beta"]);
        assert_eq!(models.len(), 2);
        let model = &models[1];
        let thread = "microsoft.graph.conversationThread";
        assert!(model.on_demand.contains("microsoft.graph.group"));
        assert!(
            !model.on_demand.contains(thread),
            "the suite creates threads"
        );
        let joined = model
            .member("microsoft.graph.user", "joinedGroups")
            .unwrap();
        assert_eq!(
            (joined.kind, joined.ty.as_str()),
            (MemberKind::Reference, "microsoft.graph.group")
        );
        let threads = model.member("microsoft.graph.group", "threads").unwrap();
        assert_eq!(
            (threads.kind, threads.ty.as_str()),
            (MemberKind::Contained, thread)
        );
        let topic = model.member(thread, "topic").unwrap();
        assert_eq!(topic.ty, "Edm.String");
        let delivered = model.member(thread, "lastDeliveredDateTime").unwrap();
        assert_eq!(delivered.ty, "Edm.DateTimeOffset");
        assert!(model.operation(thread, false, "reply").is_some());
        let chat = model
            .member("microsoft.graph.channel", "chatthreads")
            .unwrap();
        assert_eq!(
            chat.ty, "microsoft.graph.chatThread",
            "named as the schema is, case aside"
        );
        let typed = type_path(&[model], "/beta/users/u/joinedGroups/g/threads/t").unwrap();
        assert!(typed.untyped.is_none(), "{:?}", typed.untyped);
        assert_eq!(
            typed.segments.last().map(|s| &s.step),
            Some(&SegmentKind::Key(crate::api::typing::Key::Literal(
                "t".into()
            )))
        );
    }

    #[test]
    fn any_path_makes_a_model_and_never_a_panic() {
        let schemas = schemas();
        let odd = [
            "",
            "/",
            "//",
            "/beta",
            "/{x}",
            "/{x}/{y}",
            "/a/{b}/{c}/d",
            "/$metadata",
            "/a/$ref",
            "/a('x')/b",
            "/a/b:",
            "/a/b?$top=1",
            "/a/{b-id}/{b-id}/{b-id}",
            "/v1.0/a/b/c/d/e/f/g/h",
            "/a/{",
            "/a/}",
            "/a/b(",
            "/🙂/{🙂-id}",
            "/users/{user-id}/users/{user-id}",
        ];
        for method in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
            let suite: Vec<DocumentedRequest> = odd
                .iter()
                .map(|path| DocumentedRequest {
                    method: Method::parse(method).unwrap(),
                    path,
                    status: 201,
                    schema: Some("conversationThread"),
                    lists: true,
                })
                .collect();
            for model in from_suite(&suite, &schemas, &["v1.0"]) {
                for path in odd {
                    let _ = type_path(&[&model], path);
                }
            }
        }
    }

    #[test]
    fn keys_name_their_type() {
        assert_eq!(key_type("group-id"), "group");
        assert_eq!(key_type("conversationThread-id-2"), "conversationThread");
        assert_eq!(key_type("id"), "id");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("address"), "address");
    }
}
