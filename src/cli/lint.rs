//! `conform lint`: findings in documentation pages and case files.

use std::path::{Path, PathBuf};

use crate::api::file::Models;
use crate::cli::output::OutputFormat;
use crate::docs::files;
use crate::docs::finding::Severity;
use crate::docs::{lint, lint_cases};
use crate::error::Error;
use crate::exit;
use crate::schema::registry::Schemas;
use crate::suite::load::load_dir;

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Documentation pages to check, or folders of them (every `*.md` below).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    docs: Vec<PathBuf>,
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Also fail (exit 1) on warnings: `--deny warnings`.
    #[arg(long, value_name = "LEVEL", value_parser = ["warnings"])]
    deny: Option<String>,
}

pub fn execute(args: LintArgs) -> Result<u8, Error> {
    run_lint(
        &args.docs,
        &args.cases,
        &args.schemas,
        args.format,
        args.deny.is_some(),
    )
}

fn run_lint(
    docs: &[PathBuf],
    cases_dir: &Path,
    schemas: &Path,
    format: OutputFormat,
    deny_warnings: bool,
) -> Result<u8, Error> {
    let models = Models::load(schemas)?;
    let schemas = Schemas::load_dir(schemas)?;
    let pages: Vec<PathBuf> = if docs.is_empty() {
        Vec::new()
    } else {
        files::collect(docs)?.into_iter().map(|p| p.path).collect()
    };
    let mut findings = lint::lint_page_files(&pages, &schemas, &models)?;
    // Without pages, the cases are what there is to check; with pages, only when present.
    if docs.is_empty() || cases_dir.is_dir() {
        findings.extend(lint_cases::lint_cases(
            &load_dir(cases_dir)?,
            &schemas,
            &models,
        ));
    }
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        ),
        OutputFormat::Text => {
            for finding in &findings {
                println!("{}\n", finding.render());
            }
        }
    }
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    eprintln!("lint: {errors} error(s), {warnings} warning(s), {notes} note(s)");
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        exit::FAILURES
    } else {
        exit::PASS
    })
}
