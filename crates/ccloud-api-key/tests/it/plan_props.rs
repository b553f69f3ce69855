//! Planner properties: ACL and account plans converge and leave what is not managed
//! alone; and over sequences of spec edits (valid and broken), lagging snapshots and
//! lost create responses, the key plan never deletes a delivered or foreign key and
//! converges to exactly one live key per declared pair.

use ccloud_api::{ApiKey, ServiceAccount};
use ccloud_api_key::desired::DesiredAccount;
use ccloud_api_key::plan::{
    AccountAction, Deletion, KeyDecision, KeyPolicy, KeyTarget, Managed, plan_accounts, plan_acls, plan_keys,
};
use ccloud_api_key::secrets::{Delivery, KEY_ID, ManagedSecret};
use ccloud_spec::ClusterRef;
use kafka_rest::Acl;
use proptest::prelude::*;
use reconcile::{DeletionPolicy, Kind, OwnerToken};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn cluster() -> ClusterRef {
    ClusterRef { environment: "e".into(), name: "c".into(), cloud: "gcp".into(), region: "r".into() }
}

fn acl() -> impl Strategy<Value = Acl> {
    (0..3usize, 0..3usize, 0..4usize, prop::bool::ANY).prop_map(|(topic, op, principal, allow)| Acl {
        resource_type: "TOPIC".into(),
        resource_name: format!("t{topic}"),
        pattern_type: "LITERAL".into(),
        principal: format!("User:sa-{principal}"),
        host: "*".into(),
        operation: ["READ", "WRITE", "DESCRIBE"][op].into(),
        permission: if allow { "ALLOW" } else { "DENY" }.into(),
    })
}

fn everything() -> DeletionPolicy {
    DeletionPolicy { allowed: Kind::ALL.into_iter().collect(), budget: usize::MAX, protected: Vec::new() }
}

proptest! {
    #[test]
    fn acl_plans_converge_and_never_touch_frozen_or_unmanaged_principals(
        desired in prop::collection::btree_set(acl(), 0..12),
        observed in prop::collection::btree_set(acl(), 0..12),
        managed_mask in 0u8..16,
        frozen_mask in 0u8..16,
    ) {
        let managed: BTreeMap<String, Managed> = (0..4)
            .filter(|i| managed_mask & (1 << i) != 0)
            .map(|i| (format!("User:sa-{i}"), Managed { item: (cluster(), format!("a{i}")), owned: true, frozen: frozen_mask & (1 << i) != 0 }))
            .collect();
        let desired: BTreeSet<Acl> = desired.into_iter().filter(|a| managed.contains_key(&a.principal)).collect();
        let observed: Vec<Acl> = observed.into_iter().collect();
        let (create, delete) = plan_acls(&desired, &observed, &managed);
        let admitted = everything().admit(delete, Deletion::candidate).admitted;
        let mut live: BTreeSet<Acl> = observed.iter().cloned().collect();
        for d in &admitted {
            let Deletion::Acl { acl, .. } = d else { unreachable!() };
            prop_assert!(!managed[&acl.principal].frozen, "a frozen principal's binding was deleted");
            live.remove(acl.as_ref());
        }
        live.extend(create.iter().cloned());
        prop_assert!(desired.is_subset(&live));
        let untouched = |set: &BTreeSet<Acl>| set.iter().filter(|a| !managed.contains_key(&a.principal)).cloned().collect::<Vec<_>>();
        prop_assert_eq!(untouched(&live), untouched(&observed.iter().cloned().collect()));
        let live: Vec<Acl> = live.into_iter().collect();
        let (again_create, _) = plan_acls(&desired, &live, &managed);
        prop_assert!(again_create.is_empty());
    }

    #[test]
    fn account_plans_converge(
        desired in prop::collection::btree_map("[a-d]", ("[xy]", prop::bool::ANY), 0..4),
        observed in prop::collection::btree_map("[a-d]", "[xy]", 0..4),
    ) {
        let desired: BTreeMap<String, DesiredAccount> = desired
            .into_iter()
            .map(|(name, (description, tombstone))| (name, DesiredAccount { description, tombstone, sources: vec!["ns/cm".into()] }))
            .collect();
        let mut live: BTreeMap<String, ServiceAccount> = observed
            .into_iter()
            .map(|(name, description)| (name.clone(), ServiceAccount { id: format!("sa-{name}"), name, description }))
            .collect();
        let before = live.clone();
        let (actions, deletions, refusals) = plan_accounts(&desired, &live, &BTreeSet::new(), |_| false);
        prop_assert!(refusals.is_empty());
        for action in &actions {
            match action {
                AccountAction::Create { name, description } => {
                    live.insert(name.clone(), ServiceAccount { id: format!("sa-new-{name}"), name: name.clone(), description: description.clone() });
                }
                AccountAction::Describe { name, description, .. } => live.get_mut(name).unwrap().description = description.clone(),
            }
        }
        for d in everything().admit(deletions, Deletion::candidate).admitted {
            let Deletion::Account { name, .. } = d else { unreachable!() };
            prop_assert!(desired[&name].tombstone);
            live.remove(&name);
        }
        for (name, want) in &desired {
            match live.get(name) {
                Some(sa) => prop_assert!(!want.tombstone && sa.description == want.description),
                None => prop_assert!(want.tombstone),
            }
        }
        for (name, sa) in &before {
            if !desired.contains_key(name) {
                prop_assert_eq!(live.get(name), Some(sa), "an undeclared account is never touched");
            }
        }
        let (again, again_deletions, _) = plan_accounts(&desired, &live, &BTreeSet::new(), |_| false);
        prop_assert!(again.is_empty() && again_deletions.is_empty());
    }
}

