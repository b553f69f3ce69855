#![allow(clippy::unwrap_used)]
//! The fault matrix: every kind of failure, injected by the emulator before and after each kind
//! of write `connect-apply` makes (create or update a self-managed connector, delete one, create
//! a managed one), plus rebalance 409s. The hook is then run again as shell-operator does, with
//! its patches applied between runs, and must converge within 3 runs, each inside its deadline,
//! with no write after that.

use crate::common::*;
use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WRITES: [(&str, &str); 3] = [
    ("PUT", "/connectors/*/config"),
    ("DELETE", "/connectors/*"),
    ("PUT", "/connect/v1/environments/*/clusters/*/connectors/*/config"),
];

/// A new and a changed self-managed connector, one to delete, and a new managed one.
fn declared() -> Vec<Value> {
    vec![
        connector_cm("fresh", json!({"enabled": "true"}), json!({"a.json": jdbc("fresh", "jdbc:mysql://one")})),
        connector_cm("changed", json!({"enabled": "true"}), json!({"a.json": jdbc("changed", "jdbc:mysql://new")})),
        connector_cm("gone", json!({"enabled": "false"}), json!({"a.json": jdbc("gone", "jdbc:mysql://one")})),
        connector_cm(
            "dg",
            json!({"enabled": "true", "destination.cc": "cc.env.streaming-ops-dev.kafka.microservices-orders"}),
            json!({"dg.json": datagen("dg")}),
        ),
        route(),
        // An earlier run created "gone": it is this deployment's to delete.
        record("default/gone", &["gone"]),
    ]
}

fn seed(u: &str) {
    for (name, url) in [("changed", "jdbc:mysql://old"), ("gone", "jdbc:mysql://one")] {
        let body: Value = serde_json::from_str(&jdbc(name, url)).unwrap();
        let (status, _) = http(u, "PUT", &format!("/connectors/{name}/config"), None, Some(body["config"].clone()));
        assert!(status == 200 || status == 201, "seeding {name}: {status}");
    }
}

fn converged(u: &str) -> Result<(), String> {
    let url =
        |name: &str| http(u, "GET", &format!("/connectors/{name}/config"), None, None).1["connection.url"].clone();
    if url("fresh") != "jdbc:mysql://one" || url("changed") != "jdbc:mysql://new" {
        return Err("a self-managed connector does not hold its declared config".into());
    }
    if http(u, "GET", "/connectors/gone", None, None).0 != 404 {
        return Err("the disabled connector still exists".into());
    }
    let (status, _) = http(u, "GET", &format!("{BASE}/connectors/dg/config"), Some(CLOUD), None);
    if status != 200 {
        return Err(format!("the managed connector is missing ({status})"));
    }
    Ok(())
}

fn drive(case: &str, u: &str) {
    let env = env(u, &[("HOOK_DEADLINE", "3s")]);
    let mut objects = Objects(declared());
    let mut runs = 0;
    let outcome = loop {
        runs += 1;
        let started = Instant::now();
        let result = run(&mut objects, &env);
        assert!(started.elapsed() < Duration::from_secs(4), "{case}: run {runs} overran its deadline");
        // A run that reports errors is not converged even when it exits 0 (a transient error
        // in a Synchronization run exits 0 so as not to hold shell-operator's main queue).
        let errors: f64 = result
            .metrics
            .iter()
            .filter(|o| o["name"] == "connect_apply_errors")
            .filter_map(|o| o["value"].as_f64())
            .sum();
        let state = match (result.exit_code, errors) {
            (0, 0.0) => converged(u),
            (exit, errors) => Err(format!("exit {exit}, {errors} error(s)")),
        };
        if state.is_ok() || runs == 3 {
            break state;
        }
        std::thread::sleep(Duration::from_millis(700));
    };
    assert_eq!(outcome, Ok(()), "{case}: not converged after {runs} runs");
    writes(u);
    assert_eq!(run(&mut objects, &env).exit_code, 0, "{case}");
    assert_eq!(writes(u), Vec::<String>::new(), "{case}: the run after convergence wrote");
}

fn matrix(action: Value, times: u32) {
    for (method, path) in WRITES {
        for when in ["before", "after"] {
            let emu = emulator();
            let u = &emu.url;
            seed(u);
            let rule = json!({"method": method, "path": path, "when": when, "times": times, "action": action});
            test_support::emulator::fault(u, rule);
            let case = format!("{action} {when} {method} {path}");
            drive(&case, u);
            assert!(test_support::emulator::first_fault_hits(u) > 0, "{case}: never struck");
        }
    }
}

test_support::fault_matrix_tests!(matrix);

#[test]
fn rebalances() {
    for requests in [1, 3, 6] {
        let emu = emulator();
        let u = &emu.url;
        seed(u);
        http(u, "POST", "/_emulator/connect/rebalance", None, Some(json!({"requests": requests})));
        drive(&format!("{requests} rebalance 409s"), u);
    }
}
