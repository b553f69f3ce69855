//! `cargo bench -p ccloud-api-key --bench scale`
//!
//! 50 service accounts, each with a Kafka API key and 6 ACL bindings (300 in all), against
//! the emulator at 0 and 20 ms injected latency: the first run, then a no-op run whose
//! request count must not grow with the number of accounts, keys or ACLs. Between runs the
//! hook's object operations are applied as shell-operator would.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use test_support::emulator::{first_and_noop, hook_env};

const ACCOUNTS: usize = 50;

fn spec() -> Value {
    let accounts: Vec<Value> =
        (0..ACCOUNTS).map(|i| json!({"name": format!("app-{i:02}"), "description": "bench"})).collect();
    let acls: Vec<Value> = (0..ACCOUNTS)
        .map(|i| json!({"service-account": format!("app-{i:02}"), "controls": [
            {"operation": "read,write,describe", "permission": "allow", "resource": "topic", "name": format!("app-{i:02}."), "prefix": "true"},
            {"operation": "read,describe", "permission": "allow", "resource": "consumer-group", "name": format!("app-{i:02}")},
            {"operation": "idempotent-write", "permission": "allow", "resource": "cluster-scope"}]}))
        .collect();
    let keys: Vec<Value> = (0..ACCOUNTS).map(|i| json!({"service-account": format!("app-{i:02}")})).collect();
    let envs = json!([{"name": "streaming-ops-dev", "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1", "acl": acls, "api-key": keys}]}]);
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ids", "namespace": "default", "labels": {"destination": "ccloud"}},
           "data": {"service-accounts": Value::Array(accounts).to_string(), "environments": envs.to_string()}})
}

fn main() {
    let hook = std::path::PathBuf::from(env!("CARGO_BIN_EXE_ccloud-api-key"));
    for latency in [0u64, 20] {
        let r = first_and_noop(
            latency,
            3,
            |url| (Objects(vec![spec()]), hook_env(url, &[("LOG_LEVEL", "error")])),
            |(objects, env)| assert_eq!(objects.run_hook(&hook, env).unwrap().exit_code, 0),
        );
        let ((f, fmin, fmax), (n, nmin, nmax)) = (r.first, r.noop);
        println!(
            "latency {latency:>2} ms | first run ({ACCOUNTS} accounts, {ACCOUNTS} keys, {} ACLs): median {f:.3}s ({fmin:.3}-{fmax:.3}), {} requests",
            ACCOUNTS * 6,
            r.first_requests
        );
        println!(
            "latency {latency:>2} ms | no-op run: median {n:.3}s ({nmin:.3}-{nmax:.3}), {} requests, {} writes",
            r.noop_requests, r.noop_writes
        );
    }
}
