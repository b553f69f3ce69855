//! The hook's bindings: the spec ConfigMaps, and the Secrets this hook manages
//! (metadata only: Secret data never enters a binding context).

use hook_reconcile::binding::{BindingSettings, grouped_config};
use shell_hook::config::WatchEvent;
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector};

pub use hook_reconcile::binding::SPECS_BINDING;

pub const TOOL: &str = "ccloud-api-key";
pub const SECRETS_BINDING: &str = "secrets";
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const SECRETS_JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, labels: .metadata.labels, annotations: .metadata.annotations}";

pub fn hook_config(s: &BindingSettings) -> HookConfig {
    let mut secrets = KubernetesBinding::new(SECRETS_BINDING, "v1", "Secret");
    secrets.label_selector = Some(LabelSelector::labels([(MANAGED_BY, TOOL)]));
    secrets.namespace = Some(s.namespace_selector());
    secrets.jq_filter = Some(SECRETS_JQ_FILTER.into());
    secrets.keep_full_objects_in_memory = Some(false);
    // A managed Secret that disappears gets a new key right away; our own writes do not re-run the hook.
    secrets.execute_hook_on_event = Some(vec![WatchEvent::Deleted]);
    secrets.execute_hook_on_synchronization = Some(false);
    grouped_config(s, TOOL, vec![secrets])
}
