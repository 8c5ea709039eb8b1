//! The operations a model offers, each named by its type and what it does to it (`v1.0 message
//! create`, `v1.0 message action reply`), grouped by workload: where in the URL space the type
//! lives (`users`, `me/messages`, `planner/plans`). The denominator of every coverage figure,
//! and the name a typed request's operation goes by. Pure: a model in, operations out.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::api::model::{ApiModel, MemberKind};
use crate::api::typing::{Operation, SegmentKind, TypedPath};
use crate::graph::Method;
use crate::schema::type_names::type_name;

/// What an operation does to its type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperationKind {
    Create,
    List,
    Read,
    Update,
    Replace,
    Delete,
    Action(String),
    Function(String),
    /// Adding, listing or removing references through a navigation (`$ref`).
    Ref(String),
    /// Reading or writing a stream (`/content`, `$value`).
    Media,
}

impl fmt::Display for OperationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Create => f.write_str("create"),
            Self::List => f.write_str("list"),
            Self::Read => f.write_str("read"),
            Self::Update => f.write_str("update"),
            Self::Replace => f.write_str("replace"),
            Self::Delete => f.write_str("delete"),
            Self::Action(name) => write!(f, "action {name}"),
            Self::Function(name) => write!(f, "function {name}"),
            Self::Ref(navigation) => write!(f, "ref {navigation}"),
            Self::Media => f.write_str("media"),
        }
    }
}

/// One operation of one API version: `v1.0 message action reply`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OperationId {
    pub version: String,
    /// The type's qualified name without Graph's own namespace: `message`, `callRecords.session`.
    pub ty: String,
    pub kind: OperationKind,
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.version, self.ty, self.kind)
    }
}

impl std::str::FromStr for OperationId {
    type Err = String;

    /// Reads back what `Display` writes.
    fn from_str(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let kind = match words.get(2..).unwrap_or_default() {
            ["create"] => OperationKind::Create,
            ["list"] => OperationKind::List,
            ["read"] => OperationKind::Read,
            ["update"] => OperationKind::Update,
            ["replace"] => OperationKind::Replace,
            ["delete"] => OperationKind::Delete,
            ["media"] => OperationKind::Media,
            ["action", name] => OperationKind::Action(name.to_string()),
            ["function", name] => OperationKind::Function(name.to_string()),
            ["ref", navigation] => OperationKind::Ref(navigation.to_string()),
            _ => {
                return Err(format!(
                    "`{text}` is not an operation: VERSION TYPE KIND, as `v1.0 message create` or `v1.0 message action reply`"
                ));
            }
        };
        Ok(Self {
            version: words[0].to_string(),
            ty: words[1].to_string(),
            kind,
        })
    }
}

/// An operation the model offers, and the workload it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    pub id: OperationId,
    pub workload: String,
}

/// Where a type lives: the workload of its nearest place in the URL space, and the
/// collections it is reached as a member of.
#[derive(Debug, Default)]
struct Reach {
    homes: BTreeMap<String, String>,
    /// Types reached as a collection, with the names their create restriction is read under.
    collections: BTreeMap<String, Vec<String>>,
}

/// One place the walk stands: a type, the workload it is in, how far from a root.
struct Place {
    ty: String,
    workload: String,
    /// Under a singleton, the first navigation names the workload (`me/messages`).
    under_singleton: bool,
    depth: usize,
}

/// Every operation `model` offers, sorted by workload and then by id.
pub fn offered(model: &ApiModel) -> Vec<Offered> {
    let reach = walk(model);
    let mut offered: BTreeSet<(String, OperationId)> = BTreeSet::new();
    let mut add = |ty: &str, kind: OperationKind, workload: &str| {
        let id = OperationId {
            version: model.version.clone(),
            ty: type_name(ty).to_string(),
            kind,
        };
        offered.insert((workload.to_string(), id));
    };
    for (ty, workload) in &reach.homes {
        for kind in entity_kinds(model, &reach, ty) {
            add(ty, kind, workload);
        }
    }
    for op in &model.operations {
        let Some(workload) = home_of_binding(model, &reach, &op.binding) else {
            continue;
        };
        let kind = match op.action {
            true => OperationKind::Action(op.name.clone()),
            false => OperationKind::Function(op.name.clone()),
        };
        add(&op.binding, kind, workload);
    }
    offered
        .into_iter()
        .map(|(workload, id)| Offered { id, workload })
        .collect()
}

