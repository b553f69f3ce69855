//! The topic part: `environments[].kafka[].topic[]`.

use crate::config_string::parse_config_value;
use crate::{ClusterRef, ConfigMapView, Cursor, SpecError, clusters};
use std::collections::BTreeMap;

/// One topic declaration, as written in one ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTopic {
    pub cluster: ClusterRef,
    pub name: String,
    pub partitions: Option<u32>,
    /// Extension: only checked (Kafka REST cannot change it).
    pub replication_factor: Option<u32>,
    pub config: BTreeMap<String, String>,
    /// Extension `"delete": true`: the topic should not exist (see the deletion guards).
    pub tombstone: bool,
    /// `namespace/name` of the declaring ConfigMap.
    pub source: String,
}

const TOPIC_KEYS: [&str; 5] = ["name", "partitions", "config", "replication_factor", "delete"];

/// Every topic a ConfigMap declares; an error rejects the whole ConfigMap.
pub fn topics(cm: &ConfigMapView) -> Result<Vec<DeclaredTopic>, SpecError> {
    crate::identities::check_data_keys(cm)?;
    let c = Cursor { cm, key: "environments" };
    let Some(envs) = c.json()? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (cluster, at, kafka) in clusters(&c, &envs)? {
        for (k, topic) in c.array(&kafka["topic"], &format!("{at}.topic"))?.iter().enumerate() {
            let at = format!("{at}.topic[{k}]");
            c.known_keys(topic, &at, &TOPIC_KEYS)?;
            let name = c.string(&topic["name"], &format!("{at}.name"))?;
            if !valid_topic_name(&name) {
                return Err(c.error(&format!("{at}.name"), format!("{name:?} is not a valid topic name")));
            }
            out.push(DeclaredTopic {
                cluster: cluster.clone(),
                partitions: c.count(&topic["partitions"], &format!("{at}.partitions"))?,
                replication_factor: c.count(&topic["replication_factor"], &format!("{at}.replication_factor"))?,
                config: parse_config_value(&topic["config"]).map_err(|m| c.error(&format!("{at}.config"), m))?,
                tombstone: c.flag(&topic["delete"], &format!("{at}.delete"))?,
                source: cm.id(),
                name,
            });
        }
    }
    Ok(out)
}

fn valid_topic_name(name: &str) -> bool {
    name.len() <= 249
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
