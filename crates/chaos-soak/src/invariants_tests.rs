use super::*;
use crate::model::{Broken, Model};
use crate::world::Key;

fn observed(topics: &[&str], keys: &[(&str, &str)]) -> Observed {
    let mut o = Observed::default();
    for t in topics {
        o.topics.insert((*t).to_owned(), json!({"partitions": 1}));
    }
    for (id, owner) in keys {
        let key = Key { owner: (*owner).to_owned(), resource: LKC.to_owned(), description: String::new() };
        o.keys.insert((*id).to_owned(), key);
    }
    o.service_accounts.insert("orders-app".into(), "sa-orders01".into());
    o
}

#[test]
fn a_declared_topic_that_disappears_is_a_violation_an_undeclared_one_is_not() {
    let declared = Model::initial().declared();
    let before = observed(&["orders", "stray"], &[]);
    let after = observed(&[], &[]);
    let found = nothing_declared_deleted(&declared, &before, &after, &[]);
    assert_eq!(found, vec!["declared topic orders was deleted".to_owned()]);
}

#[test]
fn the_delivered_key_of_a_declared_pair_must_survive() {
    let declared = Model::initial().declared();
    let held = Delivered { secret: "s".into(), key: "K1".into(), sa: "sa-orders01".into(), resource: LKC.into() };
    let before = observed(&[], &[("K1", "sa-orders01")]);
    let found = nothing_declared_deleted(&declared, &before, &observed(&[], &[]), &[held]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("K1") && found[0].contains("orders-app"), "{found:?}");
}

#[test]
fn failing_declarations_stay_declared_deleted_configmaps_and_tombstones_do_not() {
    let mut m = Model::initial();
    m.ccloud[0].broken = Some(Broken::Syntax);
    m.ccloud[1].present = false;
    m.ccloud[0].topics[0].tombstone = true;
    m.connectors[0].enabled = false;
    m.connectors[1].removed_variable = true;
    let d = m.declared();
    assert!(d.topics.contains("payments") && !d.topics.contains("orders") && !d.topics.contains("clicks"));
    assert!(!d.connectors.contains(&("self".into(), "jdbc-customers".into())));
    assert!(d.connectors.contains(&("self".into(), "jdbc-orders".into())));
}

#[test]
fn a_changed_foreign_key_is_reported() {
    let mut o = observed(FOREIGN_TOPICS.as_slice(), &[]);
    for (k, _, d) in FOREIGN_KEYS {
        o.keys.insert(k.into(), Key { owner: "x".into(), resource: LKC.into(), description: d.into() });
    }
    let initial = foreign(&o);
    assert!(foreign_untouched(&initial, &o).is_empty());
    o.keys.remove(FOREIGN_KEYS[1].0);
    let found = foreign_untouched(&initial, &o);
    assert!(found.len() == 1 && found[0].starts_with("foreign keys changed"), "{found:?}");
}

#[test]
fn a_leak_is_reported_without_the_secret() {
    let secrets: BTreeSet<String> = ["s3cr3t-value-123".to_owned()].into();
    let found = no_secret_in(&secrets, "stderr", "log: s3cr3t-value-123");
    assert_eq!(found.len(), 1);
    assert!(!found[0].contains("s3cr3t-value-123"), "{found:?}");
    assert!(no_secret_in(&secrets, "stderr", "clean").is_empty());
}
