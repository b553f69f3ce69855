//! `ccloud-api-key`: service accounts, API keys delivered as Kubernetes Secrets, ACLs.
//!
//! parse the ConfigMaps ([`desired`]) → observe with minimal reads ([`observe`]) → pure
//! plans ([`plan`]) → [`apply`]: accounts, keys (a minted secret goes to the patch file
//! before anything else can fail, and from then on the run exits 0), ACL creates, then
//! the deletions the switches admit, all decided at once → [`report`].

pub mod apply;
pub mod config;
pub mod connection;
pub mod desired;
pub mod observe;
pub mod options;
pub mod plan;
pub mod report;
mod run;
pub mod secrets;

pub use hook_reconcile::OutputError;
pub use options::Options;
pub use run::run;