/// One step of a key-lifecycle history.
#[derive(Debug, Clone)]
enum Step {
    /// Pair `0` or `1` is declared validly, broken (frozen), or removed.
    Edit { pair: usize, state: u8 },
    /// A hook run: the snapshot lags one run behind; the create response is lost.
    Run { lag: bool, drop_create: bool },
    /// Time passes.
    Wait { minutes: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize, 0..3u8).prop_map(|(pair, state)| Step::Edit { pair, state }),
        (prop::bool::ANY, prop::bool::weighted(0.3)).prop_map(|(lag, drop_create)| Step::Run { lag, drop_create }),
        (1..40u64).prop_map(|minutes| Step::Wait { minutes }),
    ]
}

struct World {
    keys: Vec<ApiKey>,
    /// The Secrets the API server holds, and what the previous run's snapshot showed.
    secrets: Vec<ManagedSecret>,
    stale: Vec<ManagedSecret>,
    now: jiff::Timestamp,
    minted: usize,
}

const OWNER: &str = "ccops/ccloud-api-key/dev";

fn target(pair: usize) -> KeyTarget {
    let delivery = Delivery {
        namespace: "ns".into(),
        service_account: format!("app{pair}"),
        service_account_id: format!("sa-{pair}"),
        resource_id: "lkc-1".into(),
        environment: "e".into(),
        cluster: Some("c".into()),
    };
    KeyTarget { subject: format!("pair {pair}"), delivery, max_age: None }
}

