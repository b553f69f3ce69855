//! Hook configuration, `configVersion: v1`: what a hook prints for `--config`.
//!
//! The types serialise to exactly the keys shell-operator's v1 schema allows and
//! deserialise strictly (unknown keys are errors), so parsing doubles as the
//! structural half of validation; [`crate::config_check`] adds the rest.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A complete v1 hook configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookConfig {
    pub config_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_startup: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<ScheduleBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<Vec<KubernetesBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_validating: Option<Vec<WebhookBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_mutating: Option<Vec<WebhookBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_custom_resource_conversion: Option<Vec<ConversionBinding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
}

impl HookConfig {
    /// An empty v1 config; add bindings with the builder methods.
    pub fn v1() -> Self {
        Self { config_version: "v1".to_owned(), ..Self::default() }
    }

    pub fn with_kubernetes(mut self, binding: KubernetesBinding) -> Self {
        self.kubernetes.get_or_insert_with(Vec::new).push(binding);
        self
    }

    pub fn with_schedule(mut self, binding: ScheduleBinding) -> Self {
        self.schedule.get_or_insert_with(Vec::new).push(binding);
        self
    }

    pub fn with_on_startup(mut self, order: i64) -> Self {
        self.on_startup = Some(order);
        self
    }

    /// The kubernetes bindings (empty when there are none).
    pub fn kubernetes_bindings(&self) -> &[KubernetesBinding] {
        self.kubernetes.as_deref().unwrap_or_default()
    }

    /// The schedule bindings (empty when there are none).
    pub fn schedule_bindings(&self) -> &[ScheduleBinding] {
        self.schedule.as_deref().unwrap_or_default()
    }

    /// Compact JSON, what `--config` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("config types always serialise"))
    }
}

/// Watch events a kubernetes binding can run the hook on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WatchEvent {
    Added,
    Modified,
    Deleted,
}

/// A `kubernetes` binding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubernetesBinding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_hook_on_event: Option<Vec<WatchEvent>>,
    /// Legacy alias of `executeHookOnEvent`; the latter wins when both are set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_event: Option<Vec<WatchEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_hook_on_synchronization: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_for_synchronization: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_full_objects_in_memory: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resynchronization_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_selector: Option<NameSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<FieldSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<NamespaceSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jq_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_snapshots_from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_failure: Option<bool>,
}

impl KubernetesBinding {
    pub fn new(name: &str, api_version: &str, kind: &str) -> Self {
        Self {
            name: Some(name.to_owned()),
            api_version: Some(api_version.to_owned()),
            kind: kind.to_owned(),
            ..Self::default()
        }
    }

    /// The name contexts carry in `binding` (`kubernetes` when unnamed).
    pub fn binding_name(&self) -> &str {
        self.name.as_deref().unwrap_or("kubernetes")
    }

    /// The events that run the hook: `executeHookOnEvent`, else `watchEvent`, else all three.
    pub fn effective_events(&self) -> Vec<WatchEvent> {
        self.execute_hook_on_event
            .clone()
            .or_else(|| self.watch_event.clone())
            .unwrap_or_else(|| vec![WatchEvent::Added, WatchEvent::Modified, WatchEvent::Deleted])
    }

    pub fn keeps_full_objects(&self) -> bool {
        self.keep_full_objects_in_memory != Some(false)
    }

    pub fn runs_on_synchronization(&self) -> bool {
        self.execute_hook_on_synchronization != Some(false)
    }
}

/// A `schedule` binding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleBinding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub crontab: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_failure: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_snapshots_from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl ScheduleBinding {
    pub fn new(name: &str, crontab: &str) -> Self {
        Self { name: Some(name.to_owned()), crontab: crontab.to_owned(), ..Self::default() }
    }

    pub fn binding_name(&self) -> &str {
        self.name.as_deref().unwrap_or("schedule")
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameSelector {
    pub match_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelExpression>>,
}

impl LabelSelector {
    pub fn labels<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map = pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Self { match_labels: Some(map), match_expressions: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabelOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelExpression {
    pub key: String,
    pub operator: LabelOperator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSelector {
    pub match_expressions: Vec<FieldExpression>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldOperator {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "==")]
    DoubleEq,
    Equals,
    #[serde(rename = "!=")]
    NotEq,
    NotEquals,
}

impl FieldOperator {
    pub fn is_equality(self) -> bool {
        matches!(self, Self::Eq | Self::DoubleEq | Self::Equals)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldExpression {
    pub field: String,
    pub operator: FieldOperator,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_selector: Option<NameSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
}

impl NamespaceSelector {
    pub fn names(names: &[&str]) -> Self {
        let match_names = names.iter().map(|n| (*n).to_owned()).collect();
        Self { name_selector: Some(NameSelector { match_names }), label_selector: None }
    }
}

/// `settings`: the hook's execution rate limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_min_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_burst: Option<i64>,
}

/// A `kubernetesValidating` or `kubernetesMutating` binding (admission webhooks).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookBinding {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_snapshots_from: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<FailurePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<SideEffects>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_conditions: Option<Vec<MatchCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<WebhookNamespace>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<WebhookRule>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailurePolicy {
    Ignore,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SideEffects {
    None,
    NoneOnDryRun,
}

/// A CEL match condition; the schema allows extra keys here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchCondition {
    pub expression: String,
    pub name: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookNamespace {
    pub label_selector: LabelSelector,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRule {
    pub api_versions: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<AdmissionOperation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RuleScope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdmissionOperation {
    #[serde(rename = "CREATE")]
    Create,
    #[serde(rename = "UPDATE")]
    Update,
    #[serde(rename = "DELETE")]
    Delete,
    #[serde(rename = "CONNECT")]
    Connect,
    #[serde(rename = "*")]
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleScope {
    Cluster,
    Namespaced,
    #[serde(rename = "*")]
    All,
}

/// A `kubernetesCustomResourceConversion` binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConversionBinding {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_snapshots_from: Option<Vec<String>>,
    pub crd_name: String,
    pub conversions: Vec<Conversion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Conversion {
    pub from_version: String,
    pub to_version: String,
}
