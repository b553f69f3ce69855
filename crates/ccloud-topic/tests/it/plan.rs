//! The pure planner, without a network.

use ccloud_topic::desired::DesiredTopic;
use ccloud_topic::observe::{Observed, ObservedTopic};
use ccloud_topic::plan::{Action, Policy, plan};
use proptest::prelude::*;
use std::collections::BTreeMap;

const KEYS: [&str; 4] = ["cleanup.policy", "retention.ms", "segment.ms", "min.insync.replicas"];

fn defaults() -> BTreeMap<String, String> {
    KEYS.iter().map(|k| ((*k).to_owned(), "default".to_owned())).collect()
}

fn cluster(topics: &[(&str, u32)]) -> Observed {
    Observed {
        topics: topics
            .iter()
            .map(|(n, p)| {
                (
                    (*n).to_owned(),
                    ObservedTopic { partitions: *p, replication_factor: 3, internal: false, configs: BTreeMap::new() },
                )
            })
            .collect(),
        config_names: KEYS.iter().map(|k| (*k).to_owned()).chain(["compression.type".to_owned()]).collect(),
        read_only: ["compression.type".to_owned()].into(),
        defaults: defaults(),
    }
}

fn want(partitions: Option<u32>, config: &[(&str, &str)]) -> DesiredTopic {
    DesiredTopic {
        partitions,
        replication_factor: None,
        config: config.iter().copied().collect(),
        tombstone: false,
        sources: vec!["ns/cm".into()],
    }
}

/// What the cluster looks like after the actions.
fn simulate(mut observed: Observed, actions: &[Action]) -> Observed {
    for a in actions {
        match a {
            Action::Create { topic, partitions, config, .. } => {
                let configs = config.iter().map(|(k, v)| (k.to_owned(), (v.to_owned(), true))).collect();
                observed.topics.insert(
                    topic.clone(),
                    ObservedTopic {
                        partitions: partitions.unwrap_or(6),
                        replication_factor: 3,
                        internal: false,
                        configs,
                    },
                );
            }
            Action::AlterConfigs { topic, set, reset } => {
                let t = observed.topics.get_mut(topic).unwrap();
                for (k, (_, v)) in set {
                    t.configs.insert(k.clone(), (v.clone(), true));
                }
                for k in reset {
                    t.configs.remove(k);
                }
            }
            Action::IncreasePartitions { topic, to, .. } => observed.topics.get_mut(topic).unwrap().partitions = *to,
            Action::Delete { topic } => {
                observed.topics.remove(topic);
            }
        }
    }
    observed
}

#[test]
fn creates_alters_grows_and_leaves_the_rest() {
    let mut observed = cluster(&[("a", 3), ("b", 3), ("c", 3)]);
    observed.topics.get_mut("c").unwrap().configs.insert("segment.ms".into(), ("10".into(), true));
    let desired: BTreeMap<String, DesiredTopic> = [
        ("a".to_owned(), want(Some(3), &[])),
        ("b".to_owned(), want(Some(6), &[("retention.ms", "5")])),
        ("c".to_owned(), want(None, &[])),
        ("new".to_owned(), want(Some(1), &[("cleanup.policy", "compact")])),
    ]
    .into();
    let p = plan(&desired, &observed, &Policy::default());
    assert_eq!(p.in_sync, ["a", "c"]);
    assert_eq!(p.actions.len(), 3);
    assert!(p.actions.contains(&Action::IncreasePartitions { topic: "b".into(), from: 3, to: 6 }));
    assert_eq!(p.drift.len(), 1, "segment.ms on c is set but not declared");
    let with_reset = plan(&desired, &observed, &Policy { reset_undeclared: true });
    assert!(
        with_reset.actions.iter().any(
            |a| matches!(a, Action::AlterConfigs { topic, reset, .. } if topic == "c" && reset == &["segment.ms"])
        )
    );
}

#[test]
fn refusals() {
    let observed = cluster(&[("a", 6)]);
    let mut rf = want(None, &[]);
    rf.replication_factor = Some(2);
    let desired: BTreeMap<String, DesiredTopic> = [
        ("a".to_owned(), want(Some(3), &[])),
        ("b".to_owned(), want(None, &[("compression.type", "gzip")])),
        ("c".to_owned(), want(None, &[("nope", "1")])),
    ]
    .into();
    let p = plan(&desired, &observed, &Policy::default());
    assert!(p.actions.is_empty());
    assert_eq!(p.refusals.len(), 3);
    let p = plan(&[("a".to_owned(), rf)].into(), &observed, &Policy::default());
    assert!(p.refusals[0].reason.contains("replication factor"));
}

prop_compose! {
    fn topic_state()(partitions in 1u32..8, values in proptest::collection::btree_map(0usize..4, "[a-z0-9]{1,3}", 0..4)) -> (u32, BTreeMap<String, String>) {
        (partitions, values.into_iter().map(|(i, v)| (KEYS[i].to_owned(), v)).collect())
    }
}

