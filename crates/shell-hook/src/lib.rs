//! The flant/shell-operator hook protocol, nothing Confluent-specific.
//!
//! - [`config`]: the v1 binding configuration a hook prints for `--config`;
//!   [`config_check`] parses and validates any hook's config with upstream's verdicts.
//! - [`context`]: the binding-context array in `$BINDING_CONTEXT_PATH`.
//! - [`patch`] and [`metrics`]: what a hook writes to `$KUBERNETES_PATCH_PATH` and
//!   `$METRICS_PATH`, and parsers that judge such files as shell-operator would.
//! - [`run`], [`outputs`], [`log`]: the run model shared by every hook binary.

pub mod config;
pub mod config_check;
pub mod context;
pub mod cron;
pub mod duration;
pub mod log;
pub mod metrics;
pub mod outputs;
pub mod patch;
pub mod run;
pub mod view;

pub use config::{HookConfig, KubernetesBinding, LabelSelector, NamespaceSelector, ScheduleBinding};
pub use context::{
    BindingContext, ContextType, ObjectItem, WatchEvent, latest_objects, parse_contexts, read_contexts,
    take_latest_objects,
};
pub use metrics::MetricOperation;
pub use outputs::{Destination, Outputs};
pub use patch::{ObjectOperation, ObjectRef};
pub use run::{Deadline, Errors, HookRun, Invocation, Outcome, OutputFormat, Report, RunOptions, execute};
pub use view::ConfigMapView;
