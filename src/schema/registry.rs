//! The JSON Schemas in `schemas/`: every file loaded into one registry so cross-file `$ref`s
//! resolve offline, each compiled once when first used (a directory generated from Graph's
//! metadata holds thousands; a run uses a few), `format` checked.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::schema::shape::{Field, JsonType, Shape, declared_type, enum_members, field_of};

/// Base under which schema files are registered; `$ref: "recipient.json"` resolves beside it.
const BASE_URI: &str = "https://conform.invalid/schemas/";

/// The API version whose schemas sit in the schemas folder itself; another version's sit in a
/// folder of its name below it (`beta/`) and are registered as `beta/user`.
pub const DEFAULT_VERSION: &str = "v1.0";

/// Which schema judges a case: its version's, or the default version's in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved<'s> {
    /// The schema of the case's own version (or of the default version, for its cases).
    Own(&'s str),
    /// The default version's: the case's version has a schemas folder without this schema.
    FallBack(&'s str),
}

impl<'s> Resolved<'s> {
    pub fn key(self) -> &'s str {
        match self {
            Self::Own(key) | Self::FallBack(key) => key,
        }
    }
}

/// Every schema of a directory, by name (the file stem: `conversationThread`), and those of
/// its version folders (`beta/conversationThread`).
pub struct Schemas {
    registry: Registry<'static>,
    schemas: BTreeMap<String, Compiled>,
}

/// A schema file and, once asked for, its validator (or why it does not compile).
struct Compiled {
    path: PathBuf,
    /// What each of its top-level `properties` holds.
    properties: BTreeMap<String, Field>,
    /// The string members of its top-level `enum`: an enum type.
    members: Vec<String>,
    /// Its top-level `type`, when it names one.
    kind: Option<JsonType>,
    validator: OnceLock<std::result::Result<Arc<Validator>, String>>,
}

/// One rule of a schema the instance breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the instance.
    pub pointer: String,
    /// The schema keyword (`type`, `format`, `required`, …).
    pub keyword: String,
    pub message: String,
}

/// The version folders of a schemas folder, in name order.
fn version_folders(dir: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_dir()
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(crate::graph::is_version)
        })
        .collect();
    folders.sort();
    folders
}

/// `target` (a sibling schema's name) as seen from schema `name`: in the same version folder.
fn sibling(name: &str, target: &str) -> String {
    match name.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{target}"),
        None => target.to_string(),
    }
}

/// Every `$ref` to another file must name a file of the set: caught here, the error can name
/// the file that holds the `$ref`.
fn check_refs(parsed: &[(PathBuf, String, Value)]) -> Result<()> {
    fn refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    match (key.as_str(), item) {
                        ("$ref", Value::String(target)) => out.push(target),
                        _ => refs(item, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }
    let files: std::collections::HashSet<String> = parsed
        .iter()
        .map(|(_, name, _)| format!("{name}.json"))
        .collect();
    for (path, name, value) in parsed {
        let mut found = Vec::new();
        refs(value, &mut found);
        for target in found {
            let file = target.split('#').next().unwrap_or("");
            let local = file.strip_prefix(BASE_URI).unwrap_or(file);
            if !local.is_empty() && !local.contains(':') && !files.contains(&sibling(name, local)) {
                let dir = path
                    .parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                return Err(Error::in_file(
                    format!("`$ref` to `{target}`, which is not a schema file in {dir}/"),
                    path,
                ));
            }
        }
    }
    Ok(())
}

/// A schema file's JSON, checked against the 2020-12 meta-schema, with its name (the stem).
fn parse_document(path: &Path, text: &str) -> Result<(PathBuf, String, Value)> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::at_line_column(
            format!("schema is not valid JSON: {e}"),
            path,
            text,
            e.line(),
            e.column(),
        )
    })?;
    if let Err(e) = jsonschema::draft202012::meta::validate(&value) {
        return Err(Error::in_file(
            format!(
                "not a valid JSON Schema (2020-12): {e} at `{}`",
                e.instance_path().as_str()
            ),
            path,
        ));
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Error::in_file("schema file names must be UTF-8", path))?
        .to_string();
    Ok((path.to_path_buf(), name, value))
}

