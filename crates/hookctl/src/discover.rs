//! Hook discovery with shell-operator's rules (`RecursiveGetExecutablePaths`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const SKIPPED_EXTENSIONS: [&str; 4] = [".yaml", ".json", ".md", ".txt"];

/// Executables under `root` that shell-operator treats as hooks, sorted byte-wise.
/// Hidden entries, `lib` directories and data files are skipped; symlinked
/// directories are not followed; a symlink to a file always counts.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut hooks = Vec::new();
    walk(root, &mut hooks)?;
    hooks.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
    Ok(hooks)
}

fn walk(dir: &Path, hooks: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if name != "lib" {
                walk(&path, hooks)?;
            }
            continue;
        }
        if SKIPPED_EXTENSIONS.iter().any(|ext| name.ends_with(ext)) {
            continue;
        }
        let is_hook = if file_type.is_symlink() {
            std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        } else {
            file_type.is_file() && entry.metadata()?.permissions().mode() & 0o111 != 0
        };
        if is_hook {
            hooks.push(path);
        }
    }
    Ok(())
}
