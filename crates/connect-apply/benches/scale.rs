//! `cargo bench -p connect-apply --bench scale`
//!
//! 200 self-managed connectors declared in 20 ConfigMaps, against the emulator at 0 and
//! 20 ms injected latency: the first run, then a no-op run (one listing request).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use test_support::emulator::first_and_noop;

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
        let env = |url: &str| -> Vec<(String, String)> {
            [
                ("CONNECT_URL", url),
                ("CONNECT_PROPERTIES_DIR", "/nonexistent"),
                ("POD_NAMESPACE", "default"),
                ("LOG_LEVEL", "error"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
        };
        let r = first_and_noop(
            latency,
            3,
            |url| (Objects(configmaps()), env(url)),
            |(objects, env)| assert_eq!(objects.run_hook(&hook, env).unwrap().exit_code, 0),
        );
        let ((f, fmin, fmax), (n, nmin, nmax)) = (r.first, r.noop);
        println!(
            "latency {latency:>2} ms | first run (200 connectors): median {f:.3}s ({fmin:.3}-{fmax:.3}), {} requests",
            r.first_requests
        );
        println!(
            "latency {latency:>2} ms | no-op run: median {n:.3}s ({nmin:.3}-{nmax:.3}), {} requests, {} writes",
            r.noop_requests, r.noop_writes
        );
    }
}
