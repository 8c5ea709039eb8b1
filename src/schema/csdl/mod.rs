//! OData CSDL (`$metadata`, EDMX XML): the entity, complex and enum types of every schema of
//! the file, with type names resolved through namespace aliases, and what describes the URL
//! space: the entity container, bound actions and functions, and the capability annotations
//! that restrict inserts, updates and deletes (`container.rs`). Other vocabulary annotations are
//! skipped.

mod container;

pub use container::{
    Binding, Container, Operation, OperationElement, Parameter, Restriction, Root,
};

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::{Error, Result};

/// The types of a CSDL file, by qualified name (`microsoft.graph.post`).
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub types: BTreeMap<String, TypeDef>,
    /// The types that name each type as their base.
    children: BTreeMap<String, Vec<String>>,
    /// The entity container: `None` when the file has none (its paths cannot be typed).
    pub container: Option<Container>,
    /// Bound actions and functions, in file order.
    pub operations: Vec<Operation>,
    /// Insert, update and delete restrictions, by the target they annotate.
    pub restrictions: Vec<Restriction>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    Entity,
    Complex,
    Enum { members: Vec<String>, flags: bool },
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub qualified: String,
    pub kind: TypeKind,
    /// The qualified name of the base type.
    pub base: Option<String>,
    pub is_abstract: bool,
    /// `OpenType="true"`: instances may carry properties the type does not declare.
    pub open: bool,
    /// The key's property names, when this type declares a key (else its base's).
    pub key: Vec<String>,
    /// Declared on this type; inherited ones are the base's.
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub ty: PropertyType,
    /// `Collection(T)`.
    pub collection: bool,
    /// For a collection: whether its items may be null.
    pub nullable: bool,
    pub navigation: bool,
    /// A navigation with `ContainsTarget="true"`: its entities exist only below the parent.
    pub contains_target: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyType {
    /// `Edm.String`, …: the name after `Edm.`.
    Primitive(String),
    /// A type of the model, qualified.
    Named(String),
}

impl Model {
    /// The types that derive from `qualified`, through every level, in name order.
    pub fn descendants(&self, qualified: &str) -> Vec<&TypeDef> {
        let mut found = Vec::new();
        let mut queue = vec![qualified];
        while let Some(name) = queue.pop() {
            for child in self.children.get(name).into_iter().flatten() {
                if let Some(def) = self.types.get(child) {
                    found.push(def);
                    queue.push(child);
                }
            }
        }
        found.sort_by(|a, b| a.qualified.cmp(&b.qualified));
        found
    }

    /// Every property of `def`: the bases' first (the root's first of all), then its own.
    pub fn all_properties<'m>(&'m self, def: &'m TypeDef) -> Vec<&'m Property> {
        let mut chain = vec![def];
        while let Some(base) = chain
            .last()
            .and_then(|d| d.base.as_ref())
            .and_then(|b| self.types.get(b))
        {
            chain.push(base);
        }
        chain
            .iter()
            .rev()
            .flat_map(|d| d.properties.iter())
            .collect()
    }
}

/// A type reference as written, before aliases are resolved, with where it was written.
struct Written {
    name: String,
    span: Range<usize>,
}

/// A type read, before its names are resolved.
struct Pending {
    def: TypeDef,
    base: Option<Written>,
    /// The named types of its properties, in order.
    refs: Vec<Written>,
    /// Where its `Key` names each property, for an error about a key that is not one.
    key_spans: Vec<Range<usize>>,
    span: Range<usize>,
}

/// What the parser collects before names are resolved.
#[derive(Default)]
struct Parsed {
    aliases: BTreeMap<String, String>,
    types: Vec<Pending>,
    namespace: Option<String>,
    open: Option<Pending>,
    url_space: container::Collected,
}

/// Reads a CSDL document; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Model> {
    let parsed = read(path, text)?;
    if parsed.aliases.is_empty() {
        return Err(Error::in_file(
            "no <Schema> element: not an OData CSDL document ($metadata)",
            path,
        ));
    }
    resolve(path, text, parsed)
}

fn read(path: &Path, text: &str) -> Result<Parsed> {
    let mut reader = Reader::from_str(text);
    let mut parsed = Parsed::default();
    loop {
        let at = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let position = reader.error_position() as usize;
            Error::at(
                format!("not well-formed XML: {e}"),
                path,
                text,
                position..position + 1,
            )
        })?;
        let element = Element {
            path,
            text,
            span: at..reader.buffer_position() as usize,
        };
        match event {
            Event::Start(start) => parsed.start(&element, &start)?,
            Event::Empty(start) => {
                parsed.start(&element, &start)?;
                parsed.end(start.local_name().as_ref());
            }
            Event::End(end) => parsed.end(end.local_name().as_ref()),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(parsed)
}

fn is_type_element(local_name: &[u8]) -> bool {
    matches!(local_name, b"EntityType" | b"ComplexType" | b"EnumType")
}

