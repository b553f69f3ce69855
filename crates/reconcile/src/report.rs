//! One report type for every tool: what changed (or would), what failed and why, what
//! deletions were held back, and what is on the target but not managed. From it come the
//! text and JSON a hand run prints, the status annotation of each source ConfigMap, the
//! standard metrics, the log line, and the run's error summary (its exit code).

use crate::deletion::Hold;
use crate::failure::{Failure, Reason, summarize};
use crate::settings::Tool;
use crate::status::{SourceStatus, status_patch};
use serde_json::{Value, json};
use shell_hook::{ConfigMapView, Errors, MetricOperation, ObjectOperation};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One change made (or, in a dry run, planned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What kind of item: `topic`, `acl`, `key`, `account`, `connector`, …
    pub kind: &'static str,
    pub subject: String,
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub tool: Tool,
    pub dry_run: bool,
    pub events: Vec<Event>,
    pub failures: Vec<Failure>,
    /// Deletions the switches held back, by subject.
    pub held: Vec<(String, Hold)>,
    /// Things a person should know that are not failures (a rewritten wildcard ACL).
    pub notices: Vec<String>,
    /// On the target, not managed by this deployment: reported, never touched.
    pub unmanaged: Vec<String>,
    pub declared: usize,
    pub in_sync: usize,
    pub requests: u64,
    pub seconds: f64,
    /// Source ConfigMap id → the subjects it declares (for its status annotation).
    pub sources: BTreeMap<String, Vec<String>>,
}

impl Report {
    pub fn new(tool: Tool, dry_run: bool) -> Self {
        Self {
            tool,
            dry_run,
            events: Vec::new(),
            failures: Vec::new(),
            held: Vec::new(),
            notices: Vec::new(),
            unmanaged: Vec::new(),
            declared: 0,
            in_sync: 0,
            requests: 0,
            seconds: 0.0,
            sources: BTreeMap::new(),
        }
    }

    /// Records a change and logs it (stderr): under shell-operator the log is where a run
    /// tells what it changed. Details never hold secret values (the tools redact them).
    pub fn event(
        &mut self,
        kind: &'static str,
        subject: impl Into<String>,
        action: impl Into<String>,
        detail: impl Into<String>,
    ) {
        let event = Event { kind, subject: subject.into(), action: action.into(), detail: detail.into() };
        tracing::info!(
            kind,
            subject = event.subject,
            action = event.action,
            dry_run = self.dry_run,
            "{}",
            event.detail
        );
        self.events.push(event);
    }

    pub fn fail(&mut self, failure: Failure) {
        tracing::warn!(subject = failure.key, reason = failure.reason.as_str(), "{}", failure.message);
        self.failures.push(failure);
    }

    /// A held deletion; protected and over-budget holds are also failures (refused).
    pub fn hold(&mut self, subject: impl Into<String>, hold: Hold) {
        let subject = subject.into();
        if let Some(reason) = hold.failure_reason() {
            self.failures.push(Failure::new(subject.clone(), reason, hold.to_string()));
        }
        self.held.push((subject, hold));
    }

    pub fn notice(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!("{text}");
        self.notices.push(text);
    }

    /// Records that `source` declares `subject`.
    pub fn declares(&mut self, source: impl Into<String>, subject: impl Into<String>) {
        self.sources.entry(source.into()).or_default().push(subject.into());
    }

    pub fn failed(&self, subject: &str) -> Option<&Failure> {
        self.failures.iter().find(|f| f.key == subject)
    }

    pub fn errors(&self) -> Errors {
        summarize(&self.failures)
    }

    pub fn changed(&self) -> bool {
        !self.events.is_empty()
    }

    fn prefix(&self) -> String {
        self.tool.as_str().replace('-', "_")
    }

    /// The standard metrics (group = the tool): declared, changes, in sync, unmanaged,
    /// held deletions, errors by reason, requests, run seconds.
    pub fn metrics(&self) -> Vec<MetricOperation> {
        let group = self.tool.as_str();
        let p = self.prefix();
        let mut out = vec![MetricOperation::expire(group)];
        let set = |name: &str, v: f64| MetricOperation::set(&format!("{p}_{name}"), v).group(group);
        out.push(set("declared", self.declared as f64));
        out.push(set("changes", self.events.len() as f64));
        out.push(set("in_sync", self.in_sync as f64));
        out.push(set("unmanaged", self.unmanaged.len() as f64));
        out.push(set("deletions_held", self.held.len() as f64));
        for reason in Reason::ALL {
            let n = self.failures.iter().filter(|f| f.reason == reason).count();
            out.push(
                MetricOperation::set(&format!("{p}_errors"), n as f64).group(group).label("reason", reason.as_str()),
            );
        }
        out.push(set("requests", self.requests as f64));
        out.push(set("run_seconds", (self.seconds * 1000.0).round() / 1000.0));
        out
    }

