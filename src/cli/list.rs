//! `conform list`: every case, as text or JSON.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::api::file::Models;
use crate::api::typing;
use crate::cli::output::OutputFormat;
use crate::cli::target::TargetArgs;
use crate::config::settings::Flags;
use crate::error::Error;
use crate::exit;
use crate::suite::bind::{self, BindingPlan};
use crate::suite::load::load_dir;
use crate::suite::model::Case;
use crate::suite::shape::{CaseShape, Given};

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
    /// The target the plan is for, its values and what the run may change there (the
    /// embedded server by default), as `conform run` takes them.
    #[command(flatten)]
    target: TargetArgs,
}

pub fn execute(args: ListArgs) -> Result<u8, Error> {
    let models = Models::load(&args.schemas)?;
    // The values and the rule of what may change, resolved as `conform run` resolves them.
    let settings = args.target.resolve(Flags::default())?;
    let given = Given {
        names: settings.vars.keys().cloned().collect(),
        writable: settings.writable(),
    };
    list(&args.cases, &models, &given, args.format)
}

/// Each case's binding plan (none without a model).
fn binding_plans(cases: &[Case], models: &Models, given: &Given) -> Vec<Option<BindingPlan>> {
    if models.is_empty() {
        return vec![None; cases.len()];
    }
    let shapes: Vec<CaseShape> = cases.iter().map(CaseShape::of).collect();
    bind::plan_all(&shapes, models, given)
        .into_iter()
        .map(Some)
        .collect()
}

/// A plan as JSON: each placeholder's binding, the reason to skip, actions on what exists.
fn plan_json(plan: &BindingPlan) -> serde_json::Value {
    let bindings: serde_json::Map<String, serde_json::Value> = plan
        .placeholders
        .iter()
        .map(|(name, binding)| (name.clone(), serde_json::Value::String(binding.describe())))
        .collect();
    serde_json::json!({
        "placeholders": bindings,
        "skip": plan.skip,
        "acts_on_existing": plan.acts_on_existing,
    })
}

/// A case's operation and resource type, as its version's model types its path.
fn typed(case: &Case, models: &Models) -> (Option<&'static str>, Option<String>) {
    if models.is_empty() {
        return (None, None);
    }
    match typing::type_request(models, &case.request.path.raw, case.page.api.as_deref()) {
        Ok(typed) => (
            typed.operation(case.request.method).map(|o| o.as_str()),
            typed.resource_type().map(str::to_string),
        ),
        Err(_) => (None, None),
    }
}

fn list(cases: &Path, models: &Models, given: &Given, format: OutputFormat) -> Result<u8, Error> {
    let cases = load_dir(cases)?;
    let typed: Vec<_> = cases.iter().map(|case| typed(case, models)).collect();
    let plans = binding_plans(&cases, models, given);
    let rows: Vec<serde_json::Value> = cases
        .iter()
        .zip(&typed)
        .zip(&plans)
        .map(|((case, (operation, resource_type)), plan)| {
            serde_json::json!({
                "binding": plan.as_ref().map(plan_json),
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
    let plans: Vec<BindingPlan> = plans.iter().flatten().cloned().collect();
    crate::run::terminal::print_binding(&plans, &[]);
    Ok(exit::PASS)
}
