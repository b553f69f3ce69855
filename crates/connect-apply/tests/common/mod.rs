//! Drives the real `connect-apply` binary against an in-process emulator (self-managed worker
//! and managed Connect), with a pretend cluster that applies object operations between runs.
#![allow(dead_code, clippy::unwrap_used)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::path::PathBuf;

#[allow(unused_imports)] // each test binary uses a different part of this module
pub use test_support::emulator::{CLOUD, example as emulator};
pub const BASE: &str = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_connect-apply"))
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

pub fn run(objects: &mut Objects, env: &[(String, String)]) -> hookctl::runner::RunResult {
    objects.run_hook(&bin(), env).unwrap()
}
