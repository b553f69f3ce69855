//! Kafka REST v3 for one cluster. Reads are retried on transient failures; creates
//! only on 429 (the caller checks before repeating a create that may have happened).

mod stream;

use api_http::{Client, HttpError, Retry, encode_component};
use serde_json::{Value, json};

/// A topic as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    pub internal: bool,
}

/// One config entry of one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfigEntry {
    pub topic: String,
    pub name: String,
    pub value: Option<String>,
    pub source: String,
    pub read_only: bool,
}

impl TopicConfigEntry {
    /// Set on the topic itself (what a declaration controls).
    pub fn is_dynamic(&self) -> bool {
        self.source == "DYNAMIC_TOPIC_CONFIG"
    }
}

/// One ACL binding (Kafka REST enum names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Acl {
    pub resource_type: String,
    pub resource_name: String,
    pub pattern_type: String,
    pub principal: String,
    pub host: String,
    pub operation: String,
    pub permission: String,
}

impl Acl {
    fn to_json(&self) -> Value {
        json!({"resource_type": self.resource_type, "resource_name": self.resource_name, "pattern_type": self.pattern_type,
               "principal": self.principal, "host": self.host, "operation": self.operation, "permission": self.permission})
    }

    fn from_json(v: &Value) -> Option<Self> {
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        Some(Self {
            resource_type: s("resource_type")?,
            resource_name: s("resource_name")?,
            pattern_type: s("pattern_type")?,
            principal: s("principal")?,
            host: s("host")?,
            operation: s("operation")?,
            permission: s("permission")?,
        })
    }
}

/// A config change in a `configs:alter` batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    Set(String, String),
    /// Back to the default.
    Delete(String),
}

/// Kafka REST v3 for one cluster.
#[derive(Debug)]
pub struct KafkaRest {
    client: Client,
    prefix: String,
    cluster_id: String,
}

impl KafkaRest {
    /// `client` points at the REST endpoint. Confluent Cloud and Confluent Server serve
    /// `/kafka/v3`; a REST Proxy serves `/v3` (give an endpoint ending in `/v3`).
    pub fn new(client: Client, cluster_id: &str) -> Self {
        let prefix = if client.base_url().ends_with("/v3") {
            format!("/clusters/{cluster_id}")
        } else {
            format!("/kafka/v3/clusters/{cluster_id}")
        };
        Self { client, prefix, cluster_id: cluster_id.to_owned() }
    }

    pub fn cluster_id(&self) -> &str {
        &self.cluster_id
    }

    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    fn data(response: &Value) -> &[Value] {
        response["data"].as_array().map_or(&[], Vec::as_slice)
    }

    /// Every topic, decoded as the list arrives.
    pub fn list_topics(&self) -> Result<Vec<Topic>, HttpError> {
        self.client.get_streamed(&format!("{}/topics", self.prefix), |body| {
            let mut out = Vec::new();
            stream::each_in_data(body, |t: wire::Topic| out.extend(t.into_topic()))?;
            Ok(out)
        })
    }

