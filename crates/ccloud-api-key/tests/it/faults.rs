//! The fault matrix: every kind of failure, injected by the emulator before and after each kind
//! of write `ccloud-api-key` makes (service account, API key, ACL batch), including right after a
//! key is minted. The hook is then run again as shell-operator does, with its patches applied
//! between runs, and must converge within 3 runs, each inside its deadline: exactly one key per
//! declared pair, every delivered secret valid, no write after that.

use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WRITES: [&str; 3] = ["/iam/v2/service-accounts", "/iam/v2/api-keys", "/kafka/v3/clusters/*/acls:batch"];

fn declared() -> Value {
    let envs = json!([{"name": "streaming-ops-dev", "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1",
        "acl": [{"service-account": "app", "controls": [{"operation": "read,write", "permission": "allow", "resource": "topic", "name": "orders"}]}],
        "api-key": [{"service-account": "app"}]}]}]);
    configmap("ids", json!([{"name": "app", "description": "the app"}]), envs)
}

/// The delivered Kafka key authenticates, it is the only key of its pair, and the ACLs exist.
fn converged(u: &str, cluster: &Cluster) -> Result<(), String> {
    let keys = keys(u);
    if keys.len() != 1 {
        return Err(format!("{} keys for the one declared pair", keys.len()));
    }
    let secret = cluster.get("Secret", "cc.api-key.app.lkc-orders1").ok_or("no Secret delivered")?;
    let delivered: Value =
        serde_json::from_str(secret["stringData"]["ccloud-api-key"].as_str().unwrap_or("{}")).unwrap();
    let (key, secret) = (delivered["key"].as_str().unwrap_or(""), delivered["secret"].as_str().unwrap_or(""));
    if key != keys[0].0 {
        return Err("the Secret holds another key than the one that exists".into());
    }
    let (status, _) = http(u, "GET", "/kafka/v3/clusters/lkc-orders1/topics", Some((key, secret)), None);
    if status != 200 {
        return Err(format!("the delivered secret does not authenticate ({status})"));
    }
    if acls(u).len() != 2 {
        return Err(format!("{} ACL bindings, want 2", acls(u).len()));
    }
    Ok(())
}

fn matrix(action: Value, times: u32) {
    for path in WRITES {
        for when in ["before", "after"] {
            let case = format!("{action} {when} POST {path}");
            let emu = emulator();
            let u = &emu.url;
            instant_keys(u);
            let rule = json!({"method": "POST", "path": path, "when": when, "times": times, "action": action});
            test_support::emulator::fault(u, rule);
            // A key minted by a run that never learned of it is an orphan; without a grace period
            // the next run removes it, so "one key per pair" is checkable within 3 runs.
            let env = env(
                u,
                &[
                    ("HOOK_DEADLINE", "3s"),
                    ("ORPHAN_GRACE", "0s"),
                    ("INSTANCE_ID", "faults"),
                    ("ALLOW_DELETE", "api-key"),
                ],
            );
            let mut cluster = Cluster::with(vec![declared()]);
            let mut runs = 0;
            let outcome = loop {
                runs += 1;
                let started = Instant::now();
                let run = cluster.run(&env);
                assert!(started.elapsed() < Duration::from_secs(4), "{case}: run {runs} overran its deadline");
                let state = if run.exit == 0 { converged(u, &cluster) } else { Err(format!("exit {}", run.exit)) };
                if state.is_ok() || runs == 3 {
                    break state;
                }
                std::thread::sleep(Duration::from_millis(700));
            };
            assert_eq!(outcome, Ok(()), "{case}: not converged after {runs} runs");
            writes_since_clear(u);
            assert_eq!(cluster.run(&env).exit, 0, "{case}");
            assert_eq!(writes_since_clear(u), 0, "{case}: the run after convergence wrote");
            assert!(test_support::emulator::first_fault_hits(u) > 0, "{case}: never struck");
        }
    }
}

test_support::fault_matrix_tests!(matrix);
