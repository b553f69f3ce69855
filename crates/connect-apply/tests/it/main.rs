//! connect-apply's integration tests, in one binary: the real `connect-apply` run as
//! shell-operator runs it, against the in-process emulator (self-managed worker and managed
//! Connect), with a pretend cluster that applies its object operations between runs.

mod adversary;
mod common;
mod conformance;
mod connectors;
mod faults;
mod frozen;
mod plan_props;
