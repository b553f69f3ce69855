//! What a run tells people and machines: a text table or JSON, a status annotation
//! per source ConfigMap, metrics, log lines, and the record of declarations.

use crate::apply::{ActionResult, Applied};
use crate::config::TOOL;
use crate::desired::{Conflict, Desired};
use crate::plan::{Action, ClusterPlan};
use ccloud_spec::{ClusterRef, ConfigMapView, SpecError};
use hook_reconcile::record::Record;
use hook_reconcile::status::{SourceStatus, status_patch};
use reconcile::deletion::Hold;
use reconcile::failure::summarize;
use reconcile::{Failure, Reason};
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
    /// Tombstoned topics the deletion switches kept, and why.
    pub held: Vec<(String, Hold)>,
}

#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub clusters: Vec<ClusterRun>,
    pub conflicts: Vec<Conflict>,
    pub bad_sources: Vec<SpecError>,
    /// (source, what it declared: a count and a digest) for ConfigMaps that are gone.
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
    /// Every failure of the run, typed: the reason decides the exit code and the metrics.
    pub fn failures(&self) -> Vec<Failure> {
        let mut out: Vec<Failure> = self.clusters.iter().filter_map(|c| c.failure.clone()).collect();
        for c in &self.clusters {
            let subject = |topic: &str| format!("topic {topic} on {}", c.cluster);
            out.extend(c.plan.refusals.iter().map(|r| Failure::new(subject(&r.topic), r.kind, r.reason.clone())));
            out.extend(c.results.iter().filter_map(|r| r.outcome.clone().err()));
            out.extend(
                c.held.iter().filter_map(|(t, h)| {
                    h.failure_reason().map(|reason| Failure::new(subject(t), reason, h.to_string()))
                }),
            );
        }
        out.extend(self.conflicts.iter().map(|c| {
            Failure::new(
                format!("topic {} on {}", c.topic, c.cluster),
                Reason::Conflict,
                format!("conflicting declarations in {}; neither is applied", c.sources.join(", ")),
            )
        }));
        out.extend(
            self.bad_sources
                .iter()
                .map(|e| Failure::new(format!("ConfigMap {}", e.configmap), Reason::Invalid, e.to_string())),
        );
        out
    }

    /// The run's errors for the exit-code table (any failure counts).
    pub fn errors(&self) -> shell_hook::Errors {
        summarize(&self.failures())
    }

    pub fn has_transient_failure(&self) -> bool {
        self.failures().iter().any(Failure::is_transient)
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
            for (t, h) in c.held.iter().filter(|(_, h)| h.failure_reason().is_some()) {
                out.insert((&c.cluster, t.as_str()), h.to_string());
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
        for reason in Reason::ALL {
            let n = failures.iter().filter(|f| f.reason == reason).count();
            out.push(g(MetricOperation::set("ccloud_topic_errors", n as f64).label("reason", reason.as_str())));
        }
        let held = self.clusters.iter().map(|c| c.held.len()).sum::<usize>();
        out.push(g(MetricOperation::set("ccloud_topic_deletions_held", held as f64)));
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
                        tracing::error!(cluster = %c.cluster, topic = r.action.topic(), action = verb, reason = f.reason.as_str(), "{}", f.message)
                    }
                }
            }
            for d in &c.plan.drift {
                tracing::warn!(cluster = %c.cluster, topic = d.topic, config = d.config, value = d.value, "config set on the topic but not declared");
            }
        }
        for f in self.failures().iter().filter(|f| !f.key.starts_with("topic ") || f.reason == Reason::Conflict) {
            tracing::error!(subject = f.key, reason = f.reason.as_str(), "{}", f.message);
        }
        for c in &self.clusters {
            for r in &c.plan.refusals {
                tracing::error!(cluster = %c.cluster, topic = r.topic, "refused: {}", r.reason);
            }
            for (t, h) in &c.held {
                tracing::warn!(cluster = %c.cluster, topic = t, "deletion {h}");
            }
        }
        for (source, item) in &self.orphans {
            tracing::warn!(source, declared = item, "a ConfigMap that declared topics is gone; they are kept");
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
            for (t, h) in &c.held {
                let _ = writeln!(out, "  {:<10} {:<30} deletion {h}", "held", t);
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
                "kept       the topics of {source}, which is gone ({item}; deleting a ConfigMap never deletes topics)"
            );
        }
        let failures = self.failures();
        let _ = writeln!(
            out,
            "{}{} change(s), {} failure(s) ({} transient), {} request(s), {:.2}s",
            if self.dry_run { "dry run: " } else { "" },
            self.clusters.iter().map(|c| c.results.len()).sum::<usize>(),
            failures.len(),
            failures.iter().filter(|f| f.is_transient()).count(),
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
                            Err(f) => json!({"error": f.message, "reason": f.reason, "transient": f.is_transient()}),
                        };
                        json!({"action": verb, "topic": r.action.topic(), "detail": detail, "outcome": outcome})
                    })
                    .collect();
                json!({
                    "environment": c.cluster.environment, "cluster": c.cluster.name, "id": c.id, "declared": c.declared,
                    "in_sync": c.plan.in_sync, "actions": actions,
                    "refused": c.plan.refusals.iter().map(|r| json!({"topic": r.topic, "reason": r.reason}))
                        .chain(c.held.iter().filter(|(_, h)| h.failure_reason().is_some()).map(|(t, h)| json!({"topic": t, "reason": h.to_string()})))
                        .collect::<Vec<_>>(),
                    "held": c.held.iter().map(|(t, h)| json!({"topic": t, "why": h.to_string()})).collect::<Vec<_>>(),
                    "drift": c.plan.drift.iter().map(|d| json!({"topic": d.topic, "config": d.config, "value": d.value})).collect::<Vec<_>>(),
                    "unmanaged": c.unmanaged, "error": c.failure.as_ref().map(|f| f.message.clone()),
                })
            })
            .collect();
        json!({
            "tool": TOOL, "dry_run": self.dry_run, "clusters": clusters,
            "conflicts": self.conflicts.iter().map(|k| json!({"cluster": k.cluster.to_string(), "topic": k.topic, "sources": k.sources})).collect::<Vec<_>>(),
            "invalid_configmaps": self.bad_sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "kept_orphans": self.orphans.iter().map(|(s, i)| json!({"source": s, "declared": i})).collect::<Vec<_>>(),
            "failures": self.failures().iter().map(|f| json!({"subject": f.key, "reason": f.reason, "message": f.message, "transient": f.is_transient()})).collect::<Vec<_>>(),
            "requests": self.requests,
        })
    }
}

