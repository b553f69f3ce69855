//! `hookctl`: binding contexts shell-operator would produce from manifests, and
//! hook runs exactly as shell-operator makes them, for hand runs and CI dry-runs.

pub mod cluster;
pub mod cycle;
pub mod discover;
pub mod manifests;
pub mod queues;
pub mod render;
pub mod report;
pub mod runner;
pub mod select;
pub mod session;
pub mod simulate;
pub use shell_hook::HookConfig;
