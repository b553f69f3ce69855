//! What a cluster has: one topic list and one `/topics/-/configs`, whatever the size.

use api_http::HttpError;
use kafka_rest::KafkaRest;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedTopic {
    pub partitions: u32,
    pub replication_factor: u32,
    pub internal: bool,
    /// Effective value of every config, and whether it is set on the topic itself.
    pub configs: BTreeMap<String, (String, bool)>,
}

impl ObservedTopic {
    pub fn dynamic(&self) -> impl Iterator<Item = (&String, &String)> {
        self.configs.iter().filter(|(_, (_, d))| *d).map(|(k, (v, _))| (k, v))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub topics: BTreeMap<String, ObservedTopic>,
    /// Config names the cluster knows, and the ones that cannot be changed.
    pub config_names: BTreeSet<String>,
    pub read_only: BTreeSet<String>,
}

/// Two requests, sent at the same time.
pub fn observe(kafka: &KafkaRest) -> Result<Observed, HttpError> {
    let (topics, configs) = std::thread::scope(|s| {
        let configs = s.spawn(|| kafka.all_topic_configs());
        let topics = kafka.list_topics();
        (topics, configs.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let mut out = Observed::default();
    for t in topics? {
        let topic = ObservedTopic {
            partitions: t.partitions,
            replication_factor: t.replication_factor,
            internal: t.internal,
            configs: BTreeMap::new(),
        };
        out.topics.insert(t.name, topic);
    }
    for c in configs? {
        out.config_names.insert(c.name.clone());
        if c.read_only {
            out.read_only.insert(c.name.clone());
        }
        let dynamic = c.is_dynamic();
        if let Some(t) = out.topics.get_mut(&c.topic) {
            t.configs.insert(c.name, (c.value.unwrap_or_default(), dynamic));
        }
    }
    Ok(out)
}