/// How many source ConfigMaps the record names; the others are summed up in one entry.
pub const RECORD_SOURCES: usize = 512;

/// The record's key for the sources beyond [`RECORD_SOURCES`] (never a ConfigMap id,
/// which is always `namespace/name`).
pub const RECORD_OVERFLOW: &str = "*";

/// The record of what each source ConfigMap declares, bounded whatever the scale: per
/// source, the number of topics it declares and a digest of their names, never the
/// names (45 bytes a topic made the ConfigMap pass the 1 MiB object limit at 25,000
/// topics, and every run failed). At most [`RECORD_SOURCES`] sources are named. The
/// record only reports: when a ConfigMap is gone its topics are kept, and the report
/// says how many it declared.
pub fn record(desired: &Desired) -> Record {
    let mut r = Record::default();
    let (mut more, mut more_topics) = (0usize, 0usize);
    for (i, source) in desired.by_source.keys().enumerate() {
        let mut count = 0usize;
        let mut digest = Fnv::default();
        for (c, t) in desired.declared_by(source) {
            count += 1;
            digest.write(&[c.environment.as_str(), c.name.as_str(), t.as_str()]);
        }
        if i < RECORD_SOURCES {
            r.entries.entry(source.clone()).or_default().insert(format!("{count} topic(s), digest {:016x}", digest.0));
        } else {
            more += 1;
            more_topics += count;
        }
    }
    if more > 0 {
        let summary = format!("{more} more ConfigMap(s) declaring {more_topics} topic(s), not named");
        r.entries.entry(RECORD_OVERFLOW.to_owned()).or_default().insert(summary);
    }
    r
}

/// FNV-1a, 64 bits: a stable digest (the record is compared across runs and releases).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, parts: &[&str]) {
        for part in parts {
            for b in part.bytes().chain([0]) {
                self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sources` ConfigMaps declaring `total` topics between them, on two clusters.
    fn desired(sources: usize, total: usize) -> Desired {
        let mut d = Desired::default();
        let per = total / sources;
        for s in 0..sources {
            let cluster =
                ClusterRef { environment: "prod".into(), name: format!("cluster-{}", s % 2), ..ClusterRef::default() };
            let topics = (0..per).map(|t| format!("team-{s}.events.topic-{t:06}")).collect();
            d.by_source.insert(format!("team-namespace-{s}/topics-{s}"), vec![(cluster, topics)]);
        }
        d
    }

    #[test]
    fn the_record_stays_small_at_100000_topics() {
        for sources in [1, 100, 10_000] {
            let record = record(&desired(sources, 100_000));
            let size = record.patch(TOOL, "ops").to_json_line().len();
            println!("record for 100000 topics in {sources} ConfigMap(s): {size} bytes");
            assert!(size < 64 * 1024, "{sources} sources: {size} bytes");
        }
        let r = record(&desired(10_000, 100_000));
        assert_eq!(r.entries.len(), RECORD_SOURCES + 1);
        assert!(r.entries[RECORD_OVERFLOW].iter().next().is_some_and(|s| s.starts_with("9488 more")));
    }

    #[test]
    fn the_digest_changes_with_the_declared_names() {
        let a = record(&desired(2, 10));
        let mut d = desired(2, 10);
        if let Some(first) = d.by_source.values_mut().next() {
            first[0].1[0] = "renamed".into();
        }
        assert_ne!(a, record(&d));
        assert_eq!(a, record(&desired(2, 10)));
    }
}
