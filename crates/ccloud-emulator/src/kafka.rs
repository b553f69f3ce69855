//! Kafka REST v3, per cluster: topics, configs, partitions, ACLs.

use crate::http::{Family, Reply, Req};
use crate::model::{Cluster, Topic, World};
use crate::topic_configs::{TOPIC_CONFIGS, default_of, reject, resolve, valid_topic_name};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const K: Family = Family::Kafka;

fn bad(message: &str) -> Reply {
    K.error(400, 40002, message)
}

/// Authenticates with a key scoped to this cluster, then finds the cluster.
pub fn cluster<'w>(world: &'w mut World, req: &Req, id: &str) -> Result<&'w mut Cluster, Reply> {
    let authorized = req
        .basic
        .as_ref()
        .and_then(|(k, s)| world.authenticate(k, s))
        .is_some_and(|key| key.resource.as_deref() == Some(id));
    if !authorized {
        return Err(K.error(401, 40101, "Authentication failed"));
    }
    world.clusters.get_mut(id).ok_or_else(|| K.error(404, 404, &format!("Cluster {id} cannot be found.")))
}

pub(crate) fn base(world: &World, cluster: &str) -> String {
    format!("{}/kafka/v3/clusters/{cluster}", world.base_url)
}

fn topic_json(base: &str, cluster: &str, name: &str, t: &Topic) -> Value {
    let own = format!("{base}/topics/{name}");
    json!({
        "kind": "KafkaTopic",
        "metadata": {"self": own, "resource_name": format!("crn:///kafka={cluster}/topic={name}")},
        "cluster_id": cluster, "topic_name": name, "is_internal": t.internal,
        "replication_factor": t.replication_factor, "partitions_count": t.partitions,
        "partitions": {"related": format!("{own}/partitions")},
        "configs": {"related": format!("{own}/configs")},
        "partition_reassignments": {"related": format!("{own}/partitions/-/reassignments")},
        "authorized_operations": []
    })
}

fn config_json(base: &str, cluster: &str, topic: &str, name: &str, t: &Topic) -> Value {
    serde_json::to_value(WireConfig::new(base, cluster, topic, name, t)).unwrap_or_default()
}

pub(crate) fn list(kind: &str, own: String, data: Vec<Value>) -> Reply {
    Reply::json(200, json!({"kind": kind, "metadata": {"self": own, "next": null}, "data": data}))
}

fn missing_topic(name: &str) -> Reply {
    K.error(404, 40403, &format!("This server does not host this topic-partition. Topic '{name}' not found."))
}

pub fn list_topics(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => {
            let data = c.topics.iter().map(|(n, t)| topic_json(&base, &c.id, n, t)).collect();
            list("KafkaTopicList", format!("{base}/topics"), data)
        }
        Err(e) => e,
    }
}

#[derive(Deserialize)]
struct ConfigEntry {
    name: String,
    value: Option<String>,
    #[serde(default)]
    operation: Option<String>,
}

#[derive(Deserialize)]
struct CreateTopic {
    topic_name: String,
    #[serde(default)]
    partitions_count: Option<i64>,
    #[serde(default)]
    replication_factor: Option<i64>,
    #[serde(default)]
    configs: Vec<ConfigEntry>,
    #[serde(default)]
    validate_only: bool,
}

