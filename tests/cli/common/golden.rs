//! Golden files: what a user sees, pinned byte for byte. `UPDATE_GOLDEN=1` rewrites them.

use std::fs;
use std::path::Path;

/// Compares `actual` with the golden file at `path` (rewritten first under `UPDATE_GOLDEN`);
/// the error shows both, for tests that gather every mismatch before failing.
pub fn check(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
    }
    let expected = fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the golden file: {e}", path.display()))?;
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "{} differs (UPDATE_GOLDEN=1 rewrites it):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}

/// Fails the test when `actual` is not the golden file at `path`.
pub fn assert_matches(path: &Path, actual: &str) {
    if let Err(difference) = check(path, actual) {
        panic!("{difference}");
    }
}