impl Parsed {
    fn start(&mut self, element: &Element<'_>, start: &BytesStart<'_>) -> Result<()> {
        let local = start.local_name();
        match local.as_ref() {
            b"Schema" => {
                let name = element.required(start, "Namespace")?;
                self.aliases.insert(name.clone(), name.clone());
                if let Some(alias) = element.attribute(start, "Alias")? {
                    self.aliases.insert(alias, name.clone());
                }
                self.namespace = Some(name);
            }
            kind if is_type_element(kind) => {
                self.close();
                let def = element.type_def(start, kind, self.namespace.as_deref())?;
                let base = element
                    .attribute(start, "BaseType")?
                    .map(|name| element.written(name));
                self.open = Some(Pending {
                    def,
                    base,
                    refs: Vec::new(),
                    key_spans: Vec::new(),
                    span: element.span.clone(),
                });
            }
            b"Property" | b"NavigationProperty" | b"Member" => {
                if let Some(open) = self.open.as_mut() {
                    element.member(start, &mut open.def, &mut open.refs)?;
                }
            }
            b"PropertyRef" => {
                if let Some(open) = self.open.as_mut() {
                    open.def.key.push(element.required(start, "Name")?);
                    open.key_spans.push(element.span.clone());
                }
            }
            _ => {
                let namespace = self.namespace.as_deref().unwrap_or_default();
                self.url_space.start(element, start, namespace)?;
            }
        }
        Ok(())
    }

    /// The end of an element (or of an empty one, right after its start).
    fn end(&mut self, local_name: &[u8]) {
        if is_type_element(local_name) {
            self.close();
        } else {
            self.url_space.end(local_name);
        }
    }

    fn close(&mut self) {
        if let Some(done) = self.open.take() {
            self.types.push(done);
        }
    }
}

/// One element being read, for attribute access with positions in errors.
struct Element<'a> {
    path: &'a Path,
    text: &'a str,
    span: Range<usize>,
}

impl Element<'_> {
    fn error(&self, message: String) -> Error {
        let end = self.text[self.span.clone()]
            .find('>')
            .map_or(self.span.end, |i| self.span.start + i + 1);
        Error::at(message, self.path, self.text, self.span.start..end)
    }

    fn attribute(&self, start: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
        match start.try_get_attribute(name) {
            Ok(Some(attribute)) => attribute
                .unescape_value()
                .map(|v| Some(v.into_owned()))
                .map_err(|e| self.error(format!("attribute `{name}`: {e}"))),
            Ok(None) => Ok(None),
            Err(e) => Err(self.error(format!("malformed attributes: {e}"))),
        }
    }

    fn required(&self, start: &BytesStart<'_>, name: &str) -> Result<String> {
        self.attribute(start, name)?.ok_or_else(|| {
            let element = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
            self.error(format!("<{element}> has no `{name}` attribute"))
        })
    }

    fn flag(&self, start: &BytesStart<'_>, name: &str) -> Result<bool> {
        Ok(self
            .attribute(start, name)?
            .is_some_and(|v| v.eq_ignore_ascii_case("true")))
    }

    fn written(&self, name: String) -> Written {
        Written {
            name,
            span: self.span.clone(),
        }
    }

    fn type_def(
        &self,
        start: &BytesStart<'_>,
        element: &[u8],
        namespace: Option<&str>,
    ) -> Result<TypeDef> {
        let name = self.required(start, "Name")?;
        let namespace =
            namespace.ok_or_else(|| self.error(format!("type `{name}` outside a <Schema>")))?;
        let kind = match element {
            b"EntityType" => TypeKind::Entity,
            b"ComplexType" => TypeKind::Complex,
            _ => TypeKind::Enum {
                members: Vec::new(),
                flags: self.flag(start, "IsFlags")?,
            },
        };
        Ok(TypeDef {
            qualified: format!("{namespace}.{name}"),
            kind,
            base: None,
            is_abstract: self.flag(start, "Abstract")?,
            open: self.flag(start, "OpenType")?,
            key: Vec::new(),
            properties: Vec::new(),
        })
    }

    /// A `Property`, `NavigationProperty` or `Member` of the open type.
    fn member(
        &self,
        start: &BytesStart<'_>,
        def: &mut TypeDef,
        refs: &mut Vec<Written>,
    ) -> Result<()> {
        let name = self.required(start, "Name")?;
        if let TypeKind::Enum { members, .. } = &mut def.kind {
            members.push(name);
            return Ok(());
        }
        let written = self.required(start, "Type")?;
        let (inner, collection) = match written
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(inner) => (inner.to_string(), true),
            None => (written.clone(), false),
        };
        let ty = match inner.strip_prefix("Edm.") {
            Some(primitive) => PropertyType::Primitive(primitive.to_string()),
            None => {
                refs.push(self.written(inner.clone()));
                PropertyType::Named(inner)
            }
        };
        let nullable = self
            .attribute(start, "Nullable")?
            .is_none_or(|v| !v.eq_ignore_ascii_case("false"));
        def.properties.push(Property {
            name,
            ty,
            collection,
            nullable,
            navigation: start.local_name().as_ref() == b"NavigationProperty",
            contains_target: self.flag(start, "ContainsTarget")?,
        });
        Ok(())
    }
}

