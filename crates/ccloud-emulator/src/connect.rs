//! Kafka Connect: the self-managed worker at `/connectors…` and Confluent Cloud
//! managed connectors at `/connect/v1/environments/{env}/clusters/{lkc}/connectors…`.
//! One implementation; the flavour decides storage, status codes, error shape,
//! masking of sensitive values and which operations exist.

use crate::http::{Family, Reply, Req};
use crate::model::{Connector, PendingState, Plugin, RunState, World};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
enum Flavor<'p> {
    SelfManaged,
    Cloud { cluster: &'p str },
}

const MASK: &str = "****************";
const REBALANCE: &str =
    "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";

impl Flavor<'_> {
    fn family(self) -> Family {
        match self {
            Self::SelfManaged => Family::Connect,
            Self::Cloud { .. } => Family::CloudConnect,
        }
    }
    fn err(self, status: u16, message: &str) -> Reply {
        self.family().error(status, u32::from(status), message)
    }
    fn store(self, world: &mut World) -> &mut BTreeMap<String, Connector> {
        match self {
            Self::SelfManaged => &mut world.connect.connectors,
            Self::Cloud { cluster } => &mut world.clusters.get_mut(cluster).expect("checked by resolve").connectors,
        }
    }
    fn plugins(self, world: &World) -> &[Plugin] {
        match self {
            Self::SelfManaged => &world.connect.plugins,
            Self::Cloud { .. } => &world.cloud_plugins,
        }
    }
}

/// Checks credentials and the target, and returns the flavour plus the remaining path.
fn resolve<'p>(world: &mut World, req: &Req, p: &'p [&'p str]) -> Result<(Flavor<'p>, &'p [&'p str]), Reply> {
    if req.segments.first().map(String::as_str) == Some("connect") {
        let f = Family::CloudConnect;
        crate::cloud::authorize(world, req).map_err(|_| f.error(401, 401, "Authentication failed"))?;
        let (env, cluster) = (p[0], p[1]);
        let ok = world.clusters.get(cluster).is_some_and(|c| c.environment == env);
        if !ok {
            return Err(f.error(404, 404, &format!("Kafka cluster {cluster} not found in environment {env}")));
        }
        return Ok((Flavor::Cloud { cluster }, &p[2..]));
    }
    if let Some((user, pass)) = &world.connect.basic_auth
        && req.basic.as_ref() != Some(&(user.clone(), pass.clone()))
    {
        return Err(Family::Connect.error(401, 401, "Authentication required"));
    }
    if req.method != "GET" && world.rebalance.remaining_requests > 0 {
        world.rebalance.remaining_requests -= 1;
        return Err(Family::Connect.error(409, 409, REBALANCE));
    }
    Ok((Flavor::SelfManaged, p))
}

macro_rules! resolved {
    ($world:expr, $req:expr, $p:expr) => {
        match resolve($world, $req, $p) {
            Ok(r) => r,
            Err(e) => return e,
        }
    };
}

/// A PASSWORD-type config of the plugin, or a key whose name says it holds a secret.
pub(crate) fn is_sensitive(plugin: Option<&Plugin>, key: &str) -> bool {
    plugin.is_some_and(|p| p.sensitive.iter().any(|s| s == key))
        || ["password", "secret", "keyfile", "credentials", "token", "jaas", "private.key"]
            .iter()
            .any(|w| key.to_ascii_lowercase().contains(w))
}

