//! The JSON Schemas in `schemas/`: every file loaded into one registry so cross-file `$ref`s
//! resolve offline, each compiled once when first used (a directory generated from Graph's
//! metadata holds thousands; a run uses a few), `format` checked.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::schema::shape::{JsonType, Shape, declared_type, shape_of};

/// Base under which schema files are registered; `$ref: "recipient.json"` resolves beside it.
const BASE_URI: &str = "https://conform.invalid/schemas/";

/// Every schema of a directory, by name (the file stem: `conversationThread`).
pub struct Schemas {
    registry: Registry<'static>,
    schemas: BTreeMap<String, Compiled>,
}

/// A schema file and, once asked for, its validator (or why it does not compile).
struct Compiled {
    path: PathBuf,
    /// What each of its top-level `properties` holds.
    properties: BTreeMap<String, Shape>,
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
    for (path, _, value) in parsed {
        let mut found = Vec::new();
        refs(value, &mut found);
        for target in found {
            let file = target.split('#').next().unwrap_or("");
            let local = file.strip_prefix(BASE_URI).unwrap_or(file);
            if !local.is_empty() && !local.contains(':') && !files.contains(local) {
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
    /// Loads and compiles every `*.json` file of `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let files = crate::fs::files_with_extension(dir, "json").map_err(|e| {
            Error::new(format!(
                "cannot read the schemas directory {}: {e}",
                dir.display()
            ))
            .with_help("pass --schemas DIR, or run conform from the project root")
        })?;
        // Parsing and checking against the meta-schema dominate for thousands of files.
        let parsed = crate::suite::load::in_parallel(&files, |path| {
            let text = fs::read_to_string(path)
                .map_err(|e| Error::in_file(format!("cannot read: {e}"), path))?;
            parse_document(path, &text)
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        Self::from_parsed(parsed)
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
                        .map(|(key, schema)| (key.clone(), shape_of(schema)))
                        .collect()
                })
                .unwrap_or_default();
            let kind = declared_type(&value);
            documents.push((format!("{BASE_URI}{name}.json"), value));
            files.push((path, name, properties, kind));
        }
        let registry = Registry::new()
            .extend(documents)
            .and_then(|builder| builder.prepare())
            .map_err(|e| Error::new(format!("cannot load the schemas: {e}")))?;
        let schemas = files
            .into_iter()
            .map(|(path, name, properties, kind)| {
                let compiled = Compiled {
                    path: path.clone(),
                    properties,
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
    pub fn properties(&self, name: &str) -> Option<&BTreeMap<String, Shape>> {
        self.schemas.get(name).map(|c| &c.properties)
    }

    /// The JSON type a property of schema `name` holds, following a `$ref` to its file.
    pub fn property_type(&self, name: &str, property: &str) -> Option<JsonType> {
        match self.properties(name)?.get(property)? {
            Shape::Typed(kind) => Some(*kind),
            Shape::ArrayOf(_) => Some(JsonType::Array),
            Shape::Named(target) => self.schemas.get(target)?.kind,
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
}
