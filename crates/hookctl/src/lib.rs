//! `hookctl`: binding contexts shell-operator would produce from manifests, and
//! hook runs exactly as shell-operator makes them, for hand runs and CI dry-runs.

pub mod cluster;
pub mod cycle;
pub mod discover;
pub mod manifests;
pub mod render;
pub mod runner;
pub mod select;
pub use shell_hook::HookConfig;
