//! The reconcile core of the ccops tools.
//!
//! Every tool runs the same shape: parse the declarations → observe with minimal reads →
//! a pure `plan(desired, observed)` → apply with bounded concurrency → report. This crate
//! owns the parts whose mistakes destroy production resources, so that each tool gets
//! them right by construction instead of by care:
//!
//! - [`standing`]: every item is *declared* (valid), *failing* (declared, but its
//!   declaration cannot be used: frozen, never updated or deleted) or *undeclared*;
//!   a source that failed as a whole makes everything it may declare *unknown*.
//! - [`failure`]: typed per-item failures ([`Failure`], [`Reason`]) and the run's
//!   error summary that decides the exit code.
//! - [`owner`]: exact owner tokens (tool + instance) for everything a tool may delete.
//! - [`deletion`]: the fail-closed switches every kind of deletion goes through.
//! - [`names`]: Kubernetes name and label rules, checked before anything is written.
//! - [`settings`]: the one table of environment variables, typed readers.
//! - [`report`]: one report type, its status patches and the standard metrics.

pub mod deletion;
pub mod failure;
pub mod names;
pub mod owner;
pub mod report;
pub mod settings;
pub mod standing;
pub mod status;

pub use deletion::{Candidate, DeletionPolicy, Hold, Kind};
pub use failure::{Failure, Reason};
pub use owner::OwnerToken;
pub use report::Report;
pub use standing::{Inventory, Standing};
