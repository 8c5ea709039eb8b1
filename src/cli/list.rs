//! `conform list`: every case, as text or JSON.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::api::file::Models;
use crate::api::typing;
use crate::cli::output::OutputFormat;
use crate::error::Error;
use crate::exit;
use crate::suite::load::load_dir;
use crate::suite::model::Case;

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,
    /// The schemas folder whose API models type each case's path: its operation and the type
    /// of its resource.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub fn execute(args: ListArgs) -> Result<u8, Error> {
    let models = Models::load(&args.schemas)?;
    list(&args.cases, &models, args.format)
}

/// A case's operation and resource type, as its version's model types its path.
fn typed(case: &Case, models: &Models) -> (Option<&'static str>, Option<String>) {
    if models.is_empty() {
        return (None, None);
    }
    match typing::type_request(models, &case.request.path.raw, case.page.api.as_deref()) {
        Ok(typed) => (
            typed.operation(&case.request.method).map(|o| o.as_str()),
            typed.resource_type().map(str::to_string),
        ),
        Err(_) => (None, None),
    }
}

fn list(cases: &Path, models: &Models, format: OutputFormat) -> Result<u8, Error> {
    let cases = load_dir(cases)?;
    let typed: Vec<_> = cases.iter().map(|case| typed(case, models)).collect();
    let rows: Vec<serde_json::Value> = cases
        .iter()
        .zip(&typed)
        .map(|(case, (operation, resource_type))| {
            serde_json::json!({
                "operation": operation,
                "resource_type": resource_type,
                "name": case.name,
                "file": case.file().display().to_string(),
                "tags": case.tags,
                "method": case.request.method,
                "path": case.request.path.raw,
                "status": case.expect.status,
                "schema": case.expect.schema.as_ref().map(|s| s.name.as_str()),
            })
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    let written = match format {
        OutputFormat::Json => writeln!(stdout, "{}", serde_json::Value::Array(rows)),
        OutputFormat::Text => cases.iter().zip(&typed).try_for_each(|(case, typed)| {
            let typed = match (models.is_empty(), typed) {
                (true, _) => String::new(),
                (false, (operation, resource)) => format!(
                    "  {} {}",
                    operation.unwrap_or("?"),
                    resource.as_deref().unwrap_or("?")
                ),
            };
            writeln!(
                stdout,
                "{}  {} {}  -> {} {}{typed}  [{}]  ({})",
                case.name,
                case.request.method,
                case.request.path.raw,
                case.expect.status,
                case.expect.schema.as_ref().map_or("-", |s| s.name.as_str()),
                case.tags.join(", "),
                case.file().display()
            )
        }),
    };
    let _ = written;
    Ok(exit::PASS)
}
