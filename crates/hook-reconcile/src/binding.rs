//! The binding shape the ccloud hooks share: one group holding the watched spec
//! ConfigMaps, any snapshot-only bindings, and a resync schedule, on the tool's own
//! queue. Every run then sees the full declared state in its snapshots, so combined
//! or missed events never lose work.

use shell_hook::{HookConfig, KubernetesBinding, LabelSelector, NamespaceSelector, ScheduleBinding};
use std::collections::BTreeMap;

pub const SPECS_BINDING: &str = "specs";

/// Keeps only what the tools read, so label and annotation edits (including the status
/// the hooks write) never re-trigger them.
pub const SPECS_JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, data: .data}";

/// Which ConfigMaps to watch and how often to reconcile without an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingSettings {
    pub labels: BTreeMap<String, String>,
    pub namespaces: Vec<String>,
    pub schedule: String,
    /// The hook's own namespace (records live there).
    pub own_namespace: String,
}

impl BindingSettings {
    /// `CCLOUD_SPEC_SELECTOR` (default `destination=ccloud`), `WATCH_NAMESPACES`
    /// (comma-separated, default the pod's namespace), `RESYNC_SCHEDULE` (default every 5 minutes).
    pub fn from_env(env: impl Fn(&str) -> Option<String>, own_namespace: &str, default_selector: &str) -> Self {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let labels = get("CCLOUD_SPEC_SELECTOR")
            .unwrap_or_else(|| default_selector.into())
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

    pub fn namespace_selector(&self) -> NamespaceSelector {
        let names: Vec<&str> = self.namespaces.iter().map(String::as_str).collect();
        NamespaceSelector::names(&names)
    }
}

/// The specs binding, `extra` bindings, and the resync schedule, all in `group` on queue `group`.
pub fn grouped_config(s: &BindingSettings, group: &str, extra: Vec<KubernetesBinding>) -> HookConfig {
    let mut specs = KubernetesBinding::new(SPECS_BINDING, "v1", "ConfigMap");
    specs.label_selector = Some(LabelSelector { match_labels: Some(s.labels.clone()), match_expressions: None });
    specs.namespace = Some(s.namespace_selector());
    specs.jq_filter = Some(SPECS_JQ_FILTER.into());
    let mut config = HookConfig::v1();
    for mut b in std::iter::once(specs).chain(extra) {
        b.group = Some(group.into());
        b.queue = Some(group.into());
        config = config.with_kubernetes(b);
    }
    let mut resync = ScheduleBinding::new("resync", &s.schedule);
    resync.group = Some(group.into());
    resync.queue = Some(group.into());
    config.with_schedule(resync)
}
