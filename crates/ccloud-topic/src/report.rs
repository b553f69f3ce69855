//! What a run tells people and machines: a text table or JSON, a status annotation
//! per source ConfigMap, metrics, log lines, and the record of declarations.

use crate::apply::{ActionResult, Applied};
use crate::config::TOOL;
use crate::desired::{Conflict, Desired};
use crate::plan::{Action, ClusterPlan};
use ccloud_spec::{ClusterRef, ConfigMapView, SpecError};
use hook_reconcile::Failure;
use hook_reconcile::record::Record;
use hook_reconcile::status::{SourceStatus, status_patch};
use serde_json::{Value, json};
use shell_hook::{MetricOperation, ObjectOperation};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const METRIC_GROUP: &str = "ccloud-topic";

#[derive(Debug, Clone, Default)]
pub struct ClusterRun {
    pub cluster: ClusterRef,
    pub id: Option<String>,
    pub declared: usize,
    /// The cluster could not be reached or resolved: none of its topics was handled.
    pub failure: Option<Failure>,
    pub plan: ClusterPlan,
    pub results: Vec<ActionResult>,
    /// Topics on the cluster that no ConfigMap declares (reported, never touched).
    pub unmanaged: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub clusters: Vec<ClusterRun>,
    pub conflicts: Vec<Conflict>,
    pub bad_sources: Vec<SpecError>,
    /// (source, `env/cluster/topic`) declared by ConfigMaps that are gone.
    pub orphans: Vec<(String, String)>,
    pub dry_run: bool,
    pub requests: u64,
    pub seconds: f64,
}

fn describe(action: &Action) -> (&'static str, String) {
    match action {
        Action::Create { partitions, replication_factor, config, .. } => {
            let mut d = partitions.map(|p| format!("partitions={p}")).unwrap_or_else(|| "partitions=default".into());
            if let Some(rf) = replication_factor {
                let _ = write!(d, " replication_factor={rf}");
            }
            for (k, v) in config.iter() {
                let _ = write!(d, " {k}={v}");
            }
            ("create", d)
        }
        Action::AlterConfigs { set, reset, .. } => {
            let mut parts: Vec<String> = set.iter().map(|(k, (old, new))| format!("{k}: {old} -> {new}")).collect();
            parts.extend(reset.iter().map(|k| format!("{k}: reset to default")));
            ("config", parts.join(", "))
        }
        Action::IncreasePartitions { from, to, .. } => ("partitions", format!("{from} -> {to}")),
        Action::Delete { .. } => ("delete", String::new()),
    }
}

impl RunReport {
    fn failures(&self) -> Vec<Failure> {
        let mut out: Vec<Failure> = self.clusters.iter().filter_map(|c| c.failure.clone()).collect();
        for c in &self.clusters {
            out.extend(
                c.plan
                    .refusals
                    .iter()
                    .map(|r| Failure::permanent(format!("topic {} on {}", r.topic, c.cluster), r.reason.clone())),
            );
            out.extend(c.results.iter().filter_map(|r| r.outcome.clone().err()));
        }
        out.extend(self.conflicts.iter().map(|c| {
            Failure::permanent(
                format!("topic {} on {}", c.topic, c.cluster),
                format!("conflicting declarations in {}; neither is applied", c.sources.join(", ")),
            )
        }));
        out.extend(
            self.bad_sources.iter().map(|e| Failure::permanent(format!("ConfigMap {}", e.configmap), e.to_string())),
        );
        out
    }

    /// The run's errors for the exit-code table (any failure counts).
    pub fn errors(&self) -> shell_hook::Errors {
        let failures = self.failures();
        if failures.iter().any(|f| f.transient) {
            shell_hook::Errors::Transient
        } else if failures.is_empty() {
            shell_hook::Errors::None
        } else {
            shell_hook::Errors::Permanent
        }
    }

    pub fn has_transient_failure(&self) -> bool {
        self.failures().iter().any(|f| f.transient)
    }

    /// Something changed (or, in a dry run, would change).
    pub fn changed(&self) -> bool {
        self.clusters.iter().any(|c| {
            c.results
                .iter()
                .any(|r| matches!(r.outcome, Ok(Applied::Done | Applied::Validated | Applied::NotValidated)))
        })
    }

    fn applied(&self, c: &ClusterRun) -> usize {
        c.results.iter().filter(|r| matches!(r.outcome, Ok(Applied::Done | Applied::AlreadyDone))).count()
    }

