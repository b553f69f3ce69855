//! The desired state: the union of every ConfigMap's declarations. Two different
//! declarations of one topic on one cluster are a conflict: neither wins, both
//! sources hear about it, everything else proceeds.

use ccloud_spec::{ClusterRef, ConfigMapView, DeclaredTopic, SpecError};
use std::collections::BTreeMap;

/// What should hold for one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredTopic {
    pub partitions: Option<u32>,
    pub replication_factor: Option<u32>,
    pub config: BTreeMap<String, String>,
    pub tombstone: bool,
    pub sources: Vec<String>,
}

impl DesiredTopic {
    fn same_settings(&self, other: &DeclaredTopic) -> bool {
        self.partitions == other.partitions
            && self.replication_factor == other.replication_factor
            && self.config == other.config
            && self.tombstone == other.tombstone
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub cluster: ClusterRef,
    pub topic: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub clusters: BTreeMap<ClusterRef, BTreeMap<String, DesiredTopic>>,
    pub conflicts: Vec<Conflict>,
    pub bad_sources: Vec<SpecError>,
    /// Every source that was read, with the (cluster, topic) pairs it declares.
    pub by_source: BTreeMap<String, Vec<(ClusterRef, String)>>,
}

pub fn desired(views: &[ConfigMapView]) -> Desired {
    let mut out = Desired::default();
    let mut conflicted: BTreeMap<(ClusterRef, String), Vec<String>> = BTreeMap::new();
    for view in views {
        let declared = match ccloud_spec::topics(view) {
            Ok(d) => d,
            Err(e) => {
                out.bad_sources.push(e);
                out.by_source.entry(view.id()).or_default();
                continue;
            }
        };
        let entry = out.by_source.entry(view.id()).or_default();
        for d in declared {
            entry.push((d.cluster.clone(), d.name.clone()));
            let key = (d.cluster.clone(), d.name.clone());
            if let Some(sources) = conflicted.get_mut(&key) {
                sources.push(d.source.clone());
                continue;
            }
            let topics = out.clusters.entry(d.cluster.clone()).or_default();
            match topics.get_mut(&d.name) {
                None => {
                    let t = DesiredTopic {
                        partitions: d.partitions,
                        replication_factor: d.replication_factor,
                        config: d.config.clone(),
                        tombstone: d.tombstone,
                        sources: vec![d.source.clone()],
                    };
                    topics.insert(d.name.clone(), t);
                }
                Some(existing) if existing.same_settings(&d) => existing.sources.push(d.source.clone()),
                Some(_) => {
                    let existing = topics.remove(&d.name).map(|t| t.sources).unwrap_or_default();
                    conflicted.insert(key, existing.into_iter().chain([d.source.clone()]).collect());
                }
            }
        }
    }
    out.conflicts =
        conflicted.into_iter().map(|((cluster, topic), sources)| Conflict { cluster, topic, sources }).collect();
    out
}
