//! `cargo bench -p ccloud-api-key --bench scale`
//!
//! 50 service accounts, each with a Kafka API key and 6 ACL bindings (300 in all), against
//! the emulator at 0 and 20 ms injected latency: the first run, then a no-op run whose
//! request count must not grow with the number of accounts, keys or ACLs. Between runs the
//! hook's object operations are applied as shell-operator would.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use test_support::emulator::{CLOUD, KAFKA};

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
        let (mut first, mut noop) = (Vec::new(), Vec::new());
        let (mut first_requests, mut noop_requests, mut noop_writes) = (0, 0, 0);
        for _ in 0..3 {
            let emu = ccloud_emulator::spawn(test_support::emulator::example_world(), true).unwrap();
            test_support::http::call(&emu.url, "PUT", "/_emulator/latency", None, Some(json!({"ms": latency})));
            let env: Vec<(String, String)> = [
                ("CONFLUENT_CLOUD_ENDPOINT", emu.url.as_str()),
                ("CONFLUENT_CLOUD_API_KEY", CLOUD.0),
                ("CONFLUENT_CLOUD_API_SECRET", CLOUD.1),
                ("KAFKA_API_KEY", KAFKA.0),
                ("KAFKA_API_SECRET", KAFKA.1),
                ("POD_NAMESPACE", "default"),
                ("LOG_LEVEL", "error"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let mut objects = Objects(vec![spec()]);
            let t = Instant::now();
            assert_eq!(objects.run_hook(&hook, &env).unwrap().exit_code, 0);
            first.push(t.elapsed());
            let (_, c) = test_support::http::call(&emu.url, "GET", "/_emulator/counters", None, None);
            first_requests = c["total"].as_u64().unwrap();
            test_support::http::call(&emu.url, "DELETE", "/_emulator/requests", None, None);
            let t = Instant::now();
            assert_eq!(objects.run_hook(&hook, &env).unwrap().exit_code, 0);
            noop.push(t.elapsed());
            let (_, c) = test_support::http::call(&emu.url, "GET", "/_emulator/counters", None, None);
            (noop_requests, noop_writes) = (c["total"].as_u64().unwrap(), c["writes"].as_u64().unwrap());
        }
        let med = |mut v: Vec<Duration>| {
            v.sort();
            (v[1].as_secs_f64(), v[0].as_secs_f64(), v[2].as_secs_f64())
        };
        let (f, fmin, fmax) = med(first);
        let (n, nmin, nmax) = med(noop);
        println!(
            "latency {latency:>2} ms | first run ({ACCOUNTS} accounts, {ACCOUNTS} keys, {} ACLs): median {f:.3}s ({fmin:.3}-{fmax:.3}), {first_requests} requests",
            ACCOUNTS * 6
        );
        println!(
            "latency {latency:>2} ms | no-op run: median {n:.3}s ({nmin:.3}-{nmax:.3}), {noop_requests} requests, {noop_writes} writes"
        );
    }
}
