//! `cargo bench -p connect-apply --bench scale`
//!
//! 200 self-managed connectors declared in 20 ConfigMaps, against the emulator at 0 and
//! 20 ms injected latency: the first run, then a no-op run (one listing request).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn configmaps() -> Vec<Value> {
    (0..20)
        .map(|c| {
            let data: serde_json::Map<String, Value> = (0..10)
                .map(|i| {
                    let name = format!("c{c:02}-{i}");
                    let def = json!({"name": name, "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
                        "connection.url": format!("jdbc:mysql://db-{c}:3306"), "table.whitelist": name, "mode": "incrementing", "tasks.max": "2"}});
                    (format!("{name}.json"), Value::String(def.to_string()))
                })
                .collect();
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("connectors-{c}"), "namespace": "default",
                   "labels": {"destination": "connect", "enabled": "true"}}, "data": data})
        })
        .collect()
}

fn main() {
    let hook = std::path::PathBuf::from(env!("CARGO_BIN_EXE_connect-apply"));
    for latency in [0u64, 20] {
        let (mut first, mut noop) = (Vec::new(), Vec::new());
        let (mut first_requests, mut noop_requests, mut noop_writes) = (0, 0, 0);
        for _ in 0..3 {
            let emu = ccloud_emulator::spawn(test_support::emulator::example_world(), true).unwrap();
            test_support::http::call(&emu.url, "PUT", "/_emulator/latency", None, Some(json!({"ms": latency})));
            let env: Vec<(String, String)> = [
                ("CONNECT_URL", emu.url.as_str()),
                ("CONNECT_PROPERTIES_DIR", "/nonexistent"),
                ("POD_NAMESPACE", "default"),
                ("LOG_LEVEL", "error"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let mut objects = Objects(configmaps());
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
            "latency {latency:>2} ms | first run (200 connectors): median {f:.3}s ({fmin:.3}-{fmax:.3}), {first_requests} requests"
        );
        println!(
            "latency {latency:>2} ms | no-op run: median {n:.3}s ({nmin:.3}-{nmax:.3}), {noop_requests} requests, {noop_writes} writes"
        );
    }
}