/// A short, stable name of what `offered` holds: ledgers of two models compare only when
/// their fingerprints are the same.
pub fn fingerprint(offered: &[Offered]) -> String {
    use std::hash::Hasher as _;
    let mut hasher = crate::api::model::Fnv::default();
    for operation in offered {
        hasher.write(operation.id.to_string().as_bytes());
        hasher.write(b"\n");
    }
    format!("{:016x}", hasher.finish())
}

/// What may be done to the entities of `ty` where it is reached: list and create in a
/// collection, read, update and delete one, its streams, its references.
fn entity_kinds(model: &ApiModel, reach: &Reach, ty: &str) -> Vec<OperationKind> {
    let mut kinds = vec![OperationKind::Read, OperationKind::Update];
    if let Some(restricted) = reach.collections.get(ty) {
        kinds.push(OperationKind::List);
        if restricted.iter().any(|name| model.insertable(name)) {
            kinds.push(OperationKind::Create);
        }
        kinds.push(OperationKind::Delete);
    }
    let lineage: Vec<&str> = model.lineage(ty).collect();
    let members = lineage
        .iter()
        .filter_map(|t| model.type_info(t))
        .flat_map(|info| info.members.iter());
    let mut streams = false;
    for member in members {
        match member.kind {
            MemberKind::Property => streams |= member.ty == "Edm.Stream",
            MemberKind::Reference => kinds.push(OperationKind::Ref(member.name.clone())),
            MemberKind::Contained => {}
        }
    }
    if streams {
        kinds.push(OperationKind::Media);
    }
    kinds
}

/// The workload of an operation bound to `binding`: its own home, else its nearest reached
/// base's, else its first reached descendant's; `None` when nothing reaches it.
fn home_of_binding<'r>(model: &ApiModel, reach: &'r Reach, binding: &str) -> Option<&'r str> {
    model
        .lineage(binding)
        .find_map(|t| reach.homes.get(t))
        .or_else(|| {
            model
                .descendants(binding)
                .into_iter()
                .find_map(|t| reach.homes.get(t))
        })
        .map(String::as_str)
}

/// Walks the URL space breadth first from the roots. A type's home is the first place that
/// reaches it: an entity set of its own type, else — at each depth — a singleton's family
/// before an entity set's, containment before reference.
fn walk(model: &ApiModel) -> Reach {
    let mut reach = Reach::default();
    let mut roots: Vec<Place> = model
        .roots
        .iter()
        .map(|root| Place {
            ty: root.ty.clone(),
            workload: root.name.clone(),
            under_singleton: !root.collection,
            depth: 0,
        })
        .collect();
    // An entity set is the home of its own type, before any singleton of that type.
    roots.sort_by_key(|p| p.under_singleton);
    for root in model.roots.iter().filter(|r| r.collection) {
        let names = reach.collections.entry(root.ty.clone()).or_default();
        names.push(root.name.clone());
    }
    let mut level = roots;
    while !level.is_empty() {
        let mut next = Vec::new();
        for place in level {
            let claimed = !reach.homes.contains_key(&place.ty);
            if claimed {
                reach.homes.insert(place.ty.clone(), place.workload.clone());
            }
            if claimed || place.depth == 0 {
                step(model, &place, &mut reach, &mut next);
            }
        }
        // Singleton families first, containment before reference (`step` pushes in order).
        next.sort_by_key(|(place, reference): &(Place, bool)| (!place.under_singleton, *reference));
        level = next.into_iter().map(|(place, _)| place).collect();
    }
    reach
}

