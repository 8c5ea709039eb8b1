//! Writing files so that a reader never sees half of one: through a temporary file in the same
//! directory, renamed into place.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `path` through a temporary file in the same directory, so readers never see half a file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<PathBuf, String> {
    write_atomically_with(path, |out| out.write_all(contents))
}

/// As `write_atomically`, with the contents streamed by `write` through a buffer.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<PathBuf, String> {
    write_through_temporary(path, write, true)
}

/// As `write_atomically`, without waiting for the disk: for files written by the thousand that
/// a command can write again (a directory of generated schemas), where one `fsync` each costs
/// seconds.
pub fn write_regenerable(path: &Path, contents: &[u8]) -> Result<PathBuf, String> {
    write_through_temporary(path, |out| out.write_all(contents), false)
}

fn write_through_temporary(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> std::io::Result<()>,
    durable: bool,
) -> Result<PathBuf, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = fs::File::create(&temp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            let file = out.into_inner().map_err(|e| e.into_error())?;
            if durable { file.sync_all() } else { Ok(()) }
        })
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(path.to_path_buf())
}

/// The files of `dir` (not below it) whose extension is `extension`, sorted by name.
pub fn files_with_extension(dir: &Path, extension: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == extension) && path.is_file())
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("out.txt");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
