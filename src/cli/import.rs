//! `conform import`: documentation pages to case files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::api::{self, file::Models};
use crate::docs::files::{self, PageFile};
use crate::docs::import::{self, Imported};
use crate::docs::page;
use crate::error::Error;
use crate::exit;
use crate::fs::write_atomically;
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
    /// The API version of a path that has none, on a page whose folder does not name one
    /// (`v1.0/`, `beta/`, `beta-api/`).
    #[arg(long, value_name = "VERSION", default_value = api::file::DEFAULT_VERSION)]
    api: String,
    /// Also pair blocks without annotations, as a reader would: an http block that starts with
    /// a method line is a request, the next http block with a status line (or json block
    /// under a "Response" heading) its response.
    #[arg(long)]
    unannotated: bool,
}

pub fn execute(args: ImportArgs) -> Result<u8, Error> {
    if !crate::graph::is_version(&args.api) {
        return Err(
            Error::new(format!("`--api {}` is not an API version", args.api))
                .with_help("name it as paths do: `v1.0`, `beta`"),
        );
    }
    let pages = files::collect(&args.pages)?;
    let models = Models::load(&args.schemas)?;
    let names = schema_names(&args.schemas, &models)?;
    if models.is_empty() {
        eprintln!(
            "import: {} holds no API model: placeholders are named after the segment before them; `conform schemas import --csdl` lets import name them after their types",
            args.schemas.display()
        );
    }
    let mut taken = names_kept(&args.out, &pages, args.force);
    let mut written = Vec::new();
    let mut skipped_pages = 0;
    let mut paired_unannotated = 0;
    for page_file in &pages {
        let text = std::fs::read_to_string(&page_file.path)
            .map_err(|e| Error::in_file(format!("cannot read the page: {e}"), &page_file.path))?;
        let mut page = page::parse(&page_file.path, text);
        if args.unannotated && page::pair_unannotated(&mut page) {
            paired_unannotated += 1;
        }
        let context = import::Context {
            schemas: &names,
            models: &models,
            version: files::page_version(&page_file.path)
                .unwrap_or(&args.api)
                .to_string(),
        };
        match import::import(&page, &page_file.stem, &context, &mut taken) {
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
    let total = write_files(&args.out, &written)?;
    eprintln!(
        "import: {} page(s), {} case file(s) with {total} case(s) written to {}, {skipped_pages} page(s) without a case",
        pages.len(),
        written.len(),
        args.out.display()
    );
    if args.unannotated {
        eprintln!("import: {paired_unannotated} page(s) had blocks paired without annotations");
    }
    Ok(exit::PASS)
}

/// Writes the case files, saying what each holds; the number of cases written.
fn write_files(out: &Path, written: &[Written<'_>]) -> Result<usize, Error> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    let mut total = 0;
    for (page, target, toml, cases, skipped) in written {
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
    Ok(total)
}

/// A case file to write: its page, where, its text, how many cases, what was left out.
type Written<'p> = (&'p PathBuf, PathBuf, String, usize, Vec<String>);

/// The schemas a case may name: the stems of the schema files of the folder and of its
/// version folders (a case file names `user` for `beta/user.json` too). Their contents are the
/// business of `run` and `lint`, which load them.
fn schema_names(schemas: &Path, models: &Models) -> Result<Vec<String>, Error> {
    let mut files = crate::fs::files_with_extension(schemas, "json").map_err(|e| {
        Error::new(format!(
            "cannot read the schemas directory {}: {e}",
            schemas.display()
        ))
        .with_help("pass --schemas DIR, or import the metadata first: conform schemas import")
    })?;
    for dir in models
        .versions()
        .map(|v| api::file::version_dir(schemas, v))
    {
        if dir != schemas {
            files.extend(crate::fs::files_with_extension(&dir, "json").unwrap_or_default());
        }
    }
    let mut names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
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
