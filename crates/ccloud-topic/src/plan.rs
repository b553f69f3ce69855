//! The pure planner: desired + observed → actions, refusals, drift. No I/O, so it is
//! the same in hook, hand and CI runs, and tested without a network.

use crate::desired::DesiredTopic;
use crate::observe::Observed;
use crate::topic_config::TopicConfig;
use std::collections::BTreeMap;

/// Deletion and drift rules for one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub allow_delete: bool,
    pub max_deletions: usize,
    /// Glob patterns (`*` anywhere) of topics that are never deleted.
    pub protected: Vec<String>,
    /// Reset configs set on a topic but not declared (opt-in per cluster).
    pub reset_undeclared: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self { allow_delete: false, max_deletions: 5, protected: Vec::new(), reset_undeclared: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create {
        topic: String,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        config: TopicConfig,
    },
    /// `set` holds (old, new) values; `reset` undeclared dynamic configs.
    AlterConfigs {
        topic: String,
        set: BTreeMap<String, (String, String)>,
        reset: Vec<String>,
    },
    IncreasePartitions {
        topic: String,
        from: u32,
        to: u32,
    },
    Delete {
        topic: String,
    },
}

impl Action {
    pub fn topic(&self) -> &str {
        match self {
            Self::Create { topic, .. }
            | Self::AlterConfigs { topic, .. }
            | Self::IncreasePartitions { topic, .. }
            | Self::Delete { topic } => topic,
        }
    }
}

/// A declaration the planner will not carry out (a permanent, per-topic error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub topic: String,
    pub reason: String,
}

/// A config set on a topic that no declaration asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub topic: String,
    pub config: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterPlan {
    pub actions: Vec<Action>,
    pub refusals: Vec<Refusal>,
    pub drift: Vec<Drift>,
    /// Declared topics that already match.
    pub in_sync: Vec<String>,
}

fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, rest)) => {
            name.starts_with(pre) && (0..=name.len() - pre.len()).any(|i| glob(rest, &name[pre.len() + i..]))
        }
    }
}

/// Why a topic may not be deleted, if it may not.
pub fn protected(policy: &Policy, topic: &str, internal: bool) -> Option<String> {
    if internal || topic.starts_with('_') {
        return Some("internal and _-prefixed topics are always protected".into());
    }
    policy.protected.iter().find(|p| glob(p, topic)).map(|p| format!("matches protected pattern {p:?}"))
}

pub fn plan(desired: &BTreeMap<String, DesiredTopic>, observed: &Observed, policy: &Policy) -> ClusterPlan {
    let mut out = ClusterPlan::default();
    let mut deletions = Vec::new();
    for (name, want) in desired {
        let live = observed.topics.get(name);
        if want.tombstone {
            match live {
                None => out.in_sync.push(name.clone()),
                Some(t) => match (policy.allow_delete, protected(policy, name, t.internal)) {
                    (false, _) => out.refusals.push(Refusal {
                        topic: name.clone(),
                        reason: "deletion requested but not allowed (set ALLOW_DELETE=true)".into(),
                    }),
                    (true, Some(why)) => {
                        out.refusals.push(Refusal { topic: name.clone(), reason: format!("not deleted: {why}") })
                    }
                    (true, None) => deletions.push(name.clone()),
                },
            }
            continue;
        }
        if let Some(reason) = config_problem(want, observed) {
            out.refusals.push(Refusal { topic: name.clone(), reason });
            continue;
        }
        let Some(live) = live else {
            out.actions.push(Action::Create {
                topic: name.clone(),
                partitions: want.partitions,
                replication_factor: want.replication_factor,
                config: want.config.clone(),
            });
            continue;
        };
        if let Some(rf) = want.replication_factor.filter(|rf| *rf != live.replication_factor) {
            let reason = format!(
                "replication factor {} → {rf}: cannot be changed through Kafka REST; the topic is left as it is",
                live.replication_factor
            );
            out.refusals.push(Refusal { topic: name.clone(), reason });
            continue;
        }
        if let Some(p) = want.partitions.filter(|p| *p < live.partitions) {
            let reason =
                format!("partitions {} → {p}: partitions cannot decrease; the topic is left as it is", live.partitions);
            out.refusals.push(Refusal { topic: name.clone(), reason });
            continue;
        }
        let mut changed = false;
        if let Some(p) = want.partitions.filter(|p| *p > live.partitions) {
            out.actions.push(Action::IncreasePartitions { topic: name.clone(), from: live.partitions, to: p });
            changed = true;
        }
        let set: BTreeMap<String, (String, String)> = want
            .config
            .iter()
            .filter_map(|(k, v)| {
                let current = observed.value(live, k).unwrap_or_default();
                (current != v).then(|| (k.to_owned(), (current.to_owned(), v.to_owned())))
            })
            .collect();
        let undeclared: Vec<(String, String)> =
            live.dynamic().filter(|(k, _)| !want.config.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        for (config, value) in &undeclared {
            out.drift.push(Drift { topic: name.clone(), config: config.clone(), value: value.clone() });
        }
        let reset: Vec<String> =
            if policy.reset_undeclared { undeclared.into_iter().map(|(k, _)| k).collect() } else { Vec::new() };
        if !set.is_empty() || !reset.is_empty() {
            out.actions.push(Action::AlterConfigs { topic: name.clone(), set, reset });
            changed = true;
        }
        if !changed {
            out.in_sync.push(name.clone());
        }
    }
    if deletions.len() > policy.max_deletions {
        let reason = format!(
            "{} deletions requested, more than the limit of {} per run (MAX_DELETIONS_PER_RUN): none deleted",
            deletions.len(),
            policy.max_deletions
        );
        out.refusals.extend(deletions.into_iter().map(|topic| Refusal { topic, reason: reason.clone() }));
    } else {
        out.actions.extend(deletions.into_iter().map(|topic| Action::Delete { topic }));
    }
    out
}

/// Unknown or non-editable config names (checked against what the cluster reports).
fn config_problem(want: &DesiredTopic, observed: &Observed) -> Option<String> {
    let unknown: Vec<&str> = want
        .config
        .names()
        .filter(|k| !observed.config_names.is_empty() && !observed.config_names.contains(*k))
        .collect();
    if !unknown.is_empty() {
        return Some(format!("unknown config name(s): {}", unknown.join(", ")));
    }
    let read_only: Vec<&str> = want.config.names().filter(|k| observed.read_only.contains(*k)).collect();
    (!read_only.is_empty())
        .then(|| format!("config(s) that cannot be changed on this cluster: {}", read_only.join(", ")))
}
