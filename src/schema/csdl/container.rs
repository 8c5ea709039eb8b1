//! What a CSDL file says of the URL space: the entity container (entity sets, singletons and
//! their navigation bindings), bound actions and functions, and the capability annotations that
//! restrict inserts, updates and deletes.

use std::ops::Range;

use quick_xml::events::BytesStart;

use super::{Element, Model, Names, PropertyType, Written};
use crate::error::Result;

/// The entity container: the roots of the URL space.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// Qualified: `microsoft.graph.GraphService`.
    pub name: String,
    pub roots: Vec<Root>,
}

/// An entity set (`collection`) or a singleton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub name: String,
    /// The qualified entity type.
    pub ty: String,
    pub collection: bool,
    pub bindings: Vec<Binding>,
}

/// `NavigationPropertyBinding`: the entity set a non-contained navigation points into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The navigation, possibly behind a cast: `members`, `microsoft.graph.user/manager`.
    pub path: String,
    /// The root it points into, possibly followed by a navigation: `directoryObjects`,
    /// `policies/appManagementPolicies`.
    pub target: String,
}

/// The element that declares an operation: an action changes things, a function only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationElement {
    Action,
    Function,
}

/// A bound action or function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: String,
    pub namespace: String,
    pub kind: OperationElement,
    /// The binding parameter's type, and whether it binds to a collection of it.
    pub binding: (PropertyType, bool),
    /// The parameters after the binding one.
    pub parameters: Vec<Parameter>,
    /// The return type, and whether it is a collection.
    pub returns: Option<(PropertyType, bool)>,
    pub composable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub ty: PropertyType,
    pub collection: bool,
    /// May be null or left out (`Nullable`, true unless it says false).
    pub nullable: bool,
}

/// What the capability annotations of one target allow; `None` where they say nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Restriction {
    /// The annotated target, its first segment qualified: `microsoft.graph.GraphService/users`
    /// (an entity set), `microsoft.graph.admin/people` (a navigation of a type).
    pub target: String,
    pub insertable: Option<bool>,
    pub updatable: Option<bool>,
    pub deletable: Option<bool>,
}

#[derive(Clone, Copy)]
enum Term {
    Insert,
    Update,
    Delete,
}

struct PendingRoot {
    name: String,
    ty: Written,
    collection: bool,
    bindings: Vec<(Binding, Range<usize>)>,
}

struct PendingOperation {
    name: String,
    namespace: String,
    kind: OperationElement,
    bound: bool,
    composable: bool,
    /// (name, type, nullable).
    parameters: Vec<(String, Written, bool)>,
    returns: Option<Written>,
}

/// The URL space as read, before names are resolved.
#[derive(Default)]
pub(super) struct Collected {
    container: Option<String>,
    roots: Vec<PendingRoot>,
    open_root: Option<PendingRoot>,
    operations: Vec<PendingOperation>,
    open_operation: Option<PendingOperation>,
    restrictions: Vec<Restriction>,
    /// What the annotation being read annotates, as written.
    target: Option<String>,
    term: Option<Term>,
}

impl Collected {
    pub(super) fn start(
        &mut self,
        element: &Element<'_>,
        start: &BytesStart<'_>,
        namespace: &str,
    ) -> Result<()> {
        match start.local_name().as_ref() {
            b"EntityContainer" => {
                let name = element.required(start, "Name")?;
                self.container = Some(format!("{namespace}.{name}"));
            }
            kind @ (b"EntitySet" | b"Singleton") => self.root(element, start, kind)?,
            b"NavigationPropertyBinding" => {
                if let Some(root) = self.open_root.as_mut() {
                    let binding = Binding {
                        path: element.required(start, "Path")?,
                        target: element.required(start, "Target")?,
                    };
                    root.bindings.push((binding, element.span.clone()));
                }
            }
            kind @ (b"Action" | b"Function") => {
                self.open_operation = Some(PendingOperation {
                    name: element.required(start, "Name")?,
                    namespace: namespace.to_string(),
                    kind: if kind == b"Action" {
                        OperationElement::Action
                    } else {
                        OperationElement::Function
                    },
                    bound: element.flag(start, "IsBound")?,
                    composable: element.flag(start, "IsComposable")?,
                    parameters: Vec::new(),
                    returns: None,
                });
            }
            b"Parameter" => {
                if let Some(operation) = self.open_operation.as_mut() {
                    let name = element.required(start, "Name")?;
                    let ty = element.written(element.required(start, "Type")?);
                    let nullable = element
                        .attribute(start, "Nullable")?
                        .is_none_or(|v| !v.eq_ignore_ascii_case("false"));
                    operation.parameters.push((name, ty, nullable));
                }
            }
            b"ReturnType" => {
                if let Some(operation) = self.open_operation.as_mut() {
                    operation.returns = Some(element.written(element.required(start, "Type")?));
                }
            }
            b"Annotations" => self.target = Some(element.required(start, "Target")?),
            b"Annotation" => self.term = self.target.as_ref().and(term_of(element, start)?),
            b"PropertyValue" => self.restrict(element, start)?,
            _ => {}
        }
        Ok(())
    }

    fn root(&mut self, element: &Element<'_>, start: &BytesStart<'_>, kind: &[u8]) -> Result<()> {
        let collection = kind == b"EntitySet";
        let name = element.required(start, "Name")?;
        let ty = element.required(start, if collection { "EntityType" } else { "Type" })?;
        if let Some(container) = &self.container {
            self.target = Some(format!("{container}/{name}"));
        }
        self.open_root = Some(PendingRoot {
            name,
            ty: element.written(ty),
            collection,
            bindings: Vec::new(),
        });
        Ok(())
    }

