//! Bindings: the connector ConfigMaps, the `cc.env.<env>.kafka.<cluster>` ConfigMaps that
//! route to Confluent Cloud (snapshot only), and this deployment's record of managed
//! connectors (its own ConfigMap: see [`RecordOwner`]).

use hook_reconcile::binding::{BindingSettings, grouped_config};
use hook_reconcile::record::{RecordOwner, owned_record_binding};
use shell_hook::config::{LabelExpression, LabelOperator};
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector};

pub use hook_reconcile::binding::SPECS_BINDING;

pub const TOOL: &str = "connect-apply";
pub const ROUTES_BINDING: &str = "routes";
/// The labels decide enable/disable and routing, so label edits must run the hook.
pub const SPECS_JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, labels: .metadata.labels, \
state: .metadata.annotations[\"connect.ccops.io/state\"], data: .data}";
pub const STATE_ANNOTATION: &str = "connect.ccops.io/state";
pub const APPLIED_ANNOTATION: &str = "connect.ccops.io/applied";
pub const RESTARTS_ANNOTATION: &str = "connect.ccops.io/restarts";

pub fn hook_config(s: &BindingSettings, owner: &RecordOwner) -> HookConfig {
    let mut routes = KubernetesBinding::new(ROUTES_BINDING, "v1", "ConfigMap");
    routes.label_selector = Some(LabelSelector {
        match_labels: None,
        match_expressions: Some(vec![
            LabelExpression { key: "environment_id".into(), operator: LabelOperator::Exists, values: None },
            LabelExpression { key: "resource_id".into(), operator: LabelOperator::Exists, values: None },
        ]),
    });
    routes.namespace = Some(s.namespace_selector());
    routes.jq_filter = Some("{name: .metadata.name, namespace: .metadata.namespace, labels: .metadata.labels}".into());
    routes.keep_full_objects_in_memory = Some(false);
    routes.execute_hook_on_event = Some(Vec::new());
    routes.execute_hook_on_synchronization = Some(false);
    let mut config = grouped_config(s, TOOL, vec![routes, owned_record_binding(owner, &s.own_namespace, TOOL)]);
    if let Some(specs) = config.kubernetes.as_mut().and_then(|k| k.first_mut()) {
        specs.jq_filter = Some(SPECS_JQ_FILTER.into());
    }
    config
}
