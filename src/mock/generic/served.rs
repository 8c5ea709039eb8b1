//! What the reference server serves: the API models of the schemas folder — or, when it holds
//! no metadata, the URL space the suite's own paths show (`api::derived`) — and the suite's
//! documented answers, from one read of the case files.

use std::path::Path;
use std::sync::Arc;

use crate::api::derived::{self, DocumentedRequest};
use crate::api::file::Models;
use crate::error::Result;
use crate::mock::generic::examples::Examples;
use crate::schema::registry::Schemas;
use crate::suite::model::Case;

/// The models and examples the server answers by.
#[derive(Debug, Clone, Default)]
pub struct Served {
    pub models: Arc<Models>,
    pub examples: Arc<Examples>,
    /// The models were read from the suite's paths, not from metadata.
    pub from_suite: bool,
}

impl Served {
    /// From `models` (those of the schemas folder) and the cases already read; without models,
    /// from the suite's paths typed by the JSON Schemas `schemas` gives.
    pub fn from_loaded(models: Models, schemas: Option<&Schemas>, cases: &[Case]) -> Self {
        let from_suite = models.is_empty();
        let models = match (from_suite, schemas) {
            (true, Some(schemas)) => Models::from_models(derived::from_suite(
                &documented(cases),
                schemas,
                // A model read from a suite's paths serves them under each of Graph's versions.
                &crate::graph::VERSIONS,
            )),
            _ => models,
        };
        let examples = Examples::from_loaded(cases, &models);
        Self {
            models: Arc::new(models),
            examples: Arc::new(examples),
            from_suite,
        }
    }

    /// From a schemas folder and a cases folder (`conform mock`). Case files that do not load
    /// are passed over: they are a run's to report.
    pub fn from_dirs(schemas_dir: &Path, cases_dir: &Path) -> Result<Self> {
        let models = Models::load(schemas_dir)?;
        let files = crate::suite::load::case_files(cases_dir).unwrap_or_default();
        let (cases, _) = crate::suite::load::distinct_cases(&files);
        // The JSON Schemas type a URL space read from the suite; metadata has its own types.
        let schemas = if models.is_empty() {
            Some(Schemas::load_dir(schemas_dir)?)
        } else {
            None
        };
        Ok(Self::from_loaded(models, schemas.as_ref(), &cases))
    }
}

/// Every request the cases send — their own, their setups' and their teardowns' — as the
/// derivation of a URL space reads them.
fn documented(cases: &[Case]) -> Vec<DocumentedRequest<'_>> {
    let mut out = Vec::new();
    for case in cases {
        let lists = case.expect.collection
            || case
                .expect
                .body
                .as_ref()
                .is_some_and(|b| b.get("value").is_some_and(serde_json::Value::is_array));
        out.push(DocumentedRequest {
            method: case.request.method,
            path: &case.request.path.raw,
            status: case.expect.status,
            schema: case.expect.schema.as_ref().map(|s| s.name.as_str()),
            lists,
        });
        for step in case.setup.iter().chain(&case.teardown) {
            out.push(DocumentedRequest {
                method: step.request.method,
                path: &step.request.path.raw,
                status: step.status.unwrap_or(0),
                schema: None,
                lists: false,
            });
        }
    }
    out
}
