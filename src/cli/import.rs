//! `conform import`: documentation pages to case files.

use std::path::{Path, PathBuf};

use crate::docs::{import, page};
use crate::error::Error;
use crate::exit;
use crate::fs::write_atomically;
use crate::schema::registry::Schemas;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Pages (Markdown with annotated code blocks).
    #[arg(required = true, value_name = "PAGE")]
    pages: Vec<PathBuf>,
    /// Where to write the case files.
    #[arg(long, value_name = "DIR", default_value = "cases")]
    out: PathBuf,
    /// Schemas that `@odata.type` annotations are matched against.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    schemas: PathBuf,
    /// Overwrite existing case files.
    #[arg(long)]
    force: bool,
}

pub fn execute(args: ImportArgs) -> Result<u8, Error> {
    import_pages(&args.pages, &args.out, &args.schemas, args.force)
}

fn import_pages(pages: &[PathBuf], out: &Path, schemas: &Path, force: bool) -> Result<u8, Error> {
    let names: Vec<String> = Schemas::load_dir(schemas)?
        .names()
        .map(str::to_string)
        .collect();
    let mut imported = Vec::new();
    for path in pages {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::in_file(format!("cannot read the page: {e}"), path))?;
        let page = page::parse(path, text);
        let result = import::import(&page, &names);
        let target = out.join(&result.file_name);
        if target.exists() && !force {
            return Err(Error::new(format!(
                "{} exists; pass --force to overwrite it",
                target.display()
            )));
        }
        imported.push((path, target, result));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    for (page, target, result) in imported {
        write_atomically(&target, result.toml.as_bytes()).map_err(Error::new)?;
        let cases = result.toml.matches("\n[[case]]\n").count();
        println!(
            "{} -> {} ({cases} case(s))",
            page.display(),
            target.display()
        );
        for reason in result.skipped {
            eprintln!("  skipped: {reason}");
        }
    }
    Ok(exit::PASS)
}
