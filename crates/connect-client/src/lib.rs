//! Kafka Connect REST for one target: a self-managed worker, or Confluent Cloud
//! managed Connect for one cluster. Writes are retried through rebalances (409); a
//! rebalance that outlasts the retries is a transient failure (see [`ConnectApi::write`]).

use api_http::{Client, HttpError, Response, Retry, encode_component};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    SelfManaged,
    Cloud { environment_id: String, cluster_id: String },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SelfManaged => f.write_str("self-managed Connect"),
            Self::Cloud { environment_id, cluster_id } => {
                write!(f, "Confluent Cloud Connect {environment_id}/{cluster_id}")
            }
        }
    }
}

/// A connector as listed with `expand=info&expand=status`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Live {
    pub config: BTreeMap<String, String>,
    pub state: String,
    /// (task id, state)
    pub tasks: Vec<(u64, String)>,
}

impl Live {
    pub fn failed(&self) -> bool {
        self.state == "FAILED" || self.tasks.iter().any(|(_, s)| s == "FAILED")
    }
}

/// A field error from config validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ConnectApi {
    client: Client,
    prefix: String,
    target: Target,
}

impl ConnectApi {
    pub fn new(client: Client, target: Target) -> Self {
        let prefix = match &target {
            Target::SelfManaged => String::new(),
            Target::Cloud { environment_id, cluster_id } => {
                format!("/connect/v1/environments/{environment_id}/clusters/{cluster_id}")
            }
        };
        Self { client, prefix, target }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    /// Every connector with its config and status, in one request.
    pub fn list(&self) -> Result<BTreeMap<String, Live>, HttpError> {
        let r = self.client.get(&format!("{}/connectors?expand=info&expand=status", self.prefix))?;
        let Some(map) = r.body.as_object() else { return Ok(BTreeMap::new()) };
        Ok(map
            .iter()
            .map(|(name, v)| {
                let config = v["info"]["config"].as_object().map(strings).unwrap_or_default();
                let state = v["status"]["connector"]["state"].as_str().unwrap_or("UNKNOWN").to_owned();
                let tasks = v["status"]["tasks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| (t["id"].as_u64().unwrap_or(0), t["state"].as_str().unwrap_or("UNKNOWN").to_owned()))
                    .collect();
                (name.clone(), Live { config, state, tasks })
            })
            .collect())
    }

    /// Creates or replaces a connector's whole config.
    pub fn put_config(&self, name: &str, config: &BTreeMap<String, String>) -> Result<(), HttpError> {
        let body = Value::Object(config.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
        self.write("PUT", &format!("{}/connectors/{}/config", self.prefix, encode_component(name)), Some(&body))
            .map(drop)
    }

    pub fn delete(&self, name: &str) -> Result<(), HttpError> {
        match self.write("DELETE", &format!("{}/connectors/{}", self.prefix, encode_component(name)), None) {
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(drop),
        }
    }

    /// `pause`, `resume` or `stop`.
    pub fn set_state(&self, name: &str, verb: &str) -> Result<(), HttpError> {
        self.write("PUT", &format!("{}/connectors/{}/{verb}", self.prefix, encode_component(name)), None).map(drop)
    }

    pub fn restart_failed(&self, name: &str) -> Result<(), HttpError> {
        let path =
            format!("{}/connectors/{}/restart?includeTasks=true&onlyFailed=true", self.prefix, encode_component(name));
        self.write("POST", &path, None).map(drop)
    }

    /// Server-side validation (200 even when invalid); the per-field errors.
    pub fn validate(&self, plugin: &str, config: &BTreeMap<String, String>) -> Result<Vec<FieldError>, HttpError> {
        let body = Value::Object(config.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect());
        let path = format!("{}/connector-plugins/{}/config/validate", self.prefix, encode_component(plugin));
        let r = self.write("PUT", &path, Some(&body))?;
        Ok(r.body["configs"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| {
                let field = c["value"]["name"].as_str().unwrap_or_default().to_owned();
                c["value"]["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(move |e| Some(FieldError { field: field.clone(), message: e.as_str()?.to_owned() }))
            })
            .collect())
    }
}

impl ConnectApi {
    /// A write, retried through rebalances. A 409 that is still there after the retries
    /// is a rebalance that outlasted them, not a refusal: it is reported as transient so
    /// that shell-operator runs the hook again, instead of waiting for the next resync.
    /// ("already exists" is a real conflict and stays permanent.)
    fn write(&self, method: &'static str, path: &str, body: Option<&Value>) -> Result<Response, HttpError> {
        self.client.request(method, path, body, Retry::Conflicts).map_err(|e| match e {
            HttpError::Status { status: 409, message, .. } if !message.contains("already exists") => {
                HttpError::Transport {
                    method,
                    path: path.to_owned(),
                    message: format!("HTTP 409: {message} (a rebalance outlasted the retries)"),
                }
            }
            other => other,
        })
    }
}

fn strings(map: &Map<String, Value>) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| {
            (
                k.clone(),
                match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            )
        })
        .collect()
}
