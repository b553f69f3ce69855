//! The hook's binding configuration and its settings from the environment.

use hook_reconcile::record::record_binding;
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector, NamespaceSelector, ScheduleBinding};
use std::collections::BTreeMap;

pub const TOOL: &str = "ccloud-topic";
pub const SPECS_BINDING: &str = "specs";
const GROUP: &str = "ccloud-topic";
/// Keeps only what the tool reads, so label and annotation edits (including the
/// status this hook writes) never re-trigger it.
pub const JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, data: .data}";

/// Which ConfigMaps to watch and how often to reconcile without an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingSettings {
    pub labels: BTreeMap<String, String>,
    pub namespaces: Vec<String>,
    pub schedule: String,
    /// Where the record of managed topics lives (the hook's own namespace).
    pub own_namespace: String,
}

impl BindingSettings {
    /// `CCLOUD_SPEC_SELECTOR` (default `destination=ccloud`), `WATCH_NAMESPACES`
    /// (comma-separated, default the pod's namespace), `RESYNC_SCHEDULE` (default every 5 minutes).
    pub fn from_env(env: impl Fn(&str) -> Option<String>, own_namespace: &str) -> Self {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let labels = get("CCLOUD_SPEC_SELECTOR")
            .unwrap_or_else(|| "destination=ccloud".into())
            .split(',')
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
            .collect();
        let namespaces = get("WATCH_NAMESPACES")
            .map(|v| v.split(',').map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect())
            .unwrap_or_else(|| vec![own_namespace.to_owned()]);
        Self {
            labels,
            namespaces,
            schedule: get("RESYNC_SCHEDULE").unwrap_or_else(|| "*/5 * * * *".into()),
            own_namespace: own_namespace.to_owned(),
        }
    }
}

/// One group for everything: every run sees the full declared state in its snapshots,
/// so combined or missed events never lose work.
pub fn hook_config(s: &BindingSettings) -> HookConfig {
    let mut specs = KubernetesBinding::new(SPECS_BINDING, "v1", "ConfigMap");
    specs.label_selector = Some(LabelSelector { match_labels: Some(s.labels.clone()), match_expressions: None });
    let names: Vec<&str> = s.namespaces.iter().map(String::as_str).collect();
    specs.namespace = Some(NamespaceSelector::names(&names));
    specs.jq_filter = Some(JQ_FILTER.into());
    specs.group = Some(GROUP.into());
    specs.queue = Some(GROUP.into());
    let mut records = record_binding(TOOL, &s.own_namespace, GROUP);
    records.queue = Some(GROUP.into());
    let mut resync = ScheduleBinding::new("resync", &s.schedule);
    resync.group = Some(GROUP.into());
    resync.queue = Some(GROUP.into());
    HookConfig::v1().with_kubernetes(specs).with_kubernetes(records).with_schedule(resync)
}
