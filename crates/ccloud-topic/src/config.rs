//! The hook's binding configuration.

use hook_reconcile::binding::{BindingSettings, grouped_config};
use hook_reconcile::record::{RecordOwner, owned_record_binding};
use shell_hook::HookConfig;

pub use hook_reconcile::binding::{SPECS_BINDING, SPECS_JQ_FILTER as JQ_FILTER};

pub const TOOL: &str = "ccloud-topic";

/// The tool's default selector: with it, no instance id and only its own namespace
/// watched, the record keeps the first round's name.
pub const DEFAULT_SELECTOR: &str = "destination=ccloud";

/// This deployment's record: its name and stamp depend on the instance id and what the
/// binding watches, so two deployments in one namespace never share one.
pub fn record_owner(s: &BindingSettings, instance: Option<&str>) -> RecordOwner {
    RecordOwner::new(TOOL, s, DEFAULT_SELECTOR, instance)
}

pub fn hook_config(s: &BindingSettings, instance: Option<&str>) -> HookConfig {
    grouped_config(s, TOOL, vec![owned_record_binding(&record_owner(s, instance), &s.own_namespace, TOOL)])
}
