//! What `ccloud-topic`, `ccloud-api-key` and `connect-apply` share beyond the hook
//! protocol: where the APIs are and which credentials to use ([`settings`]), Cloud
//! name → id lookups done once per run ([`directory`]), bounded concurrency
//! ([`pool`]), per-item failures ([`Failure`]), the status annotation on source
//! ConfigMaps ([`status`]) and the record of what a hook manages ([`record`]).

pub mod binding;
pub mod directory;
pub mod pool;
pub mod record;
pub mod settings;
pub use reconcile::status;

use api_http::HttpError;
use shell_hook::{BindingContext, Outcome};

pub use ccloud_spec::ConfigMapView;

/// Something that went wrong with one item; `transient` failures make the hook exit
/// non-zero (shell-operator retries), permanent ones are reported and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub subject: String,
    pub message: String,
    pub transient: bool,
}

impl Failure {
    pub fn permanent(subject: impl Into<String>, message: impl Into<String>) -> Self {
        Self { subject: subject.into(), message: message.into(), transient: false }
    }

    pub fn from_http(subject: impl Into<String>, error: &HttpError) -> Self {
        Self { subject: subject.into(), message: error.to_string(), transient: error.is_transient() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// A failure that stops the whole run: the hook's outputs could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing hook outputs: {0}")]
pub struct OutputError(#[from] std::io::Error);

/// The outcome of a run whose contexts carry no snapshot of the specs binding (an
/// onStartup-only run): nothing can be concluded, so nothing is done.
pub fn no_snapshot() -> Outcome {
    tracing::info!("no snapshot of the watched ConfigMaps in this run; nothing to reconcile");
    Outcome::message("no ConfigMap snapshot in this run: nothing to do\n")
}

/// The ConfigMaps currently in the binding's snapshot (the newest full view in the
/// array), or `None` when no context carries one (an onStartup-only run). The items are
/// taken out of `contexts` and freed one by one as they are converted.
pub fn views(contexts: &mut [BindingContext], binding: &str) -> Option<Vec<ConfigMapView>> {
    let items = shell_hook::take_latest_objects(contexts, binding)?;
    let mut views: Vec<ConfigMapView> =
        items.into_iter().filter_map(|i| ConfigMapView::from_item(i.filter_result_json(), i.object_json())).collect();
    views.sort_by_cached_key(ConfigMapView::id);
    Some(views)
}

/// The namespace the hook runs in: `POD_NAMESPACE`, the service account's namespace
/// file, or `default`.
pub fn own_namespace() -> String {
    std::env::var("POD_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}
