//! `ccloud-topic`: declarative Kafka topics through Kafka REST v3.
//!
//! parse the ConfigMaps ([`desired`]) → observe each cluster with two requests
//! ([`observe`]) → pure [`plan::plan`] → [`apply`] with bounded concurrency →
//! [`report`]: text or JSON, a status annotation per ConfigMap, metrics.

pub mod apply;
pub mod config;
pub mod desired;
pub mod observe;
pub mod plan;
pub mod report;
pub mod topic_config;

use ccloud_spec::ClusterRef;
use config::SPECS_BINDING;
use hook_reconcile::directory::Directory;
use hook_reconcile::record::Record;
use hook_reconcile::settings::Settings;
use hook_reconcile::views;
use plan::{Action, Policy};
use reconcile::deletion::{Candidate, DeletionPolicy, Kind};
use reconcile::settings::{Env, SettingError, defs};
use reconcile::{Failure, Inventory, Reason};
use report::{ClusterRun, RunReport};
use shell_hook::{HookRun, Outcome};
use std::collections::BTreeSet;
use std::time::Instant;

/// Behaviour settings from the settings table.
#[derive(Debug, Clone)]
pub struct Options {
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN`, `PROTECTED_RESOURCES`, `PROTECTED_TOPICS`.
    pub deletion: DeletionPolicy,
    /// Cluster names or ids whose undeclared topic configs are reset; `*` for all.
    pub reset_undeclared: Vec<String>,
    pub concurrency: usize,
    pub own_namespace: String,
    /// Whose record this run reads and writes.
    pub record: hook_reconcile::record::RecordOwner,
}

impl Options {
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN`, `PROTECTED_RESOURCES`, `PROTECTED_TOPICS`,
    /// `RESET_UNDECLARED_CONFIGS`, `CONCURRENCY`.
    pub fn from_table(env: &Env<'_>, binding: &hook_reconcile::binding::BindingSettings) -> Result<Self, SettingError> {
        Ok(Self {
            deletion: DeletionPolicy::from_env(env)?,
            reset_undeclared: env.list(&defs::RESET_UNDECLARED_CONFIGS),
            concurrency: env.count(&defs::CONCURRENCY)?.max(1),
            own_namespace: binding.own_namespace.clone(),
            record: config::record_owner(binding, env.value(&defs::INSTANCE_ID).as_deref()),
        })
    }

    fn policy_for(&self, cluster: &ClusterRef, id: &str) -> Policy {
        Policy { reset_undeclared: self.reset_undeclared.iter().any(|c| c == "*" || *c == cluster.name || c == id) }
    }
}

pub use hook_reconcile::OutputError;

/// A (cluster, topic) pair: the key of the run's inventory.
pub type TopicKey = (ClusterRef, String);

/// What every ConfigMap declares, as standings: valid declarations, conflicting ones
/// (failing: frozen) and ConfigMaps that failed whole. A broken ConfigMap may declare
/// any topic (the record keeps counts, not names), so while one exists no topic is
/// deleted at all.
pub fn inventory(desired: &desired::Desired) -> Inventory<TopicKey> {
    let mut inv = Inventory::new();
    for (cluster, topics) in &desired.clusters {
        topics.keys().for_each(|t| inv.declare((cluster.clone(), t.clone())));
    }
    for c in &desired.conflicts {
        inv.fail(Failure::new((c.cluster.clone(), c.topic.clone()), Reason::Conflict, "conflicting declarations"));
    }
    for e in &desired.bad_sources {
        inv.fail_source(e.configmap.clone(), None);
    }
    inv
}

