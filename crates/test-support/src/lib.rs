//! Test helpers. Upstream data lives in `../shared` beside the repository and is
//! never copied into it; with `CI=true` a missing file fails the test instead of
//! skipping it, so a missing checkout cannot pass as green.

#[cfg(feature = "emulator")]
pub mod emulator;
pub mod faults;
// Also under `test`, so `cargo test -p test-support` checks the harness.
#[cfg(any(feature = "hook", test))]
pub mod hook_test;
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

/// `kubectl kustomize` of the streaming-ops dev overlay's mirror in testdata (which
/// references the verbatim files in `../shared`), or `None` (skipped) outside CI when
/// kubectl or `../shared` is missing.
///
/// # Panics
/// When kustomize fails, or in CI when kubectl is missing.
pub fn streaming_ops_dev_yaml() -> Option<String> {
    shared("streaming-ops-data/environments/dev/kustomization.yaml")?;
    let rendered = std::process::Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(testdata("streaming-ops-dev"))
        .output();
    match rendered {
        Ok(out) if out.status.success() => Some(String::from_utf8(out.stdout).expect("kustomize writes UTF-8")),
        Ok(out) => panic!("kubectl kustomize failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("kubectl is required in CI: {e}"),
        Err(_) => None,
    }
}

/// The objects of [`streaming_ops_dev_yaml`], in namespace `default` where they name none
/// (as `kubectl apply` would put them).
///
/// # Panics
/// When the rendered YAML does not parse.
pub fn streaming_ops_dev() -> Option<Vec<serde_json::Value>> {
    let docs = yaml_io::stream(&streaming_ops_dev_yaml()?).expect("kustomize output parses");
    let mut objects: Vec<serde_json::Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    for o in &mut objects {
        if o["metadata"]["namespace"].is_null() {
            o["metadata"]["namespace"] = serde_json::json!("default");
        }
    }
    Some(objects)
}
