//! Runs Stoplight Prism as a validating proxy (`--errors`) in front of the emulator.

use serde_json::Value;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Prism binary installed by scripts/install-tools, or None (skip) outside CI.
pub fn prism_bin() -> Option<PathBuf> {
    let bin = crate::repo_root().join(".tools/prism/node_modules/.bin/prism");
    if bin.exists() {
        return Some(bin);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("Prism is missing: run scripts/install-tools (scripts/test does)");
    }
    eprintln!("skipping: {} not installed", bin.display());
    None
}

/// Applies an overlay (JSON Patch with `*` globs in path segments) to a spec.
pub fn apply_overlay(spec: &mut Value, overlay: &Value) {
    for op in overlay.as_array().expect("an overlay is an array") {
        let kind = op["op"].as_str().expect("op");
        let segments: Vec<String> = op["path"]
            .as_str()
            .expect("path")
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let applied = apply_at(spec, &segments, kind, &op["value"]);
        assert!(applied > 0, "overlay operation matched nothing: {op}");
    }
}

fn glob(pattern: &str, key: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == key,
        Some((prefix, suffix)) => {
            key.len() >= prefix.len() + suffix.len() && key.starts_with(prefix) && key.ends_with(suffix)
        }
    }
}

fn apply_at(node: &mut Value, path: &[String], kind: &str, value: &Value) -> usize {
    let Some(map) = node.as_object_mut() else { return 0 };
    let (head, rest) = path.split_first().expect("non-empty path");
    if rest.is_empty() {
        return match kind {
            "add" | "replace" => {
                map.insert(head.clone(), value.clone());
                1
            }
            "remove" => usize::from(map.remove(head).is_some()),
            other => panic!("unsupported overlay op {other}"),
        };
    }
    if head.contains('*') {
        map.iter_mut().filter(|(k, _)| glob(head, k)).map(|(_, v)| apply_at(v, rest, kind, value)).sum()
    } else {
        map.get_mut(head).map_or(0, |v| apply_at(v, rest, kind, value))
    }
}

/// Writes the spec (with overlays applied) as JSON into `dir`.
pub fn prepared_spec(dir: &Path, relative: &str, overlays: &[&str]) -> Option<PathBuf> {
    let source = crate::shared(&format!("api-specs/{relative}"))?;
    let mut spec: Value = yaml_io::from_str(&crate::read(&source)).expect("spec parses");
    for name in overlays {
        let text = crate::read(&crate::testdata(&format!("prism-overlays/{name}")));
        let overlay: Value = serde_json::from_str(&text).expect("overlay is JSON");
        apply_overlay(&mut spec, &overlay);
    }
    let out = dir.join(relative.replace('/', "_")).with_extension("json");
    std::fs::write(&out, serde_json::to_vec(&spec).expect("serialisable")).expect("spec written");
    Some(out)
}

pub struct Prism {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Starts `prism proxy SPEC UPSTREAM --errors` and waits until it listens.
pub fn start(bin: &Path, spec: &Path, upstream: &str, dir: &Path) -> Prism {
    let port = free_port();
    let log = dir.join(format!("prism-{port}.log"));
    let child = Command::new(bin)
        .args(["proxy", &spec.display().to_string(), upstream, "--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("prism starts");
    let prism = Prism { child, url: format!("http://127.0.0.1:{port}"), log };
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "prism did not start: {}", prism.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    prism
}