impl Schemas {
    /// Loads every `*.json` file of `dir` and of its version folders (`dir/beta/`).
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let mut files = crate::fs::files_with_extension(dir, "json").map_err(|e| {
            Error::new(format!(
                "cannot read the schemas directory {}: {e}",
                dir.display()
            ))
            .with_help("pass --schemas DIR, or run conform from the project root")
        })?;
        for folder in version_folders(dir) {
            files.extend(crate::fs::files_with_extension(&folder, "json").unwrap_or_default());
        }
        // Parsing and checking against the meta-schema dominate for thousands of files.
        let parsed = crate::fs::in_parallel(&files, |path| {
            let text = fs::read_to_string(path)
                .map_err(|e| Error::in_file(format!("cannot read: {e}"), path))?;
            let (path, name, value) = parse_document(path, &text)?;
            // A version folder's schemas are named with it: `beta/user`.
            let folder = path
                .parent()
                .filter(|parent| *parent != dir)
                .and_then(|parent| parent.file_name())
                .map(|f| format!("{}/", f.to_string_lossy()))
                .unwrap_or_default();
            Ok((path, format!("{folder}{name}"), value))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        Self::from_parsed(parsed)
    }

    /// The schema that judges a case of API version `api` naming `name`: `beta/name` for a
    /// beta case when the beta folder has it, else `name`.
    pub fn resolve(&self, name: &str, api: Option<&str>) -> Option<Resolved<'_>> {
        let own = api
            .filter(|v| *v != DEFAULT_VERSION)
            .map(|v| format!("{v}/{name}"));
        if let Some(own) = &own
            && let Some((key, _)) = self.schemas.get_key_value(own)
        {
            return Some(Resolved::Own(key));
        }
        let (key, _) = self.schemas.get_key_value(name)?;
        let folder_exists = api.is_some_and(|v| {
            let prefix = format!("{v}/");
            // Keys are sorted: the first at or after the prefix is the one that could have it.
            let mut from_prefix = self
                .schemas
                .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded));
            from_prefix
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix))
        });
        Some(if own.is_some() && folder_exists {
            Resolved::FallBack(key)
        } else {
            Resolved::Own(key)
        })
    }

    /// The key `name` resolves to for `api`, or `name` itself when no schema has it (the
    /// checks then say it is missing).
    pub fn key<'n>(&'n self, name: &'n str, api: Option<&str>) -> &'n str {
        self.resolve(name, api).map_or(name, Resolved::key)
    }

    /// Compiles schema documents given as (path, text); the path's stem names the schema.
    pub fn compile(documents: &[(PathBuf, String)]) -> Result<Self> {
        let parsed = documents
            .iter()
            .map(|(path, text)| parse_document(path, text))
            .collect::<Result<Vec<_>>>()?;
        Self::from_parsed(parsed)
    }

    fn from_parsed(parsed: Vec<(PathBuf, String, Value)>) -> Result<Self> {
        check_refs(&parsed)?;
        let mut documents = Vec::with_capacity(parsed.len());
        let mut files = Vec::with_capacity(parsed.len());
        for (path, name, value) in parsed {
            let properties = value
                .get("properties")
                .and_then(Value::as_object)
                .map(|map| {
                    map.iter()
                        .map(|(key, schema)| (key.clone(), field_of(schema)))
                        .collect()
                })
                .unwrap_or_default();
            let kind = declared_type(&value);
            let members = enum_members(&value);
            documents.push((format!("{BASE_URI}{name}.json"), value));
            files.push((path, name, properties, kind, members));
        }
        let registry = Registry::new()
            .extend(documents)
            .and_then(|builder| builder.prepare())
            .map_err(|e| Error::new(format!("cannot load the schemas: {e}")))?;
        let schemas = files
            .into_iter()
            .map(|(path, name, properties, kind, members)| {
                let compiled = Compiled {
                    path: path.clone(),
                    properties,
                    members,
                    kind,
                    validator: OnceLock::new(),
                };
                (name, compiled)
            })
            .collect();
        Ok(Self { registry, schemas })
    }

    /// Compiles schema `name` now (if it exists), so that a schema that does not compile stops
    /// a run before it starts, naming the file.
    pub fn compile_now(&self, name: &str) -> Result<()> {
        match self.schemas.get(name) {
            Some(compiled) => match self.validator(name, compiled) {
                Ok(_) => Ok(()),
                Err(message) => Err(Error::in_file(
                    format!("cannot compile the schema: {message}"),
                    &compiled.path,
                )),
            },
            None => Ok(()),
        }
    }

    /// Compiles schema `name` and drops the result: checks a directory of thousands without
    /// keeping every validator in memory.
    pub fn check_compiles(&self, name: &str) -> Result<()> {
        let Some(compiled) = self.schemas.get(name) else {
            return Ok(());
        };
        self.build(name).map(drop).map_err(|message| {
            Error::in_file(
                format!("cannot compile the schema: {message}"),
                &compiled.path,
            )
        })
    }

    fn build(&self, name: &str) -> std::result::Result<Validator, String> {
        jsonschema::draft202012::options()
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&json!({ "$ref": format!("{BASE_URI}{name}.json") }))
            .map_err(|e| e.to_string())
    }

    fn validator<'s>(
        &self,
        name: &str,
        compiled: &'s Compiled,
    ) -> std::result::Result<&'s Arc<Validator>, &'s String> {
        compiled
            .validator
            .get_or_init(|| self.build(name).map(Arc::new))
            .as_ref()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.schemas.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }

    /// The names schema `name` lists under its top-level `properties`.
    pub fn properties(&self, name: &str) -> Option<&BTreeMap<String, Field>> {
        self.schemas.get(name).map(|c| &c.properties)
    }

    /// The string members of schema `name`'s top-level `enum` (empty when it is no enum).
    pub fn enum_members(&self, name: &str) -> &[String] {
        self.schemas.get(name).map_or(&[], |c| &c.members)
    }

    /// The top-level `type` of schema `name`, when it names one.
    pub fn kind(&self, name: &str) -> Option<JsonType> {
        self.schemas.get(name)?.kind
    }

    /// Schema `target` as named from schema `from`: in `from`'s version folder.
    pub fn sibling(&self, from: &str, target: &str) -> String {
        sibling(from, target)
    }

    /// The JSON type a property of schema `name` holds, following a `$ref` to its file.
    pub fn property_type(&self, name: &str, property: &str) -> Option<JsonType> {
        match &self.properties(name)?.get(property)?.shape {
            Shape::Typed(kind) => Some(*kind),
            Shape::ArrayOf(_) => Some(JsonType::Array),
            Shape::Named(target) => self.schemas.get(&sibling(name, target))?.kind,
            Shape::Unknown => None,
        }
    }

    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// Every rule of schema `name` that `instance` breaks; `None` when no such schema exists.
    /// A schema that does not compile breaks at the root, saying why.
    pub fn validate(&self, name: &str, instance: &Value) -> Option<Vec<Violation>> {
        let compiled = self.schemas.get(name)?;
        let validator = match self.validator(name, compiled) {
            Ok(validator) => validator,
            Err(message) => {
                return Some(vec![Violation {
                    pointer: String::new(),
                    keyword: "$schema".into(),
                    message: format!("the schema does not compile: {message}"),
                }]);
            }
        };
        // Most answers conform: the quick yes/no spares gathering errors there are none of.
        if validator.is_valid(instance) {
            return Some(Vec::new());
        }
        Some(
            validator
                .iter_errors(instance)
                .map(|error| Violation {
                    pointer: error.instance_path().as_str().to_string(),
                    keyword: error.kind().keyword().to_string(),
                    message: error.to_string(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(items: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
        items
            .iter()
            .map(|(name, text)| {
                (
                    PathBuf::from(format!("schemas/{name}.json")),
                    text.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn resolves_cross_file_refs_and_checks_date_times() {
        let schemas = Schemas::compile(&docs(&[
            (
                "thing",
                r#"{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"who":{"$ref":"who.json"}}}"#,
            ),
            ("who", r#"{"type":"object","properties":{"name":{"type":"string"}}}"#),
        ]))
        .unwrap();
        let ok = json!({"when": "2016-10-19T10:37:00Z", "who": {"name": "a"}});
        assert_eq!(schemas.validate("thing", &ok), Some(vec![]));
        let bad = json!({"when": "yesterday", "who": {"name": 3}});
        let mut violations = schemas.validate("thing", &bad).unwrap();
        violations.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        assert_eq!(violations[0].pointer, "/when");
        assert_eq!(violations[0].keyword, "format");
        assert_eq!(violations[1].pointer, "/who/name");
        assert_eq!(violations[1].keyword, "type");
        assert!(schemas.validate("missing", &ok).is_none());
    }

    #[test]
    fn reports_bad_json_with_its_position() {
        let err = Schemas::compile(&docs(&[("a", "{\n  \"type\": }")]))
            .err()
            .unwrap();
        let loc = err.location().unwrap();
        assert_eq!(loc.line, 2);
        assert!(err.message().contains("not valid JSON"));
    }

    #[test]
    fn rejects_a_schema_that_breaks_the_meta_schema() {
        let err = Schemas::compile(&docs(&[("a", r#"{"type": 12}"#)]))
            .err()
            .unwrap();
        assert!(err.message().contains("not a valid JSON Schema"), "{err}");
    }

    #[test]
    fn rejects_a_ref_to_a_missing_file() {
        let err = Schemas::compile(&docs(&[("a", r#"{"$ref": "nowhere.json"}"#)]))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "error: schemas/a.json: `$ref` to `nowhere.json`, which is not a schema file in schemas/"
        );
    }

    #[test]
    fn judges_a_case_by_its_versions_schema_and_says_when_it_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        let write = |relative: &str, text: &str| {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "user.json",
            r#"{"type":"object","properties":{"who":{"$ref":"who.json"}}}"#,
        );
        write("who.json", r#"{"type":"string"}"#);
        write("group.json", r#"{"type":"object"}"#);
        write(
            "beta/user.json",
            r#"{"type":"object","properties":{"who":{"$ref":"who.json"}}}"#,
        );
        write("beta/who.json", r#"{"type":"integer"}"#);
        write("notes/ignored.json", "not even JSON");
        let schemas = Schemas::load_dir(dir.path()).unwrap();
        assert_eq!(
            schemas.resolve("user", Some("beta")),
            Some(Resolved::Own("beta/user"))
        );
        assert_eq!(
            schemas.resolve("group", Some("beta")),
            Some(Resolved::FallBack("group"))
        );
        assert_eq!(
            schemas.resolve("user", Some("v1.0")),
            Some(Resolved::Own("user"))
        );
        assert_eq!(schemas.resolve("user", None), Some(Resolved::Own("user")));
        assert_eq!(
            schemas.resolve("user", Some("v2.0")),
            Some(Resolved::Own("user"))
        );
        assert_eq!(schemas.resolve("nothing", Some("beta")), None);
        let body = json!({"who": 3});
        assert_eq!(
            schemas.validate("beta/user", &body),
            Some(vec![]),
            "beta's `who` is a number"
        );
        assert_eq!(
            schemas.validate("user", &body).unwrap().len(),
            1,
            "v1.0's is a string"
        );
        assert_eq!(
            schemas.property_type("beta/user", "who"),
            Some(JsonType::Integer)
        );
    }
}
