#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ccloud-api-key end to end, in one test binary: the real hook against the emulator,
//! run as shell-operator runs it (the pretend cluster applies its patches between runs).

mod adversary;
mod common;
mod conformance;
mod faults;
mod identities;
mod issue12;
mod plan_props;
