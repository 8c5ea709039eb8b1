//! `conform import`: documentation pages to case files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::docs::files::{self, PageFile};
use crate::docs::import::{self, Imported};
use crate::docs::page;
use crate::error::Error;
use crate::exit;
use crate::fs::write_atomically;
use crate::schema::registry::Schemas;
use crate::suite::load;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Pages (Markdown with annotated code blocks), or folders of them (every `*.md` below).
    #[arg(required = true, value_name = "PATH")]
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
    let pages = files::collect(&args.pages)?;
    let names: Vec<String> = Schemas::load_dir(&args.schemas)?
        .names()
        .map(str::to_string)
        .collect();
    let mut taken = names_kept(&args.out, &pages, args.force);
    let mut written = Vec::new();
    let mut skipped_pages = 0;
    for page_file in &pages {
        let text = std::fs::read_to_string(&page_file.path)
            .map_err(|e| Error::in_file(format!("cannot read the page: {e}"), &page_file.path))?;
        let page = page::parse(&page_file.path, text);
        match import::import(&page, &page_file.stem, &names, &mut taken) {
            Imported::File {
                file_name,
                toml,
                cases,
                skipped,
            } => {
                let target = args.out.join(&file_name);
                if target.exists() && !args.force {
                    return Err(Error::new(format!(
                        "{} exists; pass --force to overwrite it",
                        target.display()
                    )));
                }
                written.push((&page_file.path, target, toml, cases, skipped));
            }
            Imported::Nothing { why } => {
                skipped_pages += 1;
                eprintln!("{}: no case file: {why}", page_file.path.display());
            }
        }
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", args.out.display())))?;
    let mut total = 0;
    for (page, target, toml, cases, skipped) in &written {
        write_atomically(target, toml.as_bytes()).map_err(Error::new)?;
        total += cases;
        println!(
            "{} -> {} ({cases} case(s))",
            page.display(),
            target.display()
        );
        for reason in skipped {
            eprintln!("  skipped: {reason}");
        }
    }
    eprintln!(
        "import: {} page(s), {} case file(s) with {total} case(s) written to {}, {skipped_pages} page(s) without a case",
        pages.len(),
        written.len(),
        args.out.display()
    );
    Ok(exit::PASS)
}

/// The case names of files in `out` that this import leaves in place: imported cases are named
/// apart from them, so that the directory still loads.
fn names_kept(out: &Path, pages: &[PageFile], force: bool) -> HashSet<String> {
    let replaced: HashSet<PathBuf> = pages
        .iter()
        .map(|p| out.join(format!("{}.toml", p.stem)))
        .filter(|_| force)
        .collect();
    let Ok(existing) = load::case_files(out) else {
        return HashSet::new();
    };
    existing
        .iter()
        .filter(|path| !replaced.contains(*path))
        .filter_map(|path| load::load_file(path).ok())
        .flat_map(|file| file.cases.into_iter().map(|case| case.name))
        .collect()
}