    /// The status of each source: its subjects applied or failed, and its own failure
    /// (a ConfigMap that did not parse is a failure keyed by its id).
    pub fn source_status(&self, source: &str) -> SourceStatus {
        let mut status = SourceStatus::default();
        let last = |f: &Failure, status: &mut SourceStatus| {
            status.failed += 1;
            status.last_error = Some(f.to_string());
        };
        for f in self.failures.iter().filter(|f| f.key == source || f.key.starts_with(&format!("{source} "))) {
            last(f, &mut status);
        }
        for subject in self.sources.get(source).into_iter().flatten() {
            match self.failed(subject) {
                Some(f) => last(f, &mut status),
                None => status.applied += 1,
            }
        }
        status
    }

    /// One MergePatch per source whose status changed.
    pub fn status_patches(&self, views: &[ConfigMapView]) -> Vec<ObjectOperation> {
        views.iter().filter_map(|v| status_patch(self.tool.as_str(), v, &self.source_status(&v.id()))).collect()
    }

    pub fn log(&self) {
        tracing::info!(
            changes = self.events.len(),
            failures = self.failures.len(),
            held = self.held.len(),
            requests = self.requests,
            dry_run = self.dry_run,
            "reconcile finished"
        );
    }
}

impl shell_hook::Report for Report {
    fn text(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would change" } else { "changed" };
        let _ = writeln!(
            out,
            "{}: {} declared, {} in sync, {} {verb}, {} failed, {} deletions held",
            self.tool,
            self.declared,
            self.in_sync,
            self.events.len(),
            self.failures.len(),
            self.held.len()
        );
        for e in &self.events {
            let _ = writeln!(out, "  {:<9} {:<10} {} {}", e.kind, e.action, e.subject, e.detail);
        }
        for f in &self.failures {
            let _ = writeln!(out, "  error     {:<10} {}: {}", f.reason.as_str(), f.key, f.message);
        }
        for (subject, hold) in &self.held {
            let _ = writeln!(out, "  held      {subject}: {hold}");
        }
        for n in &self.notices {
            let _ = writeln!(out, "  notice    {n}");
        }
        for u in &self.unmanaged {
            let _ = writeln!(out, "  unmanaged {u}");
        }
        out
    }

    fn json(&self) -> Value {
        json!({
            "tool": self.tool.as_str(),
            "dryRun": self.dry_run,
            "declared": self.declared,
            "inSync": self.in_sync,
            "changes": self.events.iter().map(|e| json!({"kind": e.kind, "subject": e.subject, "action": e.action, "detail": e.detail})).collect::<Vec<_>>(),
            "errors": self.failures.iter().map(|f| json!({"subject": f.key, "reason": f.reason, "message": f.message})).collect::<Vec<_>>(),
            "held": self.held.iter().map(|(s, h)| json!({"subject": s, "why": h.to_string()})).collect::<Vec<_>>(),
            "notices": self.notices,
            "unmanaged": self.unmanaged,
            "requests": self.requests,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deletion::Kind;

    #[test]
    fn errors_status_and_metrics_come_from_the_failures() {
        let mut r = Report::new(Tool::Connect, false);
        r.declares("ns/a", "connector x on self");
        r.declares("ns/a", "connector y on self");
        r.fail(Failure::new("connector y on self", Reason::Invalid, "undefined variable $X"));
        r.hold("connector z on self", Hold::Disabled(Kind::Connector));
        assert_eq!(r.errors(), Errors::Permanent);
        let s = r.source_status("ns/a");
        assert_eq!((s.applied, s.failed), (1, 1));
        assert!(s.last_error.unwrap().contains("$X"));
        r.hold("connector q on self", Hold::OverBudget { candidates: 9, budget: 5 });
        assert_eq!(r.failures.len(), 2, "an over-budget hold is a refusal");
        let metrics: Vec<Value> = r.metrics().iter().map(|m| serde_json::to_value(m).unwrap()).collect();
        assert!(
            metrics.iter().any(|m| m["name"] == "connect_apply_errors"
                && m["labels"]["reason"] == "invalid"
                && m["value"] == 1.0)
        );
        r.fail(Failure::new("connect", Reason::Transient, "503"));
        assert_eq!(r.errors(), Errors::Transient);
    }
}
