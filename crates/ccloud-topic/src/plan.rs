//! The pure planner: desired + observed → actions, refusals, drift. No I/O, so it is
//! the same in hook, hand and CI runs, and tested without a network.

use crate::desired::DesiredTopic;
use crate::observe::Observed;
use crate::topic_config::TopicConfig;
use reconcile::Reason;
use std::collections::BTreeMap;

/// Drift rules for one cluster. Deletions are not decided here: the plan lists the
/// tombstoned topics that exist ([`ClusterPlan::deletions`]), and the run puts every
/// cluster's candidates through `reconcile::DeletionPolicy::admit` at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Reset configs set on a topic but not declared (opt-in per cluster).
    pub reset_undeclared: bool,
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

/// A declaration (or part of one) the planner will not carry out: a permanent,
/// per-topic error. The rest of the topic's declaration is still applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub topic: String,
    /// `Invalid` (config names the cluster does not know) or `Refused` (a change Kafka
    /// REST cannot make, a protected topic).
    pub kind: Reason,
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
    /// Tombstoned topics that exist and are not internal: deletion candidates.
    pub deletions: Vec<String>,
}

/// Internal and `_`-prefixed topics (`_confluent-*`, `__consumer_offsets`) are never
/// deleted, whatever the switches say.
pub fn always_protected(topic: &str, internal: bool) -> bool {
    internal || topic.starts_with('_')
}

pub fn plan(desired: &BTreeMap<String, DesiredTopic>, observed: &Observed, policy: &Policy) -> ClusterPlan {
    let mut out = ClusterPlan::default();
    for (name, want) in desired {
        let live = observed.topics.get(name);
        let refuse = |out: &mut ClusterPlan, kind, reason: String| {
            out.refusals.push(Refusal { topic: name.clone(), kind, reason });
        };
        if want.tombstone {
            match live {
                None => out.in_sync.push(name.clone()),
                Some(t) if always_protected(name, t.internal) => refuse(
                    &mut out,
                    Reason::Refused,
                    "not deleted: internal and _-prefixed topics are always protected".into(),
                ),
                Some(_) => out.deletions.push(name.clone()),
            }
            continue;
        }
        if let Some(reason) = config_problem(want, observed) {
            refuse(&mut out, Reason::Invalid, reason);
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
        // A refused part (replication factor, fewer partitions) is reported and left as it
        // is; the rest of the declaration (configs, more partitions) is still applied.
        let mut refused = false;
        if let Some(rf) = want.replication_factor.filter(|rf| *rf != live.replication_factor) {
            let reason = format!(
                "replication factor {} → {rf}: cannot be changed through Kafka REST; left as it is",
                live.replication_factor
            );
            refuse(&mut out, Reason::Refused, reason);
            refused = true;
        }
        let mut changed = false;
        match want.partitions {
            Some(p) if p < live.partitions => {
                let reason =
                    format!("partitions {} → {p}: partitions cannot decrease; left as they are", live.partitions);
                refuse(&mut out, Reason::Refused, reason);
                refused = true;
            }
            Some(p) if p > live.partitions => {
                out.actions.push(Action::IncreasePartitions { topic: name.clone(), from: live.partitions, to: p });
                changed = true;
            }
            _ => {}
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
        if !changed && !refused {
            out.in_sync.push(name.clone());
        }
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
