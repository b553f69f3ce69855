#![allow(clippy::unwrap_used)]
//! Planner properties: applying a plan to the observed state yields the desired state, and
//! planning again from there yields an empty plan.

use ccloud_api::ServiceAccount;
use ccloud_api_key::desired::DesiredAccount;
use ccloud_api_key::plan::{AccountAction, plan_accounts, plan_acls};
use kafka_rest::Acl;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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

fn apply_accounts(observed: &mut BTreeMap<String, ServiceAccount>, actions: &[AccountAction]) {
    for action in actions {
        match action {
            AccountAction::Create { name, description } => {
                let id = format!("sa-new-{name}");
                observed
                    .insert(name.clone(), ServiceAccount { id, name: name.clone(), description: description.clone() });
            }
            AccountAction::Describe { name, description, .. } => {
                observed.get_mut(name).unwrap().description = description.clone();
            }
            AccountAction::Delete { name, .. } => {
                observed.remove(name);
            }
        }
    }
}

proptest! {
    #[test]
    fn acl_plans_converge_and_leave_other_principals_alone(
        desired in prop::collection::btree_set(acl(), 0..12),
        observed in prop::collection::btree_set(acl(), 0..12),
        owned_mask in 0u8..16,
    ) {
        // Desired ACLs always belong to managed principals.
        let owned: BTreeSet<String> = (0..4).filter(|i| owned_mask & (1 << i) != 0).map(|i| format!("User:sa-{i}")).collect();
        let desired: BTreeSet<Acl> = desired.into_iter().filter(|a| owned.contains(&a.principal)).collect();
        let observed: Vec<Acl> = observed.into_iter().collect();
        let (create, delete) = plan_acls(&desired, &observed, &owned);
        let mut live: BTreeSet<Acl> = observed.iter().cloned().collect();
        for a in &delete { live.remove(a); }
        live.extend(create.iter().cloned());
        let managed: BTreeSet<Acl> = live.iter().filter(|a| owned.contains(&a.principal)).cloned().collect();
        prop_assert_eq!(&managed, &desired);
        let untouched = |set: &BTreeSet<Acl>| set.iter().filter(|a| !owned.contains(&a.principal)).cloned().collect::<Vec<_>>();
        prop_assert_eq!(untouched(&live), untouched(&observed.iter().cloned().collect()));
        let live: Vec<Acl> = live.into_iter().collect();
        let (again_create, again_delete) = plan_acls(&desired, &live, &owned);
        prop_assert!(again_create.is_empty() && again_delete.is_empty());
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
        let (actions, refusals) = plan_accounts(&desired, &live, &BTreeSet::new(), true);
        prop_assert!(refusals.is_empty());
        apply_accounts(&mut live, &actions);
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
        let (again, _) = plan_accounts(&desired, &live, &BTreeSet::new(), true);
        prop_assert!(again.is_empty());
    }
}
