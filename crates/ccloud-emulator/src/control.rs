//! `/_emulator/…`: state dump and reset, request log and counters, fault rules,
//! latency, behaviour, the clock, Connect rebalances and failures.

use crate::connect::is_sensitive;
use crate::faults::{FaultRule, Latency};
use crate::http::{Family, Reply, Req, capture};
use crate::model::{Plugin, RunState, World};
use crate::server::Shared;
use crate::statefile::BehaviourSpec;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::MutexGuard;
use std::time::Duration;

const F: Family = Family::Control;

fn lock<T>(m: &std::sync::Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn bad(message: &str) -> Reply {
    F.error(400, 400, message)
}

fn body<T: for<'de> Deserialize<'de>>(req: &Req) -> Result<T, Reply> {
    req.json(|m| bad(&m))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Box<FaultRule>),
    Many(Vec<FaultRule>),
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

#[derive(Deserialize)]
struct Rebalance {
    requests: u32,
}

#[derive(Deserialize, Default)]
struct Fail {
    #[serde(default)]
    connector: bool,
    #[serde(default)]
    tasks: Vec<usize>,
}

/// The state dump with every sensitive connector value replaced, so that a test log
/// or a bug report never carries a secret (API key secrets are never serialised).
fn state_without_secrets(world: &World) -> Value {
    let mut state = serde_json::to_value(world).unwrap_or_default();
    let redact = |connectors: Option<&mut Value>, plugins: &[Plugin]| {
        let Some(Value::Object(connectors)) = connectors else { return };
        for c in connectors.values_mut() {
            let Some(Value::Object(config)) = c.get_mut("config") else { continue };
            let class = config.get("connector.class").and_then(Value::as_str).map(str::to_owned);
            let plugin = plugins
                .iter()
                .find(|p| class.as_deref().is_some_and(|c| p.class == c || p.class.ends_with(&format!(".{c}"))));
            for (k, v) in config.iter_mut() {
                if is_sensitive(plugin, k) {
                    *v = json!(REDACTED);
                }
            }
        }
    };
    redact(state.pointer_mut("/connect/connectors"), &world.connect.plugins);
    for id in world.clusters.keys() {
        redact(state.pointer_mut(&format!("/clusters/{id}/connectors")), &world.cloud_plugins);
    }
    state
}

const REDACTED: &str = "<redacted>";

pub fn handle(shared: &Shared, req: &Req) -> Reply {
    match handle_inner(shared, req) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(shared: &Shared, req: &Req) -> Result<Reply, Reply> {
    let path: Vec<String> = req.segments.iter().skip(1).cloned().collect();
    let at = |pattern: &str| capture(pattern, &path);
    let m = req.method.as_str();
    let reply = match (m, path.iter().map(String::as_str).collect::<Vec<_>>().as_slice()) {
        ("GET", ["health"]) => Reply::json(200, json!({"status": "ok"})),
        ("GET", ["state"]) => Reply::json(200, state_without_secrets(&lock(&shared.world))),
        ("POST", ["reset"]) => {
            let mut world = lock(&shared.world);
            let base = world.base_url.clone();
            *world = shared.initial.clone();
            world.base_url = base;
            Reply::json(200, json!({"reset": true}))
        }
        ("GET", ["requests"]) => {
            let since: u64 = req.param("since").and_then(|s| s.parse().ok()).unwrap_or(0);
            let log = lock(&shared.log);
            let entries: Vec<&crate::faults::LoggedRequest> = log.entries.iter().filter(|e| e.seq >= since).collect();
            Reply::json(200, json!({"next": log.next_seq, "requests": entries}))
        }
        ("DELETE", ["requests"]) => {
            lock(&shared.log).clear();
            Reply::empty(204)
        }
        ("GET", ["counters"]) => {
            let log = lock(&shared.log);
            let total: u64 = log.counters.values().sum();
            let writes: u64 = log.counters.iter().filter(|(k, _)| !k.starts_with("GET ")).map(|(_, v)| v).sum();
            Reply::json(200, json!({"total": total, "writes": writes, "by_route": log.counters}))
        }
        ("GET", ["faults"]) => Reply::json(200, json!(lock(&shared.faults).rules)),
        ("POST", ["faults"]) => {
            let rules = match body::<OneOrMany>(req)? {
                OneOrMany::One(r) => vec![*r],
                OneOrMany::Many(r) => r,
            };
            let mut faults = lock(&shared.faults);
            faults.rules.extend(rules);
            Reply::json(200, json!(faults.rules))
        }
        ("DELETE", ["faults"]) => {
            lock(&shared.faults).rules.clear();
            Reply::empty(204)
        }
        ("GET", ["latency"]) => Reply::json(200, json!(*lock(&shared.latency))),
        ("PUT", ["latency"]) => {
            let latency: Latency = body(req)?;
            *lock(&shared.latency) = latency.clone();
            Reply::json(200, json!(latency))
        }
        ("GET", ["behaviour"]) => Reply::json(200, json!(lock(&shared.world).behaviour)),
        ("PUT", ["behaviour"]) => {
            let patch: BehaviourSpec = body(req)?;
            let mut world = lock(&shared.world);
            patch.apply(&mut world.behaviour);
            Reply::json(200, json!(world.behaviour))
        }
        ("POST", ["clock"]) => {
            let a: Advance = body(req)?;
            let mut world = lock(&shared.world);
            world.clock_offset += Duration::from_secs(a.seconds);
            Reply::json(200, json!({"now": crate::model::rfc3339(world.now())}))
        }
        ("POST", ["connect", "rebalance"]) => {
            let r: Rebalance = body(req)?;
            lock(&shared.world).rebalance.remaining_requests = r.requests;
            Reply::json(200, json!({"remaining_requests": r.requests}))
        }
        ("POST", _) if at("/connectors/{name}/fail").is_some() => {
            let name = &path[1];
            let f: Fail = if req.body.is_empty() { Fail { connector: true, tasks: vec![] } } else { body(req)? };
            let mut world = lock(&shared.world);
            let store = match req.param("cluster") {
                Some(c) => {
                    &mut world.clusters.get_mut(c).ok_or_else(|| F.error(404, 404, "no such cluster"))?.connectors
                }
                None => &mut world.connect.connectors,
            };
            let c = store.get_mut(name).ok_or_else(|| F.error(404, 404, "no such connector"))?;
            c.pending = None;
            if f.connector {
                c.state = RunState::Failed;
            }
            for t in f.tasks {
                if let Some(task) = c.tasks.get_mut(t) {
                    *task = RunState::Failed;
                }
            }
            // Never the config: it may hold secrets.
            Reply::json(200, json!({"name": c.name, "state": c.state, "tasks": c.tasks}))
        }
        ("GET", _) if at("/connectors/{name}/restarts").is_some() => {
            let world = lock(&shared.world);
            let name = &path[1];
            let count = match req.param("cluster") {
                Some(c) => world.clusters.get(c).and_then(|c| c.connectors.get(name)).map(|c| c.restarts),
                None => world.connect.connectors.get(name).map(|c| c.restarts),
            };
            Reply::json(200, json!({"restarts": count}))
        }
        ("POST", _) if at("/api-keys/{id}/age").is_some() => {
            let a: Advance = body(req)?;
            let mut world = lock(&shared.world);
            let key = world.api_keys.get_mut(&path[1]).ok_or_else(|| F.error(404, 404, "no such key"))?;
            key.created_at -= Duration::from_secs(a.seconds);
            Reply::json(200, json!({"id": key.id}))
        }
        _ => F.error(404, 404, &format!("no control endpoint {m} {}", req.path)),
    };
    Ok(reply)
}

/// The routes above, for the README and error messages.
pub const ENDPOINTS: &[&str] = &[
    "GET /_emulator/health",
    "GET /_emulator/state",
    "POST /_emulator/reset",
    "GET|DELETE /_emulator/requests[?since=N]",
    "GET /_emulator/counters",
    "GET|POST|DELETE /_emulator/faults",
    "GET|PUT /_emulator/latency",
    "GET|PUT /_emulator/behaviour",
    "POST /_emulator/clock",
    "POST /_emulator/connect/rebalance",
    "POST /_emulator/connectors/{name}/fail[?cluster=lkc-…]",
    "GET /_emulator/connectors/{name}/restarts[?cluster=lkc-…]",
    "POST /_emulator/api-keys/{id}/age",
];
