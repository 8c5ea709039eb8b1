//! The model file: `api.model` in the schemas folder of its API version (the folder itself for
//! v1.0, `beta/` below it for beta), JSON written by `conform schemas import`. This module alone
//! reads and writes it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::model::ApiModel;
use crate::error::{Error, Result};

pub const MODEL_FILE: &str = "api.model";
/// The version whose schemas and model sit in the schemas folder itself; other versions'
/// sit in a folder of their name below it.
pub const DEFAULT_VERSION: &str = "v1.0";
const FORMAT: &str = "conform-api-model/1";

#[derive(Serialize, Deserialize)]
struct Document<M> {
    format: String,
    model: M,
}

/// The folder that holds `version`'s schemas and model.
pub fn version_dir(schemas: &Path, version: &str) -> PathBuf {
    if version == DEFAULT_VERSION {
        schemas.to_path_buf()
    } else {
        schemas.join(version)
    }
}

pub fn write(dir: &Path, model: &ApiModel) -> Result<PathBuf> {
    let path = dir.join(MODEL_FILE);
    let text = serde_json::to_string(&Document {
        format: FORMAT.to_string(),
        model,
    })
    .map_err(|e| Error::new(format!("cannot encode the API model: {e}")))?;
    crate::fs::write_atomically(&path, text.as_bytes()).map_err(Error::new)?;
    Ok(path)
}

pub fn read(path: &Path) -> Result<ApiModel> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::in_file(format!("cannot read the API model: {e}"), path))?;
    let again = "run `conform schemas import --csdl …` again to write it anew";
    let not_a_model = |e: serde_json::Error| {
        Error::at_line_column(
            format!("not an API model: {e}"),
            path,
            &text,
            e.line(),
            e.column(),
        )
        .with_help(again)
    };
    // The format first (the model is skipped, not built), so that another format is named as
    // such rather than as a missing field.
    let document: Document<serde::de::IgnoredAny> =
        serde_json::from_str(&text).map_err(not_a_model)?;
    if document.format != FORMAT {
        return Err(Error::in_file(
            format!(
                "an API model of format `{}`; this conform reads `{FORMAT}`",
                document.format
            ),
            path,
        )
        .with_help(again));
    }
    let document: Document<ApiModel> = serde_json::from_str(&text).map_err(not_a_model)?;
    Ok(document.model.indexed())
}

/// Every API model of a schemas folder, by version.
#[derive(Debug, Default)]
pub struct Models {
    models: Vec<ApiModel>,
}

impl Models {
    /// The models of `schemas` and of its version folders; none when nothing was imported.
    pub fn load(schemas: &Path) -> Result<Self> {
        let mut models = Vec::new();
        let mut dirs = vec![schemas.to_path_buf()];
        if let Ok(entries) = std::fs::read_dir(schemas) {
            let mut below: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            below.sort();
            dirs.extend(below);
        }
        for dir in dirs {
            let path = dir.join(MODEL_FILE);
            if path.is_file() {
                models.push(read(&path)?);
            }
        }
        Ok(Self { models })
    }

    pub fn from_models(models: Vec<ApiModel>) -> Self {
        Self { models }
    }

    pub fn all(&self) -> impl Iterator<Item = &ApiModel> {
        self.models.iter()
    }

    /// The model of API version `version` (the one a typed path names as its `model`).
    pub fn get(&self, version: &str) -> Option<&ApiModel> {
        self.models.iter().find(|m| m.version == version)
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.models.iter().map(|m| m.version.as_str())
    }

    /// The models a path of `version` is typed by, in order: its own version's, then the
    /// default version's (a beta path falls back to v1.0 where beta lacks it).
    pub fn for_version(&self, version: Option<&str>) -> Vec<&ApiModel> {
        let own = version.unwrap_or(DEFAULT_VERSION);
        let mut chosen: Vec<&ApiModel> = self.models.iter().filter(|m| m.version == own).collect();
        chosen.extend(
            self.models
                .iter()
                .filter(|m| m.version == DEFAULT_VERSION && m.version != own),
        );
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_reads_back_as_written_and_a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let model = crate::api::fixtures::office_model();
        let path = write(dir.path(), &model).unwrap();
        let read = read(&path).unwrap();
        assert_eq!(read.roots, model.roots);
        assert_eq!(read.types, model.types);
        assert!(
            read.root("GROUPS").is_some(),
            "lookups are built on reading"
        );
        std::fs::write(
            &path,
            "{\"format\": \"conform-api-model/0\", \"model\": {}}",
        )
        .unwrap();
        let error = super::read(&path).unwrap_err().to_string();
        assert!(error.contains("format `conform-api-model/0`"), "{error}");
        std::fs::write(&path, "{\n  \"format\": [").unwrap();
        let error = super::read(&path).unwrap_err().to_string();
        assert!(error.contains("api.model:2:"), "{error}");
        let beta = dir.path().join("beta");
        let mut beta_model = crate::api::fixtures::office_model();
        beta_model.version = "beta".into();
        std::fs::create_dir_all(&beta).unwrap();
        write(&beta, &beta_model).unwrap();
        std::fs::remove_file(&path).unwrap();
        let models = Models::load(dir.path()).unwrap();
        assert_eq!(models.versions().collect::<Vec<_>>(), vec!["beta"]);
        assert_eq!(models.for_version(Some("beta")).len(), 1);
        assert!(models.for_version(Some("v1.0")).is_empty());
    }
}
