//! Which pages a command reads: the files named, and every `*.md` below the directories named,
//! in a stable order, each with the name its case file takes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// A page to read and the stem of its case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    pub path: PathBuf,
    /// The page's path below the deepest folder all pages share, folders joined by `-`:
    /// `v1.0/a.md` and `beta/a.md` become `v1.0-a` and `beta-a`, a lone `a.md` is `a`.
    pub stem: String,
}

/// The pages of `paths`, sorted by path; an error when a path does not exist or names no page.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PageFile>> {
    let mut found: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for path in paths {
        let metadata = fs::metadata(path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        if metadata.is_dir() {
            let before = found.len();
            walk(path, &mut found)?;
            if found.len() == before {
                return Err(Error::new(format!("no pages (*.md) in {}", path.display())));
            }
        } else {
            found.insert(absolute(path), path.clone());
        }
    }
    let ancestor = common_folder(found.keys());
    Ok(found
        .into_iter()
        .map(|(absolute, path)| PageFile {
            stem: stem_below(&absolute, &ancestor),
            path,
        })
        .collect())
}

fn walk(dir: &Path, found: &mut BTreeMap<PathBuf, PathBuf>) -> Result<()> {
    let entries =
        fs::read_dir(dir).map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.insert(absolute(&path), path);
        }
    }
    Ok(())
}

/// The path made absolute and clean, for comparing pages named in different ways.
fn absolute(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn common_folder<'p>(paths: impl Iterator<Item = &'p PathBuf>) -> PathBuf {
    let mut common: Option<Vec<Component<'p>>> = None;
    for path in paths {
        let folder: Vec<Component<'p>> = path
            .parent()
            .map_or_else(Vec::new, |p| p.components().collect());
        common = Some(match common {
            None => folder,
            Some(so_far) => so_far
                .into_iter()
                .zip(folder)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.unwrap_or_default().into_iter().collect()
}

fn stem_below(path: &Path, ancestor: &Path) -> String {
    let relative = path
        .strip_prefix(ancestor)
        .unwrap_or(path)
        .with_extension("");
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The API version a page's folder names: `…/beta/…`, `…/v1.0/…`, `…/beta-api/…`.
pub fn page_version(page: &Path) -> Option<&'static str> {
    page.parent()?.components().rev().find_map(|c| {
        let name = c.as_os_str().to_str()?.to_ascii_lowercase();
        ["beta", "v1.0"].into_iter().find(|v| {
            name == *v || name.starts_with(&format!("{v}-")) || name.starts_with(&format!("{v}_"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_the_same_name_in_different_folders_get_different_stems() {
        let dir = tempfile::tempdir().unwrap();
        for page in [
            "v1.0/a.md",
            "beta/a.md",
            "beta/deeper/b.md",
            "beta/notes.txt",
        ] {
            let path = dir.path().join(page);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "# page").unwrap();
        }
        let pages = collect(&[dir.path().to_path_buf()]).unwrap();
        let stems: Vec<&str> = pages.iter().map(|p| p.stem.as_str()).collect();
        assert_eq!(stems, vec!["beta-a", "beta-deeper-b", "v1.0-a"]);
        let one = collect(&[dir.path().join("beta")]).unwrap();
        let stems: Vec<&str> = one.iter().map(|p| p.stem.as_str()).collect();
        assert_eq!(stems, vec!["a", "deeper-b"]);
        let single = collect(&[dir.path().join("v1.0/a.md")]).unwrap();
        assert_eq!(single[0].stem, "a");
        assert_eq!(single[0].path, dir.path().join("v1.0/a.md"));
    }

    #[test]
    fn a_missing_path_or_an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = collect(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(error.message().starts_with("no pages (*.md) in"), "{error}");
        let error = collect(&[dir.path().join("nope.md")]).unwrap_err();
        assert!(error.message().starts_with("cannot read"), "{error}");
    }
}
