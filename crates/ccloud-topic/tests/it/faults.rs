//! The fault matrix: every kind of failure, injected by the emulator before and after each kind
//! of write `ccloud-topic` makes (create, configs:alter, partition increase). The hook is run on
//! resync ticks the way shell-operator does (again on a non-zero exit, and on the next tick),
//! and the run must converge within 3 runs, each inside its deadline, with no write after that.

use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(3);

/// The three kinds of write, with the emulator path pattern each one goes to.
const WRITES: [(&str, &str); 3] = [
    ("POST", "/kafka/v3/clusters/*/topics"),
    ("POST", "/kafka/v3/clusters/*/topics/*/configs:alter"),
    ("PATCH", "/kafka/v3/clusters/*/topics/*"),
];

/// A new topic, one whose partitions grow and one whose config changes: one write of each kind.
fn declared() -> Value {
    configmap(
        "specs",
        json!([
            {"name": "fresh", "partitions": 2, "config": "cleanup.policy=compact"},
            {"name": "grows", "partitions": 6},
            {"name": "retuned", "config": {"retention.ms": "5000"}}
        ]),
    )
}

fn converged(u: &str) -> bool {
    topic(u, "fresh").is_some_and(|t| t["partitions_count"] == 2)
        && dynamic_configs(u, "fresh")["cleanup.policy"] == "compact"
        && topic(u, "grows").is_some_and(|t| t["partitions_count"] == 6)
        && dynamic_configs(u, "retuned")["retention.ms"] == "5000"
}

/// Injects `action` before or after every write of one kind, then drives the hook to convergence.
fn matrix(action: Value, times: u32) {
    for (method, path) in WRITES {
        for when in ["before", "after"] {
            let case = format!("{action} {when} {method} {path}");
            let emu = emulator();
            let u = &emu.url;
            create_topic(u, json!({"topic_name": "grows", "partitions_count": 3}));
            create_topic(u, json!({"topic_name": "retuned", "configs": [{"name": "retention.ms", "value": "1"}]}));
            fault(u, json!({"method": method, "path": path, "when": when, "times": times, "action": action}));
            let cm = declared();
            let env = with(env(u), &[("HOOK_DEADLINE", "3s")]);
            let mut runs = 0;
            loop {
                runs += 1;
                let started = Instant::now();
                let run = run_tick(std::slice::from_ref(&cm), &env);
                // The hook bounds itself; a second of slack covers process start and exit.
                assert!(
                    started.elapsed() < DEADLINE + Duration::from_secs(1),
                    "{case}: run {runs} overran its deadline"
                );
                if run.exit == 0 {
                    break;
                }
                assert!(runs < 3, "{case}: still failing after {runs} runs");
                // A request that timed out may still land: give the emulator the rest of its delay.
                std::thread::sleep(Duration::from_millis(700));
            }
            assert!(converged(u), "{case}: the declared state does not hold after {runs} runs");
            requests(u);
            let again = run_tick(&[cm], &env);
            assert_eq!(again.exit, 0, "{case}");
            assert_eq!(requests(u).1, 0, "{case}: the run after convergence wrote");
            assert!(test_support::emulator::first_fault_hits(u) > 0, "{case}: never struck");
        }
    }
}

test_support::fault_matrix_tests!(matrix);
