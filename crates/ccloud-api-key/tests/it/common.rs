//! A tiny cluster: manifests that the hook's object operations are applied to between
//! runs, as shell-operator would, plus an in-process emulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::PathBuf;

#[allow(unused_imports)] // each test binary uses a different part of this module
pub use test_support::emulator::{CLOUD, KAFKA, example as emulator};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ccloud-api-key"))
}

pub fn env(url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    test_support::emulator::hook_env(url, extra)
}

/// The objects in the pretend cluster (shell-operator applies the patch file between runs).
#[derive(Default, Clone)]
pub struct Cluster {
    pub objects: Vec<Value>,
}

pub struct Run {
    pub exit: i32,
    pub operations: Vec<Value>,
    pub metrics: Vec<Value>,
    pub patch_text: String,
}

impl Cluster {
    pub fn with(objects: Vec<Value>) -> Self {
        Self { objects }
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }

    pub fn remove(&mut self, kind: &str, name: &str) {
        self.objects.retain(|o| !(o["kind"] == kind && o["metadata"]["name"] == name));
    }

    pub fn apply(&mut self, operations: &[Value]) {
        let mut objects = hookctl::cluster::Objects(std::mem::take(&mut self.objects));
        objects.apply(operations).unwrap();
        self.objects = objects.0;
    }

    /// One hook run as shell-operator makes it (start-up contexts for the current objects).
    pub fn run(&mut self, env: &[(String, String)]) -> Run {
        let mut objects = hookctl::cluster::Objects(std::mem::take(&mut self.objects));
        let r = objects.run_hook(&bin(), env).unwrap();
        self.objects = objects.0;
        Run {
            exit: r.exit_code,
            operations: r.operations.expect("valid operations"),
            metrics: r.metrics.expect("valid metrics").operations,
            patch_text: r.patch_text,
        }
    }
}

pub fn configmap(name: &str, service_accounts: Value, environments: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": {"destination": "ccloud"}},
           "data": {"service-accounts": service_accounts.to_string(), "environments": environments.to_string()}})
}

pub fn http(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
    test_support::http::call(url, method, path, auth, body)
}

/// Every API key (id, owner, resource, description).
pub fn keys(url: &str) -> Vec<(String, String, String, String)> {
    let (_, body) = http(url, "GET", "/iam/v2/api-keys?page_size=100", Some(CLOUD), None);
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&k["id"]), s(&k["spec"]["owner"]["id"]), s(&k["spec"]["resource"]["id"]), s(&k["spec"]["description"]))
        })
        .filter(|k| k.3.starts_with("ccops"))
        .collect()
}

pub fn acls(url: &str) -> Vec<Value> {
    let (_, body) = http(url, "GET", "/kafka/v3/clusters/lkc-orders1/acls", Some(KAFKA), None);
    body["data"].as_array().unwrap().clone()
}

pub fn writes_since_clear(url: &str) -> u64 {
    let (_, c) = http(url, "GET", "/_emulator/counters", None, None);
    http(url, "DELETE", "/_emulator/requests", None, None);
    c["writes"].as_u64().unwrap()
}

/// The secret values the emulator issued, read from the Secrets in the cluster.
pub fn issued_secrets(cluster: &Cluster) -> Vec<String> {
    cluster
        .objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .filter_map(|o| o["stringData"]["ccloud-api-key"].as_str())
        .map(|j| serde_json::from_str::<Value>(j).unwrap()["secret"].as_str().unwrap().to_owned())
        .collect()
}

#[allow(unused_imports)]
pub use test_support::streaming_ops_dev;
