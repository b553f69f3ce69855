//! The Kubernetes objects this hook writes, with the names and keys the original
//! ccloud-operator used, so existing workloads keep working.

use crate::config::{MANAGED_BY, TOOL};
use api_http::Secret;
use serde_json::{Value, json};
use shell_hook::ObjectOperation;
use std::collections::BTreeMap;

pub const KEY_ID: &str = "ccops.io/key-id";
pub const SERVICE_ACCOUNT_ID: &str = "ccops.io/service-account-id";
pub const RESOURCE_ID: &str = "ccops.io/resource-id";
pub const PREVIOUS_KEY_ID: &str = "ccops.io/previous-key-id";
pub const ROTATED_AT: &str = "ccops.io/rotated-at";

/// A managed Secret (metadata only) or ConfigMap as the snapshot shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagedSecret {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// ConfigMaps only: Secret data never enters a binding context.
    pub data: BTreeMap<String, String>,
}

impl ManagedSecret {
    pub fn from_view(v: &Value) -> Option<Self> {
        let strings = |m: &Value| -> BTreeMap<String, String> {
            m.as_object()
                .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
                .unwrap_or_default()
        };
        Some(Self {
            namespace: v["namespace"].as_str().unwrap_or("default").to_owned(),
            name: v["name"].as_str()?.to_owned(),
            labels: strings(&v["labels"]),
            annotations: strings(&v["annotations"]),
            data: strings(&v["data"]),
        })
    }

    pub fn key_id(&self) -> Option<&str> {
        self.labels.get(KEY_ID).map(String::as_str)
    }
}

/// Where one key is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub namespace: String,
    pub service_account: String,
    pub service_account_id: String,
    pub resource_id: String,
    pub environment: String,
    /// `Some(cluster name)` for Kafka keys, `None` for Schema Registry keys.
    pub cluster: Option<String>,
}

impl Delivery {
    /// The Secret names this key is written to; all must exist for the key to be kept.
    pub fn secret_names(&self) -> Vec<String> {
        let mut names = vec![format!("cc.api-key.{}.{}", self.service_account, self.resource_id)];
        names.push(match &self.cluster {
            Some(cluster) => format!("cc.sasl-jaas-config.{}.{}.{cluster}", self.service_account, self.environment),
            None => format!("cc.schema-registry-basic-auth-user-info.{}.{}", self.service_account, self.environment),
        });
        names
    }

    /// The API server's rules for the Secrets this key would be written to, checked
    /// before the key is minted: a rejected Secret would lose the secret.
    pub fn check_names(&self) -> Result<(), String> {
        for name in self.secret_names() {
            reconcile::names::check_object_name(&name)?;
        }
        for value in [&self.service_account_id, &self.resource_id] {
            reconcile::names::check_label_value(value)?;
        }
        Ok(())
    }

    /// The Secrets for a freshly minted key (the only place the secret value goes).
    pub fn secrets(&self, key_id: &str, secret: &Secret, previous: Option<(&str, &str)>) -> Vec<ObjectOperation> {
        let names = self.secret_names();
        let category = if self.cluster.is_some() { "kafka" } else { "schema-registry" };
        let mut labels = json!({
            MANAGED_BY: TOOL, KEY_ID: key_id, SERVICE_ACCOUNT_ID: self.service_account_id, RESOURCE_ID: self.resource_id,
            "category": category, "resource_id": self.resource_id, "service_account_id": self.service_account_id,
        });
        labels["app.kubernetes.io/part-of"] = json!("ccops");
        let mut annotations = json!({});
        if let Some((previous_id, at)) = previous {
            annotations[PREVIOUS_KEY_ID] = json!(previous_id);
            annotations[ROTATED_AT] = json!(at);
        }
        let key_json = json!({"key": key_id, "secret": secret.expose()}).to_string();
        let second = match &self.cluster {
            Some(_) => (
                "sasl-jaas-config.properties",
                format!(
                    "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{key_id}\" password=\"{}\";",
                    secret.expose()
                ),
            ),
            None => (
                "schema-registry-basic-auth-user-info.properties",
                format!("schema.registry.basic.auth.user.info={key_id}:{}", secret.expose()),
            ),
        };
        let data = [(names[0].as_str(), "ccloud-api-key", key_json), (names[1].as_str(), second.0, second.1)];
        data.into_iter()
            .map(|(name, key, value)| {
                ObjectOperation::create_or_update(json!({
                    "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": name, "namespace": self.namespace, "labels": labels, "annotations": annotations},
                    "stringData": {key: value},
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_names_keys_and_a_correct_jaas_line() {
        let d = Delivery {
            namespace: "default".into(),
            service_account: "connect-worker-client".into(),
            service_account_id: "sa-1".into(),
            resource_id: "lkc-1".into(),
            environment: "streaming-ops-dev".into(),
            cluster: Some("microservices-orders".into()),
        };
        let ops: Vec<Value> =
            d.secrets("KEY1", &Secret::new("s3cr\"et"), None).iter().map(ObjectOperation::to_value).collect();
        assert_eq!(ops[0]["object"]["metadata"]["name"], "cc.api-key.connect-worker-client.lkc-1");
        let key: Value =
            serde_json::from_str(ops[0]["object"]["stringData"]["ccloud-api-key"].as_str().unwrap()).unwrap();
        assert_eq!(key, json!({"key": "KEY1", "secret": "s3cr\"et"}));
        assert_eq!(
            ops[1]["object"]["metadata"]["name"],
            "cc.sasl-jaas-config.connect-worker-client.streaming-ops-dev.microservices-orders"
        );
        let jaas = ops[1]["object"]["stringData"]["sasl-jaas-config.properties"].as_str().unwrap();
        assert!(jaas.starts_with("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"KEY1\" password=\""));
        assert!(jaas.ends_with("\";") && !jaas.contains('\n'));
        let labels = &ops[0]["object"]["metadata"]["labels"];
        assert_eq!((labels[KEY_ID].clone(), labels["service_account_id"].clone()), (json!("KEY1"), json!("sa-1")));
        assert!(labels.as_object().unwrap().values().all(|v| !v.as_str().unwrap().is_empty()), "no empty label values");
        let sr = Delivery { cluster: None, resource_id: "lsrc-1".into(), ..d };
        let ops: Vec<Value> = sr
            .secrets("K2", &Secret::new("S2"), Some(("K1", "2026-01-01T00:00:00Z")))
            .iter()
            .map(ObjectOperation::to_value)
            .collect();
        assert_eq!(
            ops[1]["object"]["metadata"]["name"],
            "cc.schema-registry-basic-auth-user-info.connect-worker-client.streaming-ops-dev"
        );
        assert_eq!(
            ops[1]["object"]["stringData"]["schema-registry-basic-auth-user-info.properties"],
            "schema.registry.basic.auth.user.info=K2:S2"
        );
        assert_eq!(ops[0]["object"]["metadata"]["annotations"][PREVIOUS_KEY_ID], "K1");
    }
}
