//! The hook's bindings: the spec ConfigMaps; the Secrets and ConfigMaps this hook
//! writes (metadata only for Secrets: Secret data never enters a binding context), so
//! that a run writes only what changed; and the record of what each source declared.

use hook_reconcile::binding::{BindingSettings, grouped_config};
use hook_reconcile::record::{RecordOwner, owned_record_binding};
use shell_hook::config::WatchEvent;
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector};

pub use hook_reconcile::binding::SPECS_BINDING;

pub const TOOL: &str = "ccloud-api-key";
/// The default `CCLOUD_SPEC_SELECTOR`: the one default deployment keeps the record name
/// `ccloud-api-key.records` of earlier versions.
pub const DEFAULT_SELECTOR: &str = "destination=ccloud";
pub const SECRETS_BINDING: &str = "secrets";
pub const CONFIGMAPS_BINDING: &str = "configmaps";
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const SECRETS_JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, labels: .metadata.labels, annotations: .metadata.annotations}";
/// The connection ConfigMaps hold no secret, so their data is compared directly.
pub const CONFIGMAPS_JQ_FILTER: &str =
    "{name: .metadata.name, namespace: .metadata.namespace, labels: .metadata.labels, data: .data}";

/// The record this deployment owns: named per selector, watched namespaces and instance
/// id, so two deployments in one namespace never read each other's record.
pub fn record_owner(s: &BindingSettings, instance: Option<&str>) -> RecordOwner {
    RecordOwner::new(TOOL, s, DEFAULT_SELECTOR, instance)
}

pub fn hook_config(s: &BindingSettings, record: &RecordOwner) -> HookConfig {
    let mut secrets = KubernetesBinding::new(SECRETS_BINDING, "v1", "Secret");
    secrets.label_selector = Some(LabelSelector::labels([(MANAGED_BY, TOOL)]));
    secrets.namespace = Some(s.namespace_selector());
    secrets.jq_filter = Some(SECRETS_JQ_FILTER.into());
    secrets.keep_full_objects_in_memory = Some(false);
    // A managed Secret that disappears gets a new key right away; our own writes do not re-run the hook.
    secrets.execute_hook_on_event = Some(vec![WatchEvent::Deleted]);
    secrets.execute_hook_on_synchronization = Some(false);
    let mut configmaps = KubernetesBinding::new(CONFIGMAPS_BINDING, "v1", "ConfigMap");
    configmaps.label_selector = Some(LabelSelector::labels([(MANAGED_BY, TOOL)]));
    configmaps.namespace = Some(s.namespace_selector());
    configmaps.jq_filter = Some(CONFIGMAPS_JQ_FILTER.into());
    configmaps.keep_full_objects_in_memory = Some(false);
    configmaps.execute_hook_on_event = Some(vec![WatchEvent::Deleted]);
    configmaps.execute_hook_on_synchronization = Some(false);
    grouped_config(s, TOOL, vec![secrets, configmaps, owned_record_binding(record, &s.own_namespace, TOOL)])
}
