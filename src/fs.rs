//! Files: written so that a reader never sees half of one (through a temporary file in the same
//! directory, renamed into place), listed by extension, and read across the cores.

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

/// Text parsed at once across threads. A file being parsed takes about 25 times its text in
/// memory: two 1 MiB files side by side would add some 25 MB to a run's peak.
const TEXT_IN_FLIGHT: u64 = 2 * 1024 * 1024;

/// Applies `each` to every file, spread over the cores as far as `TEXT_IN_FLIGHT` allows; the
/// results keep the files' order.
pub fn in_parallel<T: Send>(
    files: &[PathBuf],
    each: impl Fn(&Path) -> crate::error::Result<T> + Sync,
) -> Vec<crate::error::Result<T>> {
    let largest = files
        .iter()
        .filter_map(|path| fs::metadata(path).ok())
        .map(|metadata| metadata.len())
        .max()
        .unwrap_or(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(usize::try_from(TEXT_IN_FLIGHT / largest.max(1)).unwrap_or(usize::MAX))
        .min(files.len())
        .max(1);
    let chunk = files.len().div_ceil(threads).max(1);
    let each = &each;
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|paths| scope.spawn(move || paths.iter().map(|p| each(p)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    vec![Err(crate::error::Error::new("a file could not be parsed"))]
                })
            })
            .collect()
    })
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