    /// A `PropertyValue` of an insert, update or delete restriction.
    fn restrict(&mut self, element: &Element<'_>, start: &BytesStart<'_>) -> Result<()> {
        let (Some(term), Some(target)) = (self.term, self.target.as_ref()) else {
            return Ok(());
        };
        let property = element.attribute(start, "Property")?.unwrap_or_default();
        let wanted = match term {
            Term::Insert => "Insertable",
            Term::Update => "Updatable",
            Term::Delete => "Deletable",
        };
        let Some(value) = element.attribute(start, "Bool")? else {
            return Ok(());
        };
        if property != wanted {
            return Ok(());
        }
        let allowed = Some(value.eq_ignore_ascii_case("true"));
        let index = match self.restrictions.iter().position(|r| &r.target == target) {
            Some(index) => index,
            None => {
                self.restrictions.push(Restriction {
                    target: target.clone(),
                    ..Restriction::default()
                });
                self.restrictions.len() - 1
            }
        };
        let restriction = &mut self.restrictions[index];
        match term {
            Term::Insert => restriction.insertable = allowed,
            Term::Update => restriction.updatable = allowed,
            Term::Delete => restriction.deletable = allowed,
        }
        Ok(())
    }

    pub(super) fn end(&mut self, local_name: &[u8]) {
        match local_name {
            b"EntitySet" | b"Singleton" => {
                self.roots.extend(self.open_root.take());
                self.target = None;
            }
            b"Action" | b"Function" => self.operations.extend(self.open_operation.take()),
            b"Annotations" => self.target = None,
            b"Annotation" => self.term = None,
            _ => {}
        }
    }

    /// Qualifies the names and checks that every binding points into a root of the container.
    pub(super) fn resolve(self, names: &Names<'_>, model: &mut Model) -> Result<()> {
        if let Some(name) = self.container {
            let mut container = Container {
                name,
                roots: Vec::new(),
            };
            for root in &self.roots {
                let ty = names.qualify(&root.ty, "the type of an entity set or singleton")?;
                container.roots.push(Root {
                    name: root.name.clone(),
                    ty,
                    collection: root.collection,
                    bindings: root.bindings.iter().map(|(b, _)| b.clone()).collect(),
                });
            }
            check_bindings(names, &self.roots, &container)?;
            model.container = Some(container);
        }
        for operation in self.operations.into_iter().filter(|o| o.bound) {
            model.operations.push(resolve_operation(names, operation)?);
        }
        model.restrictions = self
            .restrictions
            .into_iter()
            .map(|mut restriction| {
                restriction.target = qualify_target(names, &restriction.target);
                restriction
            })
            .collect();
        Ok(())
    }
}

fn term_of(element: &Element<'_>, start: &BytesStart<'_>) -> Result<Option<Term>> {
    let term = element.attribute(start, "Term")?.unwrap_or_default();
    Ok(match term.rsplit('.').next().unwrap_or_default() {
        "InsertRestrictions" => Some(Term::Insert),
        "UpdateRestrictions" => Some(Term::Update),
        "DeleteRestrictions" => Some(Term::Delete),
        _ => None,
    })
}

/// A binding's target starts with a root of the container (`directoryObjects`,
/// `policies/appManagementPolicies`), optionally behind the container's name.
fn check_bindings(names: &Names<'_>, roots: &[PendingRoot], container: &Container) -> Result<()> {
    for root in roots {
        for (binding, span) in &root.bindings {
            let target = binding
                .target
                .split_once('/')
                .filter(|(head, _)| head.contains('.'))
                .map_or(binding.target.as_str(), |(_, rest)| rest);
            let first = target.split('/').next().unwrap_or_default();
            if !container.roots.iter().any(|r| r.name == first) {
                return Err(names.error(
                    format!(
                        "the navigation binding `{}` of `{}` points into `{first}`, which is not an entity set or singleton of the container",
                        binding.path, root.name
                    ),
                    span.clone(),
                ));
            }
        }
    }
    Ok(())
}

fn resolve_operation(names: &Names<'_>, pending: PendingOperation) -> Result<Operation> {
    let mut parameters = pending.parameters.into_iter();
    let (_, binding, _) = parameters
        .next()
        .ok_or_else(|| super::Error::new(format!("bound `{}` has no parameter", pending.name)))?;
    let binding = names.type_ref(&binding, "binding parameter type")?;
    let parameters = parameters
        .map(|(name, written, nullable)| {
            let (ty, collection) = names.type_ref(&written, "parameter type")?;
            Ok(Parameter {
                name,
                ty,
                collection,
                nullable,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let returns = match &pending.returns {
        Some(written) => Some(names.type_ref(written, "return type")?),
        None => None,
    };
    Ok(Operation {
        name: pending.name,
        namespace: pending.namespace,
        kind: pending.kind,
        binding,
        parameters,
        returns,
        composable: pending.composable,
    })
}

/// `graph.admin/people` → `microsoft.graph.admin/people`: the first segment through the
/// aliases, when it names a type or container.
fn qualify_target(names: &Names<'_>, target: &str) -> String {
    let (head, rest) = target.split_once('/').unwrap_or((target, ""));
    let qualified = head
        .rsplit_once('.')
        .and_then(|(prefix, name)| Some(format!("{}.{name}", names.aliases.get(prefix)?)))
        .unwrap_or_else(|| head.to_string());
    if rest.is_empty() {
        qualified
    } else {
        format!("{qualified}/{rest}")
    }
}