/// What a GET shows: raw on a worker; masked, with server-added keys, on Cloud.
fn visible_config(world: &World, flavor: Flavor<'_>, c: &Connector) -> Map<String, Value> {
    let mut out: Map<String, Value> = c.config.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    if let Flavor::Cloud { cluster } = flavor {
        let plugin = world.cloud_plugins.iter().find(|p| Some(&p.class) == c.config.get("connector.class"));
        for (k, v) in &mut out {
            if is_sensitive(plugin, k) {
                *v = json!(MASK);
            }
        }
        // The keys Cloud adds to every managed connector (Terraform's provider skips
        // exactly these when it diffs a config).
        let cl = &world.clusters[cluster];
        out.insert("cloud.environment".into(), json!("prod"));
        out.insert("cloud.provider".into(), json!(cl.cloud));
        out.insert("kafka.region".into(), json!(cl.region));
        out.insert(
            "kafka.endpoint".into(),
            json!(format!("SASL_SSL://pkc-emulated.{}.{}.confluent.cloud:9092", cl.region, cl.cloud)),
        );
        out.insert("kafka.dedicated".into(), json!("false"));
        out.insert("kafka.max.partition.validation.disable".into(), json!("false"));
        out.insert(
            "connector.crn".into(),
            json!(format!(
                "crn://confluent.cloud/organization={}/environment={}/cloud-cluster={cluster}/connector={}",
                world.organization_id, cl.environment, c.name
            )),
        );
    }
    out
}

/// The connector and task states the status reports now: the previous ones while a
/// pause/resume/stop propagates, PROVISIONING while a new Cloud connector starts.
fn current_states(world: &World, flavor: Flavor<'_>, c: &Connector) -> (RunState, Vec<RunState>) {
    let now = world.now();
    if let Some(p) = c.pending.as_ref().filter(|p| now < p.until) {
        return (p.state, p.tasks.clone());
    }
    let young = now.duration_since(c.created_at).unwrap_or_default() < world.behaviour.provisioning;
    if matches!(flavor, Flavor::Cloud { .. }) && young && c.state == RunState::Running {
        (RunState::Provisioning, vec![RunState::Provisioning; c.tasks.len()])
    } else {
        (c.state, c.tasks.clone())
    }
}

fn state_name(s: RunState) -> Value {
    serde_json::to_value(s).unwrap_or_default()
}

fn info_json(world: &World, flavor: Flavor<'_>, c: &Connector) -> Value {
    let tasks: Vec<Value> = (0..c.tasks.len()).map(|i| json!({"connector": c.name, "task": i})).collect();
    json!({"name": c.name, "config": visible_config(world, flavor, c), "tasks": tasks, "type": c.kind})
}

fn status_json(world: &World, flavor: Flavor<'_>, c: &Connector) -> Value {
    let worker = match flavor {
        Flavor::SelfManaged => "127.0.0.1:8083",
        Flavor::Cloud { .. } => "WORKER0",
    };
    let (state, task_states) = current_states(world, flavor, c);
    let mut connector = json!({"state": state_name(state), "worker_id": worker});
    if state == RunState::Failed {
        connector["trace"] = json!("org.apache.kafka.connect.errors.ConnectException: simulated failure");
    }
    let tasks: Vec<Value> = task_states
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let mut t = json!({"id": i, "state": state_name(s), "worker_id": worker});
            if s == RunState::Failed {
                t["trace"] = json!("org.apache.kafka.connect.errors.ConnectException: simulated task failure");
            }
            t
        })
        .collect();
    json!({"name": c.name, "connector": connector, "tasks": tasks, "type": c.kind})
}

fn missing(flavor: Flavor<'_>, name: &str) -> Reply {
    flavor.err(404, &format!("Connector {name} not found"))
}

/// Each flavour reads `expand` its own way. Apache binds a `List<String>`: every
/// repeated value is one expansion and `info,status` is a single unknown one, ignored
/// (the connector maps to `{}`). Cloud documents `expand=info,status,id`: one value,
/// split on commas; as with Cloud's other single-valued parameters, only the first
/// occurrence counts.
fn expansions<'r>(flavor: Flavor<'_>, req: &'r Req) -> Option<Vec<&'r str>> {
    match flavor {
        Flavor::SelfManaged => Some(req.params("expand")).filter(|v| !v.is_empty()),
        Flavor::Cloud { .. } => req.param("expand").map(|v| v.split(',').collect()),
    }
}

