//! The emulated world: organisation, environments, clusters, identities, keys,
//! topics, ACLs and connectors. Everything here is plain data behind one lock.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

/// A Kafka topic; `configs` holds only dynamic (topic-level) overrides.
#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub partitions: u32,
    pub replication_factor: u32,
    pub internal: bool,
    pub configs: BTreeMap<String, String>,
}

/// One ACL binding, the 7-tuple Kafka stores.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Acl {
    pub resource_type: String,
    pub resource_name: String,
    pub pattern_type: String,
    pub principal: String,
    pub host: String,
    pub operation: String,
    pub permission: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub id: String,
    pub environment: String,
    pub display_name: String,
    pub cloud: String,
    pub region: String,
    pub availability: String,
    pub topics: BTreeMap<String, Topic>,
    pub acls: BTreeSet<Acl>,
    /// Deleted topics whose names stay taken until this time: Kafka deletes asynchronously.
    pub deleting: BTreeMap<String, SystemTime>,
    /// Confluent Cloud managed connectors running against this cluster.
    pub connectors: BTreeMap<String, Connector>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub id: String,
    pub display_name: String,
    pub created_at: SystemTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceAccount {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaRegistry {
    pub id: String,
    pub environment: String,
    pub cloud: String,
    pub region: String,
}

/// An API key. `resource` is a cluster or Schema Registry id, or `None` for a Cloud key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: String,
    #[serde(skip)]
    pub secret: String,
    pub owner: String,
    pub resource: Option<String>,
    pub display_name: String,
    pub description: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// Keys minted through the API authenticate only from this time on.
    pub active_from: SystemTime,
    /// Keys minted through the API appear in `GET /iam/v2/api-keys` only from this time on.
    pub listed_from: SystemTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Provisioning,
    Running,
    Paused,
    Stopped,
    Failed,
    Unassigned,
}

#[derive(Debug, Clone, Serialize)]
pub struct Connector {
    pub name: String,
    pub config: BTreeMap<String, String>,
    pub state: RunState,
    pub tasks: Vec<RunState>,
    pub kind: String,
    pub created_at: SystemTime,
    /// How many times each task (index) and the connector (last slot) were restarted.
    pub restarts: u32,
    /// A pause, resume or stop not yet visible: the states reported until the given time.
    pub pending: Option<PendingState>,
}

/// What a connector reports while a requested state change propagates through the
/// status topic.
#[derive(Debug, Clone, Serialize)]
pub struct PendingState {
    pub state: RunState,
    pub tasks: Vec<RunState>,
    pub until: SystemTime,
}

/// A connector plugin a worker (or Confluent Cloud) offers.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Plugin {
    pub class: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default = "default_plugin_version")]
    pub version: String,
    /// Configs a validation reports as missing when absent.
    #[serde(default)]
    pub required: Vec<String>,
    /// PASSWORD-type configs, masked in Confluent Cloud reads.
    #[serde(default)]
    pub sensitive: Vec<String>,
}

fn default_plugin_version() -> String {
    "7.6.0".into()
}

/// The self-managed Kafka Connect worker served at the root paths.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectWorker {
    pub plugins: Vec<Plugin>,
    pub connectors: BTreeMap<String, Connector>,
    /// Optional HTTP basic credentials, as with a REST auth extension.
    #[serde(skip)]
    pub basic_auth: Option<(String, String)>,
    pub kafka_cluster_id: String,
}

/// Simulated Connect rebalance: writes answer 409 while active.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Rebalance {
    pub remaining_requests: u32,
}

