//! Drives the real `connect-apply` binary against an in-process emulator (self-managed worker
//! and managed Connect), with a pretend cluster that applies object operations between runs.
#![allow(dead_code, clippy::unwrap_used)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::path::PathBuf;

#[allow(unused_imports)] // each test binary uses a different part of this module
pub use test_support::emulator::{CLOUD, example as emulator};
pub const BASE: &str = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";

/// The binary under test; `CONNECT_APPLY_BIN` runs the suite against another build (to check
/// that a test fails where its defect is still there).
pub fn bin() -> PathBuf {
    std::env::var_os("CONNECT_APPLY_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_connect-apply")), PathBuf::from)
}

pub fn env(url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let props = test_support::testdata("connect-properties").display().to_string();
    let base = [
        ("CONNECT_URL", url),
        ("CONFLUENT_CLOUD_ENDPOINT", url),
        ("CONFLUENT_CLOUD_API_KEY", CLOUD.0),
        ("CONFLUENT_CLOUD_API_SECRET", CLOUD.1),
        ("CONNECT_PROPERTIES_DIR", props.as_str()),
        ("MYSQL_CONNECTION_USER", "root"),
        ("MYSQL_CONNECTION_PASSWORD", "GoKafka-test-password"),
        ("ORDERS_BQ_SINK_KEYFILE", "fake-bigquery-keyfile"),
        ("POD_NAMESPACE", "default"),
        ("LOG_TYPE", "json"),
        // As operator-image/deploy/base sets it: connect-operator deleted connectors, so does this.
        ("ALLOW_DELETE", "connector"),
    ];
    base.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub fn http(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
    test_support::http::call(url, method, path, auth, body)
}

pub fn writes(url: &str) -> Vec<String> {
    let (_, log) = http(url, "GET", "/_emulator/requests", None, None);
    http(url, "DELETE", "/_emulator/requests", None, None);
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

/// The three original connector ConfigMaps plus the route ConfigMap ccloud-api-key writes.
pub fn original() -> Option<Vec<Value>> {
    let mut objects = Vec::new();
    for name in ["customers-jdbc-source-config.yaml", "datagen-source-config.yaml", "orders-bigquery-sink-config.yaml"]
    {
        let path = test_support::shared(&format!("streaming-ops-data/environments/base/connect/{name}"))?;
        let mut o: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
        o["metadata"]["namespace"] = json!("default");
        objects.push(o);
    }
    objects.push(route());
    Some(objects)
}

pub fn route() -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cc.env.streaming-ops-dev.kafka.microservices-orders", "namespace": "default",
           "labels": {"environment_id": "env-sodev1", "resource_id": "lkc-orders1"}}, "data": {}})
}

pub fn connector_cm(name: &str, labels: Value, data: Value) -> Value {
    let mut l = json!({"destination": "connect"});
    l.as_object_mut().unwrap().extend(labels.as_object().unwrap().clone());
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": l}, "data": data})
}

pub fn jdbc(name: &str, url: &str) -> String {
    json!({"name": name, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": url, "tasks.max": "1"}}).to_string()
}

pub fn datagen(name: &str) -> String {
    format!(
        r#"{{"name": "{name}", "config": {{"connector.class": "DatagenSource", "kafka.api.key": env.KAFKA_API_KEY, "kafka.api.secret": env.KAFKA_API_SECRET, "kafka.topic": "pageviews", "tasks.max": "1"}}}}"#
    )
}

/// One run as shell-operator makes it (`test_support::hook_test::HookTest`): start-up
/// contexts for `objects`, and, when the run succeeds, its operations applied to them with
/// the API server's validation (a refused operation fails the run).
pub fn run(objects: &mut Objects, env: &[(String, String)]) -> Run {
    let mut t = test_support::hook_test::HookTest::new(bin()).manifests(objects.0.clone()).envs(env);
    let r = t.run();
    assert!(r.rejected.is_none(), "the API server refused an operation: {:?}", r.rejected);
    objects.0 = t.objects().to_vec();
    Run { exit_code: r.exit, operations: r.operations, metrics: r.metrics_written, patch_text: r.patch_text }
}

/// What [`run`] saw.
pub struct Run {
    pub exit_code: i32,
    /// The operations the hook wrote (applied only when the run succeeded).
    pub operations: Vec<Value>,
    /// The metric operations the hook wrote.
    pub metrics: Vec<Value>,
    pub patch_text: String,
}

/// The record ConfigMap of this deployment saying `source` declared the self-managed `connectors`
/// (as an earlier run would have left it).
pub fn record(source: &str, connectors: &[&str]) -> Value {
    let items: Vec<String> = connectors.iter().map(|c| format!("self/{c}")).collect();
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "connect-apply.records", "namespace": "default"},
           "data": {"records": json!({source: items}).to_string()}})
}

/// Lets the emulator's pause/resume/stop propagation and Cloud provisioning finish.
pub fn settle(url: &str) {
    http(url, "POST", "/_emulator/clock", None, Some(json!({"seconds": 30})));
}

/// The connect-apply status annotation of ConfigMap `name`, parsed.
pub fn status(objects: &Objects, name: &str) -> Value {
    let text = objects.get("ConfigMap", name).unwrap()["metadata"]["annotations"]["ccops.io/connect-apply-status"]
        .as_str()
        .unwrap_or("null")
        .to_owned();
    serde_json::from_str(&text).unwrap()
}

/// The connectors this deployment's record holds (items like `self/<name>`).
pub fn recorded(objects: &Objects) -> Vec<String> {
    let text =
        objects.get("ConfigMap", "connect-apply.records").map(|r| r["data"]["records"].as_str().unwrap().to_owned());
    let map: Value = serde_json::from_str(&text.unwrap_or_else(|| "{}".into())).unwrap();
    let mut items: Vec<String> = map
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()))
        .collect();
    items.sort();
    items
}

/// A properties directory: the test one, with `extra` lines in one more file.
pub fn properties(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(test_support::testdata("connect-properties")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(dir.path().join("zz-extra.properties"), extra).unwrap();
    dir
}

/// A hand run (`--binding-context`, `--output json`) of `objects` with `args`: (exit, report).
pub fn hand_run(objects: &Objects, env: &[(String, String)], args: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&objects.0).unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let out = std::process::Command::new(bin())
        .arg("--binding-context")
        .arg(&ctx)
        .args(["--output", "json"])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}
