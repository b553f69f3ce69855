//! The desired state: the union of every ConfigMap's declarations. Two different
//! declarations of one topic on one cluster are a conflict: neither wins, both
//! sources hear about it, everything else proceeds.

use crate::topic_config::TopicConfig;
use ccloud_spec::{ClusterRef, ConfigMapView, SpecError};
use std::collections::BTreeMap;

/// What should hold for one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredTopic {
    pub partitions: Option<u32>,
    pub replication_factor: Option<u32>,
    /// Shared with the plan's create action: with 40,000 topics a copy per action was 30 MB.
    pub config: TopicConfig,
    pub tombstone: bool,
    pub sources: Vec<String>,
}

impl DesiredTopic {
    fn same_settings(&self, other: &Self) -> bool {
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
    /// Every source that was read, with the topics it declares per cluster (grouped: a
    /// cluster per topic was 9 MB with 40,000 topics).
    pub by_source: BTreeMap<String, Vec<(ClusterRef, Vec<String>)>>,
}

impl Desired {
    /// The (cluster, topic) pairs `source` declares.
    pub fn declared_by(&self, source: &str) -> impl Iterator<Item = (&ClusterRef, &String)> {
        self.by_source.get(source).into_iter().flatten().flat_map(|(c, topics)| topics.iter().map(move |t| (c, t)))
    }
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
            match entry.last_mut() {
                Some((cluster, topics)) if *cluster == d.cluster => topics.push(d.name.clone()),
                _ => entry.push((d.cluster.clone(), vec![d.name.clone()])),
            }
            let key = (d.cluster, d.name);
            if let Some(sources) = conflicted.get_mut(&key) {
                sources.push(d.source);
                continue;
            }
            // Moved, not cloned: with 10,000 ConfigMaps the copies dominated peak memory.
            let want = DesiredTopic {
                partitions: d.partitions,
                replication_factor: d.replication_factor,
                config: d.config.into(),
                tombstone: d.tombstone,
                sources: vec![d.source],
            };
            let topics = out.clusters.entry(key.0.clone()).or_default();
            match topics.get_mut(&key.1) {
                None => {
                    topics.insert(key.1, want);
                }
                Some(existing) if existing.same_settings(&want) => existing.sources.extend(want.sources),
                Some(_) => {
                    let existing = topics.remove(&key.1).map(|t| t.sources).unwrap_or_default();
                    conflicted.insert(key, existing.into_iter().chain(want.sources).collect());
                }
            }
        }
    }
    out.conflicts =
        conflicted.into_iter().map(|((cluster, topic), sources)| Conflict { cluster, topic, sources }).collect();
    out
}