    /// Per-topic failures, keyed by (cluster, topic), borrowed: the status pass looks up
    /// every declared topic (40,000 in the large benchmark) and should not allocate to do so.
    fn topic_failures(&self) -> BTreeMap<(&ClusterRef, &str), String> {
        let mut out = BTreeMap::new();
        for c in &self.clusters {
            for r in &c.plan.refusals {
                out.insert((&c.cluster, r.topic.as_str()), r.reason.clone());
            }
            for r in &c.results {
                if let Err(f) = &r.outcome {
                    out.insert((&c.cluster, r.action.topic()), f.message.clone());
                }
            }
        }
        for k in &self.conflicts {
            out.insert((&k.cluster, k.topic.as_str()), format!("conflicting declarations in {}", k.sources.join(", ")));
        }
        out
    }

    /// One status annotation per source ConfigMap (skipped when unchanged).
    pub fn status_patches(&self, views: &[ConfigMapView], desired: &Desired) -> Vec<ObjectOperation> {
        let failures = self.topic_failures();
        let unreachable: BTreeMap<&ClusterRef, &Failure> =
            self.clusters.iter().filter_map(|c| c.failure.as_ref().map(|f| (&c.cluster, f))).collect();
        views
            .iter()
            .filter_map(|view| {
                let id = view.id();
                let mut status = SourceStatus::default();
                if let Some(e) = self.bad_sources.iter().find(|e| e.configmap == id) {
                    status.failed = 1;
                    status.last_error = Some(e.to_string());
                }
                for (cluster, topic) in desired.declared_by(&id) {
                    let error = unreachable
                        .get(cluster)
                        .map(|f| f.message.as_str())
                        .or_else(|| failures.get(&(cluster, topic.as_str())).map(String::as_str));
                    match error {
                        Some(e) => {
                            status.failed += 1;
                            status.last_error = Some(format!("topic {topic} on {cluster}: {e}"));
                        }
                        None => status.applied += 1,
                    }
                }
                status_patch(TOOL, view, &status)
            })
            .collect()
    }

    pub fn metrics(&self) -> Vec<MetricOperation> {
        let g = |m: MetricOperation| m.group(METRIC_GROUP);
        let mut out = Vec::new();
        for c in &self.clusters {
            let id = c.id.clone().unwrap_or_else(|| c.cluster.name.clone());
            out.push(g(MetricOperation::set("ccloud_topic_declared", c.declared as f64).label("cluster", &id)));
            out.push(g(
                MetricOperation::set("ccloud_topic_changes_applied", self.applied(c) as f64).label("cluster", &id)
            ));
            out.push(g(MetricOperation::set("ccloud_topic_drift", c.plan.drift.len() as f64).label("cluster", &id)));
            out.push(g(MetricOperation::set("ccloud_topic_unmanaged", c.unmanaged.len() as f64).label("cluster", &id)));
        }
        let failures = self.failures();
        let transient = failures.iter().filter(|f| f.transient).count();
        out.push(g(MetricOperation::set("ccloud_topic_errors", transient as f64).label("kind", "transient")));
        out.push(g(
            MetricOperation::set("ccloud_topic_errors", (failures.len() - transient) as f64).label("kind", "permanent")
        ));
        out.push(g(MetricOperation::set("ccloud_topic_requests", self.requests as f64)));
        out.push(g(MetricOperation::set("ccloud_topic_run_seconds", (self.seconds * 1000.0).round() / 1000.0)));
        out
    }

    /// One log line per change and per failure (stderr; JSON under shell-operator).
    pub fn log(&self) {
        for c in &self.clusters {
            for r in &c.results {
                let (verb, detail) = describe(&r.action);
                match &r.outcome {
                    Ok(outcome) => {
                        tracing::info!(cluster = %c.cluster, topic = r.action.topic(), action = verb, detail, outcome = ?outcome, "topic change")
                    }
                    Err(f) => {
                        tracing::error!(cluster = %c.cluster, topic = r.action.topic(), action = verb, transient = f.transient, "{}", f.message)
                    }
                }
            }
            for d in &c.plan.drift {
                tracing::warn!(cluster = %c.cluster, topic = d.topic, config = d.config, value = d.value, "config set on the topic but not declared");
            }
        }
        for f in
            self.failures().iter().filter(|f| !f.subject.starts_with("topic ") || f.message.contains("conflicting"))
        {
            tracing::error!(subject = f.subject, transient = f.transient, "{}", f.message);
        }
        for c in &self.clusters {
            for r in &c.plan.refusals {
                tracing::error!(cluster = %c.cluster, topic = r.topic, "refused: {}", r.reason);
            }
        }
        for (source, item) in &self.orphans {
            tracing::warn!(source, topic = item, "declared by a ConfigMap that is gone; the topic is kept");
        }
        let changes: usize = self.clusters.iter().map(|c| c.results.len()).sum();
        tracing::info!(
            clusters = self.clusters.len(),
            changes,
            failures = self.failures().len(),
            requests = self.requests,
            dry_run = self.dry_run,
            "reconcile finished"
        );
    }
}