pub fn list(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, _) = resolved!(world, req, p);
    let expand = expansions(flavor, req);
    let names: Vec<String> = flavor.store(world).keys().cloned().collect();
    let Some(expand) = expand else { return Reply::json(200, json!(names)) };
    let store = flavor.store(world).clone();
    let mut out = Map::new();
    for (name, c) in &store {
        let mut entry = Map::new();
        if expand.contains(&"info") {
            entry.insert("info".into(), info_json(world, flavor, c));
        }
        if expand.contains(&"status") {
            entry.insert("status".into(), status_json(world, flavor, c));
        }
        if expand.contains(&"id") && matches!(flavor, Flavor::Cloud { .. }) {
            entry.insert("id".into(), json!({"id": format!("lcc-{}", &name.len()), "id_type": "ID"}));
        }
        out.insert(name.clone(), Value::Object(entry));
    }
    Reply::json(200, Value::Object(out))
}

/// Reads a flat config, coercing scalars to strings as Connect's JSON mapper does.
fn flat_config(flavor: Flavor<'_>, value: &Value) -> Result<BTreeMap<String, String>, Reply> {
    let Value::Object(map) = value else {
        return Err(flavor.err(400, "Connector configuration must be a JSON object"));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            Value::Bool(b) => Ok((k.clone(), b.to_string())),
            _ => Err(flavor.err(400, &format!("Connector configuration value for {k} must be a string"))),
        })
        .collect()
}

/// Creates or replaces a connector; `Ok(true)` when it was created.
fn upsert(
    world: &mut World,
    flavor: Flavor<'_>,
    name: &str,
    mut config: BTreeMap<String, String>,
) -> Result<bool, Reply> {
    if let Some(n) = config.get("name")
        && n != name
    {
        return Err(flavor.err(
            400,
            &format!("Connector name configuration ({n}) doesn't match connector name in the URL ({name})"),
        ));
    }
    let Some(class) = config.get("connector.class").cloned() else {
        return Err(flavor.err(400, "Connector config contains no connector type"));
    };
    let Some(plugin) =
        flavor.plugins(world).iter().find(|p| p.class == class || p.class.ends_with(&format!(".{class}"))).cloned()
    else {
        return Err(flavor
            .err(400, &format!("Failed to find any class that implements Connector and which name matches {class}")));
    };
    let tasks_max = match config.get("tasks.max").map(|t| t.parse::<usize>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        _ => return Err(flavor.err(400, "Invalid value for configuration tasks.max: must be a positive integer")),
    };
    if matches!(flavor, Flavor::Cloud { .. })
        && !config.contains_key("kafka.api.key")
        && !config.contains_key("kafka.service.account.id")
    {
        return Err(flavor.err(400, "kafka.api.key (with kafka.api.secret) or kafka.service.account.id is required"));
    }
    config.insert("name".into(), name.into());
    let now = world.now();
    let store = flavor.store(world);
    match store.get_mut(name) {
        Some(c) => {
            c.config = config;
            c.tasks.resize(tasks_max, RunState::Running);
            Ok(false)
        }
        None => {
            let c = Connector {
                name: name.into(),
                config,
                state: RunState::Running,
                tasks: vec![RunState::Running; tasks_max],
                kind: plugin.kind,
                created_at: now,
                restarts: 0,
                pending: None,
            };
            store.insert(name.into(), c);
            Ok(true)
        }
    }
}

