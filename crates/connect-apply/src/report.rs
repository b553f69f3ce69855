//! What a run did, for the log, the hand run's stdout and `--output json`.

use crate::config::TOOL;
use hook_reconcile::Failure;
use serde_json::{Value, json};
use shell_hook::MetricOperation;
use std::fmt::Write as _;

#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) events: Vec<(String, String, String)>,
    pub(crate) failures: Vec<Failure>,
    pub(crate) unmanaged: Vec<String>,
    pub(crate) declared: usize,
    pub(crate) in_sync: usize,
    pub(crate) dry_run: bool,
    pub(crate) requests: u64,
    pub(crate) seconds: f64,
}

impl Report {
    pub(crate) fn event(&mut self, subject: &str, action: String, detail: String) {
        tracing::info!(subject, action, dry_run = self.dry_run, "connector change");
        self.events.push((subject.to_owned(), action, detail));
    }

    pub(crate) fn fail(&mut self, f: Failure) {
        tracing::error!(subject = f.subject, transient = f.transient, "{}", f.message);
        self.failures.push(f);
    }
}

impl shell_hook::Report for Report {
    fn text(&self) -> String {
        let mut out = String::new();
        for (subject, action, detail) in &self.events {
            let _ = writeln!(out, "{action:<24} {subject}: {detail}");
        }
        for f in &self.failures {
            let _ = writeln!(out, "{:<24} {}: {}", "FAILED", f.subject, f.message);
        }
        for u in &self.unmanaged {
            let _ = writeln!(out, "{:<24} {u} (never managed by this hook; left alone)", "unmanaged");
        }
        let _ = writeln!(
            out,
            "{}{} connector(s) declared, {} in sync, {} change(s), {} failure(s), {} request(s)",
            if self.dry_run { "dry run: " } else { "" },
            self.declared,
            self.in_sync,
            self.events.len(),
            self.failures.len(),
            self.requests
        );
        out
    }

    fn json(&self) -> Value {
        json!({
            "tool": TOOL, "dry_run": self.dry_run, "declared": self.declared, "in_sync": self.in_sync,
            "changes": self.events.iter().map(|(s, a, d)| json!({"subject": s, "action": a, "detail": d})).collect::<Vec<_>>(),
            "failures": self.failures.iter().map(|f| json!({"subject": f.subject, "message": f.message, "transient": f.transient})).collect::<Vec<_>>(),
            "unmanaged": self.unmanaged, "requests": self.requests,
        })
    }
}

impl Report {
    pub(crate) fn metrics(&self) -> Vec<MetricOperation> {
        let g = |m: MetricOperation| m.group(TOOL);
        let transient = self.failures.iter().filter(|f| f.transient).count();
        vec![
            g(MetricOperation::set("connect_apply_connectors_declared", self.declared as f64)),
            g(MetricOperation::set("connect_apply_changes", self.events.len() as f64)),
            g(MetricOperation::set("connect_apply_unmanaged", self.unmanaged.len() as f64)),
            g(MetricOperation::set("connect_apply_errors", transient as f64).label("kind", "transient")),
            g(MetricOperation::set("connect_apply_errors", (self.failures.len() - transient) as f64)
                .label("kind", "permanent")),
            g(MetricOperation::set("connect_apply_requests", self.requests as f64)),
            g(MetricOperation::set("connect_apply_run_seconds", (self.seconds * 1000.0).round() / 1000.0)),
        ]
    }
}
