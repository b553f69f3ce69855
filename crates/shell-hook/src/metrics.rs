//! Metric operations for `$METRICS_PATH`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricAction {
    Add,
    Set,
    Observe,
    Expire,
}

/// One metric operation, serialised as one compact JSON line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricOperation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub action: MetricAction,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl MetricOperation {
    fn with(action: MetricAction, name: &str, value: f64) -> Self {
        Self {
            name: Some(name.into()),
            group: None,
            action,
            value: Some(value),
            buckets: None,
            labels: BTreeMap::new(),
        }
    }

    /// A gauge. Prefer `set` for totals: shell-operator resets ungrouped series every run.
    pub fn set(name: &str, value: f64) -> Self {
        Self::with(MetricAction::Set, name, value)
    }

    pub fn add(name: &str, value: f64) -> Self {
        Self::with(MetricAction::Add, name, value)
    }

    pub fn observe(name: &str, value: f64, buckets: &[f64]) -> Self {
        Self { buckets: Some(buckets.to_vec()), ..Self::with(MetricAction::Observe, name, value) }
    }

    /// Removes every series of `group`.
    pub fn expire(group: &str) -> Self {
        Self {
            name: None,
            group: Some(group.into()),
            action: MetricAction::Expire,
            value: None,
            buckets: None,
            labels: BTreeMap::new(),
        }
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.into());
        self
    }

    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("metrics always serialise"))
    }
}

/// A metrics file shell-operator would reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    #[error("metrics are not a stream of JSON objects: {0}")]
    Syntax(String),
    #[error("metric operation {index}: {message}")]
    Invalid { index: usize, message: String },
}

/// The outcome of reading a metrics file: the operations and the warnings
/// shell-operator would log (unknown actions are skipped, not fatal, at run time).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ParsedMetrics {
    pub operations: Vec<Value>,
    pub warnings: Vec<String>,
}

/// Parses a metrics file with shell-operator's run-time rules.
pub fn parse_metrics(text: &str) -> Result<ParsedMetrics, MetricsError> {
    let mut parsed = ParsedMetrics::default();
    for (index, item) in serde_json::Deserializer::from_str(text).into_iter::<Value>().enumerate() {
        let op = item.map_err(|e| MetricsError::Syntax(e.to_string()))?;
        let Value::Object(map) = &op else {
            return Err(MetricsError::Invalid { index, message: "must be an object".into() });
        };
        let shortcut = ["set", "add"].into_iter().find(|k| map.contains_key(*k));
        let action = map.get("action").and_then(Value::as_str).or(shortcut);
        let invalid = |message: &str| MetricsError::Invalid { index, message: message.into() };
        let value = map.get("value").or_else(|| shortcut.and_then(|k| map.get(k)));
        match action {
            Some("set" | "add") => {
                value.filter(|v| v.is_number()).ok_or_else(|| invalid("a numeric value is required"))?;
            }
            Some("observe") => {
                value.filter(|v| v.is_number()).ok_or_else(|| invalid("a numeric value is required"))?;
                let buckets =
                    map.get("buckets").and_then(Value::as_array).ok_or_else(|| invalid("buckets are required"))?;
                if !buckets.iter().all(Value::is_number) {
                    return Err(invalid("buckets must be numbers"));
                }
            }
            Some("expire") => {
                map.get("group").and_then(Value::as_str).ok_or_else(|| invalid("expire needs a group"))?;
            }
            other => {
                parsed.warnings.push(format!("metric operation {index}: unknown action {other:?}, skipped"));
                continue;
            }
        }
        if action != Some("expire") && map.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(invalid("name is required"));
        }
        if let Some(labels) = map.get("labels") {
            let ok = labels.as_object().is_some_and(|l| l.values().all(Value::is_string));
            if !ok {
                return Err(invalid("labels must map strings to strings"));
            }
        }
        parsed.operations.push(op);
    }
    Ok(parsed)
}