pub fn create(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, _) = resolved!(world, req, p);
    let body: Value = match req.json(|m| flavor.err(400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(name) = body.get("name").and_then(Value::as_str).map(str::to_owned) else {
        return flavor.err(400, "Connector name must be provided");
    };
    if flavor.store(world).contains_key(&name) {
        return flavor.err(409, &format!("Connector {name} already exists"));
    }
    let config = match flat_config(flavor, body.get("config").unwrap_or(&Value::Null)) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match upsert(world, flavor, &name, config) {
        Ok(_) => {
            let c = flavor.store(world)[&name].clone();
            Reply::json(201, info_json(world, flavor, &c))
        }
        Err(e) => e,
    }
}

pub fn put_config(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    let name = rest[0];
    let body: Value = match req.json(|m| flavor.err(400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let config = match flat_config(flavor, &body) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match upsert(world, flavor, name, config) {
        Ok(created) => {
            let c = flavor.store(world)[name].clone();
            let status = if created && matches!(flavor, Flavor::SelfManaged) { 201 } else { 200 };
            Reply::json(status, info_json(world, flavor, &c))
        }
        Err(e) => e,
    }
}

fn with_connector(
    world: &mut World,
    req: &Req,
    p: &[&str],
    f: impl FnOnce(&World, Flavor<'_>, &Connector) -> Reply,
) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    match flavor.store(world).get(rest[0]).cloned() {
        Some(c) => f(world, flavor, &c),
        None => missing(flavor, rest[0]),
    }
}

pub fn get(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    with_connector(world, req, p, |w, f, c| Reply::json(200, info_json(w, f, c)))
}

pub fn get_config(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    with_connector(world, req, p, |w, f, c| Reply::json(200, Value::Object(visible_config(w, f, c))))
}

pub fn status(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    with_connector(world, req, p, |w, f, c| Reply::json(200, status_json(w, f, c)))
}

pub fn tasks(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    with_connector(world, req, p, |w, f, c| {
        let config = visible_config(w, f, c);
        let tasks: Vec<Value> =
            (0..c.tasks.len()).map(|i| json!({"id": {"connector": c.name, "task": i}, "config": config})).collect();
        Reply::json(200, json!(tasks))
    })
}

pub fn delete(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    match (flavor.store(world).remove(rest[0]), flavor) {
        (None, _) => missing(flavor, rest[0]),
        (Some(_), Flavor::SelfManaged) => Reply::empty(204),
        (Some(_), Flavor::Cloud { .. }) => Reply::json(200, json!({"error": null})),
    }
}

/// Pause, resume and stop are accepted at once but reach the status only after the
/// worker has written them to the status topic (`state_change`).
fn set_state(world: &mut World, req: &Req, p: &[&str], state: RunState, status: u16) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    let until = world.now() + world.behaviour.state_change;
    let Some(c) = flavor.store(world).get(rest[0]).cloned() else { return missing(flavor, rest[0]) };
    let (shown, shown_tasks) = current_states(world, flavor, &c);
    match flavor.store(world).get_mut(rest[0]) {
        Some(c) => {
            c.pending = Some(PendingState { state: shown, tasks: shown_tasks, until });
            c.state = state;
            c.tasks.iter_mut().for_each(|t| *t = if state == RunState::Stopped { RunState::Unassigned } else { state });
            Reply::empty(status)
        }
        None => missing(flavor, rest[0]),
    }
}

pub fn pause(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    set_state(world, req, p, RunState::Paused, 202)
}

pub fn resume(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    set_state(world, req, p, RunState::Running, 202)
}

pub fn stop(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    set_state(world, req, p, RunState::Stopped, 204)
}

/// `restart?includeTasks=&onlyFailed=`: 204 for the connector alone, else 202 with the state.
pub fn restart(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    let (include_tasks, only_failed) = (req.flag("includeTasks"), req.flag("onlyFailed"));
    let Some(c) = flavor.store(world).get_mut(rest[0]) else { return missing(flavor, rest[0]) };
    c.restarts += 1;
    c.pending = None;
    let mut restarting = Vec::new();
    if !only_failed || c.state == RunState::Failed {
        c.state = RunState::Running;
    }
    if include_tasks {
        for (i, t) in c.tasks.iter_mut().enumerate() {
            if !only_failed || *t == RunState::Failed {
                *t = RunState::Running;
                restarting.push(i);
            }
        }
    }
    if !include_tasks && !only_failed {
        return Reply::empty(204);
    }
    let c = c.clone();
    let mut body = status_json(world, flavor, &c);
    for i in restarting {
        body["tasks"][i]["state"] = json!("RESTARTING");
    }
    Reply::json(202, body)
}

pub fn restart_task(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    let Ok(task) = rest[1].parse::<usize>() else { return flavor.err(404, "Task not found") };
    let Some(c) = flavor.store(world).get_mut(rest[0]) else { return missing(flavor, rest[0]) };
    match c.tasks.get_mut(task) {
        Some(t) => {
            *t = RunState::Running;
            Reply::empty(204)
        }
        None => flavor.err(404, &format!("Task {task} not found")),
    }
}

pub fn plugins(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, _) = resolved!(world, req, p);
    let list: Vec<Value> =
        flavor.plugins(world).iter().map(|p| json!({"class": p.class, "type": p.kind, "version": p.version})).collect();
    Reply::json(200, json!(list))
}

/// Validation answers 200 even for invalid configs; errors are per field.
pub fn validate(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let (flavor, rest) = resolved!(world, req, p);
    let Some(plugin) = flavor
        .plugins(world)
        .iter()
        .find(|pl| pl.class == rest[0] || pl.class.ends_with(&format!(".{}", rest[0])))
        .cloned()
    else {
        return flavor.err(404, &format!("Plugin {} not found", rest[0]));
    };
    let body: Value = match req.json(|m| flavor.err(400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let config = match flat_config(flavor, &body) {
        Ok(c) => c,
        Err(e) => return e,
    };
    if config.get("connector.class").is_some_and(|c| *c != plugin.class && !plugin.class.ends_with(&format!(".{c}"))) {
        return flavor.err(400, "connector.class in the body does not match the plugin in the path");
    }
    let mut names: Vec<String> = vec!["name".into(), "connector.class".into(), "tasks.max".into()];
    names.extend(plugin.required.iter().cloned());
    names.extend(config.keys().filter(|k| !names.contains(k)).cloned().collect::<Vec<_>>());
    let mut error_count = 0;
    let configs: Vec<Value> = names
        .iter()
        .map(|name| {
            let value = config.get(name);
            let mut errors = Vec::new();
            let required = plugin.required.contains(name) || name == "name" || name == "connector.class";
            if required && value.is_none_or(String::is_empty) {
                errors.push(format!("Missing required configuration \"{name}\" which has no default value."));
            }
            if name == "tasks.max" && value.is_some_and(|v| v.parse::<u32>().map_or(true, |n| n == 0)) {
                errors.push(format!("Invalid value {} for configuration tasks.max: Not a positive number of type INT", value.map_or("", |v| v)));
            }
            error_count += errors.len();
            let shown = if matches!(flavor, Flavor::Cloud { .. }) && is_sensitive(Some(&plugin), name) { value.map(|_| MASK.to_owned()) } else { value.cloned() };
            // Connect sends null for "no default" and "not set"; the specs type both as
            // plain strings, so those keys are left out instead.
            let mut value = json!({"name": name, "recommended_values": [], "errors": errors, "visible": true});
            if let Some(shown) = shown {
                value["value"] = json!(shown);
            }
            json!({"definition": {"name": name, "type": "STRING", "required": required, "importance": "HIGH",
                                  "documentation": "", "group": "Common", "width": "NONE", "display_name": name, "dependents": [], "order": 0},
                   "value": value})
        })
        .collect();
    Reply::json(
        200,
        json!({"name": plugin.class, "error_count": error_count, "groups": ["Common"], "configs": configs}),
    )
}

pub fn worker_info(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let _ = resolved!(world, req, p);
    Reply::json(
        200,
        json!({"version": "3.9.0", "commit": "emulated", "kafka_cluster_id": world.connect.kafka_cluster_id}),
    )
}