/// The places one navigation away from `place`, each marked whether it is a reference.
fn step(model: &ApiModel, place: &Place, reach: &mut Reach, next: &mut Vec<(Place, bool)>) {
    let navigations: Vec<(&str, &crate::api::model::Member)> = model
        .lineage(&place.ty)
        .filter_map(|owner| model.type_info(owner).map(|info| (owner, info)))
        .flat_map(|(owner, info)| info.members.iter().map(move |m| (owner, m)))
        .filter(|(_, m)| {
            m.kind != MemberKind::Property && model.type_info(&m.ty).is_some_and(|t| t.entity)
        })
        .collect();
    for (owner, member) in &navigations {
        if member.collection {
            let names = reach.collections.entry(member.ty.clone()).or_default();
            names.push(format!("{owner}/{}", member.name));
        }
        let workload = match place.under_singleton && place.depth == 0 {
            true => family(&place.workload, &member.ty, &navigations),
            false => place.workload.clone(),
        };
        let reached = Place {
            ty: member.ty.clone(),
            workload,
            under_singleton: place.under_singleton,
            depth: place.depth + 1,
        };
        next.push((reached, member.kind == MemberKind::Reference));
    }
}

/// The workload of `ty` below the singleton `root`: `me/messages`, named by the one navigation
/// that reaches the type — or, where several do, by the one named as its plural (`me/events`
/// beside `me/calendarView`), else by the singleton alone.
fn family(root: &str, ty: &str, navigations: &[(&str, &crate::api::model::Member)]) -> String {
    let reaching: Vec<&str> = navigations
        .iter()
        .filter(|(_, m)| m.ty == ty)
        .map(|(_, m)| m.name.as_str())
        .collect();
    let plural = format!("{}s", type_name(ty).rsplit('.').next().unwrap_or(ty));
    match reaching.as_slice() {
        [only] => format!("{root}/{only}"),
        several => match several.iter().find(|n| n.eq_ignore_ascii_case(&plural)) {
            Some(name) => format!("{root}/{name}"),
            None => root.to_string(),
        },
    }
}

/// The operation a request makes of its typed path, named as `offered` names it; `None` when
/// the path is not typed or the method makes nothing of it.
pub fn operation_of(model: &ApiModel, typed: &TypedPath, method: Method) -> Option<OperationId> {
    let operation = typed.operation(method)?;
    let segments = &typed.segments;
    let last = segments.last()?;
    let before = |end: usize| {
        segments[..end]
            .iter()
            .rev()
            .find(|s| !matches!(s.step, SegmentKind::Cast))
    };
    let (ty, kind) = match operation {
        Operation::Action | Operation::Function => {
            let on = before(segments.len() - 1)?;
            let name = last.text.split('(').next().unwrap_or_default();
            let name = name.rsplit('.').next().unwrap_or(name);
            let def = model
                .overloads(on.ty.as_deref()?, on.collection, name)
                .into_iter()
                .next()?;
            let kind = match def.action {
                true => OperationKind::Action(def.name.clone()),
                false => OperationKind::Function(def.name.clone()),
            };
            (def.binding.clone(), kind)
        }
        Operation::Reference => reference(model, segments)?,
        Operation::Media => (typed.resource_type()?.to_string(), OperationKind::Media),
        simple => {
            let at = match last.step {
                SegmentKind::Count | SegmentKind::Cast => before(segments.len() - 1)?,
                _ => last,
            };
            let kind = match simple {
                Operation::Create => OperationKind::Create,
                Operation::Read if matches!(last.step, SegmentKind::Count) => OperationKind::List,
                Operation::List => OperationKind::List,
                Operation::Read => OperationKind::Read,
                Operation::Update => OperationKind::Update,
                Operation::Replace => OperationKind::Replace,
                _ => OperationKind::Delete,
            };
            (at.ty.clone()?, kind)
        }
    };
    Some(OperationId {
        version: model.version.clone(),
        ty: type_name(&ty).to_string(),
        kind,
    })
}

/// The operation a request of a case is of: its path typed by its version's model (`api`, a
/// case file's version, when the path names none).
pub fn of_request(
    models: &crate::api::file::Models,
    method: Method,
    path: &str,
    api: Option<&str>,
) -> Option<OperationId> {
    placed(models, method, path, api).map(|(_, operation)| operation)
}