impl World {
    fn run(&mut self, declared: &[u8; 2], lag: bool, drop_create: bool) -> Result<(), TestCaseError> {
        let policy = KeyPolicy {
            rotation_grace: Duration::from_secs(24 * 3600),
            orphan_grace: Duration::from_secs(15 * 60),
            owner: OwnerToken::new("ccloud-api-key", "dev"),
            explicit_instance: true,
        };
        let targets: Vec<KeyTarget> = (0..2).filter(|p| declared[*p] == 1).map(target).collect();
        let snapshot = if lag { self.stale.clone() } else { self.secrets.clone() };
        let plan = plan_keys(&targets, &self.keys, &snapshot, self.now, &policy, |_, _| false);
        let before = self.secrets.clone();
        for (t, decision) in &plan.decisions {
            if let KeyDecision::Mint { .. } = decision {
                self.minted += 1;
                let id = format!("K{}", self.minted);
                self.keys.push(ApiKey {
                    id: id.clone(),
                    owner: t.delivery.service_account_id.clone(),
                    resource: Some("lkc-1".into()),
                    description: format!("{OWNER} sa={}", t.delivery.service_account),
                    created_at: self.now.to_string(),
                });
                if !drop_create {
                    for name in t.delivery.secret_names() {
                        self.secrets.retain(|s| s.name != name);
                        let mut s = ManagedSecret { namespace: "ns".into(), name, ..Default::default() };
                        s.labels.insert(KEY_ID.into(), id.clone());
                        self.secrets.push(s);
                    }
                }
            }
        }
        let held: BTreeSet<String> = before.iter().filter_map(|s| s.key_id().map(str::to_owned)).collect();
        for d in everything().admit(plan.deletions, Deletion::candidate).admitted {
            let Deletion::Key { id, .. } = d else { unreachable!() };
            let key = self.keys.iter().find(|k| k.id == id).unwrap();
            prop_assert!(key.description.starts_with(&format!("{OWNER} ")), "a foreign key was deleted: {id}");
            prop_assert!(!held.contains(&id), "a delivered key was deleted: {id}");
            let pair: usize = key.owner.trim_start_matches("sa-").parse().unwrap();
            prop_assert!(declared[pair] != 2, "a key of a failing declaration was deleted: {id}");
            self.keys.retain(|k| k.id != id);
        }
        self.stale = before;
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    #[test]
    fn key_histories_never_delete_what_is_declared_or_foreign_and_converge(steps in prop::collection::vec(step(), 0..24)) {
        let foreign = |id: &str, description: &str| ApiKey {
            id: id.into(),
            owner: "sa-0".into(),
            resource: Some("lkc-1".into()),
            description: description.into(),
            created_at: "2020-01-01T00:00:00Z".into(),
        };
        let mut w = World {
            keys: vec![foreign("HUMAN", "made by hand"), foreign("EU", "ccops/ccloud-api-key/dev-eu sa=app0")],
            secrets: Vec::new(),
            stale: Vec::new(),
            now: "2026-06-01T00:00:00Z".parse().unwrap(),
            minted: 0,
        };
        // 0 undeclared, 1 declared, 2 declared but failing.
        let mut declared = [1u8, 0u8];
        for s in steps {
            match s {
                Step::Edit { pair, state } => declared[pair] = state,
                Step::Run { lag, drop_create } => w.run(&declared, lag, drop_create)?,
                Step::Wait { minutes } => {
                    w.now += jiff::SignedDuration::from_secs(minutes as i64 * 60);
                    // Informers catch up within seconds; a lag never spans a wait.
                    w.stale = w.secrets.clone();
                }
            }
        }
        // Convergence: the broken declarations fixed, no faults, time past the grace.
        let declared = declared.map(|s| s.min(1));
        for _ in 0..2 {
            w.now += jiff::SignedDuration::from_secs(16 * 60);
            w.stale = w.secrets.clone();
            w.run(&declared, false, false)?;
        }
        prop_assert!(w.keys.iter().any(|k| k.id == "HUMAN") && w.keys.iter().any(|k| k.id == "EU"));
        for pair in (0..2).filter(|p| declared[*p] == 1) {
            let t = target(pair);
            let mine: Vec<&ApiKey> = w.keys.iter().filter(|k| k.owner == t.delivery.service_account_id && k.description.starts_with(&format!("{OWNER} "))).collect();
            prop_assert_eq!(mine.len(), 1, "pair {}: {:?}", pair, mine);
            let held: BTreeSet<&str> = w.secrets.iter().filter(|s| s.name.contains(&format!(".app{pair}."))).filter_map(|s| s.key_id()).collect();
            prop_assert_eq!(held, BTreeSet::from([mine[0].id.as_str()]));
        }
    }
}
