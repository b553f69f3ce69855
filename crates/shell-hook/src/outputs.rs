//! Where a run's object operations and metrics go: the files shell-operator gave
//! (hook mode, or `--patch-file`/`--metrics-file`), or a buffer printed on stdout
//! at the end of a hand run, with Secret data redacted.

use crate::metrics::MetricOperation;
use crate::patch::{ObjectOperation, redact_operation};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Where one output stream is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    File(PathBuf),
    Stdout,
}

enum Target {
    File(File),
    Buffer(Vec<Value>),
}

struct Stream {
    target: Mutex<Target>,
}

impl Stream {
    fn open(dest: &Destination) -> std::io::Result<Self> {
        let target = match dest {
            Destination::File(path) => Target::File(owner_only(private_file().append(true).open(path)?)?),
            Destination::Stdout => Target::Buffer(Vec::new()),
        };
        Ok(Self { target: Mutex::new(target) })
    }

    fn lock(&self) -> MutexGuard<'_, Target> {
        self.target.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends one line and flushes it, so that what was written survives a crash, then
    /// runs `written` while still holding the stream (see [`Outputs::hold`]).
    fn write(&self, line: String, value: impl FnOnce() -> Value, written: impl FnOnce()) -> std::io::Result<()> {
        let mut target = self.lock();
        match &mut *target {
            Target::File(file) => {
                file.write_all(format!("{line}\n").as_bytes())?;
                file.flush()?;
            }
            Target::Buffer(items) => items.push(value()),
        }
        written();
        Ok(())
    }

    fn is_buffer(&self) -> bool {
        matches!(&*self.target.lock().unwrap_or_else(std::sync::PoisonError::into_inner), Target::Buffer(_))
    }

    fn take_buffered(&self) -> Option<Vec<Value>> {
        match &mut *self.target.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Target::Buffer(items) => Some(std::mem::take(items)),
            Target::File(_) => None,
        }
    }
}

/// The run's two output streams. Safe to share between worker threads.
pub struct Outputs {
    patches: Stream,
    metrics: Stream,
    precious_written: AtomicBool,
    operations_written: std::sync::atomic::AtomicUsize,
}

impl Outputs {
    pub fn open(patches: &Destination, metrics: &Destination) -> std::io::Result<Self> {
        Ok(Self {
            patches: Stream::open(patches)?,
            metrics: Stream::open(metrics)?,
            precious_written: AtomicBool::new(false),
            operations_written: Default::default(),
        })
    }

    /// Writes an object operation.
    pub fn patch(&self, op: &ObjectOperation) -> std::io::Result<()> {
        self.operations_written.fetch_add(1, Ordering::Relaxed);
        self.patches.write(op.to_json_line(), || redact_operation(&op.to_value()), || ())
    }

    /// Writes an operation whose loss would lose data that exists nowhere else (a new API
    /// key's secret). From then on the run must end with exit 0, or shell-operator would
    /// discard the file. The flag is set before the stream is released, so whoever holds
    /// the outputs next ([`Outputs::hold`]) sees it.
    pub fn patch_precious(&self, op: &ObjectOperation) -> std::io::Result<()> {
        self.operations_written.fetch_add(1, Ordering::Relaxed);
        let value = || redact_operation(&op.to_value());
        self.patches.write(op.to_json_line(), value, || self.precious_written.store(true, Ordering::SeqCst))
    }

    pub fn metric(&self, op: &MetricOperation) -> std::io::Result<()> {
        let value = || serde_json::to_value(op).unwrap_or_default();
        self.metrics.write(op.to_json_line(), value, || ())
    }

