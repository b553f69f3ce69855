//! The soak's own model of the specs: what each ConfigMap declares (valid or not), how it
//! renders, and which resources are declared (protected from deletion) at any moment.

use serde_json::{Value, json};
use std::collections::BTreeSet;

pub const ENV: &str = "streaming-ops-dev";
pub const CLUSTER: &str = "microservices-orders";
pub const LKC: &str = "lkc-orders1";
pub const LSRC: &str = "lsrc-sodev1";
pub const ROUTE: &str = "cc.env.streaming-ops-dev.kafka.microservices-orders";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub name: String,
    pub partitions: u32,
    pub retention_ms: Option<u64>,
    pub tombstone: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Acl {
    pub sa: String,
    pub operation: &'static str,
    pub topic: String,
    pub prefix: bool,
}

/// How a ccloud ConfigMap is broken, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// `"partitions": "six"`: the field fails validation.
    Typo,
    /// The `environments` JSON does not parse.
    Syntax,
}

/// One `destination=ccloud` ConfigMap.
#[derive(Debug, Clone)]
pub struct CcloudCm {
    pub name: String,
    pub present: bool,
    pub broken: Option<Broken>,
    pub service_accounts: Vec<String>,
    pub topics: Vec<Topic>,
    /// `(service account, resource)` where resource is [`LKC`] or [`LSRC`].
    pub keys: Vec<(String, &'static str)>,
    pub acls: Vec<Acl>,
}

/// One `destination=connect` ConfigMap with one data key.
#[derive(Debug, Clone)]
pub struct ConnectorCm {
    pub cm: String,
    pub connector: String,
    /// Managed on Confluent Cloud through the route ConfigMap, else self-managed.
    pub managed: bool,
    pub enabled: bool,
    pub present: bool,
    /// The template reads a variable no properties file defines.
    pub removed_variable: bool,
    pub tasks: u32,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub ccloud: Vec<CcloudCm>,
    pub connectors: Vec<ConnectorCm>,
}

/// What the model declares now: deleting any of these is a violation.
#[derive(Debug, Default)]
pub struct Declared {
    pub topics: BTreeSet<String>,
    pub service_accounts: BTreeSet<String>,
    /// `(service account name, resource id)`.
    pub keys: BTreeSet<(String, String)>,
    pub acls: BTreeSet<Acl>,
    /// `(target, connector)`: target `self` or the cluster id.
    pub connectors: BTreeSet<(String, String)>,
}

impl Model {
    /// The example manifests' shape: two ccloud ConfigMaps, three connectors.
    pub fn initial() -> Self {
        let topic = |n: &str, p| Topic { name: n.into(), partitions: p, retention_ms: None, tombstone: false };
        let acl = |sa: &str, op, t: &str, prefix| Acl { sa: sa.into(), operation: op, topic: t.into(), prefix };
        let a = CcloudCm {
            name: "orders-platform".into(),
            present: true,
            broken: None,
            service_accounts: vec!["orders-app".into(), "connect-worker".into()],
            topics: vec![topic("orders", 6), topic("payments", 6), topic("order-events", 3)],
            keys: vec![("orders-app".into(), LKC), ("orders-app".into(), LSRC), ("connect-worker".into(), LKC)],
            acls: vec![acl("orders-app", "read", "order", true), acl("connect-worker", "write", "pageviews", false)],
        };
        let b = CcloudCm {
            name: "analytics".into(),
            present: true,
            broken: None,
            service_accounts: vec!["analytics-app".into()],
            topics: vec![topic("pageviews", 3), topic("clicks", 2)],
            keys: vec![("analytics-app".into(), LKC)],
            acls: vec![acl("analytics-app", "read", "pageviews", false)],
        };
        let conn = |cm: &str, c: &str, managed| ConnectorCm {
            cm: cm.into(),
            connector: c.into(),
            managed,
            enabled: true,
            present: true,
            removed_variable: false,
            tasks: 1,
        };
        Self {
            ccloud: vec![a, b],
            connectors: vec![
                conn("customers-source", "jdbc-customers", false),
                conn("orders-sink", "jdbc-orders", false),
                conn("pageviews-datagen", "pageviews-datagen", true),
            ],
        }
    }

