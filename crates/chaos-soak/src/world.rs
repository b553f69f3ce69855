//! The one emulator of a soak: the example state plus foreign resources this deployment
//! does not own, and what the soak observes of it through the control API.

use crate::model::LKC;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Keys made by someone else on a service account the soak declares (`orders-app`).
pub const FOREIGN_KEYS: [(&str, &str, &str); 3] = [
    ("OTHERDEPLOYKEY01", "other-deployment-secret-0001", "ccops/ccloud-api-key/other sa=orders-app"),
    ("HUMANMADEKEY0001", "human-made-secret-0000000001", "alice's laptop"),
    (
        "FOREIGNSAKEY0001",
        "foreign-sa-secret-000000001",
        "ccops/ccloud-topic/default sa=foreign-team (another tool's token)",
    ),
];
pub const FOREIGN_TOPICS: [&str; 3] = ["foreign-events", "_confluent-audit", "orders-legacy-foreign"];
pub const FOREIGN_PRINCIPAL: &str = "User:sa-foreign1";
pub const HAND_MADE_CONNECTOR: &str = "hand-made-file-source";

#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("example state: {0}")]
    State(String),
    #[error("starting the emulator: {0}")]
    Start(#[from] std::io::Error),
    #[error("seeding the hand-made connector: HTTP {0}")]
    Seed(u16),
}

/// The example state (strict behaviour) with the foreign resources added.
fn world() -> Result<ccloud_emulator::model::World, WorldError> {
    let path = test_support::testdata("emulator/streaming-ops.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| WorldError::State(e.to_string()))?;
    let mut state: Value = yaml_io::from_str(&text).map_err(|e| WorldError::State(e.to_string()))?;
    let push = |v: &mut Value, item: Value| {
        if let Some(a) = v.as_array_mut() {
            a.push(item);
        }
    };
    push(
        &mut state["service_accounts"],
        json!({"id": "sa-orders01", "name": "orders-app", "description": "made before the soak"}),
    );
    push(
        &mut state["service_accounts"],
        json!({"id": "sa-foreign1", "name": "foreign-team", "description": "not ours"}),
    );
    let owners = ["sa-orders01", "sa-orders01", "sa-foreign1"];
    for ((key, secret, description), owner) in FOREIGN_KEYS.iter().zip(owners) {
        push(
            &mut state["api_keys"],
            json!({"key": key, "secret": secret, "owner": owner, "resource": LKC, "description": description}),
        );
    }
    let cluster = &mut state["environments"][0]["clusters"][0];
    cluster["topics"] = json!([
        {"name": FOREIGN_TOPICS[0], "partitions": 4, "configs": {"retention.ms": "86400000"}},
        {"name": FOREIGN_TOPICS[1], "partitions": 1},
        {"name": FOREIGN_TOPICS[2], "partitions": 2, "configs": {"cleanup.policy": "compact"}},
    ]);
    cluster["acls"] = json!([
        {"resource_type": "TOPIC", "resource_name": "foreign-events", "pattern_type": "LITERAL",
         "principal": FOREIGN_PRINCIPAL, "host": "*", "operation": "READ", "permission": "ALLOW"},
        {"resource_type": "TOPIC", "resource_name": "order", "pattern_type": "PREFIXED",
         "principal": FOREIGN_PRINCIPAL, "host": "*", "operation": "WRITE", "permission": "ALLOW"},
    ]);
    let text = serde_json::to_string(&state).map_err(|e| WorldError::State(e.to_string()))?;
    let file = ccloud_emulator::statefile::StateFile::parse(&text).map_err(|e| WorldError::State(e.to_string()))?;
    let mut world = file.into_world().map_err(|e| WorldError::State(e.to_string()))?;
    world.behaviour = ccloud_emulator::model::Behaviour::default();
    Ok(world)
}

pub struct Emulator {
    pub running: ccloud_emulator::Running,
}

impl Emulator {
    pub fn start() -> Result<Self, WorldError> {
        let running = ccloud_emulator::spawn(world()?, true)?;
        let e = Self { running };
        let config = json!({"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                            "topic": "foreign-events", "file": "/tmp/made-by-hand", "tasks.max": "1"});
        let (status, _) = e.call("PUT", &format!("/connectors/{HAND_MADE_CONNECTOR}/config"), Some(config));
        if status != 201 {
            return Err(WorldError::Seed(status));
        }
        Ok(e)
    }

    pub fn url(&self) -> &str {
        &self.running.url
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        test_support::http::call(self.url(), method, path, None, body)
    }

    pub fn state(&self) -> Value {
        self.call("GET", "/_emulator/state", None).1
    }

    /// `writes` of the counters since the last call, then clears the log.
    pub fn writes_since_clear(&self) -> u64 {
        let writes = self.call("GET", "/_emulator/counters", None).1["writes"].as_u64().unwrap_or(0);
        self.call("DELETE", "/_emulator/requests", None);
        writes
    }

    pub fn advance(&self, seconds: u64) {
        self.call("POST", "/_emulator/clock", Some(json!({"seconds": seconds})));
    }

    pub fn observe(&self) -> Observed {
        Observed::from_state(&self.state())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub owner: String,
    pub resource: String,
    pub description: String,
}

/// The emulator's resources as the invariants compare them.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// name → (partitions, configs).
    pub topics: BTreeMap<String, Value>,
    /// The 7-tuple as one JSON line.
    pub acls: BTreeSet<String>,
    /// `(target, name)` → config.
    pub connectors: BTreeMap<(String, String), Value>,
    pub keys: BTreeMap<String, Key>,
    /// display name → id.
    pub service_accounts: BTreeMap<String, String>,
}

impl Observed {
    fn from_state(state: &Value) -> Self {
        let mut o = Self::default();
        let cluster = &state["clusters"][LKC];
        for (name, t) in cluster["topics"].as_object().into_iter().flatten() {
            o.topics.insert(name.clone(), json!({"partitions": t["partitions"], "configs": t["configs"]}));
        }
        for a in cluster["acls"].as_array().into_iter().flatten() {
            o.acls.insert(acl_line(a));
        }
        for (target, list) in [("self", &state["connect"]["connectors"]), (LKC, &cluster["connectors"])] {
            for (name, c) in list.as_object().into_iter().flatten() {
                o.connectors.insert((target.to_owned(), name.clone()), c["config"].clone());
            }
        }
        for (id, k) in state["api_keys"].as_object().into_iter().flatten() {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            o.keys.insert(
                id.clone(),
                Key { owner: s(&k["owner"]), resource: s(&k["resource"]), description: s(&k["description"]) },
            );
        }
        for (id, sa) in state["service_accounts"].as_object().into_iter().flatten() {
            o.service_accounts.insert(sa["display_name"].as_str().unwrap_or_default().to_owned(), id.clone());
        }
        o
    }
}

pub fn acl_line(a: &Value) -> String {
    let f = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
    format!(
        "{} {} {}:{} {} {} {}",
        f("principal"),
        f("permission"),
        f("resource_type"),
        f("resource_name"),
        f("pattern_type"),
        f("operation"),
        f("host")
    )
}