/// A request's path typed by its version's model, and the operation it is of.
pub fn placed(
    models: &crate::api::file::Models,
    method: Method,
    path: &str,
    api: Option<&str>,
) -> Option<(TypedPath, OperationId)> {
    let typed = crate::api::typing::type_request(models, path, api).ok()?;
    let operation = of_typed(models, &typed, method)?;
    Some((typed, operation))
}

/// The operation a request on a path already typed is of, by the model that typed it.
pub fn of_typed(
    models: &crate::api::file::Models,
    typed: &TypedPath,
    method: Method,
) -> Option<OperationId> {
    let model = models.get(&typed.model)?;
    operation_of(model, typed, method)
}

/// `groups/{id}/members/$ref`, `…/members/{id}/$ref`: the navigation, on the type declaring it.
fn reference(
    model: &ApiModel,
    segments: &[crate::api::typing::Typed],
) -> Option<(String, OperationKind)> {
    let at = segments
        .iter()
        .rposition(|s| matches!(s.step, SegmentKind::Navigation { .. }))?;
    let navigation = segments[at]
        .spelled
        .as_deref()
        .unwrap_or(&segments[at].text);
    let owner = segments[..at].iter().rev().find_map(|s| s.ty.as_deref())?;
    let declaring = model.lineage(owner).find(|t| {
        model
            .type_info(t)
            .is_some_and(|info| info.members.iter().any(|m| m.name == navigation))
    })?;
    Some((
        declaring.to_string(),
        OperationKind::Ref(navigation.to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::typing::type_path;

    fn id(text: &str) -> OperationId {
        text.parse().unwrap()
    }

    #[test]
    fn an_operation_id_reads_back_as_written_and_a_wrong_one_is_refused() {
        for text in [
            "v1.0 message create",
            "beta group action subscribe",
            "v1.0 group ref members",
        ] {
            assert_eq!(id(text).to_string(), text);
        }
        let refused = "v1.0 message frobnicate"
            .parse::<OperationId>()
            .unwrap_err();
        assert!(refused.contains("`v1.0 message frobnicate`"), "{refused}");
        assert!("v1.0".parse::<OperationId>().is_err());
    }

    #[test]
    fn the_model_offers_each_type_s_operations_in_its_home_workload() {
        let model = crate::api::fixtures::office_model();
        let offered = offered(&model);
        let workload_of = |text: &str| {
            offered
                .iter()
                .find(|o| o.id == id(text))
                .map(|o| o.workload.as_str())
        };
        assert_eq!(workload_of("v1.0 group create"), Some("groups"));
        assert_eq!(workload_of("v1.0 group list"), Some("groups"));
        assert_eq!(
            workload_of("v1.0 conversationThread create"),
            Some("groups")
        );
        assert_eq!(
            workload_of("v1.0 conversationThread action reply"),
            Some("groups")
        );
        let sorted = offered
            .windows(2)
            .all(|w| (&w[0].workload, &w[0].id) < (&w[1].workload, &w[1].id));
        assert!(sorted, "sorted by workload, then id, no duplicates");
    }

    #[test]
    fn a_request_names_the_operation_the_model_offers() {
        let model = crate::api::fixtures::office_model();
        let offered: BTreeSet<OperationId> = offered(&model).into_iter().map(|o| o.id).collect();
        for (method, path, expected) in [
            (
                "POST",
                "/v1.0/groups/{group-id}/threads",
                "v1.0 conversationThread create",
            ),
            ("GET", "/v1.0/groups", "v1.0 group list"),
            ("PATCH", "/v1.0/groups/{group-id}", "v1.0 group update"),
            (
                "POST",
                "/v1.0/groups/{group-id}/threads/{id}/reply",
                "v1.0 conversationThread action reply",
            ),
        ] {
            let typed = type_path(&[&model], path).unwrap();
            let named = operation_of(&model, &typed, Method::parse(method).unwrap()).unwrap();
            assert_eq!(named, id(expected), "{method} {path}");
            assert!(offered.contains(&named), "{named} is offered");
        }
    }
}