proptest! {
    /// Applying a plan yields the desired state, and planning again yields nothing.
    #[test]
    fn plans_converge(
        live in proptest::collection::btree_map("[a-e]", topic_state(), 0..5),
        wanted in proptest::collection::btree_map("[a-h]", (proptest::option::of(0u32..4), proptest::collection::btree_map(0usize..4, "[a-z0-9]{1,3}", 0..4)), 0..8),
        reset in any::<bool>(),
    ) {
        let mut observed = cluster(&[]);
        for (name, (p, cfg)) in &live {
            let configs = cfg.iter().map(|(k, v)| (k.clone(), (v.clone(), true))).collect();
            observed.topics.insert(name.clone(), ObservedTopic { partitions: *p, replication_factor: 3, internal: false, configs });
        }
        let desired: BTreeMap<String, DesiredTopic> = wanted.iter().map(|(name, (extra, cfg))| {
            // Never fewer partitions than live (a refusal, covered above).
            let floor = observed.topics.get(name).map_or(1, |t| t.partitions);
            let partitions = extra.map(|e| floor + e);
            let config = cfg.iter().map(|(i, v)| (KEYS[*i].to_owned(), v.clone())).collect::<Vec<_>>();
            let config: Vec<(&str, &str)> = config.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            (name.clone(), want(partitions, &config))
        }).collect();
        let policy = Policy { reset_undeclared: reset };
        let first = plan(&desired, &observed, &policy);
        prop_assert!(first.refusals.is_empty());
        let after = simulate(observed, &first.actions);
        for (name, w) in &desired {
            let t = &after.topics[name];
            if let Some(p) = w.partitions { prop_assert_eq!(t.partitions, p); }
            for (k, v) in w.config.iter() { prop_assert_eq!(after.value(t, k), Some(v)); }
        }
        let again = plan(&desired, &after, &policy);
        prop_assert!(again.actions.is_empty(), "{:?}", again.actions);
    }
}

/// One ConfigMap of a generated edit: broken, or declaring topics (`true`: a tombstone).
#[derive(Debug, Clone)]
enum Spec {
    Broken,
    Declares(BTreeMap<String, bool>),
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        1 => Just(Spec::Broken),
        4 => proptest::collection::btree_map("[a-f]", any::<bool>(), 0..4).prop_map(Spec::Declares),
    ]
}

fn views(specs: &[Spec]) -> Vec<ccloud_spec::ConfigMapView> {
    specs
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let mut cm = match s {
                Spec::Broken => crate::common::configmap(&format!("cm-{i}"), serde_json::json!([])),
                Spec::Declares(topics) => {
                    let list: Vec<serde_json::Value> =
                        topics.iter().map(|(t, tomb)| serde_json::json!({"name": t, "delete": tomb})).collect();
                    crate::common::configmap(&format!("cm-{i}"), serde_json::json!(list))
                }
            };
            if matches!(s, Spec::Broken) {
                cm["data"]["environments"] = serde_json::json!("[{\"name\": \"e\", \"kafka\": [{\"name\": \"c\"}]}]");
            }
            ccloud_spec::ConfigMapView::from_item(None, Some(&cm.to_string()))
        })
        .collect()
}

proptest! {
    /// Over sequences of spec edits, valid and invalid: a topic some valid ConfigMap
    /// declares (not as a tombstone) is never deleted, and nothing is deleted while any
    /// ConfigMap is broken (it may declare anything).
    #[test]
    fn nothing_declared_is_deleted(
        live in proptest::collection::btree_set("[a-f]", 0..6),
        edits in proptest::collection::vec(proptest::collection::vec(spec(), 0..4), 1..5),
    ) {
        let policy = reconcile::DeletionPolicy { allowed: reconcile::Kind::ALL.into_iter().collect(), budget: 100, protected: Vec::new() };
        let mut observed = cluster(&[]);
        for t in &live {
            observed.topics.insert(t.clone(), ObservedTopic { partitions: 1, replication_factor: 3, internal: false, configs: BTreeMap::new() });
        }
        for specs in edits {
            let desired = ccloud_topic::desired::desired(&views(&specs));
            let inventory = ccloud_topic::inventory(&desired);
            let mut runs: Vec<ccloud_topic::report::ClusterRun> = desired
                .clusters
                .iter()
                .map(|(c, topics)| ccloud_topic::report::ClusterRun { cluster: c.clone(), plan: plan(topics, &observed, &Policy::default()), ..Default::default() })
                .collect();
            ccloud_topic::admit_deletions(&mut runs, &inventory, &policy);
            let broken = specs.iter().any(|s| matches!(s, Spec::Broken));
            for action in runs.iter().flat_map(|r| &r.plan.actions) {
                if let Action::Delete { topic } = action {
                    prop_assert!(!broken, "{topic} deleted while a ConfigMap is broken: {specs:?}");
                    let declared = specs.iter().any(|s| matches!(s, Spec::Declares(m) if m.get(topic) == Some(&false)));
                    prop_assert!(!declared, "{topic} is declared: {specs:?}");
                    observed.topics.remove(topic);
                }
            }
        }
    }
}
