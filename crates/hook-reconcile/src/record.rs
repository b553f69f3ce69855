//! The record of what a hook manages, kept in a ConfigMap the hook writes through
//! object patches and reads back through a snapshot binding. It lets a hook act on
//! sources that disappeared while it was not running (a deleted ConfigMap leaves no
//! event behind after a restart).

use serde_json::{Value, json};
use shell_hook::config::{KubernetesBinding, NameSelector};
use shell_hook::{BindingContext, NamespaceSelector, ObjectOperation};
use std::collections::{BTreeMap, BTreeSet};

/// Source ConfigMap (`namespace/name`) → the items it declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub entries: BTreeMap<String, BTreeSet<String>>,
}

pub const RECORD_BINDING: &str = "records";

pub fn record_name(tool: &str) -> String {
    format!("{tool}.records")
}

/// A snapshot-only binding on the record ConfigMap (changes to it never run the hook).
pub fn record_binding(tool: &str, namespace: &str, group: &str) -> KubernetesBinding {
    let mut b = KubernetesBinding::new(RECORD_BINDING, "v1", "ConfigMap");
    b.name_selector = Some(NameSelector { match_names: vec![record_name(tool)] });
    b.namespace = Some(NamespaceSelector::names(&[namespace]));
    b.execute_hook_on_event = Some(Vec::new());
    b.execute_hook_on_synchronization = Some(false);
    b.jq_filter = Some(".data".into());
    b.keep_full_objects_in_memory = Some(false);
    b.group = Some(group.into());
    b
}

impl Record {
    /// The record in the newest snapshot; `None` when the snapshot has no record
    /// binding at all (so nothing can be concluded), empty when the ConfigMap is absent.
    pub fn read(contexts: &[BindingContext]) -> Option<Self> {
        let items = shell_hook::latest_objects(contexts, RECORD_BINDING)?;
        let data = items.first().and_then(|i| i.filter_result().or_else(|| i.object().map(|mut o| o["data"].take())));
        let text = data.as_ref().and_then(|d| d["records"].as_str()).unwrap_or("{}");
        let parsed: Value = serde_json::from_str(text).unwrap_or_default();
        let entries = parsed
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Self { entries })
    }

    /// The operation that stores this record.
    pub fn patch(&self, tool: &str, namespace: &str) -> ObjectOperation {
        let records: BTreeMap<&String, Vec<&String>> =
            self.entries.iter().map(|(k, v)| (k, v.iter().collect())).collect();
        ObjectOperation::create_or_update(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": record_name(tool), "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": tool, "app.kubernetes.io/part-of": "ccops"}},
            "data": {"records": serde_json::to_string(&records).unwrap_or_default()}
        }))
    }

    /// Items recorded for sources that are gone: (source, item).
    pub fn orphans<'a>(&'a self, live_sources: &'a BTreeSet<String>) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.entries
            .iter()
            .filter(move |(source, _)| !live_sources.contains(*source))
            .flat_map(|(source, items)| items.iter().map(move |i| (source.as_str(), i.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_a_snapshot() {
        let mut r = Record::default();
        r.entries.entry("ns/a".into()).or_default().insert("lkc-1/orders".into());
        r.entries.entry("ns/b".into()).or_default().insert("lkc-1/payments".into());
        let op = r.patch("ccloud-topic", "ns").to_value();
        let data = op["object"]["data"].clone();
        let ctx: Vec<BindingContext> = serde_json::from_value(json!([
            {"binding": "specs", "type": "Group", "groupName": "g", "snapshots": {"records": [{"filterResult": data}], "specs": []}}
        ]))
        .unwrap();
        let back = Record::read(&ctx).unwrap();
        assert_eq!(back, r);
        let live: BTreeSet<String> = ["ns/a".to_owned()].into();
        assert_eq!(back.orphans(&live).collect::<Vec<_>>(), vec![("ns/b", "lkc-1/payments")]);
        let empty: Vec<BindingContext> = serde_json::from_value(
            json!([{"binding": "specs", "type": "Group", "groupName": "g", "snapshots": {"records": []}}]),
        )
        .unwrap();
        assert_eq!(Record::read(&empty), Some(Record::default()));
        assert_eq!(Record::read(&[]), None);
    }
}
