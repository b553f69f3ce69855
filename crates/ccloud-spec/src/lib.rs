//! The `destination=ccloud` ConfigMaps of confluentinc/streaming-ops, unchanged, plus
//! documented extensions. Data values are JSON text inside YAML strings:
//! `service-accounts` is `[{name, description}]`; `environments` is
//! `[{name, schema-registry: {cloud, geo, api-key: [...]}, kafka: [{name, cloud, region,
//! topic: [...], acl: [...], api-key: [...]}]}]`.
//!
//! Each tool reads only its part ([`topics`], [`identities`]): a mistake in ACLs never
//! stops topics. Errors name the ConfigMap, the data key and the field.

mod config_string;
mod identities;
mod topics;

pub use config_string::parse_config_string;
pub use identities::{AclControl, AclGrant, ApiKeyRequest, Identities, KeyResource, ServiceAccountSpec, identities};
pub use topics::{DeclaredTopic, topics};

use serde_json::Value;

pub use shell_hook::ConfigMapView;

/// A ConfigMap whose content cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ConfigMap {configmap}, data key {key:?}, field {field}: {message}")]
pub struct SpecError {
    pub configmap: String,
    pub key: String,
    /// A JSON path inside the data value, e.g. `[0].kafka[0].topic[3].partitions`.
    pub field: String,
    pub message: String,
}

/// The Kafka cluster a declaration belongs to: environment name plus the
/// (name, cloud, region) triple the original operator matched clusters by.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterRef {
    pub environment: String,
    pub name: String,
    pub cloud: String,
    pub region: String,
}

impl std::fmt::Display for ClusterRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.environment, self.name)
    }
}

/// Walks a data value with a field path for error messages.
pub(crate) struct Cursor<'a> {
    pub cm: &'a ConfigMapView,
    pub key: &'a str,
}

impl Cursor<'_> {
    pub fn error(&self, field: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            configmap: self.cm.id(),
            key: self.key.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The data value parsed as JSON, `None` when the key is absent.
    pub fn json(&self) -> Result<Option<Value>, SpecError> {
        match self.cm.data.get(self.key) {
            None => Ok(None),
            Some(text) => {
                serde_json::from_str(text).map(Some).map_err(|e| self.error("(value)", format!("invalid JSON: {e}")))
            }
        }
    }

    pub fn array<'v>(&self, value: &'v Value, field: &str) -> Result<&'v [Value], SpecError> {
        match value {
            Value::Array(items) => Ok(items),
            Value::Null => Ok(&[]),
            _ => Err(self.error(field, "must be an array")),
        }
    }

    pub fn string(&self, value: &Value, field: &str) -> Result<String, SpecError> {
        match value {
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Value::String(_) | Value::Null => Err(self.error(field, "is required")),
            _ => Err(self.error(field, "must be a string")),
        }
    }

    pub fn optional_string(&self, value: &Value, field: &str) -> Result<Option<String>, SpecError> {
        match value {
            Value::Null => Ok(None),
            _ => self.string(value, field).map(Some),
        }
    }

    /// `true`, `"true"`, `false`, `"false"` or absent (false).
    pub fn flag(&self, value: &Value, field: &str) -> Result<bool, SpecError> {
        match value {
            Value::Null | Value::Bool(false) => Ok(false),
            Value::Bool(true) => Ok(true),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            _ => Err(self.error(field, "must be true or false")),
        }
    }

    /// A positive integer (or absent).
    pub fn count(&self, value: &Value, field: &str) -> Result<Option<u32>, SpecError> {
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => match n.as_u64() {
                Some(v @ 1..=100_000) => Ok(Some(v as u32)),
                _ => Err(self.error(field, "must be a positive integer")),
            },
            _ => Err(self.error(field, "must be a positive integer")),
        }
    }

    /// Rejects keys outside `allowed`, so that a typo is reported instead of ignored.
    pub fn known_keys(&self, value: &Value, field: &str, allowed: &[&str]) -> Result<(), SpecError> {
        let Some(map) = value.as_object() else { return Err(self.error(field, "must be an object")) };
        match map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => {
                Err(self
                    .error(&format!("{field}.{k}"), format!("unknown field (expected one of: {})", allowed.join(", "))))
            }
            None => Ok(()),
        }
    }
}

/// The `environments[].kafka[]` clusters of a ConfigMap, with their paths.
pub(crate) fn clusters<'v>(c: &Cursor<'_>, envs: &'v Value) -> Result<Vec<(ClusterRef, String, &'v Value)>, SpecError> {
    let mut out = Vec::new();
    for (i, env) in c.array(envs, "")?.iter().enumerate() {
        let at = format!("[{i}]");
        c.known_keys(env, &at, &["name", "schema-registry", "kafka"])?;
        let environment = c.string(&env["name"], &format!("{at}.name"))?;
        for (j, kafka) in c.array(&env["kafka"], &format!("{at}.kafka"))?.iter().enumerate() {
            let at = format!("{at}.kafka[{j}]");
            c.known_keys(kafka, &at, &["name", "cloud", "region", "topic", "acl", "api-key"])?;
            let cluster = ClusterRef {
                environment: environment.clone(),
                name: c.string(&kafka["name"], &format!("{at}.name"))?,
                cloud: c.string(&kafka["cloud"], &format!("{at}.cloud"))?.to_ascii_lowercase(),
                region: c.string(&kafka["region"], &format!("{at}.region"))?,
            };
            out.push((cluster, at, kafka));
        }
    }
    Ok(out)
}
