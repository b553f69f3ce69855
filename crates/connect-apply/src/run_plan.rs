//! The run's decisions: every listed target planned, then every deletion candidate of the
//! run through the deletion switches at once (the budget counts the whole run).
//!
//! A connector declared on one target and recorded on another is moving: its deletion from
//! the old target waits until it exists on the new one ([`ready_moves`]), so a move whose
//! create fails (or whose new target is wrong or unreachable) leaves it where it was.

use crate::apply::Step;
use crate::desired::Desired;
use crate::key::ConnectorKey;
use crate::plan::{self, Action, Deletion, TargetPlan, Want, Why};
use crate::record::Owned;
use connect_client::{Live, Target};
use reconcile::{Candidate, DeletionPolicy, Hold, Kind};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct RunPlan {
    /// Per listed target; admitted deletions are appended to its actions.
    pub targets: BTreeMap<Target, TargetPlan>,
    pub deleting: BTreeSet<ConnectorKey>,
    pub held: Vec<(ConnectorKey, Hold)>,
    /// Admitted deletions of moving connectors, carried out after the creates.
    pub moves: Vec<Move>,
}

/// A connector to delete from `from` once it exists on every target in `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: ConnectorKey,
    pub to: Vec<ConnectorKey>,
    pub why: Why,
}

pub fn plan_run(
    desired: &Desired,
    listed: &BTreeMap<Target, BTreeMap<String, Live>>,
    owned: &Owned,
    policy: &DeletionPolicy,
    may_restart: impl Fn(&ConnectorKey) -> bool,
) -> RunPlan {
    let mut out = RunPlan::default();
    let mut candidates: Vec<(ConnectorKey, Deletion)> = Vec::new();
    for (target, live) in listed {
        let key = |name: &str| ConnectorKey::new(target.clone(), name);
        let wants: Vec<Want> =
            desired.connectors.values().filter(|d| d.key.target == *target).map(|d| d.want.clone()).collect();
        let recorded: BTreeSet<String> = owned.keys().filter(|k| k.target == *target).map(|k| k.name.clone()).collect();
        let frozen: BTreeSet<String> =
            live.keys().filter(|n| desired.inventory.standing(&key(n)).is_frozen()).cloned().collect();
        let cloud = matches!(target, Target::Cloud { .. });
        let p = plan::plan(&wants, live, &recorded, &frozen, cloud, |name| may_restart(&key(name)));
        candidates.extend(p.deletions.iter().map(|d| (key(&d.name), d.clone())));
        out.targets.insert(target.clone(), p);
    }
    let admission = policy.admit(candidates, |(key, d)| Candidate {
        kind: Kind::Connector,
        name: key.name.clone(),
        owned: d.owned,
        // A declaration that cannot be named may declare any connector, a disabled one
        // too (`enabled: false` elsewhere is no proof it is not declared enabled here).
        frozen: d.frozen || desired.inventory.scope_frozen(),
    });
    for (key, d) in admission.admitted {
        let to: Vec<ConnectorKey> = desired
            .connectors
            .values()
            .filter(|n| n.key.name == key.name && n.key.target != key.target && n.want.enabled)
            .map(|n| n.key.clone())
            .collect();
        if !to.is_empty() {
            out.moves.push(Move { from: key.clone(), to, why: d.why });
            out.deleting.insert(key);
            continue;
        }
        if let Some(p) = out.targets.get_mut(&key.target) {
            p.actions.push(Action::Delete { name: d.name, why: d.why });
        }
        out.deleting.insert(key);
    }
    out.held = admission.held.into_iter().map(|((key, _), hold)| (key, hold)).collect();
    out
}

/// The moves whose connector now exists on every new target: listed there before this
/// run, or created there in it (validated, in a dry run). The others wait for a later run.
pub fn ready_moves<'a>(
    moves: &'a [Move],
    listed: &BTreeMap<Target, BTreeMap<String, Live>>,
    steps: &[(Target, Vec<Step>)],
) -> (Vec<&'a Move>, Vec<&'a Move>) {
    let exists = |key: &ConnectorKey| {
        listed.get(&key.target).is_some_and(|live| live.contains_key(&key.name))
            || steps.iter().filter(|(t, _)| *t == key.target).flat_map(|(_, s)| s).any(|s| {
                matches!(&s.action, Action::Put { name, create: true } if *name == key.name) && s.result.is_ok()
            })
    };
    moves.iter().partition(|m| m.to.iter().all(exists))
}
