//! Pure planning: service accounts, keys and ACLs from desired and observed state, and
//! the run's deletion candidates (decided later, all at once, by the switches).

use crate::desired::{AclItem, DesiredAccount};
use crate::secrets::{Delivery, ManagedSecret, PREVIOUS_KEY_ID, ROTATED_AT};
use ccloud_api::{ApiKey, ServiceAccount};
use jiff::{SignedDuration, Timestamp};
use kafka_rest::Acl;
use reconcile::{Candidate, Kind, OwnerToken};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAction {
    Create { name: String, description: String },
    Describe { id: String, name: String, description: String },
}

/// Something the plan would delete, if the switches admit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    Key { id: String, subject: String, why: String, owned: bool, frozen: bool },
    Acl { item: Box<AclItem>, acl: Box<Acl>, owned: bool, frozen: bool },
    Account { id: String, name: String, frozen: bool },
}

impl Deletion {
    pub fn candidate(&self) -> Candidate {
        let (kind, name, owned, frozen) = match self {
            Deletion::Key { id, owned, frozen, .. } => (Kind::ApiKey, id.clone(), *owned, *frozen),
            Deletion::Acl { acl, owned, frozen, .. } => (Kind::Acl, acl_name(acl), *owned, *frozen),
            // A tombstone is an explicit declaration of this account by this deployment.
            Deletion::Account { name, frozen, .. } => (Kind::ServiceAccount, name.clone(), true, *frozen),
        };
        Candidate { kind, name, owned, frozen }
    }

    pub fn subject(&self) -> String {
        match self {
            Deletion::Key { id, subject, .. } => format!("API key {id} ({subject})"),
            Deletion::Acl { acl, item, .. } => format!("{}: {}", crate::desired::acl_subject(item), describe_acl(acl)),
            Deletion::Account { name, .. } => crate::desired::account_subject(name),
        }
    }
}

/// What `PROTECTED_RESOURCES` patterns of kind `acl` match: `principal:TYPE:name`.
pub fn acl_name(a: &Acl) -> String {
    format!("{}:{}:{}", a.principal, a.resource_type, a.resource_name)
}

pub fn describe_acl(a: &Acl) -> String {
    format!(
        "{} {} {}:{} ({}) for {}",
        a.permission, a.operation, a.resource_type, a.resource_name, a.pattern_type, a.principal
    )
}

/// Accounts to create or describe, and the tombstoned accounts to delete.
/// `still_used`: accounts a valid key or ACL declaration still refers to.
pub fn plan_accounts(
    desired: &BTreeMap<String, DesiredAccount>,
    observed: &BTreeMap<String, ServiceAccount>,
    still_used: &BTreeSet<String>,
    frozen: impl Fn(&str) -> bool,
) -> (Vec<AccountAction>, Vec<Deletion>, Vec<(String, String)>) {
    let (mut actions, mut deletions, mut refusals) = (Vec::new(), Vec::new(), Vec::new());
    for (name, want) in desired {
        match (observed.get(name), want.tombstone) {
            (None, false) => {
                actions.push(AccountAction::Create { name: name.clone(), description: want.description.clone() })
            }
            (Some(sa), false) if sa.description != want.description => actions.push(AccountAction::Describe {
                id: sa.id.clone(),
                name: name.clone(),
                description: want.description.clone(),
            }),
            (Some(_), false) | (None, true) => {}
            (Some(_), true) if still_used.contains(name) => {
                refusals.push((name.clone(), "not deleted: a declared API key or ACL still refers to it".into()));
            }
            (Some(sa), true) => {
                deletions.push(Deletion::Account { id: sa.id.clone(), name: name.clone(), frozen: frozen(name) })
            }
        }
    }
    (actions, deletions, refusals)
}

