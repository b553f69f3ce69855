//! Test helpers. Upstream data lives in `../shared` beside the repository and is
//! never copied into it; with `CI=true` a missing file fails the test instead of
//! skipping it, so a missing checkout cannot pass as green.

#[cfg(feature = "emulator")]
pub mod emulator;
pub mod faults;
pub mod http;
pub mod prism;

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// `../shared` relative to the repository root.
pub fn shared_dir() -> PathBuf {
    repo_root().join("../shared")
}

/// A file or directory under `../shared`, or `None` (test skipped) outside CI.
///
/// # Panics
/// With `CI=true`, when the path does not exist.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = shared_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing shared test data: {} (expected ../shared beside the repository)", path.display());
    }
    eprintln!("skipping: {} not found", path.display());
    None
}

/// All regular files of a shared directory, sorted.
pub fn shared_files(relative: &str) -> Vec<PathBuf> {
    let Some(dir) = shared(relative) else { return Vec::new() };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
}

/// A file under the repository's `testdata/`.
pub fn testdata(relative: &str) -> PathBuf {
    repo_root().join("testdata").join(relative)
}

/// Reads a file to a string, naming it on failure.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