    /// Holds both streams: a write in flight finishes (flushed) first, and no other
    /// starts while the result lives. The watchdog exits holding it, so the files never
    /// end inside a line.
    pub fn hold(&self) -> Held<'_> {
        Held { _patches: self.patches.lock(), _metrics: self.metrics.lock() }
    }

    /// Whether a precious operation was written (the run must then exit 0).
    pub fn must_succeed(&self) -> bool {
        self.precious_written.load(Ordering::SeqCst)
    }

    /// Whether object operations go to stdout (a hand run without `--patch-file`), where
    /// Secret data is redacted: a secret written there is lost.
    pub fn patches_to_stdout(&self) -> bool {
        self.patches.is_buffer()
    }

    pub fn operations_written(&self) -> usize {
        self.operations_written.load(Ordering::Relaxed)
    }

    /// Buffered (stdout-bound) output: redacted operations and metrics.
    pub fn take_buffered(&self) -> BufferedOutputs {
        BufferedOutputs { operations: self.patches.take_buffered(), metrics: self.metrics.take_buffered() }
    }
}

/// Both output streams, held (see [`Outputs::hold`]).
pub struct Held<'a> {
    _patches: MutexGuard<'a, Target>,
    _metrics: MutexGuard<'a, Target>,
}

/// What a hand run prints on stdout instead of writing files.
#[derive(Debug, Default)]
pub struct BufferedOutputs {
    pub operations: Option<Vec<Value>>,
    pub metrics: Option<Vec<Value>>,
}

impl BufferedOutputs {
    pub fn is_empty(&self) -> bool {
        self.operations.is_none() && self.metrics.is_none()
    }

    /// Text form: one section per buffered stream, one JSON line per item.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (title, items) in [("object operations", &self.operations), ("metrics", &self.metrics)] {
            if let Some(items) = items {
                out.push_str(&format!("--- {title} ({}) ---\n", items.len()));
                for item in items {
                    out.push_str(&item.to_string());
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// Creates `path` empty, as shell-operator does before a run.
pub fn create_empty(path: &Path) -> std::io::Result<()> {
    owner_only(private_file().write(true).truncate(true).open(path)?).map(drop)
}

/// Writes `bytes` to a file created owner-only (see [`private_file`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    owner_only(private_file().write(true).truncate(true).open(path)?)?.write_all(bytes)
}

/// `mode` applies only to a file the open creates: shell-operator creates the output files
/// itself before the run (0644 with the usual umask), so an existing regular file is
/// narrowed to 0600 too. Devices and FIFOs (`/dev/null`, a test's pipe) are left alone.
fn owner_only(file: std::fs::File) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = file.metadata()?;
    if meta.file_type().is_file() && meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Options that create a file readable by its owner only (0600): patch files carry the
/// data of Secrets, and binding contexts the objects shell-operator watches.
pub fn private_file() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut options = OpenOptions::new();
    options.create(true).mode(0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn existing_output_files_are_narrowed_to_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let patches = dir.path().join("object-patch");
        std::fs::write(&patches, "").unwrap();
        std::fs::set_permissions(&patches, std::fs::Permissions::from_mode(0o644)).unwrap();
        let outputs = Outputs::open(&Destination::File(patches.clone()), &Destination::Stdout).unwrap();
        drop(outputs);
        assert_eq!(std::fs::metadata(&patches).unwrap().permissions().mode() & 0o777, 0o600);
        let null = Outputs::open(&Destination::File("/dev/null".into()), &Destination::Stdout).unwrap();
        drop(null);
        assert_ne!(std::fs::metadata("/dev/null").unwrap().permissions().mode() & 0o777, 0o600, "devices untouched");
    }

    #[test]
    fn files_that_may_hold_secrets_are_created_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let (patches, metrics, empty) = (dir.path().join("p"), dir.path().join("m"), dir.path().join("e"));
        let outputs = Outputs::open(&Destination::File(patches.clone()), &Destination::File(metrics.clone())).unwrap();
        drop(outputs);
        create_empty(&empty).unwrap();
        let written = dir.path().join("w");
        write_private(&written, b"{}").unwrap();
        for path in [patches, metrics, empty, written] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
}
