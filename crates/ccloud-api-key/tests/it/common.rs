//! The pretend cluster ([`HookTest`]: shell-operator's runs, informer, API-server
//! validation) with the ccloud-api-key environment, plus emulator helpers.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::PathBuf;
pub use test_support::emulator::{CLOUD, KAFKA, example as emulator};
pub use test_support::hook_test::{HandRun, HookRunResult, HookTest};

/// The hook under test; `CCLOUD_API_KEY_BIN` runs these tests against another build of
/// it (an older commit's, to see a test fail where the defect it covers is still there).
pub fn bin() -> PathBuf {
    std::env::var_os("CCLOUD_API_KEY_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ccloud-api-key")), PathBuf::from)
}

pub fn env(url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    test_support::emulator::hook_env(url, extra)
}

/// A pretend cluster whose runs take their environment per run.
pub struct Cluster {
    pub t: HookTest,
}

impl Cluster {
    pub fn with(objects: Vec<Value>) -> Self {
        Self { t: HookTest::new(bin()).manifests(objects) }
    }

    pub fn lagging(objects: Vec<Value>, runs: usize) -> Self {
        Self { t: HookTest::new(bin()).informer_lag(runs).manifests(objects) }
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.t.get(kind, name)
    }

    pub fn objects(&self) -> &[Value] {
        self.t.objects()
    }

    pub fn objects_mut(&mut self) -> &mut Vec<Value> {
        &mut self.t.cluster_mut().truth_mut().0
    }

    pub fn remove(&mut self, kind: &str, name: &str) {
        self.t.delete(kind, name);
    }

    pub fn put(&mut self, object: Value) {
        self.t.apply(object);
    }

    fn set_env(&mut self, env: &[(String, String)]) {
        for (k, _) in self.t.env_pairs().to_vec() {
            self.t.unset_env(&k);
        }
        self.t = std::mem::replace(&mut self.t, HookTest::new(bin())).envs(env);
    }

    /// One hook run as shell-operator makes it.
    pub fn run(&mut self, env: &[(String, String)]) -> HookRunResult {
        self.set_env(env);
        self.t.run()
    }

    /// `ccloud-api-key --binding-context FILE ARGS` on the current snapshot.
    pub fn hand_run(&mut self, env: &[(String, String)], args: &[&str]) -> HandRun {
        self.set_env(env);
        self.t.hand_run(args)
    }
}

pub fn configmap(name: &str, service_accounts: Value, environments: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": {"destination": "ccloud"}},
           "data": {"service-accounts": service_accounts.to_string(), "environments": environments.to_string()}})
}

pub fn http(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
    test_support::http::call(url, method, path, auth, body)
}

/// Every API key made by a ccops deployment (id, owner, resource, description).
pub fn keys(url: &str) -> Vec<(String, String, String, String)> {
    all_keys(url).into_iter().filter(|k| k.3.starts_with("ccops")).collect()
}

/// Every key as the emulator holds it (the API's list lags a new key by seconds).
pub fn all_keys(url: &str) -> Vec<(String, String, String, String)> {
    let (_, state) = http(url, "GET", "/_emulator/state", None, None);
    state["api_keys"]
        .as_object()
        .unwrap()
        .values()
        .map(|k| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&k["id"]), s(&k["owner"]), s(&k["resource"]), s(&k["description"]))
        })
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
        .objects()
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .filter_map(|o| o["stringData"]["ccloud-api-key"].as_str())
        .map(|j| serde_json::from_str::<Value>(j).unwrap()["secret"].as_str().unwrap().to_owned())
        .collect()
}

/// The key id a delivered Secret names.
pub fn key_id(cluster: &Cluster, secret: &str) -> Option<String> {
    cluster.get("Secret", secret)?["metadata"]["labels"]["ccops.io/key-id"].as_str().map(str::to_owned)
}

pub use test_support::streaming_ops_dev;

/// New keys authenticate and are listed at once (the emulator's defaults are 5 s and
/// 2 s later), for tests whose runs follow each other faster than that, or fake the
/// clock by ageing keys.
pub fn instant_keys(url: &str) {
    http(url, "PUT", "/_emulator/behaviour", None, Some(json!({"key_activation_ms": 0, "key_listing_lag_ms": 0})));
}