impl shell_hook::Report for RunReport {
    fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.clusters {
            let id = c.id.as_deref().unwrap_or("?");
            let _ = writeln!(
                out,
                "cluster {} ({id}): {} declared, {} in sync, {} to change",
                c.cluster,
                c.declared,
                c.plan.in_sync.len(),
                c.plan.actions.len()
            );
            if let Some(f) = &c.failure {
                let _ = writeln!(out, "  ! {}", f.message);
            }
            for r in &c.results {
                let (verb, detail) = describe(&r.action);
                let status = match &r.outcome {
                    Ok(Applied::Done) => "done".to_owned(),
                    Ok(Applied::AlreadyDone) => "already done".to_owned(),
                    Ok(Applied::Validated) => "validated (dry run)".to_owned(),
                    Ok(Applied::NotValidated) => "planned (dry run, no server-side check)".to_owned(),
                    Err(f) => format!("FAILED: {}", f.message),
                };
                let _ = writeln!(out, "  {verb:<10} {:<30} {detail}  [{status}]", r.action.topic());
            }
            for r in &c.plan.refusals {
                let _ = writeln!(out, "  {:<10} {:<30} {}", "refused", r.topic, r.reason);
            }
            for d in &c.plan.drift {
                let _ =
                    writeln!(out, "  {:<10} {:<30} {}={} is set but not declared", "drift", d.topic, d.config, d.value);
            }
            if !c.unmanaged.is_empty() {
                let _ = writeln!(
                    out,
                    "  {:<10} {} topic(s) not declared by any ConfigMap (left alone)",
                    "unmanaged",
                    c.unmanaged.len()
                );
            }
        }
        for k in &self.conflicts {
            let _ = writeln!(
                out,
                "conflict   {} on {}: different declarations in {}; neither applied",
                k.topic,
                k.cluster,
                k.sources.join(", ")
            );
        }
        for e in &self.bad_sources {
            let _ = writeln!(out, "invalid    {e}");
        }
        for (source, item) in &self.orphans {
            let _ = writeln!(
                out,
                "kept       {item}: declared by {source}, which is gone (deleting a ConfigMap never deletes topics)"
            );
        }
        let failures = self.failures();
        let _ = writeln!(
            out,
            "{}{} change(s), {} failure(s) ({} transient), {} request(s), {:.2}s",
            if self.dry_run { "dry run: " } else { "" },
            self.clusters.iter().map(|c| c.results.len()).sum::<usize>(),
            failures.len(),
            failures.iter().filter(|f| f.transient).count(),
            self.requests,
            self.seconds
        );
        out
    }

    fn json(&self) -> Value {
        let clusters: Vec<Value> = self
            .clusters
            .iter()
            .map(|c| {
                let actions: Vec<Value> = c
                    .results
                    .iter()
                    .map(|r| {
                        let (verb, detail) = describe(&r.action);
                        let outcome = match &r.outcome {
                            Ok(a) => json!({"ok": format!("{a:?}")}),
                            Err(f) => json!({"error": f.message, "transient": f.transient}),
                        };
                        json!({"action": verb, "topic": r.action.topic(), "detail": detail, "outcome": outcome})
                    })
                    .collect();
                json!({
                    "environment": c.cluster.environment, "cluster": c.cluster.name, "id": c.id, "declared": c.declared,
                    "in_sync": c.plan.in_sync, "actions": actions,
                    "refused": c.plan.refusals.iter().map(|r| json!({"topic": r.topic, "reason": r.reason})).collect::<Vec<_>>(),
                    "drift": c.plan.drift.iter().map(|d| json!({"topic": d.topic, "config": d.config, "value": d.value})).collect::<Vec<_>>(),
                    "unmanaged": c.unmanaged, "error": c.failure.as_ref().map(|f| f.message.clone()),
                })
            })
            .collect();
        json!({
            "tool": TOOL, "dry_run": self.dry_run, "clusters": clusters,
            "conflicts": self.conflicts.iter().map(|k| json!({"cluster": k.cluster.to_string(), "topic": k.topic, "sources": k.sources})).collect::<Vec<_>>(),
            "invalid_configmaps": self.bad_sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "kept_orphans": self.orphans.iter().map(|(s, i)| json!({"source": s, "topic": i})).collect::<Vec<_>>(),
            "failures": self.failures().iter().map(|f| json!({"subject": f.subject, "message": f.message, "transient": f.transient})).collect::<Vec<_>>(),
            "requests": self.requests,
        })
    }
}

/// The record of which source declares which topics (`env/cluster/topic`).
pub fn record(desired: &Desired) -> Record {
    let mut r = Record::default();
    for source in desired.by_source.keys() {
        let set = r.entries.entry(source.clone()).or_default();
        set.extend(desired.declared_by(source).map(|(c, t)| format!("{}/{}/{t}", c.environment, c.name)));
    }
    r
}