    pub fn get_topic(&self, name: &str) -> Result<Option<Topic>, HttpError> {
        match self.client.get(&format!("{}/topics/{name}", self.prefix)) {
            Ok(r) => Ok(topic_from_json(&r.body)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every config of every topic, in one request, handed to `add` entry by entry while
    /// the body arrives: on a large cluster it is hundreds of megabytes, of which a caller
    /// keeps little. Each attempt starts again from `start()`.
    pub fn fold_topic_configs<A>(
        &self,
        start: impl Fn() -> A,
        add: impl Fn(&mut A, TopicConfigEntry),
    ) -> Result<A, HttpError> {
        self.client.get_streamed(&format!("{}/topics/-/configs", self.prefix), |body| {
            let mut acc = start();
            stream::each_in_data(body, |c: wire::Config| {
                let entry = TopicConfigEntry {
                    topic: c.topic_name,
                    name: c.name,
                    value: c.value,
                    source: c.source.unwrap_or_else(|| "UNKNOWN".to_owned()),
                    read_only: c.is_read_only.unwrap_or(false),
                };
                add(&mut acc, entry);
            })?;
            Ok(acc)
        })
    }

    pub fn create_topic<'a>(
        &self,
        name: &str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        configs: impl IntoIterator<Item = (&'a str, &'a str)>,
        validate_only: bool,
    ) -> Result<(), HttpError> {
        let mut body = json!({"topic_name": name, "configs": configs.into_iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>()});
        if let Some(p) = partitions {
            body["partitions_count"] = json!(p);
        }
        if let Some(rf) = replication_factor {
            body["replication_factor"] = json!(rf);
        }
        if validate_only {
            body["validate_only"] = json!(true);
        }
        // Safe to repeat: a topic name is unique, so a repeat of a create that had landed answers
        // "already exists" (40002), which the caller verifies with a GET; it never duplicates.
        self.client.request("POST", &format!("{}/topics", self.prefix), Some(&body), Retry::Transient).map(drop)
    }

    /// One atomic batch of config changes (idempotent, so retried).
    pub fn alter_configs(&self, topic: &str, changes: &[ConfigChange], validate_only: bool) -> Result<(), HttpError> {
        let data: Vec<Value> = changes
            .iter()
            .map(|c| match c {
                ConfigChange::Set(k, v) => json!({"name": k, "value": v, "operation": "SET"}),
                ConfigChange::Delete(k) => json!({"name": k, "operation": "DELETE"}),
            })
            .collect();
        let mut body = json!({"data": data});
        if validate_only {
            body["validate_only"] = json!(true);
        }
        self.client
            .request("POST", &format!("{}/topics/{topic}/configs:alter", self.prefix), Some(&body), Retry::Transient)
            .map(drop)
    }

    pub fn increase_partitions(&self, topic: &str, count: u32) -> Result<(), HttpError> {
        let body = json!({"partitions_count": count});
        self.client
            .request("PATCH", &format!("{}/topics/{topic}", self.prefix), Some(&body), Retry::Transient)
            .map(drop)
    }

    /// Deletes a topic; an already missing topic counts as deleted.
    pub fn delete_topic(&self, topic: &str) -> Result<(), HttpError> {
        match self.client.request("DELETE", &format!("{}/topics/{topic}", self.prefix), None, Retry::Transient) {
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(drop),
        }
    }

    /// ACLs, optionally for one principal (Cloud: `UserV2:*` lists every service account).
    pub fn list_acls(&self, principal: Option<&str>) -> Result<Vec<Acl>, HttpError> {
        let query = principal.map(|p| format!("?principal={p}")).unwrap_or_default();
        let r = self.client.get(&format!("{}/acls{query}", self.prefix))?;
        Ok(Self::data(&r.body).iter().filter_map(Acl::from_json).collect())
    }

    /// Creates ACLs in one batch (creating an existing ACL succeeds, so this is idempotent).
    pub fn create_acls(&self, acls: &[Acl]) -> Result<(), HttpError> {
        let body = json!({"data": acls.iter().map(Acl::to_json).collect::<Vec<_>>()});
        self.client.request("POST", &format!("{}/acls:batch", self.prefix), Some(&body), Retry::Transient).map(drop)
    }

    /// Deletes exactly one binding (every filter field given, so nothing else matches).
    pub fn delete_acl(&self, acl: &Acl) -> Result<Vec<Acl>, HttpError> {
        let q = format!(
            "resource_type={}&resource_name={}&pattern_type={}&principal={}&host={}&operation={}&permission={}",
            acl.resource_type,
            encode_component(&acl.resource_name),
            acl.pattern_type,
            encode_component(&acl.principal),
            encode_component(&acl.host),
            acl.operation,
            acl.permission
        );
        let r = self.client.request("DELETE", &format!("{}/acls?{q}", self.prefix), None, Retry::Transient)?;
        Ok(Self::data(&r.body).iter().filter_map(Acl::from_json).collect())
    }
}

/// Wire shapes decoded without building a `Value` tree; unknown fields are skipped.
mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Config {
        pub topic_name: String,
        pub name: String,
        #[serde(default)]
        pub value: Option<String>,
        #[serde(default)]
        pub source: Option<String>,
        #[serde(default)]
        pub is_read_only: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct Topic {
        topic_name: Option<String>,
        partitions_count: Option<u64>,
        replication_factor: Option<u64>,
        is_internal: Option<bool>,
    }

    impl Topic {
        pub fn into_topic(self) -> Option<super::Topic> {
            Some(super::Topic {
                name: self.topic_name?,
                partitions: u32::try_from(self.partitions_count?).ok()?,
                replication_factor: self.replication_factor.and_then(|r| u32::try_from(r).ok()).unwrap_or(0),
                internal: self.is_internal.unwrap_or(false),
            })
        }
    }
}

fn topic_from_json(t: &Value) -> Option<Topic> {
    Some(Topic {
        name: t["topic_name"].as_str()?.to_owned(),
        partitions: u32::try_from(t["partitions_count"].as_u64()?).ok()?,
        replication_factor: u32::try_from(t["replication_factor"].as_u64().unwrap_or(0)).unwrap_or(0),
        internal: t["is_internal"].as_bool().unwrap_or(false),
    })
}
