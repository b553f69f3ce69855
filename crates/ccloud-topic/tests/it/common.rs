//! Drives the real `ccloud-topic` binary against an in-process emulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::PathBuf;

#[allow(unused_imports)] // each test binary uses a different part of this module
pub use test_support::emulator::{CLOUD, KAFKA, example as emulator, fault};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ccloud-topic"))
}

/// The environment a deployment gives the hook, pointing at the emulator.
pub fn env(url: &str) -> Vec<(String, String)> {
    test_support::emulator::hook_env(url, &[])
}

pub fn with(mut env: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

/// A `destination=ccloud` ConfigMap declaring `topics` on the example cluster.
pub fn configmap(name: &str, topics: Value) -> Value {
    let envs = json!([{"name": "streaming-ops-dev", "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1", "topic": topics}]}]);
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "default", "labels": {"destination": "ccloud"}},
           "data": {"environments": envs.to_string()}})
}

/// Renders the start-up contexts for `manifests` with hookctl, as shell-operator would.
pub fn contexts(manifests: &[Value]) -> Vec<Value> {
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let renderer = hookctl::render::Renderer::new(&config).unwrap();
    renderer.startup(manifests).unwrap()
}

/// The contexts of a tick of the resync schedule (the tool's own queue).
pub fn tick_contexts(manifests: &[Value]) -> Vec<Value> {
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let renderer = hookctl::render::Renderer::new(&config).unwrap();
    renderer.schedule("resync", manifests).unwrap()
}

pub struct Run {
    pub exit: i32,
    pub operations: Vec<Value>,
    pub metrics: Vec<Value>,
    pub patch_text: String,
    pub stderr_text: String,
}

/// One hook run exactly as shell-operator makes it: the start-up Synchronization.
pub fn run_hook(manifests: &[Value], env: &[(String, String)]) -> Run {
    run_with(&contexts(manifests), env)
}

/// One run on a tick of the resync schedule: where a transient failure exits 1 (the
/// start-up Synchronization holds shell-operator's main queue and exits 0).
pub fn run_tick(manifests: &[Value], env: &[(String, String)]) -> Run {
    run_with(&tick_contexts(manifests), env)
}

fn run_with(contexts: &[Value], env: &[(String, String)]) -> Run {
    let result = hookctl::runner::run_captured(&bin(), contexts, env).unwrap();
    Run {
        exit: result.exit_code,
        operations: result.operations.expect("valid object operations"),
        metrics: result.metrics.expect("valid metrics").operations,
        patch_text: result.patch_text,
        stderr_text: result.stderr,
    }
}

/// A hand run with `--output json`; returns (exit, report).
pub fn hand_run(manifests: &[Value], env: &[(String, String)], args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts(manifests)).unwrap()).unwrap();
    let out = std::process::Command::new(bin())
        .arg("--binding-context")
        .arg(&ctx)
        .args(["--output", "json"])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), report, String::from_utf8_lossy(&out.stderr).into_owned())
}

pub fn http(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
    test_support::http::call(url, method, path, auth, body)
}

pub fn topic(url: &str, name: &str) -> Option<Value> {
    let (status, body) = http(url, "GET", &format!("/kafka/v3/clusters/lkc-orders1/topics/{name}"), Some(KAFKA), None);
    (status == 200).then_some(body)
}

pub fn dynamic_configs(url: &str, name: &str) -> Value {
    let (_, body) =
        http(url, "GET", &format!("/kafka/v3/clusters/lkc-orders1/topics/{name}/configs"), Some(KAFKA), None);
    let map: serde_json::Map<String, Value> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["source"] == "DYNAMIC_TOPIC_CONFIG")
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["value"].clone()))
        .collect();
    Value::Object(map)
}

/// (total requests, writes) since the last call, then clears the log.
pub fn requests(url: &str) -> (u64, u64) {
    let (_, c) = http(url, "GET", "/_emulator/counters", None, None);
    http(url, "DELETE", "/_emulator/requests", None, None);
    (c["total"].as_u64().unwrap(), c["writes"].as_u64().unwrap())
}

pub fn create_topic(url: &str, body: Value) {
    let (status, _) = http(url, "POST", "/kafka/v3/clusters/lkc-orders1/topics", Some(KAFKA), Some(body));
    assert_eq!(status, 201);
}

#[allow(unused_imports)]
pub use test_support::streaming_ops_dev;