/// Turns type names as written into qualified names of the file, or an error at where they
/// were written.
struct Names<'a> {
    path: &'a Path,
    text: &'a str,
    aliases: &'a BTreeMap<String, String>,
    known: std::collections::BTreeSet<&'a str>,
}

impl Names<'_> {
    fn error(&self, message: String, span: Range<usize>) -> Error {
        Error::at(message, self.path, self.text, span)
    }

    fn qualify(&self, written: &Written, what: &str) -> Result<String> {
        written
            .name
            .rsplit_once('.')
            .and_then(|(prefix, name)| Some(format!("{}.{name}", self.aliases.get(prefix)?)))
            .filter(|qualified| self.known.contains(qualified.as_str()))
            .ok_or_else(|| {
                self.error(
                    format!("{what} `{}` is not a type of this file", written.name),
                    written.span.clone(),
                )
            })
    }

    /// A written type, `Collection(…)` or not: a primitive's name after `Edm.`, else a type
    /// of the file; and whether it is a collection.
    fn type_ref(&self, written: &Written, what: &str) -> Result<(PropertyType, bool)> {
        let (inner, collection) = match written
            .name
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(inner) => (inner, true),
            None => (written.name.as_str(), false),
        };
        let ty = match inner.strip_prefix("Edm.") {
            Some(primitive) => PropertyType::Primitive(primitive.to_string()),
            None => {
                let inner = Written {
                    name: inner.to_string(),
                    span: written.span.clone(),
                };
                PropertyType::Named(self.qualify(&inner, what)?)
            }
        };
        Ok((ty, collection))
    }
}

/// Qualifies every type name through the aliases and checks that each names a type of the
/// file, that no type is defined twice, that no type is its own base and that every key names
/// a property; then resolves the URL space (`container.rs`).
fn resolve(path: &Path, text: &str, parsed: Parsed) -> Result<Model> {
    let names = Names {
        path,
        text,
        aliases: &parsed.aliases,
        known: parsed
            .types
            .iter()
            .map(|pending| pending.def.qualified.as_str())
            .collect(),
    };
    let mut model = Model::default();
    for pending in &parsed.types {
        let def = resolve_type(&names, pending)?;
        if model.types.contains_key(&def.qualified) {
            return Err(names.error(
                format!("type `{}` is defined twice", def.qualified),
                pending.span.clone(),
            ));
        }
        model.types.insert(def.qualified.clone(), def);
    }
    check_inheritance(path, &model)?;
    for def in model.types.values() {
        if let Some(base) = &def.base {
            model
                .children
                .entry(base.clone())
                .or_default()
                .push(def.qualified.clone());
        }
    }
    check_keys(&names, &parsed.types, &model)?;
    parsed.url_space.resolve(&names, &mut model)?;
    Ok(model)
}

fn resolve_type(names: &Names<'_>, pending: &Pending) -> Result<TypeDef> {
    let mut def = pending.def.clone();
    if let Some(base) = &pending.base {
        def.base = Some(names.qualify(base, "base type")?);
    }
    let mut refs = pending.refs.iter();
    for property in &mut def.properties {
        if let PropertyType::Named(name) = &mut property.ty
            && let Some(written) = refs.next()
        {
            *name = names.qualify(written, "property type")?;
        }
    }
    Ok(def)
}

/// Every `PropertyRef` of a key names a property of its type or of a base.
fn check_keys(names: &Names<'_>, types: &[Pending], model: &Model) -> Result<()> {
    for pending in types {
        let def = &model.types[&pending.def.qualified];
        let properties = model.all_properties(def);
        for (key, span) in def.key.iter().zip(&pending.key_spans) {
            if !properties.iter().any(|p| &p.name == key) {
                return Err(names.error(
                    format!(
                        "the key of `{}` names `{key}`, which is not one of its properties",
                        def.qualified
                    ),
                    span.clone(),
                ));
            }
        }
    }
    Ok(())
}

fn check_inheritance(path: &Path, model: &Model) -> Result<()> {
    for def in model.types.values() {
        let mut seen = vec![def.qualified.as_str()];
        let mut current = def;
        while let Some(base) = current.base.as_deref() {
            if seen.contains(&base) {
                return Err(Error::in_file(
                    format!(
                        "type `{}` derives from itself ({} -> {base})",
                        def.qualified,
                        seen.join(" -> ")
                    ),
                    path,
                ));
            }
            seen.push(base);
            match model.types.get(base) {
                Some(next) => current = next,
                None => break,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
