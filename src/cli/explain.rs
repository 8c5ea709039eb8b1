//! `conform explain`: a path typed segment by segment, as the API model sees it.

use std::path::PathBuf;

use crate::api::file::Models;
use crate::api::typing::{self, TypedPath};
use crate::error::Error;
use crate::exit;
use crate::graph::Method;
use crate::mock::generic::served::Served;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A path or URL: `/v1.0/groups/{group-id}/threads`, `https://graph.microsoft.com/beta/me`.
    #[arg(value_name = "PATH")]
    path: String,
    /// The method the operation is named for.
    #[arg(long, short = 'X', default_value = "GET")]
    method: Method,
    /// The schemas folder whose API models type the path (`conform schemas import`).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    /// Without an API model, the suite whose paths give the URL space (as the reference server
    /// serves it then).
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,
}

pub fn execute(args: ExplainArgs) -> Result<u8, Error> {
    let mut models = std::sync::Arc::new(Models::load(&args.schemas)?);
    if models.is_empty() {
        let from_suite = Served::from_dirs(&args.schemas, &args.cases)
            .ok()
            .filter(|served| served.models.all().any(|m| !m.roots.is_empty()));
        let Some(served) = from_suite else {
            return Err(
                Error::new(format!("{} holds no API model", args.schemas.display())).with_help(
                    "import the metadata first: conform schemas import --csdl v1.0.csdl",
                ),
            );
        };
        println!(
            "({} holds no API model: typed by the URL space the paths of {} show)",
            args.schemas.display(),
            args.cases.display()
        );
        models = served.models;
    }
    let typed = typing::type_request(&models, &args.path, None)
        .map_err(|e| Error::new(format!("`{}`: {} (at byte {})", args.path, e.message, e.at)))?;
    print!("{}", render(args.method, &args.path, &typed));
    Ok(if typed.untyped.is_some() {
        exit::FAILURES
    } else {
        exit::PASS
    })
}

/// The typed path as a table: each segment, what it is, the type reached.
fn render(method: Method, path: &str, typed: &TypedPath) -> String {
    let mut out = format!("{method} {path}\n");
    let width = typed
        .segments
        .iter()
        .map(|s| s.text.chars().count())
        .max()
        .unwrap_or(0);
    for segment in &typed.segments {
        out.push_str(&format!(
            "  {:width$}  {} -> {}\n",
            segment.text,
            segment.describe(),
            segment.reached()
        ));
    }
    match &typed.untyped {
        Some(untyped) => {
            out.push_str(&format!(
                "  {:width$}  not placed: {}\n",
                untyped.segment, untyped.reason
            ));
            if !untyped.nearest.is_empty() {
                out.push_str(&format!("  did you mean: {}\n", untyped.nearest.join(", ")));
            }
        }
        None => {
            let operation = typed
                .operation(method)
                .map_or("none (the method does nothing here)", |o| o.as_str());
            out.push_str(&format!(
                "operation: {operation}; typed by the {} model\n",
                typed.model
            ));
        }
    }
    out
}
