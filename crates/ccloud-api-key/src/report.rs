//! The run's account of itself: lines for people, JSON for machines, metrics.

use hook_reconcile::Failure;
use serde_json::{Value, json};
use shell_hook::MetricOperation;
use std::fmt::Write as _;

/// One thing that happened (or, in a dry run, would happen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: &'static str,
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub events: Vec<Event>,
    pub failures: Vec<Failure>,
    pub dry_run: bool,
    pub declared_accounts: usize,
    pub keys_kept: usize,
    pub keys_minted: usize,
    pub keys_retiring: usize,
    pub keys_deleted: usize,
    pub acl_changes: usize,
    pub account_changes: usize,
    pub requests: u64,
    pub seconds: f64,
}

impl Report {
    pub fn event(&mut self, kind: &'static str, subject: impl Into<String>, detail: impl Into<String>) {
        let e = Event { kind, subject: subject.into(), detail: detail.into() };
        tracing::info!(kind = e.kind, subject = e.subject, detail = e.detail, dry_run = self.dry_run, "change");
        self.events.push(e);
    }

    pub fn fail(&mut self, f: Failure) {
        tracing::error!(subject = f.subject, transient = f.transient, "{}", f.message);
        self.failures.push(f);
    }

    pub fn changed(&self) -> bool {
        self.keys_minted + self.keys_deleted + self.acl_changes + self.account_changes > 0
    }

    /// The run's errors for the exit-code table (any failure counts).
    pub fn errors(&self) -> shell_hook::Errors {
        let failures = &self.failures;
        if failures.iter().any(|f| f.transient) {
            shell_hook::Errors::Transient
        } else if failures.is_empty() {
            shell_hook::Errors::None
        } else {
            shell_hook::Errors::Permanent
        }
    }

    pub fn has_transient_failure(&self) -> bool {
        self.failures.iter().any(|f| f.transient)
    }

    pub fn failed(&self, subject: &str) -> Option<&Failure> {
        self.failures.iter().find(|f| f.subject == subject)
    }
}

impl shell_hook::Report for Report {
    fn text(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let _ = writeln!(out, "{:<12} {:<60} {}", e.kind, e.subject, e.detail);
        }
        for f in &self.failures {
            let _ = writeln!(
                out,
                "{:<12} {:<60} {}{}",
                "FAILED",
                f.subject,
                f.message,
                if f.transient { " (will retry)" } else { "" }
            );
        }
        let _ = writeln!(
            out,
            "{}accounts: {} declared, {} changed; keys: {} kept, {} minted, {} retiring, {} deleted; ACL changes: {}; {} failure(s); {} request(s)",
            if self.dry_run { "dry run: " } else { "" },
            self.declared_accounts,
            self.account_changes,
            self.keys_kept,
            self.keys_minted,
            self.keys_retiring,
            self.keys_deleted,
            self.acl_changes,
            self.failures.len(),
            self.requests
        );
        out
    }

    fn json(&self) -> Value {
        json!({
            "tool": crate::config::TOOL, "dry_run": self.dry_run,
            "events": self.events.iter().map(|e| json!({"kind": e.kind, "subject": e.subject, "detail": e.detail})).collect::<Vec<_>>(),
            "failures": self.failures.iter().map(|f| json!({"subject": f.subject, "message": f.message, "transient": f.transient})).collect::<Vec<_>>(),
            "keys": {"kept": self.keys_kept, "minted": self.keys_minted, "retiring": self.keys_retiring, "deleted": self.keys_deleted},
            "acl_changes": self.acl_changes, "account_changes": self.account_changes, "requests": self.requests,
        })
    }
}

impl Report {
    pub fn metrics(&self) -> Vec<MetricOperation> {
        let g = |m: MetricOperation| m.group(crate::config::TOOL);
        let transient = self.failures.iter().filter(|f| f.transient).count();
        vec![
            g(MetricOperation::set("ccloud_api_key_service_accounts", self.declared_accounts as f64)),
            g(MetricOperation::set("ccloud_api_key_keys", self.keys_kept as f64).label("state", "kept")),
            g(MetricOperation::set("ccloud_api_key_keys", self.keys_minted as f64).label("state", "minted")),
            g(MetricOperation::set("ccloud_api_key_keys", self.keys_retiring as f64).label("state", "retiring")),
            g(MetricOperation::set("ccloud_api_key_keys", self.keys_deleted as f64).label("state", "deleted")),
            g(MetricOperation::set("ccloud_api_key_acl_changes", self.acl_changes as f64)),
            g(MetricOperation::set("ccloud_api_key_errors", transient as f64).label("kind", "transient")),
            g(MetricOperation::set("ccloud_api_key_errors", (self.failures.len() - transient) as f64)
                .label("kind", "permanent")),
            g(MetricOperation::set("ccloud_api_key_requests", self.requests as f64)),
            g(MetricOperation::set("ccloud_api_key_run_seconds", (self.seconds * 1000.0).round() / 1000.0)),
        ]
    }
}
