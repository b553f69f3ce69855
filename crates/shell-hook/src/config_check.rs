//! Parsing and validation of any hook's `--config` output, with the verdicts
//! shell-operator reaches: its v0/v1 schemas plus the semantic checks of
//! `pkg/hook/config/config_v1.go`.

use crate::config::{HookConfig, KubernetesBinding, LabelSelector};
use crate::cron::validate_crontab;
use crate::duration::parse_go_duration;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A configuration that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedConfig {
    V1(Box<HookConfig>),
    /// Legacy configs are accepted as shell-operator does, but not modelled.
    V0(Value),
}

/// Why a configuration is invalid; `path` points into the document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("config is neither JSON nor YAML: {0}")]
    Syntax(String),
    #[error("config must be an object")]
    NotAnObject,
    #[error("invalid configVersion {0}: only v1 (or none, for v0) is supported")]
    Version(String),
    #[error("{path}: {message}")]
    Schema { path: String, message: String },
}

fn schema(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Schema { path: path.into(), message: message.into() }
}

/// Parses `--config` output (JSON first, then YAML) and validates it.
pub fn parse_config(text: &str) -> Result<ParsedConfig, ConfigError> {
    let value: Value = yaml_io::from_json_or_yaml(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
    validate_config_value(value)
}

/// Validates an already parsed configuration document.
pub fn validate_config_value(value: Value) -> Result<ParsedConfig, ConfigError> {
    let Value::Object(map) = &value else { return Err(ConfigError::NotAnObject) };
    match map.get("configVersion") {
        None => validate_v0(map).map(|()| ParsedConfig::V0(value)),
        Some(Value::String(v)) if v == "v1" => validate_v1(value).map(|c| ParsedConfig::V1(Box::new(c))),
        Some(other) => Err(ConfigError::Version(other.to_string())),
    }
}

fn validate_v0(map: &Map<String, Value>) -> Result<(), ConfigError> {
    if map.is_empty() {
        return Err(schema("$", "at least one binding is required"));
    }
    for (key, value) in map {
        let ok = match key.as_str() {
            "onStartup" => value.is_i64() || value.is_u64(),
            "schedule" | "onKubernetesEvent" => {
                value.as_array().is_some_and(|items| items.iter().all(Value::is_object))
            }
            _ => return Err(schema(key.as_str(), "unknown key in a v0 config")),
        };
        if !ok {
            return Err(schema(key.as_str(), "wrong type"));
        }
    }
    Ok(())
}

fn validate_v1(value: Value) -> Result<HookConfig, ConfigError> {
    if let Some(path) = first_null(&value, "$") {
        return Err(schema(path, "null is not allowed"));
    }
    if value.as_object().map_or(0, Map::len) < 2 {
        return Err(schema("$", "a v1 config needs at least one binding or settings"));
    }
    let config: HookConfig =
        serde_path_to_error::deserialize(value).map_err(|e| schema(e.path().to_string(), e.inner().to_string()))?;
    check_v1(&config)?;
    Ok(config)
}

/// The schema rules serde cannot express, then upstream's semantic checks.
pub fn check_v1(config: &HookConfig) -> Result<(), ConfigError> {
    non_empty("schedule", config.schedule.as_deref())?;
    non_empty("kubernetes", config.kubernetes.as_deref())?;
    non_empty("kubernetesValidating", config.kubernetes_validating.as_deref())?;
    non_empty("kubernetesMutating", config.kubernetes_mutating.as_deref())?;
    non_empty("kubernetesCustomResourceConversion", config.kubernetes_custom_resource_conversion.as_deref())?;

    let kube_names: BTreeSet<&str> = config.kubernetes_bindings().iter().map(KubernetesBinding::binding_name).collect();
    let check_snapshots = |path: String, names: Option<&Vec<String>>| -> Result<(), ConfigError> {
        let Some(names) = names else { return Ok(()) };
        non_empty(&path, Some(names.as_slice()))?;
        match names.iter().find(|n| !kube_names.contains(n.as_str())) {
            Some(unknown) => Err(schema(path, format!("{unknown:?} is not a kubernetes binding of this hook"))),
            None => Ok(()),
        }
    };

    for (i, b) in config.kubernetes_bindings().iter().enumerate() {
        let at = |field: &str| format!("kubernetes[{i}].{field}");
        if let Some(api_version) = &b.api_version {
            // apimachinery's ParseGroupVersion: only more than one slash is an error.
            if api_version.matches('/').count() > 1 {
                return Err(schema(at("apiVersion"), format!("{api_version:?} is not group/version")));
            }
        }
        if let Some(sel) = &b.label_selector {
            label_selector(&at("labelSelector"), sel)?;
        }
        if let Some(ns) = &b.namespace {
            let count = usize::from(ns.name_selector.is_some()) + usize::from(ns.label_selector.is_some());
            if count == 0 {
                return Err(schema(at("namespace"), "needs nameSelector or labelSelector"));
            }
            if let Some(sel) = &ns.label_selector {
                label_selector(&at("namespace.labelSelector"), sel)?;
            }
        }
        let by_field_name =
            b.field_selector.as_ref().is_some_and(|f| f.match_expressions.iter().any(|e| e.field == "metadata.name"));
        if by_field_name && b.name_selector.as_ref().is_some_and(|n| !n.match_names.is_empty()) {
            return Err(schema(at("fieldSelector"), "metadata.name conflicts with nameSelector.matchNames"));
        }
        check_snapshots(at("includeSnapshotsFrom"), b.include_snapshots_from.as_ref())?;
    }
    for (i, s) in config.schedule_bindings().iter().enumerate() {
        validate_crontab(&s.crontab).map_err(|e| schema(format!("schedule[{i}].crontab"), e))?;
        check_snapshots(format!("schedule[{i}].includeSnapshotsFrom"), s.include_snapshots_from.as_ref())?;
    }
    let webhooks =
        [("kubernetesValidating", &config.kubernetes_validating), ("kubernetesMutating", &config.kubernetes_mutating)];
    for (key, list) in webhooks {
        for (i, w) in list.iter().flatten().enumerate() {
            let at = |field: &str| format!("{key}[{i}].{field}");
            if w.name.split('.').filter(|s| !s.is_empty()).count() < 3 {
                return Err(schema(at("name"), format!("{:?} must be a fully qualified name (a.b.c)", w.name)));
            }
            if let Some(t) = w.timeout_seconds
                && !(1..=30).contains(&t)
            {
                return Err(schema(at("timeoutSeconds"), "must be between 1 and 30"));
            }
            for (j, rule) in w.rules.iter().flatten().enumerate() {
                let lists =
                    [rule.api_versions.len(), rule.api_groups.len(), rule.resources.len(), rule.operations.len()];
                if lists.contains(&0) {
                    return Err(schema(
                        at(&format!("rules[{j}]")),
                        "apiVersions, apiGroups, resources and operations must not be empty",
                    ));
                }
            }
            if w.rules.as_ref().is_some_and(Vec::is_empty) {
                return Err(schema(at("rules"), "must not be empty"));
            }
            if let Some(sel) = &w.label_selector {
                label_selector(&at("labelSelector"), sel)?;
            }
            check_snapshots(at("includeSnapshotsFrom"), w.include_snapshots_from.as_ref())?;
        }
    }
    for (i, c) in config.kubernetes_custom_resource_conversion.iter().flatten().enumerate() {
        non_empty(&format!("kubernetesCustomResourceConversion[{i}].conversions"), Some(c.conversions.as_slice()))?;
        check_snapshots(
            format!("kubernetesCustomResourceConversion[{i}].includeSnapshotsFrom"),
            c.include_snapshots_from.as_ref(),
        )?;
    }
    if let Some(settings) = &config.settings {
        let interval = settings.execution_min_interval.as_deref().unwrap_or_default();
        parse_go_duration(interval).map_err(|e| schema("settings.executionMinInterval", e))?;
    }
    Ok(())
}

fn non_empty<T>(path: &str, list: Option<&[T]>) -> Result<(), ConfigError> {
    match list {
        Some([]) => Err(schema(path, "must have at least one item")),
        _ => Ok(()),
    }
}

fn label_selector(path: &str, sel: &LabelSelector) -> Result<(), ConfigError> {
    if sel.match_labels.is_none() && sel.match_expressions.is_none() {
        return Err(schema(path, "needs matchLabels or matchExpressions"));
    }
    Ok(())
}

/// Every property of the v1 schema is typed, so a `null` anywhere is a schema error,
/// except inside match conditions, which allow extra keys of any type.
fn first_null(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::Null => Some(path.to_owned()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| first_null(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k == "matchConditions" {
                return None;
            }
            first_null(v, &format!("{path}.{k}"))
        }),
        _ => None,
    }
}