/// One reconcile of the full declared state: observe and plan every cluster, admit the
/// run's deletions at once (the budget counts every cluster), then apply.
pub fn run(hook: &mut HookRun, settings: &Settings, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let desired = desired::desired(&views);
    let inventory = inventory(&desired);
    let directory = Directory::new(settings, hook.deadline.instant());
    let dry_run = hook.options.dry_run;
    let mut clusters = Vec::new();
    let mut clients = Vec::new();
    for (cluster, topics) in &desired.clusters {
        let mut run = ClusterRun { cluster: cluster.clone(), declared: topics.len(), ..ClusterRun::default() };
        match directory.kafka(cluster) {
            Err(f) => run.failure = Some(cluster_failure(&f)),
            Ok(kafka) => {
                run.id = Some(kafka.cluster_id().to_owned());
                match observe::observe(&kafka) {
                    Err(e) => {
                        let reason = apply::reason(&e, false);
                        run.failure = Some(Failure::new(format!("cluster {cluster}"), reason, e.to_string()));
                    }
                    Ok(observed) => {
                        run.unmanaged = observed.topics.keys().filter(|t| !topics.contains_key(*t)).cloned().collect();
                        run.plan = plan::plan(topics, &observed, &options.policy_for(cluster, kafka.cluster_id()));
                    }
                }
                clients.push((clusters.len(), kafka));
            }
        }
        clusters.push(run);
    }
    admit_deletions(&mut clusters, &inventory, &options.deletion);
    let mut requests = 0;
    for (i, kafka) in &clients {
        let run = &mut clusters[*i];
        run.results = apply::apply(kafka, &run.plan.actions, dry_run, options.concurrency);
        requests += kafka.requests_sent();
    }
    requests += directory.requests_sent();
    let record = Record::read_owned(&hook.contexts, &options.record);
    let live: BTreeSet<String> = views.iter().map(|v| v.id()).collect();
    let orphans = record
        .as_ref()
        .map(|r| {
            r.orphans(&live)
                .filter(|(s, _)| *s != report::RECORD_OVERFLOW)
                .map(|(s, i)| (s.to_owned(), i.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let report = RunReport {
        clusters,
        conflicts: desired.conflicts.clone(),
        bad_sources: desired.bad_sources.clone(),
        orphans,
        dry_run,
        requests,
        seconds: started.elapsed().as_secs_f64(),
    };

    for op in report.status_patches(&views, &desired) {
        hook.outputs.patch(&op)?;
    }
    if let Some(old) = record {
        let new = report::record(&desired);
        if new != old && !dry_run {
            hook.outputs.patch(&new.owned_patch(&options.record, &options.own_namespace))?;
        }
    }
    for metric in report.metrics() {
        hook.outputs.metric(&metric)?;
    }
    report.log();
    Ok(Outcome { changed: report.changed(), errors: report.errors(), report: Some(Box::new(report)) })
}

/// A cluster that could not be resolved or has no credentials.
fn cluster_failure(f: &hook_reconcile::Failure) -> Failure {
    let reason = if f.transient { Reason::Transient } else { Reason::Unresolved };
    Failure::new(f.subject.clone(), reason, f.message.clone())
}

/// Every tombstoned topic of every cluster through the deletion switches, once: what
/// they admit becomes a delete action, the rest is held (and reported).
pub fn admit_deletions(clusters: &mut [ClusterRun], inventory: &Inventory<TopicKey>, policy: &DeletionPolicy) {
    let candidates: Vec<(usize, String)> = clusters
        .iter_mut()
        .enumerate()
        .flat_map(|(i, c)| std::mem::take(&mut c.plan.deletions).into_iter().map(move |t| (i, t)))
        .collect();
    let admission = policy.admit(candidates, |(i, topic)| {
        let key = (clusters[*i].cluster.clone(), topic.clone());
        // A tombstone is an explicit declaration: the topic is owned by whoever declares
        // it. It stays frozen while any ConfigMap that may also declare it is failing.
        let frozen = inventory.scope_frozen() || inventory.standing(&key).is_frozen();
        Candidate { kind: Kind::Topic, name: topic.clone(), owned: true, frozen }
    });
    for (i, topic) in admission.admitted {
        clusters[i].plan.actions.push(Action::Delete { topic });
    }
    for ((i, topic), hold) in admission.held {
        clusters[i].held.push((topic, hold));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconcile::Hold;

    fn run_with_tombstones(cluster: &str, topics: &[&str]) -> ClusterRun {
        let mut run = ClusterRun {
            cluster: ClusterRef { name: cluster.into(), ..ClusterRef::default() },
            ..ClusterRun::default()
        };
        run.plan.deletions = topics.iter().map(|t| (*t).to_owned()).collect();
        run
    }

    #[test]
    fn the_deletion_budget_counts_every_cluster_of_the_run() {
        let policy = DeletionPolicy { allowed: [Kind::Topic].into(), budget: 3, protected: Vec::new() };
        let mut runs = vec![run_with_tombstones("a", &["x", "y"]), run_with_tombstones("b", &["x", "z"])];
        admit_deletions(&mut runs, &Inventory::new(), &policy);
        assert!(runs.iter().all(|r| r.plan.actions.is_empty()), "4 deletions > 3: none, though each cluster has 2");
        assert!(runs.iter().flat_map(|r| &r.held).all(|(_, h)| matches!(h, Hold::OverBudget { candidates: 4, .. })));
        let mut runs = vec![run_with_tombstones("a", &["x", "y"]), run_with_tombstones("b", &["z"])];
        admit_deletions(&mut runs, &Inventory::new(), &policy);
        assert_eq!(runs.iter().map(|r| r.plan.actions.len()).sum::<usize>(), 3);
    }
}
