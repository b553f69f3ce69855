//! Topic configuration rules of a Confluent Cloud cluster: defaults, which names
//! exist, which are editable, and which values are acceptable.

/// (name, effective value when not set on the topic, editable on Confluent Cloud).
/// Cloud does not flag the others read-only: it refuses changes to them by policy.
pub const TOPIC_CONFIGS: &[(&str, &str, bool)] = &[
    ("cleanup.policy", "delete", true),
    ("compression.type", "producer", false),
    ("confluent.key.schema.validation", "false", true),
    ("confluent.key.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicNameStrategy", true),
    ("confluent.schema.validation.context.name", "default", true),
    ("confluent.value.schema.validation", "false", true),
    ("confluent.value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicNameStrategy", true),
    ("delete.retention.ms", "86400000", true),
    ("file.delete.delay.ms", "60000", false),
    ("flush.messages", "9223372036854775807", false),
    ("flush.ms", "9223372036854775807", false),
    ("index.interval.bytes", "4096", false),
    ("max.compaction.lag.ms", "9223372036854775807", true),
    ("max.message.bytes", "2097164", true),
    ("message.timestamp.after.max.ms", "9223372036854775807", true),
    ("message.timestamp.before.max.ms", "9223372036854775807", true),
    ("message.timestamp.difference.max.ms", "9223372036854775807", true),
    ("message.timestamp.type", "CreateTime", true),
    ("min.cleanable.dirty.ratio", "0.5", false),
    ("min.compaction.lag.ms", "0", true),
    ("min.insync.replicas", "2", true),
    ("preallocate", "false", false),
    ("retention.bytes", "-1", true),
    ("retention.ms", "604800000", true),
    ("segment.bytes", "104857600", true),
    ("segment.index.bytes", "10485760", false),
    ("segment.jitter.ms", "0", false),
    ("segment.ms", "604800000", true),
    ("unclean.leader.election.enable", "false", false),
];

/// Topic configs a Cloud cluster sets at broker level, which topics inherit:
/// (topic config, broker synonym, value, source, Apache default). Listings report
/// these with their broker source and `is_default: false`, as Cloud does, although
/// nothing was set on the topic.
const BROKER_CONFIGS: &[(&str, &str, &str, &str, &str)] = &[
    ("min.insync.replicas", "min.insync.replicas", "2", "DYNAMIC_DEFAULT_BROKER_CONFIG", "1"),
    ("max.message.bytes", "message.max.bytes", "2097164", "DYNAMIC_DEFAULT_BROKER_CONFIG", "1048588"),
    ("delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000", "DYNAMIC_BROKER_CONFIG", "86400000"),
    ("segment.bytes", "log.segment.bytes", "104857600", "STATIC_BROKER_CONFIG", "1073741824"),
];

/// One entry of a config's `synonyms`: (name, value, source), most specific first.
pub type Synonym<'a> = (&'a str, &'a str, &'static str);

/// A topic config's effective value, its source and its synonyms.
pub struct Resolved<'a> {
    pub value: &'a str,
    pub source: &'static str,
    pub synonyms: Vec<Synonym<'a>>,
}

/// Resolves `name` the way a broker does: topic override, then broker settings, then
/// the default.
pub fn resolve<'a>(name: &'a str, topic_value: Option<&'a str>) -> Resolved<'a> {
    let mut synonyms = Vec::with_capacity(3);
    if let Some(v) = topic_value {
        synonyms.push((name, v, "DYNAMIC_TOPIC_CONFIG"));
    }
    match BROKER_CONFIGS.iter().find(|(n, ..)| *n == name) {
        Some((_, broker, value, source, apache)) => {
            synonyms.push((*broker, *value, *source));
            synonyms.push((*broker, *apache, "DEFAULT_CONFIG"));
        }
        None => synonyms.push((name, default_of(name).unwrap_or_default(), "DEFAULT_CONFIG")),
    }
    let (_, value, source) = synonyms[0];
    Resolved { value, source, synonyms }
}

pub fn default_of(name: &str) -> Option<&'static str> {
    TOPIC_CONFIGS.iter().find(|(n, _, _)| *n == name).map(|(_, d, _)| *d)
}

/// Why a `name=value` cannot be set on a topic; `None` when it can.
pub fn reject(name: &str, value: Option<&str>) -> Option<String> {
    let Some((_, _, editable)) = TOPIC_CONFIGS.iter().find(|(n, _, _)| *n == name) else {
        return Some(format!("Unknown topic config name: {name}"));
    };
    if !editable {
        return Some(format!("Altering config property '{name}' is not allowed on this cluster."));
    }
    let value = value?;
    let ok = match name {
        "cleanup.policy" => matches!(value, "delete" | "compact" | "compact,delete" | "delete,compact"),
        "message.timestamp.type" => matches!(value, "CreateTime" | "LogAppendTime"),
        "min.insync.replicas" => matches!(value.parse::<u32>(), Ok(1..=3)),
        "confluent.key.schema.validation" | "confluent.value.schema.validation" => matches!(value, "true" | "false"),
        n if n.ends_with(".ms") || n.ends_with(".bytes") => value.parse::<i64>().is_ok_and(|v| v >= -1),
        _ => !value.is_empty(),
    };
    (!ok).then(|| format!("Invalid value {value} for configuration {name}"))
}

/// A valid Kafka topic name.
pub fn valid_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
