//! Random faults for one step: every action of the emulator's fault rules (before and
//! after the request), rebalance 409s, informer lag, refusals of the pretend API server,
//! a run past a very short `HOOK_DEADLINE`, and a hook killed mid-run.

use crate::harness::Hooks;
use crate::world::Emulator;
use hookctl::cluster::RefuseRule;
use serde_json::{Value, json};

/// Write paths of every hook, plus the listings each run starts with.
const PATHS: [(Option<&str>, &str); 16] = [
    (Some("POST"), "/kafka/v3/clusters/*/topics"),
    (Some("POST"), "/kafka/v3/clusters/*/topics/*/configs:alter"),
    (Some("PATCH"), "/kafka/v3/clusters/*/topics/*"),
    (Some("DELETE"), "/kafka/v3/clusters/*/topics/*"),
    (Some("POST"), "/iam/v2/service-accounts"),
    (Some("POST"), "/iam/v2/api-keys"),
    (Some("DELETE"), "/iam/v2/api-keys/*"),
    (Some("POST"), "/kafka/v3/clusters/*/acls:batch"),
    (Some("DELETE"), "/kafka/v3/clusters/*/acls"),
    (Some("PUT"), "/connectors/*/config"),
    (Some("DELETE"), "/connectors/*"),
    (Some("PUT"), "/connect/v1/environments/*/clusters/*/connectors/*/config"),
    (Some("GET"), "/iam/v2/api-keys"),
    (Some("GET"), "/kafka/v3/clusters/*/topics"),
    (Some("GET"), "/connectors"),
    (None, "/**"),
];

/// What a step's faults left to undo after its runs.
#[derive(Default)]
pub struct Undo {
    /// `(hook index, variable)` to unset.
    pub env: Vec<(usize, &'static str)>,
}

fn rule(rng: &mut fastrand::Rng, action: Value, after: bool) -> Value {
    let (method, path) = PATHS[rng.usize(..PATHS.len())];
    let mut r = json!({"path": path, "times": rng.u32(1..4), "action": action});
    if let Some(m) = method {
        r["method"] = json!(m);
    }
    if after {
        r["when"] = json!("after");
    }
    r
}

/// Injects 0–2 random faults; returns their descriptions.
pub fn random_faults(rng: &mut fastrand::Rng, emu: &Emulator, hooks: &mut Hooks, undo: &mut Undo) -> Vec<String> {
    let count = [0, 0, 0, 1, 1, 1, 1, 1, 2, 2][rng.usize(..10)];
    (0..count).map(|_| one_fault(rng, emu, hooks, undo)).collect()
}

fn add(emu: &Emulator, rule: &Value) -> String {
    let (status, body) = emu.call("POST", "/_emulator/faults", Some(rule.clone()));
    if status == 200 { format!("fault rule {rule}") } else { format!("fault rule refused ({status} {body}): {rule}") }
}

fn one_fault(rng: &mut fastrand::Rng, emu: &Emulator, hooks: &mut Hooks, undo: &mut Undo) -> String {
    let after = rng.bool();
    match rng.u32(..14) {
        0 => add(emu, &rule(rng, json!({"type": "status", "status": 429, "retry_after": 1}), false)),
        1 => add(emu, &rule(rng, json!({"type": "status", "status": 429}), false)),
        2 => add(emu, &rule(rng, json!({"type": "status", "status": 500}), after)),
        3 => add(emu, &rule(rng, json!({"type": "status", "status": 503}), after)),
        4 | 5 => add(emu, &rule(rng, json!({"type": "drop"}), after)),
        6 => add(emu, &rule(rng, json!({"type": "delay", "ms": 300}), false)),
        7 => add(emu, &rule(rng, json!({"type": "timeout"}), after)),
        8 => {
            let n = rng.u32(1..6);
            emu.call("POST", "/_emulator/connect/rebalance", Some(json!({"requests": n})));
            format!("rebalance: the next {n} Connect writes answer 409")
        }
        9 => {
            let lag = rng.usize(1..3);
            hooks.cluster.set_informer_lag(lag);
            format!("informer lag {lag}")
        }
        10 => {
            let kind = ["Secret", "ConfigMap"][rng.usize(..2)];
            let operation = [None, Some("CreateOrUpdate"), Some("MergePatch")][rng.usize(..3)];
            let times = rng.u32(1..3);
            hooks.cluster.refuse(RefuseRule {
                operation: operation.map(str::to_owned),
                kind: Some(kind.into()),
                name: None,
                reason: "chaos: refused by the API server".into(),
                times: Some(times),
            });
            format!("API server refuses {times} {} of kind {kind}", operation.unwrap_or("operation(s)"))
        }
        11 => {
            let hook = rng.usize(..3);
            hooks.set_env(hook, "HOOK_DEADLINE", "1s");
            undo.env.push((hook, "HOOK_DEADLINE"));
            add(emu, &json!({"path": "/**", "times": 2, "action": {"type": "delay", "ms": 1500}}));
            format!("HOOK_DEADLINE=1s for {} with 1.5 s delays on the first 2 requests", crate::harness::HOOKS[hook])
        }
        _ => {
            let hook = rng.usize(..3);
            hooks.set_env(hook, "CHAOS_KILL_AFTER", "1");
            undo.env.push((hook, "CHAOS_KILL_AFTER"));
            let r = rule(rng, json!({"type": "delay", "ms": 2500}), false);
            add(emu, &r);
            format!("{} killed (SIGKILL) after 1 s; delay 2.5 s on {}", crate::harness::HOOKS[hook], r["path"])
        }
    }
}

/// Back to fault-free: no rules, no rebalance, no lag, no refusals, no kill or deadline.
pub fn clear(emu: &Emulator, hooks: &mut Hooks, undo: &mut Undo) {
    emu.call("DELETE", "/_emulator/faults", None);
    emu.call("POST", "/_emulator/connect/rebalance", Some(json!({"requests": 0})));
    for (hook, key) in undo.env.drain(..) {
        hooks.unset_env(hook, key);
    }
    hooks.cluster.set_informer_lag(0);
}

/// Drops refusals that never struck (the cluster API has no way to remove one).
pub fn drop_refusals(hooks: &mut Hooks) {
    let truth = hooks.cluster.truth().clone();
    hooks.cluster = hookctl::cluster::PretendCluster::new(truth);
}
