//! Targets and credentials from the environment. Names follow Confluent's Terraform
//! provider: `CONFLUENT_CLOUD_API_KEY`, `CONFLUENT_CLOUD_API_SECRET`,
//! `CONFLUENT_CLOUD_ENDPOINT`, `KAFKA_API_KEY`, `KAFKA_API_SECRET`, `KAFKA_REST_ENDPOINT`,
//! `KAFKA_ID`; plus `KAFKA_CREDENTIALS_FILE` for several clusters. Each is defined once in
//! the settings table (`reconcile::settings::defs`) and read with its rules.

use api_http::Credentials;
use reconcile::settings::{Env, Setting, Tool, defs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub const DEFAULT_CLOUD_ENDPOINT: &str = "https://api.confluent.cloud";

/// One known cluster, without Cloud lookups (Confluent Platform, or a fixed cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectTarget {
    pub endpoint: String,
    pub cluster_id: String,
    /// `KAFKA_CLUSTER_NAME`: which declared cluster this is, when several are declared.
    pub cluster_name: Option<String>,
}

/// Kafka REST credentials: one pair for every cluster, and/or one per cluster id.
#[derive(Debug, Clone, Default)]
pub struct KafkaCredentials {
    pub default: Option<Credentials>,
    pub by_cluster: BTreeMap<String, Credentials>,
}

impl KafkaCredentials {
    pub fn for_cluster(&self, cluster_id: &str) -> Option<&Credentials> {
        self.by_cluster.get(cluster_id).or(self.default.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub cloud_endpoint: String,
    pub cloud_credentials: Option<Credentials>,
    pub direct: Option<DirectTarget>,
    pub kafka_credentials: KafkaCredentials,
}

/// A misconfiguration. Messages name variables and files, never their secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Reads the settings through `env` (the process environment in production), with
    /// the settings table's rules (see [`Settings::from_table`]).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        Self::from_table(&Env::new(Tool::Topic, env))
    }

    /// The targets and credentials from the settings table: empty values are unset, the
    /// Cloud endpoint has the table's default.
    pub fn from_table(env: &Env<'_>) -> Result<Self, SettingsError> {
        let get = |s: &Setting| env.value(s);
        let pair = |key: &Setting, secret: &Setting| -> Result<Option<Credentials>, SettingsError> {
            match (get(key), get(secret)) {
                (Some(k), Some(s)) => Ok(Some(Credentials::new(&k, &s))),
                (None, None) => Ok(None),
                _ => Err(SettingsError(format!("set both {} and {}, or neither", key.name, secret.name))),
            }
        };
        let direct = match (get(&defs::KAFKA_REST_ENDPOINT), get(&defs::KAFKA_ID)) {
            (Some(endpoint), Some(cluster_id)) => Some(DirectTarget {
                endpoint: endpoint.trim_end_matches('/').to_owned(),
                cluster_id,
                cluster_name: get(&defs::KAFKA_CLUSTER_NAME),
            }),
            (None, None) => None,
            _ => return Err(SettingsError("set both KAFKA_REST_ENDPOINT and KAFKA_ID, or neither".into())),
        };
        let mut kafka_credentials = KafkaCredentials {
            default: pair(&defs::KAFKA_API_KEY, &defs::KAFKA_API_SECRET)?,
            by_cluster: BTreeMap::new(),
        };
        if let Some(path) = get(&defs::KAFKA_CREDENTIALS_FILE) {
            kafka_credentials.by_cluster = read_credentials(Path::new(&path))?;
        }
        Ok(Self {
            cloud_endpoint: env
                .text(&defs::CONFLUENT_CLOUD_ENDPOINT)
                .unwrap_or_else(|| DEFAULT_CLOUD_ENDPOINT.into())
                .trim_end_matches('/')
                .to_owned(),
            cloud_credentials: pair(&defs::CONFLUENT_CLOUD_API_KEY, &defs::CONFLUENT_CLOUD_API_SECRET)?,
            direct,
            kafka_credentials,
        })
    }
}

