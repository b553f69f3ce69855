//! What a cluster has: one topic list and one `/topics/-/configs`, whatever the size.
//! The config listing repeats every config for every topic (about 17 KB a topic); it is
//! folded while it arrives into what the planner needs: the values set on each topic,
//! and each inherited value once, as the cluster's default.

use api_http::HttpError;
use kafka_rest::{KafkaRest, TopicConfigEntry};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedTopic {
    pub partitions: u32,
    pub replication_factor: u32,
    pub internal: bool,
    /// Configs set on the topic itself (`true`), and inherited values that differ from
    /// the cluster's default for that name (`false`). Any other config has the default.
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
    /// The value a topic that does not set a config gets.
    pub defaults: BTreeMap<String, String>,
}

impl Observed {
    /// The effective value of config `name` on `topic`.
    pub fn value<'a>(&'a self, topic: &'a ObservedTopic, name: &str) -> Option<&'a str> {
        topic.configs.get(name).map(|(v, _)| v.as_str()).or_else(|| self.defaults.get(name).map(String::as_str))
    }
}

/// The config listing, folded.
#[derive(Default)]
struct Configs {
    names: BTreeSet<String>,
    read_only: BTreeSet<String>,
    defaults: BTreeMap<String, String>,
    by_topic: HashMap<String, BTreeMap<String, (String, bool)>>,
}

impl Configs {
    fn add(&mut self, c: TopicConfigEntry) {
        if !self.names.contains(&c.name) {
            self.names.insert(c.name.clone());
        }
        if c.read_only && !self.read_only.contains(&c.name) {
            self.read_only.insert(c.name.clone());
        }
        let dynamic = c.is_dynamic();
        let value = c.value.unwrap_or_default();
        if !dynamic {
            match self.defaults.get(&c.name) {
                Some(default) if *default == value => return,
                Some(_) => {}
                None => {
                    self.defaults.insert(c.name, value);
                    return;
                }
            }
        }
        self.by_topic.entry(c.topic).or_default().insert(c.name, (value, dynamic));
    }
}

/// Two requests, sent at the same time.
pub fn observe(kafka: &KafkaRest) -> Result<Observed, HttpError> {
    let (topics, configs) = std::thread::scope(|s| {
        let configs = s.spawn(|| kafka.fold_topic_configs(Configs::default, Configs::add));
        let topics = kafka.list_topics();
        (topics, configs.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let mut configs = configs?;
    let topics = topics?
        .into_iter()
        .map(|t| {
            let topic = ObservedTopic {
                partitions: t.partitions,
                replication_factor: t.replication_factor,
                internal: t.internal,
                configs: configs.by_topic.remove(&t.name).unwrap_or_default(),
            };
            (t.name, topic)
        })
        .collect();
    Ok(Observed { topics, config_names: configs.names, read_only: configs.read_only, defaults: configs.defaults })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(topic: &str, name: &str, value: &str, source: &str) -> TopicConfigEntry {
        let (topic, name, value, source) = (topic.into(), name.into(), Some(value.into()), source.into());
        TopicConfigEntry { topic, name, value, source, read_only: false }
    }

    #[test]
    fn inherited_values_are_kept_once_and_exceptions_per_topic() {
        let mut c = Configs::default();
        c.add(entry("a", "retention.ms", "100", "DEFAULT_CONFIG"));
        c.add(entry("a", "cleanup.policy", "compact", "DYNAMIC_TOPIC_CONFIG"));
        c.add(entry("b", "retention.ms", "100", "DEFAULT_CONFIG"));
        c.add(entry("c", "retention.ms", "7", "DYNAMIC_BROKER_CONFIG"));
        assert_eq!(c.defaults, BTreeMap::from([("retention.ms".to_owned(), "100".to_owned())]));
        assert_eq!(c.by_topic["a"], BTreeMap::from([("cleanup.policy".to_owned(), ("compact".to_owned(), true))]));
        assert!(!c.by_topic.contains_key("b"), "a topic with only defaults costs nothing");
        assert_eq!(c.by_topic["c"]["retention.ms"], ("7".to_owned(), false), "an inherited value that differs is kept");
        assert_eq!(c.names.len(), 2);
    }
}
