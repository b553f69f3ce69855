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

const MARK: &str = "ccops/ccloud-api-key/ns sa=app resource=lkc-1";
fn policy(explicit: bool) -> KeyPolicy {
    KeyPolicy {
        rotation_grace: Duration::from_secs(24 * 3600),
        orphan_grace: Duration::from_secs(600),
        owner: OwnerToken::new("ccloud-api-key", "ns"),
        explicit_instance: explicit,
    }
}
fn now() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}
fn plan(targets: &[KeyTarget], keys: &[ApiKey], secrets: &[ManagedSecret], explicit: bool) -> KeyPlan {
    plan_keys(targets, keys, secrets, now(), &policy(explicit), |_, _| false)
}
fn deleted(p: &KeyPlan) -> Vec<(&str, bool)> {
    p.deletions
        .iter()
        .map(|d| match d {
            Deletion::Key { id, owned, .. } => (id.as_str(), *owned),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn keeps_a_delivered_live_key() {
    let keys = [key("K1", "2026-05-01T00:00:00Z", MARK)];
    let p = plan(&[target(None)], &keys, &both("K1", None), true);
    assert_eq!(p.decisions[0].1, KeyDecision::Keep { key_id: "K1".into() });
    assert!(p.deletions.is_empty());
}

#[test]
fn mints_when_secrets_or_key_are_missing() {
    let keys = [key("K1", "2026-05-01T00:00:00Z", MARK)];
    let p = plan(&[target(None)], &keys, &[], true);
    assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: None, .. }));
    assert_eq!(deleted(&p), [("K1", true)], "the undelivered old key is an orphan");
    let p = plan(&[target(None)], &keys, &[], false);
    assert_eq!(deleted(&p), [("K1", false)], "without an explicit instance it is not provably ours");
    let partial = &both("K1", None)[..1];
    let p = plan(&[target(None)], &keys, partial, true);
    assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: Some(k), .. } if k == "K1"));
    let p = plan(&[target(None)], &[], &both("K9", None), true);
    assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { reason, .. } if reason.contains("no longer exists")));
}

#[test]
fn a_young_undelivered_key_is_pending_never_minted_twice() {
    let keys = [key("K1", "2026-06-01T11:59:00Z", MARK)];
    let p = plan(&[target(None)], &keys, &[], true);
    assert_eq!(p.decisions[0].1, KeyDecision::Pending { key_id: "K1".into() });
    assert!(p.deletions.is_empty());
    // A lagging snapshot after a rotation: the old Secret, an old key, the young new one.
    let keys = [key("K1", "2026-01-01T00:00:00Z", MARK), key("K2", "2026-06-01T11:59:00Z", MARK)];
    let p = plan(&[target(Some(Duration::from_secs(3600)))], &keys, &both("K1", None), true);
    assert_eq!(p.decisions[0].1, KeyDecision::Keep { key_id: "K1".into() });
    assert!(p.deletions.is_empty());
}

#[test]
fn rotation_and_grace() {
    let keys = [key("K1", "2026-01-01T00:00:00Z", MARK)];
    let p = plan(&[target(Some(Duration::from_secs(30 * 24 * 3600)))], &keys, &both("K1", None), true);
    assert!(matches!(&p.decisions[0].1, KeyDecision::Mint { previous: Some(k), .. } if k == "K1"));
    let keys = [key("K1", "2026-01-01T00:00:00Z", MARK), key("K2", "2026-06-01T11:00:00Z", MARK)];
    let recent = both("K2", Some(("K1", "2026-06-01T11:00:00Z")));
    let p = plan(&[target(None)], &keys, &recent, false);
    assert_eq!(p.retiring, ["K1"]);
    assert!(p.deletions.is_empty());
    let old = both("K2", Some(("K1", "2026-05-30T11:00:00Z")));
    let p = plan(&[target(None)], &keys, &old, false);
    assert_eq!(deleted(&p), [("K1", true)], "recorded in its own Secret: owned without an instance id");
}

#[test]
fn foreign_and_other_instances_keys_are_never_candidates() {
    let keys = [
        key("USER", "2020-01-01T00:00:00Z", "made by a human"),
        key("OTHER", "2020-01-01T00:00:00Z", "ccops/ccloud-api-key/ns-eu sa=app"),
        key("OLDFMT", "2020-01-01T00:00:00Z", "ccops ccloud-api-key instance=ns-eu sa=app"),
    ];
    let p = plan(&[target(None)], &keys, &[], true);
    assert!(p.deletions.is_empty(), "{:?}", p.deletions);
    let p = plan(&[], &[key("MINE", "2020-01-01T00:00:00Z", MARK)], &[], true);
    assert!(p.deletions.is_empty(), "keys of undeclared pairs are not candidates");
    let old_format = [key("OLD", "2020-01-01T00:00:00Z", "ccops ccloud-api-key instance=ns sa=app resource=lkc-1")];
    // The first format cannot tell an explicit id from a namespace: never an orphan.
    assert!(plan(&[target(None)], &old_format, &[], true).deletions.is_empty());
}

#[test]
fn acls_only_for_managed_principals() {
    let acl = |p: &str, op: &str| Acl {
        resource_type: "TOPIC".into(),
        resource_name: "t".into(),
        pattern_type: "LITERAL".into(),
        principal: p.into(),
        host: "*".into(),
        operation: op.into(),
        permission: "ALLOW".into(),
    };
    let cluster =
        ccloud_spec::ClusterRef { environment: "e".into(), name: "c".into(), cloud: "gcp".into(), region: "r".into() };
    let desired: BTreeSet<Acl> = [acl("User:sa-1", "READ")].into();
    let observed = [acl("User:sa-1", "WRITE"), acl("User:sa-other", "WRITE")];
    let managed: BTreeMap<String, Managed> =
        [("User:sa-1".to_owned(), Managed { item: (cluster.clone(), "app".into()), owned: true, frozen: false })]
            .into();
    let (create, delete) = plan_acls(&desired, &observed, &managed);
    assert_eq!((create.len(), delete.len()), (1, 1));
    assert!(matches!(&delete[0], Deletion::Acl { acl, .. } if acl.principal == "User:sa-1"));
}