/// A key that must exist, where it goes, and how old it may get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTarget {
    pub subject: String,
    pub delivery: Delivery,
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDecision {
    Keep {
        key_id: String,
    },
    /// Mint a key and deliver it; `previous` stays valid for the rotation grace period.
    Mint {
        reason: String,
        previous: Option<String>,
    },
    /// A key of this deployment for the pair, younger than the orphan grace, that no
    /// Secret in the snapshot holds: its Secret was just written and the snapshot lags,
    /// or the run that minted it died. Neither minted again nor deleted.
    Pending {
        key_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    pub rotation_grace: Duration,
    pub orphan_grace: Duration,
    pub owner: OwnerToken,
    /// Orphans (owner-marked, recorded nowhere) may be deleted only with an explicit
    /// instance id: another cluster's deployment may share a default one.
    pub explicit_instance: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPlan {
    pub decisions: Vec<(KeyTarget, KeyDecision)>,
    pub deletions: Vec<Deletion>,
    /// Keys rotated out but still inside their grace period.
    pub retiring: Vec<String>,
}

fn age(now: Timestamp, rfc3339: &str) -> Option<Duration> {
    let t: Timestamp = rfc3339.parse().ok()?;
    let d: SignedDuration = now.duration_since(t);
    Duration::try_from(d).ok()
}

/// `keys`: the live keys of the targets' owners; `frozen(owner id, resource id)`: the
/// declarations of that pair are failing, or a broken source may declare it.
pub fn plan_keys(
    targets: &[KeyTarget],
    keys: &[ApiKey],
    secrets: &[ManagedSecret],
    now: Timestamp,
    policy: &KeyPolicy,
    frozen: impl Fn(&str, &str) -> bool,
) -> KeyPlan {
    let mut plan = KeyPlan::default();
    // Keys a mint of this plan rotates out: they keep working through the grace.
    let mut carried: BTreeSet<String> = BTreeSet::new();
    let of_pair =
        |k: &ApiKey, d: &Delivery| k.owner == d.service_account_id && k.resource.as_deref() == Some(&d.resource_id);
    let held: BTreeSet<&str> = secrets.iter().filter_map(ManagedSecret::key_id).collect();
    let young = |k: &ApiKey| age(now, &k.created_at).is_none_or(|a| a < policy.orphan_grace);
    let pending_of = |d: &Delivery| {
        keys.iter()
            .find(|k| of_pair(k, d) && policy.owner.owns(&k.description) && !held.contains(k.id.as_str()) && young(k))
    };
    for target in targets {
        let d = &target.delivery;
        let names = d.secret_names();
        let found: Vec<&ManagedSecret> =
            names.iter().filter_map(|n| secrets.iter().find(|s| s.name == *n && s.namespace == d.namespace)).collect();
        let ids: BTreeSet<&str> = found.iter().filter_map(|s| s.key_id()).collect();
        let complete = found.len() == names.len() && ids.len() == 1;
        let alive = |id: &str| keys.iter().find(|k| k.id == id && of_pair(k, d));
        let current = if complete { ids.first().and_then(|id| alive(id)) } else { None };
        let pending = pending_of(d);
        let decision = match (current, pending) {
            (Some(k), Some(_)) => KeyDecision::Keep { key_id: k.id.clone() },
            (Some(k), None) => match target.max_age {
                Some(max) if age(now, &k.created_at).is_some_and(|a| a > max) => KeyDecision::Mint {
                    reason: format!("key {} is older than the maximum age", k.id),
                    previous: Some(k.id.clone()),
                },
                _ => KeyDecision::Keep { key_id: k.id.clone() },
            },
            (None, Some(p)) => KeyDecision::Pending { key_id: p.id.clone() },
            (None, None) => {
                let reason = if found.is_empty() {
                    "no Secret holds a key".to_owned()
                } else if !complete {
                    format!("Secrets incomplete or inconsistent ({} of {} present)", found.len(), names.len())
                } else {
                    "the key in the Secret no longer exists".to_owned()
                };
                // A key still referenced by a surviving Secret keeps working for the grace period.
                let mut previous: BTreeSet<String> =
                    ids.iter().filter(|id| alive(id).is_some()).map(|id| (*id).to_owned()).collect();
                // A Secret whose key id names no live key (edited by hand) may still hold a
                // live key in its data, which this hook cannot read: every key of the pair
                // this deployment provably minted is rotated out with the grace, never
                // deleted at once. A namespace token proves nothing, so not with it.
                if !found.is_empty() && policy.explicit_instance {
                    previous.extend(
                        keys.iter()
                            .filter(|k| of_pair(k, d) && policy.owner.marks(&k.description))
                            .filter(|k| !held.contains(k.id.as_str()))
                            .map(|k| k.id.clone()),
                    );
                }
                carried.extend(previous.iter().cloned());
                let previous = (!previous.is_empty()).then(|| previous.into_iter().collect::<Vec<_>>().join(","));
                KeyDecision::Mint { reason, previous }
            }
        };
        plan.decisions.push((target.clone(), decision));
    }
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    for s in secrets {
        if let (Some(ids), Some(at)) = (s.annotations.get(PREVIOUS_KEY_ID), s.annotations.get(ROTATED_AT)) {
            // A comma-separated list when a mint rotated out several keys at once.
            for id in ids.split(',').filter(|id| !id.is_empty()) {
                previous.insert(id, at);
            }
        }
    }
    for k in keys.iter().filter(|k| !held.contains(k.id.as_str())) {
        let target = targets.iter().find(|t| of_pair(k, &t.delivery));
        let subject = target.map_or_else(|| format!("key of {}", k.owner), |t| t.subject.clone());
        let frozen = target.is_none() || frozen(&k.owner, k.resource.as_deref().unwrap_or_default());
        let deletion = |why: &str, owned: bool| Deletion::Key {
            id: k.id.clone(),
            subject: subject.clone(),
            why: why.into(),
            owned,
            frozen,
        };
        if carried.contains(&k.id) {
            plan.retiring.push(k.id.clone());
            continue;
        }
        match previous.get(k.id.as_str()) {
            // Recorded in this deployment's own Secrets: provably its own.
            Some(at) if age(now, at).is_none_or(|a| a < policy.rotation_grace) => plan.retiring.push(k.id.clone()),
            Some(_) => plan.deletions.push(deletion("rotated out and past its grace period", true)),
            // Only the current token format, exactly: the first format's words cannot tell
            // an explicit id from a namespace (see `OwnerToken::marks`).
            None if target.is_some() && policy.owner.marks(&k.description) && !young(k) => {
                plan.deletions.push(deletion(
                    "minted by this deployment, never delivered (no Secret holds it, its secret is lost)",
                    policy.explicit_instance,
                ))
            }
            None => {}
        }
    }
    plan
}

/// How this deployment stands to one principal's ACLs on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed {
    pub item: AclItem,
    /// Declared now, recorded earlier, or its account is tombstoned.
    pub owned: bool,
    pub frozen: bool,
}

/// ACLs to create on one cluster, and the bindings of managed principals that no valid
/// declaration wants. Principals not in `managed` are never touched.
pub fn plan_acls(
    desired: &BTreeSet<Acl>,
    observed: &[Acl],
    managed: &BTreeMap<String, Managed>,
) -> (Vec<Acl>, Vec<Deletion>) {
    let live: BTreeSet<&Acl> = observed.iter().collect();
    let create = desired.iter().filter(|a| !live.contains(a)).cloned().collect();
    let delete = observed
        .iter()
        .filter(|a| !desired.contains(*a))
        .filter_map(|a| {
            let m = managed.get(&a.principal)?;
            Some(Deletion::Acl {
                item: Box::new(m.item.clone()),
                acl: Box::new(a.clone()),
                owned: m.owned,
                frozen: m.frozen,
            })
        })
        .collect();
    (create, delete)
}

#[cfg(test)]
mod tests;