pub fn create_topic(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    let now = world.now();
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let body: CreateTopic = match req.json(|m| bad(&m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let name = body.topic_name;
    if !valid_topic_name(&name) {
        return bad(&format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    if c.topics.contains_key(&name) {
        return bad(&format!("Topic '{name}' already exists."));
    }
    if let Some(why) = name_unavailable(c, &name, now) {
        return bad(&why);
    }
    let partitions = body.partitions_count.unwrap_or(6);
    if !(1..=10_000).contains(&partitions) {
        return bad("Number of partitions must be larger than 0.");
    }
    if body.replication_factor.is_some_and(|r| r != 3) {
        return bad("Replication factor must be 3 on this cluster.");
    }
    let mut configs = BTreeMap::new();
    for entry in body.configs {
        if let Some(why) = reject(&entry.name, entry.value.as_deref()) {
            return bad(&why);
        }
        if let Some(v) = entry.value {
            configs.insert(entry.name, v);
        }
    }
    let topic = Topic { partitions: partitions as u32, replication_factor: 3, internal: false, configs };
    let json = topic_json(&base, &c.id, &name, &topic);
    if body.validate_only {
        return Reply::json(200, json);
    }
    c.topics.insert(name.clone(), topic);
    Reply::json(201, json).header("Location", format!("{base}/topics/{name}"))
}

pub fn get_topic(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => match c.topics.get(p[1]) {
            Some(t) => Reply::json(200, topic_json(&base, &c.id, p[1], t)),
            None => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

/// Kafka deletes a topic asynchronously: it is gone from listings at once, but its
/// name stays taken ("marked for deletion") until the brokers have removed the logs.
pub fn delete_topic(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let until = world.now() + world.behaviour.topic_deletion;
    match cluster(world, req, p[0]) {
        Ok(c) => match c.topics.remove(p[1]) {
            Some(_) => {
                c.deleting.insert(p[1].to_owned(), until);
                Reply::empty(204)
            }
            None => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

/// Why `name` cannot be created now, beyond an exact duplicate: a deletion still in
/// progress (`AdminZkClient`), or a name that differs from an existing topic only by
/// `.` versus `_`, which would share metric names (`Topic.hasCollision`).
fn name_unavailable(c: &mut Cluster, name: &str, now: std::time::SystemTime) -> Option<String> {
    c.deleting.retain(|_, until| *until > now);
    if c.deleting.contains_key(name) {
        return Some(format!("Topic '{name}' is marked for deletion."));
    }
    let unified = name.replace('.', "_");
    let colliding = c.topics.keys().find(|t| t.replace('.', "_") == unified)?;
    Some(format!("Topic '{name}' collides with existing topic: {colliding}"))
}

#[derive(Deserialize)]
struct PatchTopic {
    partitions_count: i64,
}

pub fn update_partitions(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let body: PatchTopic = match req.json(|m| bad(&m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(t) = c.topics.get_mut(p[1]) else { return missing_topic(p[1]) };
    if body.partitions_count <= i64::from(t.partitions) {
        return bad(&format!("Topic already has {} partitions.", t.partitions));
    }
    if body.partitions_count > 10_000 {
        return bad("Number of partitions is too large.");
    }
    t.partitions = body.partitions_count as u32;
    Reply::json(200, topic_json(&base, &c.id, p[1], t))
}

pub fn list_topic_configs(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => match c.topics.get(p[1]) {
            Some(t) => {
                let data = TOPIC_CONFIGS.iter().map(|(n, _, _)| config_json(&base, &c.id, p[1], n, t)).collect();
                list("KafkaTopicConfigList", format!("{base}/topics/{}/configs", p[1]), data)
            }
            None => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

/// Every config of every topic in one flat list. On a large cluster this is the
/// biggest response the hooks read, so it is serialised without a `Value` tree.
pub fn list_all_topic_configs(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => {
            let mut data = Vec::with_capacity(c.topics.len() * TOPIC_CONFIGS.len());
            for (name, t) in &c.topics {
                data.extend(TOPIC_CONFIGS.iter().map(|(n, _, _)| WireConfig::new(&base, &c.id, name, n, t)));
            }
            let list = ConfigList {
                kind: "KafkaTopicConfigList",
                metadata: ListMeta { self_: format!("{base}/topics/-/configs"), next: None },
                data,
            };
            Reply::raw_json(200, serde_json::to_vec(&list).unwrap_or_default())
        }
        Err(e) => e,
    }
}

#[derive(serde::Serialize)]
struct ListMeta {
    #[serde(rename = "self")]
    self_: String,
    next: Option<String>,
}

#[derive(serde::Serialize)]
struct ConfigList<'a> {
    kind: &'static str,
    metadata: ListMeta,
    data: Vec<WireConfig<'a>>,
}

#[derive(serde::Serialize)]
struct EntryMeta {
    #[serde(rename = "self")]
    self_: String,
    resource_name: String,
}

#[derive(serde::Serialize)]
struct Synonym<'a> {
    name: &'a str,
    value: &'a str,
    source: &'static str,
}

/// The same document as `config_json`, typed.
#[derive(serde::Serialize)]
struct WireConfig<'a> {
    kind: &'static str,
    metadata: EntryMeta,
    cluster_id: &'a str,
    topic_name: &'a str,
    name: &'a str,
    value: &'a str,
    is_default: bool,
    is_read_only: bool,
    is_sensitive: bool,
    source: &'static str,
    synonyms: Vec<Synonym<'a>>,
}

impl<'a> WireConfig<'a> {
    fn new(base: &str, cluster: &'a str, topic: &'a str, name: &'a str, t: &'a Topic) -> Self {
        let resolved = resolve(name, t.configs.get(name).map(String::as_str));
        Self {
            kind: "KafkaTopicConfig",
            metadata: EntryMeta {
                self_: format!("{base}/topics/{topic}/configs/{name}"),
                resource_name: format!("crn:///kafka={cluster}/topic={topic}/config={name}"),
            },
            cluster_id: cluster,
            topic_name: topic,
            name,
            value: resolved.value,
            is_default: resolved.source == "DEFAULT_CONFIG",
            // Cloud refuses non-editable configs by policy, never by this flag.
            is_read_only: false,
            is_sensitive: false,
            source: resolved.source,
            synonyms: resolved
                .synonyms
                .into_iter()
                .map(|(name, value, source)| Synonym { name, value, source })
                .collect(),
        }
    }
}

pub fn get_topic_config(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => match c.topics.get(p[1]) {
            Some(t) if default_of(p[2]).is_some() => Reply::json(200, config_json(&base, &c.id, p[1], p[2], t)),
            Some(_) => K.error(404, 40404, &format!("Config {} cannot be found for topic {}.", p[2], p[1])),
            None => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

#[derive(Deserialize)]
struct PutConfig {
    value: Option<String>,
}

pub fn put_topic_config(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let body: PutConfig = match req.json(|m| bad(&m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let entry = ConfigEntry { name: p[2].to_owned(), value: body.value, operation: None };
    alter(world, req, p, vec![entry], false)
}

pub fn reset_topic_config(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let entry = ConfigEntry { name: p[2].to_owned(), value: None, operation: Some("DELETE".into()) };
    alter(world, req, p, vec![entry], false)
}

#[derive(Deserialize)]
struct AlterBatch {
    data: Vec<ConfigEntry>,
    #[serde(default)]
    validate_only: bool,
}

pub fn alter_topic_configs(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let body: AlterBatch = match req.json(|m| bad(&m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    alter(world, req, p, body.data, body.validate_only)
}

/// Applies SET/DELETE entries atomically: all are checked before any is applied.
fn alter(world: &mut World, req: &Req, p: &[&str], entries: Vec<ConfigEntry>, validate_only: bool) -> Reply {
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(t) = c.topics.get_mut(p[1]) else { return missing_topic(p[1]) };
    for e in &entries {
        let delete = match e.operation.as_deref() {
            None | Some("SET") => false,
            Some("DELETE") => true,
            Some(other) => return bad(&format!("Unknown alter operation {other}")),
        };
        let value = if delete { None } else { Some(e.value.as_deref().unwrap_or_default()) };
        if let Some(why) = reject(&e.name, value) {
            return bad(&why);
        }
        // Cloud documents that `delete` cannot become `compact,delete` in one step:
        // the topic has to be `compact` first.
        let current = t.configs.get("cleanup.policy").map_or("delete", String::as_str);
        if e.name == "cleanup.policy"
            && current == "delete"
            && value.is_some_and(|v| v.contains("compact,") || v.contains(",compact"))
        {
            return bad(
                "cleanup.policy cannot be changed from delete to compact,delete directly; change it to compact first.",
            );
        }
    }
    if !validate_only {
        for e in entries {
            match (e.operation.as_deref(), e.value) {
                (Some("DELETE"), _) | (_, None) => t.configs.remove(&e.name),
                (_, Some(v)) => t.configs.insert(e.name, v),
            };
        }
    }
    Reply::empty(204)
}

pub fn list_partitions(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => match c.topics.get(p[1]) {
            Some(t) => {
                let data = (0..t.partitions).map(|i| partition_json(&base, &c.id, p[1], i)).collect();
                list("KafkaPartitionList", format!("{base}/topics/{}/partitions", p[1]), data)
            }
            None => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

pub fn get_partition(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    match cluster(world, req, p[0]) {
        Ok(c) => match (c.topics.get(p[1]), p[2].parse::<u32>()) {
            (Some(t), Ok(i)) if i < t.partitions => Reply::json(200, partition_json(&base, &c.id, p[1], i)),
            (Some(_), _) => K.error(404, 40402, "This server does not host this topic-partition."),
            (None, _) => missing_topic(p[1]),
        },
        Err(e) => e,
    }
}

fn partition_json(base: &str, cluster: &str, topic: &str, id: u32) -> Value {
    let own = format!("{base}/topics/{topic}/partitions/{id}");
    json!({
        "kind": "KafkaPartition",
        "metadata": {"self": own, "resource_name": format!("crn:///kafka={cluster}/topic={topic}/partition={id}")},
        "cluster_id": cluster, "topic_name": topic, "partition_id": id,
        "leader": {"related": format!("{own}/replicas/0")},
        "replicas": {"related": format!("{own}/replicas")},
        "reassignment": {"related": format!("{own}/reassignment")}
    })
}