/// `KAFKA_CREDENTIALS_FILE`: a JSON/YAML map `{cluster-id: {key, secret}}`, or a mounted
/// Secret directory with one file per cluster id holding `{"key": …, "secret": …}`.
fn read_credentials(path: &Path) -> Result<BTreeMap<String, Credentials>, SettingsError> {
    let unreadable =
        |e: &dyn std::fmt::Display| SettingsError(format!("KAFKA_CREDENTIALS_FILE {}: {e}", path.display()));
    let mut entries: Vec<(String, Value)> = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| unreadable(&e))? {
            let entry = entry.map_err(|e| unreadable(&e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).map_err(|e| unreadable(&e))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|_| unreadable(&format!("{name} is not JSON {{\"key\", \"secret\"}}")))?;
            entries.push((name, value));
        }
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| unreadable(&e))?;
        let value: Value = yaml_io::from_json_or_yaml(&text).map_err(|_| unreadable(&"not a JSON or YAML map"))?;
        let map = value.as_object().ok_or_else(|| unreadable(&"not a map of cluster id to {key, secret}"))?;
        entries.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    entries
        .into_iter()
        .map(|(cluster, v)| match (v["key"].as_str(), v["secret"].as_str()) {
            (Some(k), Some(s)) => Ok((cluster, Credentials::new(k, s))),
            _ => Err(unreadable(&format!("entry {cluster} needs key and secret"))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn cloud_and_direct_modes() {
        let s =
            Settings::from_env(env(&[("CONFLUENT_CLOUD_API_KEY", "K"), ("CONFLUENT_CLOUD_API_SECRET", "S")])).unwrap();
        assert_eq!(s.cloud_endpoint, DEFAULT_CLOUD_ENDPOINT);
        assert!(s.cloud_credentials.is_some() && s.direct.is_none());
        let s = Settings::from_env(env(&[
            ("KAFKA_REST_ENDPOINT", "http://rest:8090/"),
            ("KAFKA_ID", "abc"),
            ("KAFKA_API_KEY", "k"),
            ("KAFKA_API_SECRET", "s"),
        ]))
        .unwrap();
        assert_eq!(s.direct.unwrap().endpoint, "http://rest:8090");
        assert_eq!(s.kafka_credentials.for_cluster("any").unwrap().key, "k");
    }

    #[test]
    fn empty_values_are_unset() {
        let s = Settings::from_env(env(&[("CONFLUENT_CLOUD_ENDPOINT", ""), ("KAFKA_ID", " "), ("KAFKA_API_KEY", "")]))
            .unwrap();
        assert_eq!(s.cloud_endpoint, DEFAULT_CLOUD_ENDPOINT);
        assert!(s.direct.is_none() && s.kafka_credentials.default.is_none());
    }

    #[test]
    fn half_configured_pairs_are_errors_without_secrets() {
        let err = Settings::from_env(env(&[("CONFLUENT_CLOUD_API_SECRET", "topsecret")])).unwrap_err();
        assert!(err.0.contains("CONFLUENT_CLOUD_API_KEY") && !err.0.contains("topsecret"));
        assert!(Settings::from_env(env(&[("KAFKA_ID", "x")])).is_err());
    }

    #[test]
    fn credentials_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds.yaml");
        std::fs::write(&file, "lkc-1: {key: K1, secret: S1}\nlkc-2: {key: K2, secret: S2}\n").unwrap();
        let s = Settings::from_env(env(&[
            ("KAFKA_CREDENTIALS_FILE", file.to_str().unwrap()),
            ("KAFKA_API_KEY", "D"),
            ("KAFKA_API_SECRET", "DS"),
        ]))
        .unwrap();
        assert_eq!(s.kafka_credentials.for_cluster("lkc-2").unwrap().key, "K2");
        assert_eq!(s.kafka_credentials.for_cluster("lkc-9").unwrap().key, "D");
        let mounted = dir.path().join("mounted");
        std::fs::create_dir(&mounted).unwrap();
        std::fs::write(mounted.join("lkc-3"), r#"{"key":"K3","secret":"S3"}"#).unwrap();
        std::fs::write(mounted.join("..data"), "ignored").unwrap();
        let s = Settings::from_env(env(&[("KAFKA_CREDENTIALS_FILE", mounted.to_str().unwrap())])).unwrap();
        assert_eq!(s.kafka_credentials.by_cluster.len(), 1);
        std::fs::write(&file, "lkc-1: {key: K1}\n").unwrap();
        let err = Settings::from_env(env(&[("KAFKA_CREDENTIALS_FILE", file.to_str().unwrap())])).unwrap_err();
        assert!(err.0.contains("lkc-1"));
    }
}
