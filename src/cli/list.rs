//! `conform list`: every case, as text or JSON.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::output::OutputFormat;
use crate::error::Error;
use crate::exit;
use crate::suite::load::load_dir;

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[arg(long, value_name = "DIR", default_value = "cases")]
    cases: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub fn execute(args: ListArgs) -> Result<u8, Error> {
    list(&args.cases, args.format)
}

fn list(cases: &Path, format: OutputFormat) -> Result<u8, Error> {
    let cases = load_dir(cases)?;
    let rows: Vec<serde_json::Value> = cases
        .iter()
        .map(|case| {
            serde_json::json!({
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
        OutputFormat::Text => cases.iter().try_for_each(|case| {
            writeln!(
                stdout,
                "{}  {} {}  -> {} {}  [{}]  ({})",
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
