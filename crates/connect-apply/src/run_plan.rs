//! The run's decisions: every listed target planned, then every deletion candidate of the
//! run through the deletion switches at once (the budget counts the whole run).

use crate::desired::Desired;
use crate::key::ConnectorKey;
use crate::plan::{self, Action, Deletion, TargetPlan, Want};
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
        frozen: d.frozen,
    });
    for (key, d) in admission.admitted {
        if let Some(p) = out.targets.get_mut(&key.target) {
            p.actions.push(Action::Delete { name: d.name, why: d.why });
        }
        out.deleting.insert(key);
    }
    out.held = admission.held.into_iter().map(|((key, _), hold)| (key, hold)).collect();
    out
}
