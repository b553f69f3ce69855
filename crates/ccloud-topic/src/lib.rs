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
use config::{SPECS_BINDING, TOOL};
use hook_reconcile::directory::Directory;
use hook_reconcile::record::Record;
use hook_reconcile::settings::Settings;
use hook_reconcile::{Failure, views};
use plan::Policy;
use report::{ClusterRun, RunReport};
use shell_hook::{HookRun, Outcome};
use std::collections::BTreeSet;
use std::time::Instant;

/// Behaviour settings from the environment.
#[derive(Debug, Clone)]
pub struct Options {
    pub policy: Policy,
    /// Cluster names or ids whose undeclared topic configs are reset; `*` for all.
    pub reset_undeclared: Vec<String>,
    pub concurrency: usize,
    pub own_namespace: String,
}

impl Options {
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN` (5), `PROTECTED_TOPICS` (globs),
    /// `RESET_UNDECLARED_CONFIGS` (clusters), `CONCURRENCY` (8).
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        own_namespace: &str,
    ) -> Result<Self, hook_reconcile::settings::SettingsError> {
        let err = |m: String| hook_reconcile::settings::SettingsError(m);
        let list = |k: &str| -> Vec<String> {
            env(k)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let number = |k: &str, default: usize| -> Result<usize, hook_reconcile::settings::SettingsError> {
            match env(k).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| err(format!("{k} must be a whole number, got {v:?}"))),
            }
        };
        let policy = Policy {
            allow_delete: env("ALLOW_DELETE").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            max_deletions: number("MAX_DELETIONS_PER_RUN", 5)?,
            protected: list("PROTECTED_TOPICS"),
            reset_undeclared: false,
        };
        Ok(Self {
            policy,
            reset_undeclared: list("RESET_UNDECLARED_CONFIGS"),
            concurrency: number("CONCURRENCY", 8)?.max(1),
            own_namespace: own_namespace.into(),
        })
    }

    fn policy_for(&self, cluster: &ClusterRef, id: &str) -> Policy {
        let reset = self.reset_undeclared.iter().any(|c| c == "*" || *c == cluster.name || c == id);
        Policy { reset_undeclared: reset, ..self.policy.clone() }
    }
}

pub use hook_reconcile::OutputError;

/// One reconcile of the full declared state.
pub fn run(hook: &mut HookRun, settings: &Settings, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let desired = desired::desired(&views);
    let directory = Directory::new(settings, hook.deadline.instant());
    let dry_run = hook.options.dry_run;
    let mut clusters = Vec::new();
    let mut requests = 0;
    for (cluster, topics) in &desired.clusters {
        let mut run = ClusterRun { cluster: cluster.clone(), declared: topics.len(), ..ClusterRun::default() };
        match directory.kafka(cluster) {
            Err(f) => run.failure = Some(f),
            Ok(kafka) => {
                run.id = Some(kafka.cluster_id().to_owned());
                match observe::observe(&kafka) {
                    Err(e) => run.failure = Some(Failure::from_http(format!("cluster {cluster}"), &e)),
                    Ok(observed) => {
                        run.unmanaged = observed.topics.keys().filter(|t| !topics.contains_key(*t)).cloned().collect();
                        run.plan = plan::plan(topics, &observed, &options.policy_for(cluster, kafka.cluster_id()));
                        run.results = apply::apply(&kafka, &run.plan.actions, dry_run, options.concurrency);
                    }
                }
                requests += kafka.requests_sent();
            }
        }
        clusters.push(run);
    }
    requests += directory.requests_sent();
    let record = Record::read(&hook.contexts);
    let live: BTreeSet<String> = views.iter().map(|v| v.id()).collect();
    let orphans = record
        .as_ref()
        .map(|r| r.orphans(&live).map(|(s, i)| (s.to_owned(), i.to_owned())).collect())
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
            hook.outputs.patch(&new.patch(TOOL, &options.own_namespace))?;
        }
    }
    for metric in report.metrics() {
        hook.outputs.metric(&metric)?;
    }
    report.log();
    Ok(Outcome { changed: report.changed(), errors: report.errors(), report: Some(Box::new(report)) })
}
