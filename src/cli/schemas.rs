//! `conform schemas import`: JSON Schemas generated from OData CSDL (`$metadata`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::api::{self, model::ApiModel};
use crate::error::Error;
use crate::exit;
use crate::fs::write_regenerable;
use crate::schema::csdl::{self, TypeKind};
use crate::schema::generate::{self, ERROR_ENVELOPE, ERROR_SCHEMA, GENERATED_BY, Generated};
use crate::schema::registry::Schemas;

#[derive(clap::Subcommand, Debug)]
pub enum SchemasCommand {
    /// Generate JSON Schemas (2020-12) from an OData CSDL file: one file per entity, complex
    /// and enum type, linked by `$ref`.
    ///
    /// Example: conform schemas import --csdl v1.0.csdl --out schemas --type conversationThread
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The CSDL file (what `https://graph.microsoft.com/v1.0/$metadata` serves).
    #[arg(long, value_name = "FILE")]
    csdl: PathBuf,
    /// The schemas folder: v1.0's schemas and API model go in it, another version's in a
    /// folder of its name below it (`schemas/beta/`).
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    out: PathBuf,
    /// The API version the file describes (`v1.0`, `beta`); by default `beta` when the file's
    /// name says beta, else `v1.0`.
    #[arg(long, value_name = "VERSION")]
    api: Option<String>,
    /// Write only this type and every type its schema refers to (repeatable): `post`,
    /// `microsoft.graph.post`, `callRecords.session`.
    #[arg(long = "type", value_name = "NAME")]
    types: Vec<String>,
    /// Also replace files that `schemas import` did not write.
    #[arg(long)]
    force: bool,
    /// Then compile every schema written, as a run would (the whole of Graph: ≈ 20 s).
    #[arg(long)]
    check: bool,
}

pub fn execute(command: SchemasCommand) -> Result<u8, Error> {
    match command {
        SchemasCommand::Import(args) => import(&args),
    }
}

fn import(args: &ImportArgs) -> Result<u8, Error> {
    let started = Instant::now();
    let version = api_version(args)?;
    let out = api::file::version_dir(&args.out, &version);
    let text = std::fs::read_to_string(&args.csdl)
        .map_err(|e| Error::in_file(format!("cannot read the CSDL file: {e}"), &args.csdl))?;
    let model = csdl::parse(&args.csdl, &text)?;
    let selected = if args.types.is_empty() {
        None
    } else {
        let mut roots = Vec::new();
        for name in &args.types {
            let def = generate::find(&model, name).ok_or_else(|| {
                Error::in_file(format!("no type `{name}` in the file"), &args.csdl)
                    .with_help("name a type by its file stem (`post`) or qualified name (`microsoft.graph.post`)")
            })?;
            roots.push(def);
        }
        Some(generate::closure(&model, &roots))
    };
    let source = args.csdl.file_name().map_or_else(
        || args.csdl.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let documents = generate::generate(&model, &source, selected.as_ref());
    refuse_hand_written(&documents, &out, args.force)?;
    for document in &documents {
        write_regenerable(&out.join(&document.file_name), document.text.as_bytes())
            .map_err(Error::new)?;
    }
    let url_space = ApiModel::from_csdl(&model, &version, &source);
    if let Some(url_space) = &url_space {
        api::file::write(&out, url_space)?;
    }
    let envelope = out.join(format!("{ERROR_SCHEMA}.json"));
    let with_envelope = selected.is_none() && !envelope.exists();
    if with_envelope {
        write_regenerable(&envelope, ERROR_ENVELOPE.as_bytes()).map_err(Error::new)?;
    }
    if args.check {
        let schemas = Schemas::load_dir(&out)?;
        for document in &documents {
            schemas.check_compiles(document.file_name.trim_end_matches(".json"))?;
        }
    }
    let count = |wanted: fn(&TypeKind) -> bool| {
        model
            .types
            .values()
            .filter(|def| selected.as_ref().is_none_or(|s| s.contains(&def.qualified)))
            .filter(|def| wanted(&def.kind))
            .count()
    };
    print_model(url_space.as_ref(), &out, &version);
    println!(
        "{} schema(s) written to {}{} from {} in {:.1} s: {} entity, {} complex, {} enum type(s)",
        documents.len(),
        out.display(),
        if args.check { " and compiled" } else { "" },
        args.csdl.display(),
        started.elapsed().as_secs_f64(),
        count(|k| *k == TypeKind::Entity),
        count(|k| *k == TypeKind::Complex),
        count(|k| matches!(k, TypeKind::Enum { .. })),
    );
    if with_envelope {
        println!(
            "{} written: Graph's error envelope, which the metadata does not describe",
            envelope.display()
        );
    }
    Ok(exit::PASS)
}

/// The version `--api` names, else the one the file's name suggests.
fn api_version(args: &ImportArgs) -> Result<String, Error> {
    let version = match &args.api {
        Some(version) => version.clone(),
        None => {
            let name = args
                .csdl
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase());
            if name.is_some_and(|n| n.contains("beta")) {
                "beta".to_string()
            } else {
                api::file::DEFAULT_VERSION.to_string()
            }
        }
    };
    if !crate::graph::is_version(&version) {
        return Err(
            Error::new(format!("`--api {version}` is not an API version"))
                .with_help("name it as paths do: `v1.0`, `beta`"),
        );
    }
    Ok(version)
}

/// What the model of the URL space holds, or why there is none.
fn print_model(url_space: Option<&ApiModel>, out: &Path, version: &str) {
    match url_space {
        Some(model) => println!(
            "API model of {version} written to {}: {} entity set(s) and singleton(s), {} bound operation(s)",
            out.join(api::file::MODEL_FILE).display(),
            model.roots.len(),
            model.operations.len()
        ),
        None => println!(
            "the file has no entity container: its types are imported, but paths cannot be typed (no API model)"
        ),
    }
}

/// A file this command did not write is someone's work: replaced only with `--force`.
fn refuse_hand_written(documents: &[Generated], out: &Path, force: bool) -> Result<(), Error> {
    if force {
        return Ok(());
    }
    for document in documents {
        let path = out.join(&document.file_name);
        if let Ok(existing) = std::fs::read_to_string(&path)
            && !existing.contains(GENERATED_BY)
        {
            return Err(Error::new(format!(
                "{} exists and was not generated by `conform schemas import`",
                path.display()
            ))
            .with_help("pass --force to replace it, or --out another directory"));
        }
    }
    Ok(())
}
