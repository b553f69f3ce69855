//! The record of what a hook manages, kept in a ConfigMap the hook writes through
//! object patches and reads back through a snapshot binding. It lets a hook act on
//! sources that disappeared while it was not running (a deleted ConfigMap leaves no
//! event behind after a restart).

use crate::binding::BindingSettings;
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

/// Who a record belongs to: the tool, its instance id, and what its binding watches. Two
/// deployments in one namespace (another selector, other watched namespaces or another
/// instance id) must never share a record: each would take the other's items for its own
/// orphans and delete them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOwner {
    pub tool: String,
    /// `namespace` and canonical `instance|labels|namespaces` of the deployment.
    stamp: String,
    legacy: bool,
}

impl RecordOwner {
    /// `default_selector` is the tool's default label selector: a deployment with that
    /// selector, its own namespace only and no instance id keeps the first round's record
    /// name `<tool>.records`, so an upgrade keeps what it recorded.
    pub fn new(tool: &str, binding: &BindingSettings, default_selector: &str, instance: Option<&str>) -> Self {
        let labels: Vec<String> = binding.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut namespaces = binding.namespaces.clone();
        namespaces.sort();
        let stamp = format!("{}|{}|{}", instance.unwrap_or(""), labels.join(","), namespaces.join(","));
        let default_labels: BTreeMap<String, String> = default_selector
            .split(',')
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
            .collect();
        let legacy = instance.is_none()
            && binding.labels == default_labels
            && binding.namespaces == [binding.own_namespace.clone()];
        Self { tool: tool.to_owned(), stamp, legacy }
    }

    /// `<tool>.records`, or `<tool>.records.<8 hex digits of the stamp>`.
    pub fn name(&self) -> String {
        if self.legacy { record_name(&self.tool) } else { format!("{}.{}", record_name(&self.tool), fnv(&self.stamp)) }
    }

    pub fn stamp(&self) -> &str {
        &self.stamp
    }
}

fn fnv(text: &str) -> String {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{:08x}", h as u32 ^ (h >> 32) as u32)
}

/// The snapshot-only binding on this deployment's record ConfigMap.
pub fn owned_record_binding(owner: &RecordOwner, namespace: &str, group: &str) -> KubernetesBinding {
    let mut b = record_binding(&owner.tool, namespace, group);
    b.name_selector = Some(NameSelector { match_names: vec![owner.name()] });
    b
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

    /// The record of this deployment in the newest snapshot. A record written by another
    /// deployment (its `owner` stamp differs, so a name collision or a hand edit) is not
    /// trusted: it reads as `Some(empty)` with a warning, so nothing in it is deleted.
    pub fn read_owned(contexts: &[BindingContext], owner: &RecordOwner) -> Option<Self> {
        let items = shell_hook::latest_objects(contexts, RECORD_BINDING)?;
        let data = items.first().and_then(|i| i.filter_result().or_else(|| i.object().map(|mut o| o["data"].take())));
        if let Some(stamp) = data.as_ref().and_then(|d| d["owner"].as_str())
            && stamp != owner.stamp()
        {
            tracing::warn!(record = owner.name(), "the record belongs to another deployment; nothing in it is trusted");
            return Some(Self::default());
        }
        Self::read(contexts)
    }

    /// The operation that stores this record as `owner`'s.
    pub fn owned_patch(&self, owner: &RecordOwner, namespace: &str) -> ObjectOperation {
        let mut object = self.object(&owner.tool, &owner.name(), namespace);
        object["data"]["owner"] = json!(owner.stamp());
        ObjectOperation::create_or_update(object)
    }

    /// The operation that stores this record.
    pub fn patch(&self, tool: &str, namespace: &str) -> ObjectOperation {
        ObjectOperation::create_or_update(self.object(tool, &record_name(tool), namespace))
    }

    fn object(&self, tool: &str, name: &str, namespace: &str) -> Value {
        let records: BTreeMap<&String, Vec<&String>> =
            self.entries.iter().map(|(k, v)| (k, v.iter().collect())).collect();
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"app.kubernetes.io/managed-by": tool, "app.kubernetes.io/part-of": "ccops"}},
            "data": {"records": serde_json::to_string(&records).unwrap_or_default()}
        })
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

    fn settings(labels: &[(&str, &str)], namespaces: &[&str]) -> BindingSettings {
        BindingSettings::with_labels(
            labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            namespaces.iter().map(|n| (*n).to_owned()).collect(),
            String::new(),
            "ops",
        )
    }

    #[test]
    fn deployments_in_one_namespace_never_share_a_record() {
        let default = settings(&[("destination", "connect")], &[]);
        let legacy = RecordOwner::new("connect-apply", &default, "destination=connect", None);
        assert_eq!(
            legacy.name(),
            "connect-apply.records",
            "the single default deployment keeps the first round's name"
        );
        let team_a = RecordOwner::new(
            "connect-apply",
            &settings(&[("destination", "connect"), ("team", "a")], &[]),
            "destination=connect",
            None,
        );
        let team_b = RecordOwner::new(
            "connect-apply",
            &settings(&[("destination", "connect"), ("team", "b")], &[]),
            "destination=connect",
            None,
        );
        let other_ns = RecordOwner::new(
            "connect-apply",
            &settings(&[("destination", "connect")], &["apps"]),
            "destination=connect",
            None,
        );
        let with_id = RecordOwner::new("connect-apply", &default, "destination=connect", Some("prod-eu"));
        let names: BTreeSet<String> =
            [&legacy, &team_a, &team_b, &other_ns, &with_id].iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), 5);
        assert!(names.iter().all(|n| shell_hook_name_ok(n)), "{names:?}");

        let mut r = Record::default();
        r.entries.entry("ops/a".into()).or_default().insert("self/conn-a".into());
        let op = r.owned_patch(&team_a, "ops").to_value();
        assert_eq!(op["object"]["metadata"]["name"], team_a.name());
        let ctx: Vec<BindingContext> = serde_json::from_value(json!([
            {"binding": "specs", "type": "Group", "groupName": "g", "snapshots": {"records": [{"filterResult": op["object"]["data"].clone()}]}}
        ]))
        .unwrap();
        assert_eq!(Record::read_owned(&ctx, &team_a), Some(r));
        assert_eq!(
            Record::read_owned(&ctx, &team_b),
            Some(Record::default()),
            "another deployment's record is not trusted"
        );
    }

    fn shell_hook_name_ok(name: &str) -> bool {
        reconcile::names::check_object_name(name).is_ok()
    }
}