/// Emulator-wide behaviour that tests tune. The defaults are the strict, realistic
/// ones: every delay is non-zero, so code that assumes read-after-write fails here
/// rather than on Confluent Cloud.
#[derive(Debug, Clone, Serialize)]
pub struct Behaviour {
    /// A new API key answers 401 for this long, as on Cloud.
    #[serde(rename = "key_activation_ms", serialize_with = "millis")]
    pub key_activation: Duration,
    /// A new API key is missing from `GET /iam/v2/api-keys` for this long.
    #[serde(rename = "key_listing_lag_ms", serialize_with = "millis")]
    pub key_listing_lag: Duration,
    /// API keys one service account may own; past it a create answers 402.
    pub max_keys_per_service_account: u32,
    /// A new managed connector reports PROVISIONING for this long.
    #[serde(rename = "provisioning_ms", serialize_with = "millis")]
    pub provisioning: Duration,
    /// Pause, resume and stop show in the status only after this long.
    #[serde(rename = "state_change_ms", serialize_with = "millis")]
    pub state_change: Duration,
    /// A deleted topic's name cannot be created again for this long.
    #[serde(rename = "topic_deletion_ms", serialize_with = "millis")]
    pub topic_deletion: Duration,
    /// Cloud requests allowed per second per key before 429 (0: unlimited).
    pub rate_limit_per_second: u32,
    /// Kafka REST requests allowed per second per key before 429 (0: unlimited).
    pub kafka_rate_limit_per_second: u32,
}

/// Durations as whole milliseconds, the unit `PUT /_emulator/behaviour` takes.
fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            key_activation: Duration::from_secs(5),
            key_listing_lag: Duration::from_secs(2),
            max_keys_per_service_account: 10,
            provisioning: Duration::from_secs(5),
            state_change: Duration::from_secs(2),
            topic_deletion: Duration::from_secs(5),
            rate_limit_per_second: 0,
            kafka_rate_limit_per_second: 0,
        }
    }
}

/// The whole emulated state.
#[derive(Debug, Clone, Serialize)]
pub struct World {
    pub organization_id: String,
    pub environments: BTreeMap<String, Environment>,
    pub clusters: BTreeMap<String, Cluster>,
    pub schema_registries: BTreeMap<String, SchemaRegistry>,
    pub service_accounts: BTreeMap<String, ServiceAccount>,
    pub api_keys: BTreeMap<String, ApiKey>,
    pub connect: ConnectWorker,
    pub cloud_plugins: Vec<Plugin>,
    pub rebalance: Rebalance,
    pub behaviour: Behaviour,
    /// Added to the wall clock (tests move time forward through the control API).
    pub clock_offset: Duration,
    /// Base URL of this emulator, used in `self` links and cluster endpoints.
    #[serde(skip)]
    pub base_url: String,
    #[serde(skip)]
    pub rng: RngState,
}

/// A seeded generator, so that ids are reproducible for a given `--seed`.
#[derive(Debug, Clone)]
pub struct RngState(pub fastrand::Rng);

impl Default for RngState {
    fn default() -> Self {
        Self(fastrand::Rng::with_seed(7))
    }
}

impl World {
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }

    /// A fresh id such as `sa-x1y2z3`, unique among `taken`.
    pub fn new_id(&mut self, prefix: &str, taken: impl Fn(&str) -> bool) -> String {
        loop {
            let tail: String = (0..6).map(|_| self.rng.0.alphanumeric().to_ascii_lowercase()).collect();
            let id = format!("{prefix}-{tail}");
            if !taken(&id) {
                return id;
            }
        }
    }

    /// A key id (16 upper-case characters) and a 64-character secret.
    pub fn new_key_material(&mut self) -> (String, String) {
        const KEY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        loop {
            let id: String = (0..16).map(|_| KEY[self.rng.0.usize(..KEY.len())] as char).collect();
            if self.api_keys.contains_key(&id) {
                continue;
            }
            let secret = (0..64).map(|_| SECRET[self.rng.0.usize(..SECRET.len())] as char).collect();
            return (id, secret);
        }
    }

    /// The key with this id and secret, if it exists and has become active.
    pub fn authenticate(&self, key: &str, secret: &str) -> Option<&ApiKey> {
        self.api_keys.get(key).filter(|k| k.secret == secret && self.now() >= k.active_from)
    }

    pub fn cluster_endpoint(&self) -> String {
        self.base_url.clone()
    }
}

/// RFC 3339 text for a time.
pub fn rfc3339(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t).map(|ts| ts.to_string()).unwrap_or_default()
}
