//! The `--state` file (YAML or JSON): what exists when the emulator starts.

use crate::model::{
    Acl, ApiKey, Behaviour, Cluster, ConnectWorker, Environment, Plugin, Rebalance, RngState, SchemaRegistry,
    ServiceAccount, Topic, World,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Organisation-wide Cloud API keys (control plane and managed Connect).
    #[serde(default)]
    pub cloud_api_keys: Vec<KeyPair>,
    #[serde(default)]
    pub environments: Vec<EnvironmentSpec>,
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountSpec>,
    /// Resource-scoped keys that exist from the start (e.g. the key `ccloud-topic` uses).
    #[serde(default)]
    pub api_keys: Vec<ApiKeySpec>,
    #[serde(default)]
    pub connect: ConnectSpec,
    /// Plugins offered by Confluent Cloud managed Connect (a default set when omitted).
    #[serde(default)]
    pub cloud_plugins: Option<Vec<Plugin>>,
    #[serde(default)]
    pub behaviour: BehaviourSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPair {
    pub key: String,
    pub secret: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub schema_registry: Option<SchemaRegistrySpec>,
    #[serde(default)]
    pub clusters: Vec<ClusterSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaRegistrySpec {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default = "default_cloud")]
    pub cloud: String,
    #[serde(default = "default_region")]
    pub region: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "default_cloud")]
    pub cloud: String,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    #[serde(default)]
    pub acls: Vec<Acl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    #[serde(default = "default_partitions")]
    pub partitions: u32,
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountSpec {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySpec {
    pub key: String,
    pub secret: String,
    /// A service-account id or name, or a user id (`u-…`).
    pub owner: String,
    /// A cluster or Schema Registry id or name.
    pub resource: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectSpec {
    #[serde(default)]
    pub plugins: Option<Vec<Plugin>>,
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password: String,
}

/// Every field is optional; an absent one keeps the strict default of [`Behaviour`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviourSpec {
    #[serde(default)]
    pub key_activation_ms: Option<u64>,
    #[serde(default)]
    pub key_listing_lag_ms: Option<u64>,
    #[serde(default)]
    pub max_keys_per_service_account: Option<u32>,
    #[serde(default)]
    pub provisioning_ms: Option<u64>,
    #[serde(default)]
    pub state_change_ms: Option<u64>,
    #[serde(default)]
    pub topic_deletion_ms: Option<u64>,
    #[serde(default)]
    pub rate_limit_per_second: Option<u32>,
    #[serde(default)]
    pub kafka_rate_limit_per_second: Option<u32>,
}

impl BehaviourSpec {
    /// Applies the fields that are set (the state file and `PUT /_emulator/behaviour`).
    pub fn apply(&self, b: &mut Behaviour) {
        let ms = |v: Option<u64>, d: &mut Duration| {
            if let Some(v) = v {
                *d = Duration::from_millis(v);
            }
        };
        ms(self.key_activation_ms, &mut b.key_activation);
        ms(self.key_listing_lag_ms, &mut b.key_listing_lag);
        ms(self.provisioning_ms, &mut b.provisioning);
        ms(self.state_change_ms, &mut b.state_change);
        ms(self.topic_deletion_ms, &mut b.topic_deletion);
        if let Some(n) = self.max_keys_per_service_account {
            b.max_keys_per_service_account = n;
        }
        if let Some(n) = self.rate_limit_per_second {
            b.rate_limit_per_second = n;
        }
        if let Some(n) = self.kafka_rate_limit_per_second {
            b.kafka_rate_limit_per_second = n;
        }
    }
}

fn default_cloud() -> String {
    "gcp".into()
}
fn default_region() -> String {
    "us-central1".into()
}
fn default_partitions() -> u32 {
    6
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state file: {0}")]
    Parse(#[from] yaml_io::Error),
    #[error("state file: {0}")]
    Invalid(String),
}

impl StateFile {
    pub fn parse(text: &str) -> Result<Self, StateError> {
        Ok(yaml_io::from_json_or_yaml(text)?)
    }

    /// Builds the world this file describes.
    pub fn into_world(self) -> Result<World, StateError> {
        let mut world = empty_world(self.seed.unwrap_or(7));
        if let Some(org) = self.organization_id {
            world.organization_id = org;
        }
        let now = world.now();
        for pair in self.cloud_api_keys {
            world
                .api_keys
                .insert(pair.key.clone(), key(pair.key, pair.secret, "u-admin".into(), None, "org admin key", now));
        }
        for sa in self.service_accounts {
            let id = sa.id.unwrap_or_else(|| world.new_id("sa", |_| false));
            let account = ServiceAccount {
                id: id.clone(),
                display_name: sa.name,
                description: sa.description,
                created_at: now,
                updated_at: now,
            };
            world.service_accounts.insert(id, account);
        }
        for env in self.environments {
            let env_id = env.id.unwrap_or_else(|| world.new_id("env", |_| false));
            world
                .environments
                .insert(env_id.clone(), Environment { id: env_id.clone(), display_name: env.name, created_at: now });
            if let Some(sr) = env.schema_registry {
                let id = sr.id.unwrap_or_else(|| world.new_id("lsrc", |_| false));
                world.schema_registries.insert(
                    id.clone(),
                    SchemaRegistry { id, environment: env_id.clone(), cloud: sr.cloud, region: sr.region },
                );
            }
            for c in env.clusters {
                let id = c.id.unwrap_or_else(|| world.new_id("lkc", |_| false));
                let topics = c
                    .topics
                    .into_iter()
                    .map(|t| {
                        (
                            t.name,
                            Topic {
                                partitions: t.partitions,
                                replication_factor: 3,
                                internal: false,
                                configs: t.configs,
                            },
                        )
                    })
                    .collect();
                let cluster = Cluster {
                    id: id.clone(),
                    environment: env_id.clone(),
                    display_name: c.name,
                    cloud: c.cloud,
                    region: c.region,
                    availability: "SINGLE_ZONE".into(),
                    topics,
                    acls: c.acls.into_iter().collect(),
                    deleting: BTreeMap::new(),
                    connectors: BTreeMap::new(),
                };
                world.clusters.insert(id, cluster);
            }
        }
        for k in self.api_keys {
            let owner = resolve_owner(&world, &k.owner)?;
            let resource = resolve_resource(&world, &k.resource)?;
            world.api_keys.insert(k.key.clone(), key(k.key, k.secret, owner, Some(resource), &k.description, now));
        }
        if let Some(plugins) = self.connect.plugins {
            world.connect.plugins = plugins;
        }
        world.connect.basic_auth = self.connect.basic_auth.map(|b| (b.username, b.password));
        world.connect.kafka_cluster_id = world.clusters.keys().next().cloned().unwrap_or_else(|| "local-kafka".into());
        if let Some(plugins) = self.cloud_plugins {
            world.cloud_plugins = plugins;
        }
        self.behaviour.apply(&mut world.behaviour);
        Ok(world)
    }
}

fn key(
    id: String,
    secret: String,
    owner: String,
    resource: Option<String>,
    description: &str,
    now: std::time::SystemTime,
) -> ApiKey {
    ApiKey {
        id,
        secret,
        owner,
        resource,
        display_name: String::new(),
        description: description.into(),
        created_at: now,
        updated_at: now,
        active_from: now,
        listed_from: now,
    }
}

fn resolve_owner(world: &World, owner: &str) -> Result<String, StateError> {
    if owner.starts_with("u-") || world.service_accounts.contains_key(owner) {
        return Ok(owner.into());
    }
    world
        .service_accounts
        .values()
        .find(|sa| sa.display_name == owner)
        .map(|sa| sa.id.clone())
        .ok_or_else(|| StateError::Invalid(format!("api key owner {owner:?} is not a service account or user")))
}

fn resolve_resource(world: &World, resource: &str) -> Result<String, StateError> {
    if world.clusters.contains_key(resource) || world.schema_registries.contains_key(resource) {
        return Ok(resource.into());
    }
    world.clusters.values().find(|c| c.display_name == resource).map(|c| c.id.clone()).ok_or_else(|| {
        StateError::Invalid(format!("api key resource {resource:?} is not a cluster or Schema Registry"))
    })
}

/// A world with no resources, the default plugins and the given seed.
pub fn empty_world(seed: u64) -> World {
    World {
        organization_id: "a0b1c2d3-0000-4000-8000-00000000e001".into(),
        environments: BTreeMap::new(),
        clusters: BTreeMap::new(),
        schema_registries: BTreeMap::new(),
        service_accounts: BTreeMap::new(),
        api_keys: BTreeMap::new(),
        connect: ConnectWorker {
            plugins: default_worker_plugins(),
            connectors: BTreeMap::new(),
            basic_auth: None,
            kafka_cluster_id: "local-kafka".into(),
        },
        cloud_plugins: default_cloud_plugins(),
        rebalance: Rebalance::default(),
        behaviour: Behaviour::default(),
        clock_offset: Duration::ZERO,
        base_url: String::new(),
        rng: RngState(fastrand::Rng::with_seed(seed)),
    }
}

fn plugin(class: &str, kind: &str, required: &[&str], sensitive: &[&str]) -> Plugin {
    Plugin {
        class: class.into(),
        kind: kind.into(),
        version: "7.6.0".into(),
        required: required.iter().map(|s| (*s).to_owned()).collect(),
        sensitive: sensitive.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn default_worker_plugins() -> Vec<Plugin> {
    vec![
        plugin(
            "io.confluent.connect.jdbc.JdbcSourceConnector",
            "source",
            &["connection.url"],
            &["connection.password"],
        ),
        plugin(
            "io.confluent.connect.jdbc.JdbcSinkConnector",
            "sink",
            &["connection.url", "topics"],
            &["connection.password"],
        ),
        plugin("org.apache.kafka.connect.file.FileStreamSourceConnector", "source", &["topic"], &[]),
        plugin("org.apache.kafka.connect.file.FileStreamSinkConnector", "sink", &["topics"], &[]),
        plugin("org.apache.kafka.connect.mirror.MirrorSourceConnector", "source", &["source.cluster.alias"], &[]),
    ]
}

fn default_cloud_plugins() -> Vec<Plugin> {
    vec![
        plugin("DatagenSource", "source", &["kafka.topic"], &["kafka.api.secret"]),
        plugin("BigQuerySink", "sink", &["topics", "project", "datasets"], &["kafka.api.secret", "keyfile"]),
        plugin("PostgresSource", "source", &["connection.host"], &["kafka.api.secret", "connection.password"]),
    ]
}
