//! Pure planning: service accounts, keys and ACLs from desired and observed state.

use crate::desired::DesiredAccount;
use crate::secrets::{Delivery, ManagedSecret, PREVIOUS_KEY_ID, ROTATED_AT};
use ccloud_api::{ApiKey, ServiceAccount};
use jiff::{SignedDuration, Timestamp};
use kafka_rest::Acl;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAction {
    Create { name: String, description: String },
    Describe { id: String, name: String, description: String },
    Delete { id: String, name: String },
}

/// Accounts to create, describe or delete, and refusals (name, reason).
pub fn plan_accounts(
    desired: &BTreeMap<String, DesiredAccount>,
    observed: &BTreeMap<String, ServiceAccount>,
    still_used: &BTreeSet<String>,
    allow_delete: bool,
) -> (Vec<AccountAction>, Vec<(String, String)>) {
    let (mut actions, mut refusals) = (Vec::new(), Vec::new());
    for (name, want) in desired {
        match (observed.get(name), want.tombstone) {
            (None, false) => {
                actions.push(AccountAction::Create { name: name.clone(), description: want.description.clone() })
            }
            (Some(sa), false) if sa.description != want.description => {
                actions.push(AccountAction::Describe {
                    id: sa.id.clone(),
                    name: name.clone(),
                    description: want.description.clone(),
                });
            }
            (Some(_), false) | (None, true) => {}
            (Some(sa), true) if !allow_delete => refusals.push((
                name.clone(),
                format!("deletion of {} requested but not allowed (set ALLOW_DELETE=true)", sa.id),
            )),
            (Some(_), true) if still_used.contains(name) => {
                refusals.push((name.clone(), "not deleted: a declared API key or ACL still refers to it".into()));
            }
            (Some(sa), true) => actions.push(AccountAction::Delete { id: sa.id.clone(), name: name.clone() }),
        }
    }
    (actions, refusals)
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    pub rotation_grace: Duration,
    pub orphan_grace: Duration,
    /// The description prefix of keys this deployment minted.
    pub marker: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPlan {
    pub decisions: Vec<(KeyTarget, KeyDecision)>,
    /// (key id, owner, why) of keys to delete.
    pub deletions: Vec<(String, String, String)>,
    /// Keys rotated out but still inside their grace period.
    pub retiring: Vec<String>,
}

fn age(now: Timestamp, rfc3339: &str) -> Option<Duration> {
    let t: Timestamp = rfc3339.parse().ok()?;
    let d: SignedDuration = now.duration_since(t);
    Duration::try_from(d).ok()
}

pub fn plan_keys(
    targets: &[KeyTarget],
    keys: &[ApiKey],
    secrets: &[ManagedSecret],
    now: Timestamp,
    policy: &KeyPolicy,
) -> KeyPlan {
    let mut plan = KeyPlan::default();
    let alive = |id: &str, d: &Delivery| {
        keys.iter()
            .find(|k| k.id == id && k.owner == d.service_account_id && k.resource.as_deref() == Some(&d.resource_id))
    };
    for target in targets {
        let d = &target.delivery;
        let names = d.secret_names();
        let found: Vec<&ManagedSecret> =
            names.iter().filter_map(|n| secrets.iter().find(|s| s.name == *n && s.namespace == d.namespace)).collect();
        let ids: BTreeSet<&str> = found.iter().filter_map(|s| s.key_id()).collect();
        let complete = found.len() == names.len() && ids.len() == 1;
        let current = if complete { ids.first().and_then(|id| alive(id, d)) } else { None };
        let decision = match current {
            Some(k) => match target.max_age {
                Some(max) if age(now, &k.created_at).is_some_and(|a| a > max) => KeyDecision::Mint {
                    reason: format!("key {} is older than the maximum age", k.id),
                    previous: Some(k.id.clone()),
                },
                _ => KeyDecision::Keep { key_id: k.id.clone() },
            },
            None => {
                let reason = if found.is_empty() {
                    "no Secret holds a key".to_owned()
                } else if !complete {
                    format!("Secrets incomplete or inconsistent ({} of {} present)", found.len(), names.len())
                } else {
                    "the key in the Secret no longer exists".to_owned()
                };
                // A key still referenced by a surviving Secret keeps working for the grace period.
                let previous = ids.iter().find(|id| alive(id, d).is_some()).map(|id| (*id).to_owned());
                KeyDecision::Mint { reason, previous }
            }
        };
        plan.decisions.push((target.clone(), decision));
    }
    let current: BTreeSet<&str> = secrets.iter().filter_map(ManagedSecret::key_id).collect();
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    for s in secrets {
        if let (Some(id), Some(at)) = (s.annotations.get(PREVIOUS_KEY_ID), s.annotations.get(ROTATED_AT)) {
            previous.insert(id, at);
        }
    }
    for k in keys.iter().filter(|k| k.description.starts_with(&policy.marker) && !current.contains(k.id.as_str())) {
        match previous.get(k.id.as_str()) {
            Some(at) if age(now, at).is_none_or(|a| a < policy.rotation_grace) => plan.retiring.push(k.id.clone()),
            Some(_) => {
                plan.deletions.push((k.id.clone(), k.owner.clone(), "rotated out and past its grace period".into()))
            }
            None if age(now, &k.created_at).is_some_and(|a| a >= policy.orphan_grace) => {
                plan.deletions.push((
                    k.id.clone(),
                    k.owner.clone(),
                    "minted by this hook but held by no managed Secret".into(),
                ));
            }
            None => {}
        }
    }
    plan
}

/// ACLs to create and to delete on one cluster. Only `owned` principals are touched.
pub fn plan_acls(desired: &BTreeSet<Acl>, observed: &[Acl], owned: &BTreeSet<String>) -> (Vec<Acl>, Vec<Acl>) {
    let live: BTreeSet<&Acl> = observed.iter().collect();
    let create = desired.iter().filter(|a| !live.contains(a)).cloned().collect();
    let delete = observed.iter().filter(|a| owned.contains(&a.principal) && !desired.contains(*a)).cloned().collect();
    (create, delete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::KEY_ID;

    fn delivery() -> Delivery {
        Delivery {
            namespace: "ns".into(),
            service_account: "app".into(),
            service_account_id: "sa-1".into(),
            resource_id: "lkc-1".into(),
            environment: "env".into(),
            cluster: Some("c".into()),
        }
    }

    fn target(max_age: Option<Duration>) -> KeyTarget {
        KeyTarget { subject: "k".into(), delivery: delivery(), max_age }
    }

    fn key(id: &str, created: &str, description: &str) -> ApiKey {
        ApiKey {
            id: id.into(),
            owner: "sa-1".into(),
            resource: Some("lkc-1".into()),
            description: description.into(),
            created_at: created.into(),
        }
    }

    fn secret(name: &str, key_id: &str, previous: Option<(&str, &str)>) -> ManagedSecret {
        let mut s = ManagedSecret { namespace: "ns".into(), name: name.into(), ..Default::default() };
        s.labels.insert(KEY_ID.into(), key_id.into());
        if let Some((p, at)) = previous {
            s.annotations.insert(PREVIOUS_KEY_ID.into(), p.into());
            s.annotations.insert(ROTATED_AT.into(), at.into());
        }
        s
    }

    fn both(key_id: &str, previous: Option<(&str, &str)>) -> Vec<ManagedSecret> {
        delivery().secret_names().iter().map(|n| secret(n, key_id, previous)).collect()
    }

    const MARK: &str = "ccops ccloud-api-key instance=ns";
    fn policy() -> KeyPolicy {
        KeyPolicy {
            rotation_grace: Duration::from_secs(24 * 3600),
            orphan_grace: Duration::from_secs(600),
            marker: MARK.into(),
        }
    }
    fn now() -> Timestamp {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn keeps_a_delivered_live_key() {
        let keys = [key("K1", "2026-05-01T00:00:00Z", MARK)];
        let p = plan_keys(&[target(None)], &keys, &both("K1", None), now(), &policy());
        assert_eq!(p.decisions[0].1, KeyDecision::Keep { key_id: "K1".into() });
        assert!(p.deletions.is_empty());
    }

    #[test]
    fn mints_when_secrets_or_key_are_missing() {
        let keys = [key("K1", "2026-05-01T00:00:00Z", MARK)];
        let p = plan_keys(&[target(None)], &keys, &[], now(), &policy());
        assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: None, .. }));
        assert_eq!(p.deletions.len(), 1, "the unreferenced old key is an orphan");
        let partial = &both("K1", None)[..1];
        let p = plan_keys(&[target(None)], &keys, partial, now(), &policy());
        assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: Some(k), .. } if k == "K1"));
        let p = plan_keys(&[target(None)], &[], &both("K9", None), now(), &policy());
        assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { reason, .. } if reason.contains("no longer exists")));
    }

    #[test]
    fn rotation_and_grace() {
        let keys = [key("K1", "2026-01-01T00:00:00Z", MARK)];
        let p =
            plan_keys(&[target(Some(Duration::from_secs(30 * 24 * 3600)))], &keys, &both("K1", None), now(), &policy());
        assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: Some(k), .. } if k == "K1"));
        let keys = [key("K1", "2026-01-01T00:00:00Z", MARK), key("K2", "2026-06-01T11:00:00Z", MARK)];
        let recent = both("K2", Some(("K1", "2026-06-01T11:00:00Z")));
        let p = plan_keys(&[target(None)], &keys, &recent, now(), &policy());
        assert_eq!(p.retiring, ["K1"]);
        assert!(p.deletions.is_empty());
        let old = both("K2", Some(("K1", "2026-05-30T11:00:00Z")));
        let p = plan_keys(&[target(None)], &keys, &old, now(), &policy());
        assert_eq!(p.deletions[0].0, "K1");
    }

    #[test]
    fn orphans_wait_for_their_grace_and_foreign_keys_are_never_touched() {
        let keys = [
            key("NEW", "2026-06-01T11:59:00Z", MARK),
            key("USER", "2020-01-01T00:00:00Z", "made by a human"),
            key("OTHER", "2020-01-01T00:00:00Z", "ccops ccloud-api-key instance=other"),
        ];
        let p = plan_keys(&[], &keys, &[], now(), &policy());
        assert!(p.deletions.is_empty(), "{:?}", p.deletions);
    }

    #[test]
    fn acls_only_for_owned_principals() {
        let acl = |p: &str, op: &str| Acl {
            resource_type: "TOPIC".into(),
            resource_name: "t".into(),
            pattern_type: "LITERAL".into(),
            principal: p.into(),
            host: "*".into(),
            operation: op.into(),
            permission: "ALLOW".into(),
        };
        let desired: BTreeSet<Acl> = [acl("User:sa-1", "READ")].into();
        let observed = [acl("User:sa-1", "WRITE"), acl("User:sa-other", "WRITE")];
        let (create, delete) = plan_acls(&desired, &observed, &["User:sa-1".to_owned()].into());
        assert_eq!((create.len(), delete.len()), (1, 1));
        assert_eq!(delete[0].principal, "User:sa-1");
    }
}