    pub fn declared(&self) -> Declared {
        let mut d = Declared::default();
        for cm in self.ccloud.iter().filter(|c| c.present) {
            d.topics.extend(cm.topics.iter().filter(|t| !t.tombstone).map(|t| t.name.clone()));
            d.service_accounts.extend(cm.service_accounts.iter().cloned());
            d.keys.extend(cm.keys.iter().map(|(s, r)| (s.clone(), (*r).to_owned())));
            d.acls.extend(cm.acls.iter().cloned());
        }
        for c in self.connectors.iter().filter(|c| c.present && c.enabled) {
            d.connectors.insert((target(c.managed).to_owned(), c.connector.clone()));
        }
        d
    }
}

pub fn target(managed: bool) -> &'static str {
    if managed { LKC } else { "self" }
}

impl CcloudCm {
    pub fn render(&self) -> Value {
        let topics: Vec<Value> = self.topics.iter().map(render_topic).collect();
        let mut acls: Vec<Value> = Vec::new();
        for sa in self.acls.iter().map(|a| a.sa.clone()).collect::<BTreeSet<_>>() {
            let controls: Vec<Value> = self
                .acls
                .iter()
                .filter(|a| a.sa == sa)
                .map(|a| {
                    json!({"operation": a.operation, "permission": "allow", "resource": "topic", "name": a.topic,
                           "prefix": if a.prefix { "true" } else { "false" }})
                })
                .collect();
            acls.push(json!({"service-account": sa, "controls": controls}));
        }
        let key = |r: &str| -> Vec<Value> {
            self.keys.iter().filter(|(_, res)| *res == r).map(|(sa, _)| json!({"service-account": sa})).collect()
        };
        let envs = json!([{
            "name": ENV,
            "schema-registry": {"cloud": "gcp", "geo": "us", "api-key": key(LSRC)},
            "kafka": [{"name": CLUSTER, "cloud": "gcp", "region": "us-central1",
                       "topic": topics, "acl": acls, "api-key": key(LKC)}]
        }]);
        let sas: Vec<Value> =
            self.service_accounts.iter().map(|n| json!({"name": n, "description": format!("{n} (soak)")})).collect();
        let mut environments = envs.to_string();
        match self.broken {
            Some(Broken::Typo) => environments = environments.replacen("\"partitions\":", "\"partitons\":", 1),
            Some(Broken::Syntax) => environments.truncate(environments.len() / 2),
            None => {}
        }
        if self.broken == Some(Broken::Typo) && !environments.contains("partitons") {
            environments = environments.replacen("\"cloud\":\"gcp\"", "\"cloud\":7", 1);
        }
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": self.name, "namespace": "default", "labels": {"destination": "ccloud"}},
               "data": {"service-accounts": Value::Array(sas).to_string(), "environments": environments}})
    }
}

fn render_topic(t: &Topic) -> Value {
    if t.tombstone {
        return json!({"name": t.name, "delete": true});
    }
    let mut v = json!({"name": t.name, "partitions": t.partitions});
    if let Some(r) = t.retention_ms {
        v["config"] = json!(format!("retention.ms={r}"));
    }
    v
}

impl ConnectorCm {
    pub fn render(&self) -> Value {
        let variable = if self.removed_variable { "$REMOVED_SCHEMA_REGISTRY_URL" } else { "$SCHEMA_REGISTRY_URL" };
        let tasks = self.tasks;
        let name = &self.connector;
        let template = if self.managed {
            format!(
                r#"{{"name": "{name}", "config": {{"connector.class": "DatagenSource", "kafka.api.key": env.KAFKA_API_KEY, "kafka.api.secret": env.KAFKA_API_SECRET, "kafka.topic": "pageviews", "schema.url": {variable}, "output.data.format": "AVRO", "quickstart": "PAGEVIEWS", "tasks.max": "{tasks}"}}}}"#
            )
        } else {
            format!(
                r#"{{"name": "{name}", "config": {{"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:mysql://mysql:3306", "connection.user": "${{env:MYSQL_CONNECTION_USER}}", "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": "{name}", "value.converter.schema.registry.url": {variable}, "tasks.max": "{tasks}"}}}}"#
            )
        };
        let mut l = json!({"destination": "connect", "enabled": if self.enabled { "true" } else { "false" }});
        if self.managed {
            l["destination.cc"] = json!(ROUTE);
        }
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": self.cm, "namespace": "default", "labels": l},
               "data": {"connector.json": template}})
    }
}
