//! The connection details the original operator wrote (`cc.env.*` ConfigMaps, the
//! bootstrap and Schema Registry URL Secrets): looked up, never created in Confluent.
//! Each is written only when it is missing or differs from the snapshot, and an
//! existing object is merge-patched, so labels and keys that others added survive.

use crate::config::{MANAGED_BY, TOOL};
use crate::secrets::ManagedSecret;
use reconcile::names::{check_label_value, check_object_name};
use serde_json::{Value, json};
use shell_hook::{ObjectOperation, ObjectRef};
use std::collections::BTreeMap;

/// What a Secret's data hashed to when this hook wrote it (Secret data is not in the
/// snapshot; these Secrets hold URLs, not credentials).
pub const CONTENT_HASH: &str = "ccops.io/content-hash";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionObject {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub key: String,
    pub value: String,
    pub labels: BTreeMap<String, String>,
}

impl ConnectionObject {
    pub fn new(kind: &'static str, namespace: &str, name: String, key: &str, value: String) -> Self {
        let labels = [(MANAGED_BY, TOOL), ("app.kubernetes.io/part-of", "ccops")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self { kind, namespace: namespace.into(), name, key: key.into(), value, labels }
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn subject(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }

    pub fn check(&self) -> Result<(), String> {
        check_object_name(&self.name)?;
        self.labels.values().try_for_each(|v| check_label_value(v))
    }

    fn hash(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.key.bytes().chain([0]).chain(self.value.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    fn data_field(&self) -> &'static str {
        if self.kind == "Secret" { "stringData" } else { "data" }
    }

    fn annotations(&self) -> Value {
        if self.kind == "Secret" { json!({CONTENT_HASH: self.hash()}) } else { json!({}) }
    }

    /// Whether the snapshot's object already says what this one says.
    fn in_sync(&self, live: &ManagedSecret) -> bool {
        let labels = self.labels.iter().all(|(k, v)| live.labels.get(k) == Some(v));
        let content = match self.kind {
            "Secret" => live.annotations.get(CONTENT_HASH) == Some(&self.hash()),
            _ => live.data.get(&self.key) == Some(&self.value),
        };
        labels && content
    }

    /// The operation that brings the object to this state, if any.
    pub fn operation(&self, live: Option<&ManagedSecret>) -> Option<ObjectOperation> {
        match live {
            Some(l) if self.in_sync(l) => None,
            Some(_) => Some(ObjectOperation::merge_patch(
                ObjectRef::new("v1", self.kind, &self.namespace, &self.name),
                json!({"metadata": {"labels": self.labels, "annotations": self.annotations()}, self.data_field(): {&self.key: self.value}}),
                true,
            )),
            // If the snapshot lags and it exists already, this does nothing and the next run patches it.
            None => {
                let mut object = json!({"apiVersion": "v1", "kind": self.kind,
                    "metadata": {"name": self.name, "namespace": self.namespace, "labels": self.labels, "annotations": self.annotations()},
                    self.data_field(): {&self.key: self.value}});
                if self.kind == "Secret" {
                    object["type"] = json!("Opaque");
                }
                Some(ObjectOperation::create_if_not_exists(object))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_changed_is_written_and_others_labels_survive() {
        let o = ConnectionObject::new("ConfigMap", "ns", "cc.env.e".into(), "id", "env-1".into())
            .label("resource_id", "env-1");
        let created = o.operation(None).unwrap().to_value();
        assert_eq!(created["operation"], "CreateIfNotExists");
        let mut live = ManagedSecret { namespace: "ns".into(), name: "cc.env.e".into(), ..Default::default() };
        live.labels = o.labels.clone();
        live.labels.insert("team".into(), "ops".into());
        live.data.insert("id".into(), "env-1".into());
        live.data.insert("extra".into(), "theirs".into());
        assert!(o.operation(Some(&live)).is_none(), "unchanged: nothing written");
        live.data.insert("id".into(), "env-0".into());
        let patch = o.operation(Some(&live)).unwrap().to_value();
        assert_eq!(patch["operation"], "MergePatch");
        assert_eq!(patch["mergePatch"]["data"], json!({"id": "env-1"}), "only our key");
        let s = ConnectionObject::new("Secret", "ns", "cc.schema-registry-url.e".into(), "k", "v".into());
        let mut live = ManagedSecret { labels: s.labels.clone(), ..Default::default() };
        assert!(s.operation(Some(&live)).is_some(), "no hash: written once");
        live.annotations.insert(CONTENT_HASH.into(), s.hash());
        assert!(s.operation(Some(&live)).is_none());
        assert!(ConnectionObject::new("ConfigMap", "ns", "cc.env.Prod_EU".into(), "id", "x".into()).check().is_err());
    }
}
