#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ccloud-topic's tests, one binary: the real hook binary against the emulator, run as
//! shell-operator runs it, and the pure planner.

mod common;
mod config;
mod exit_codes;
mod faults;
mod plan;
mod prism;
mod reconcile;
mod records;
mod settings;
