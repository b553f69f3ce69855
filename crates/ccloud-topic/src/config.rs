//! The hook's binding configuration.

use hook_reconcile::binding::{BindingSettings, grouped_config};
use hook_reconcile::record::record_binding;
use shell_hook::HookConfig;

pub use hook_reconcile::binding::{SPECS_BINDING, SPECS_JQ_FILTER as JQ_FILTER};

pub const TOOL: &str = "ccloud-topic";

pub fn hook_config(s: &BindingSettings) -> HookConfig {
    grouped_config(s, TOOL, vec![record_binding(TOOL, &s.own_namespace, TOOL)])
}
