//! The desired identities: the union of every ConfigMap's service accounts, key
//! requests and ACLs, with where each item stands (see [`reconcile::standing`]).
//!
//! A ConfigMap that does not parse declares nothing this run, but what it declared
//! when it last parsed (the record) stays frozen; without a record, every deletion of
//! the kinds it may declare is frozen. Different declarations of one item conflict.

use ccloud_spec::{AclControl, ClusterRef, ConfigMapView, KeyResource};
use hook_reconcile::record::Record;
use reconcile::{Failure, Inventory, Reason};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The ACLs of one service account (by name) on one cluster: the unit of ACL ownership.
pub type AclItem = (ClusterRef, String);
pub type KeyPair = (String, KeyResource);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredAccount {
    pub description: String,
    pub tombstone: bool,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredKey {
    pub max_age: Option<String>,
    /// Namespace of the first declaring ConfigMap: where its Secrets go.
    pub namespace: String,
    pub sources: Vec<String>,
}

/// One item of the record, as it is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Account(String),
    Key(KeyPair),
    Acl(AclItem),
}

#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub accounts: BTreeMap<String, DesiredAccount>,
    pub keys: BTreeMap<KeyPair, DesiredKey>,
    pub acls: BTreeMap<AclItem, BTreeSet<AclControl>>,
    pub acl_sources: BTreeMap<AclItem, Vec<String>>,
    pub account_items: Inventory<String>,
    pub key_items: Inventory<KeyPair>,
    pub acl_items: Inventory<AclItem>,
    /// Items a failed source declared when it last parsed. They stay frozen even when a
    /// valid source declares them too: the broken one may declare more of the same item
    /// (more ACL bindings of a principal).
    pub frozen: BTreeSet<Item>,
    /// Items the record shows this deployment declared in an earlier run: it owns them.
    pub recorded: BTreeSet<Item>,
    /// Source failures (keyed by the ConfigMap id) and conflicts.
    pub failures: Vec<Failure>,
    pub notices: Vec<String>,
    /// Namespace of the first ConfigMap that mentions each environment and cluster.
    pub namespaces: BTreeMap<String, String>,
    /// The record to store: what each source declares now (failed sources keep theirs).
    pub record: Record,
    /// What each parsed source refers to in Confluent Cloud, looked up before any plan.
    pub references: BTreeMap<String, BTreeSet<Reference>>,
    /// What each source declared when it last parsed; `None`: no record this run.
    previous: Option<BTreeMap<String, BTreeSet<Item>>>,
}

/// A name a declaration refers to, which must resolve before anything it declared
/// earlier can be taken as undeclared: a cluster, or an environment's Schema Registry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    Cluster(ClusterRef),
    Registry(String),
}

pub fn account_subject(name: &str) -> String {
    format!("service account {name}")
}

pub fn key_subject(sa: &str, resource: &KeyResource) -> String {
    match resource {
        KeyResource::Kafka(c) => format!("API key of {sa} for cluster {c}"),
        KeyResource::SchemaRegistry { environment } => {
            format!("API key of {sa} for the Schema Registry of {environment}")
        }
    }
}

pub fn acl_subject(item: &AclItem) -> String {
    format!("ACLs of {} on {}", item.1, item.0)
}

impl Desired {
    /// Whether the ACLs of `item` must be left exactly as they are.
    pub fn acl_frozen(&self, item: &AclItem) -> bool {
        self.acl_items.scope_frozen()
            || self.acl_items.standing(item).is_frozen()
            || self.frozen.contains(&Item::Acl(item.clone()))
    }

    /// Whether keys of `pair` may be deleted as far as the declarations go.
    pub fn key_frozen(&self, pair: &KeyPair) -> bool {
        self.key_items.scope_frozen()
            || self.key_items.standing(pair).is_frozen()
            || self.frozen.contains(&Item::Key(pair.clone()))
    }

    /// A parsed source that refers to something that does not resolve (a typo in a
    /// region, a cluster or an environment name): what it declares under the new name
    /// cannot be applied, and what it declared before under the old one cannot be taken
    /// as undeclared, so it is frozen as if the source had failed. Its record keeps both.
    pub fn fail_unresolved(&mut self, source: &str) {
        let recorded = self.previous.as_ref().and_then(|p| p.get(source)).cloned();
        fail_source(self, source, recorded);
    }

    pub fn account_frozen(&self, name: &str) -> bool {
        let name = name.to_owned();
        self.account_items.scope_frozen()
            || self.account_items.standing(&name).is_frozen()
            || self.frozen.contains(&Item::Account(name))
    }
}

fn cluster_json(c: &ClusterRef) -> Value {
    json!([c.environment, c.name, c.cloud, c.region])
}

fn cluster_from(v: &Value) -> Option<ClusterRef> {
    let s = |i: usize| v.get(i).and_then(Value::as_str).map(str::to_owned);
    Some(ClusterRef { environment: s(0)?, name: s(1)?, cloud: s(2)?, region: s(3)? })
}

impl Item {
    pub fn encode(&self) -> String {
        match self {
            Item::Account(name) => json!(["account", name]),
            Item::Key((sa, KeyResource::Kafka(c))) => json!(["key", sa, "kafka", cluster_json(c)]),
            Item::Key((sa, KeyResource::SchemaRegistry { environment })) => {
                json!(["key", sa, "schema-registry", environment])
            }
            Item::Acl((c, sa)) => json!(["acl", sa, cluster_json(c)]),
        }
        .to_string()
    }

    pub fn decode(text: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(text).ok()?;
        let s = |i: usize| v.get(i).and_then(Value::as_str).map(str::to_owned);
        match s(0)?.as_str() {
            "account" => Some(Item::Account(s(1)?)),
            "acl" => Some(Item::Acl((cluster_from(v.get(2)?)?, s(1)?))),
            "key" => {
                let resource = match s(2)?.as_str() {
                    "kafka" => KeyResource::Kafka(cluster_from(v.get(3)?)?),
                    "schema-registry" => KeyResource::SchemaRegistry { environment: s(3)? },
                    _ => return None,
                };
                Some(Item::Key((s(1)?, resource)))
            }
            _ => None,
        }
    }
}

/// `record`: the stored record, `None` when this run has no snapshot of it.
pub fn desired(views: &[ConfigMapView], record: Option<&Record>) -> Desired {
    let mut out = Desired::default();
    let mut conflicts: BTreeMap<Item, Vec<String>> = BTreeMap::new();
    out.previous = record.map(|r| {
        r.entries
            .iter()
            .map(|(source, items)| (source.clone(), items.iter().filter_map(|i| Item::decode(i)).collect()))
            .collect()
    });
    let recorded_items =
        |previous: &Option<BTreeMap<String, BTreeSet<Item>>>, source: &str| previous.as_ref()?.get(source).cloned();
    if let Some(r) = record {
        out.recorded = r.entries.values().flatten().filter_map(|i| Item::decode(i)).collect();
    }
    for view in views {
        let source = view.id();
        let ids = match ccloud_spec::identities(view) {
            Ok(i) => i,
            Err(e) => {
                out.failures.push(Failure::new(source.clone(), Reason::Invalid, e.to_string()));
                let recorded = recorded_items(&out.previous, &source);
                fail_source(&mut out, &source, recorded);
                continue;
            }
        };
        out.notices.extend(ids.notices);
        let mut items = BTreeSet::new();
        let refs = out.references.entry(source.clone()).or_default();
        for k in &ids.keys {
            refs.insert(match &k.resource {
                KeyResource::Kafka(c) => Reference::Cluster(c.clone()),
                KeyResource::SchemaRegistry { environment } => Reference::Registry(environment.clone()),
            });
        }
        refs.extend(ids.grants.iter().map(|g| Reference::Cluster(g.cluster.clone())));
        for sa in ids.service_accounts {
            items.insert(Item::Account(sa.name.clone()));
            out.account_items.declare(sa.name.clone());
            match out.accounts.get_mut(&sa.name) {
                None => {
                    let a = DesiredAccount { description: sa.description, tombstone: sa.tombstone, sources: vec![] };
                    out.accounts.entry(sa.name).or_insert(a).sources.push(sa.source);
                }
                Some(a) if a.description == sa.description && a.tombstone == sa.tombstone => a.sources.push(sa.source),
                Some(a) => conflicts.entry(Item::Account(sa.name)).or_insert_with(|| a.sources.clone()).push(sa.source),
            }
        }
        for k in ids.keys {
            let env = match &k.resource {
                KeyResource::Kafka(c) => {
                    out.namespaces.entry(c.to_string()).or_insert_with(|| view.namespace.clone());
                    c.environment.clone()
                }
                KeyResource::SchemaRegistry { environment } => environment.clone(),
            };
            out.namespaces.entry(env).or_insert_with(|| view.namespace.clone());
            let pair = (k.service_account.clone(), k.resource.clone());
            items.insert(Item::Key(pair.clone()));
            out.key_items.declare(pair.clone());
            match out.keys.get_mut(&pair) {
                None => {
                    let d =
                        DesiredKey { max_age: k.max_age, namespace: view.namespace.clone(), sources: vec![k.source] };
                    out.keys.insert(pair, d);
                }
                // Another namespace would move the Secrets and mint a second key: a conflict.
                Some(d) if d.max_age == k.max_age && d.namespace == view.namespace => d.sources.push(k.source),
                Some(d) => conflicts.entry(Item::Key(pair)).or_insert_with(|| d.sources.clone()).push(k.source),
            }
        }
        for g in ids.grants {
            out.namespaces.entry(g.cluster.to_string()).or_insert_with(|| view.namespace.clone());
            let item = (g.cluster, g.service_account);
            items.insert(Item::Acl(item.clone()));
            out.acl_items.declare(item.clone());
            out.acls.entry(item.clone()).or_default().extend(g.controls);
            let sources = out.acl_sources.entry(item).or_default();
            if !sources.contains(&g.source) {
                sources.push(g.source);
            }
        }
        out.record.entries.insert(source, items.iter().map(Item::encode).collect());
    }
    for (item, sources) in conflicts {
        let message = format!("declared differently in {}; none is applied", sources.join(", "));
        match item {
            Item::Account(name) => {
                out.account_items.fail(Failure::new(name.clone(), Reason::Conflict, message.clone()));
                out.failures.push(Failure::new(account_subject(&name), Reason::Conflict, message));
            }
            Item::Key(pair) => {
                out.failures.push(Failure::new(key_subject(&pair.0, &pair.1), Reason::Conflict, message.clone()));
                out.key_items.fail(Failure::new(pair, Reason::Conflict, message));
            }
            Item::Acl(_) => {}
        }
    }
    out
}

/// A source that failed as a whole: its recorded items are frozen (and kept in the
/// record, beside what it declares now, if anything); without a record, every deletion
/// of every kind is.
fn fail_source(out: &mut Desired, source: &str, recorded: Option<BTreeSet<Item>>) {
    match recorded {
        Some(items) => {
            out.record.entries.entry(source.to_owned()).or_default().extend(items.iter().map(Item::encode));
            let (mut accounts, mut keys, mut acls) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
            for item in &items {
                match item {
                    Item::Account(a) => accounts.insert(a.clone()),
                    Item::Key(k) => keys.insert(k.clone()),
                    Item::Acl(a) => acls.insert(a.clone()),
                };
            }
            out.account_items.fail_source(source, Some(accounts));
            out.key_items.fail_source(source, Some(keys));
            out.acl_items.fail_source(source, Some(acls));
            out.frozen.extend(items);
        }
        None => {
            out.account_items.fail_source(source, None);
            out.key_items.fail_source(source, None);
            out.acl_items.fail_source(source, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(name: &str, environments: &str) -> ConfigMapView {
        ConfigMapView {
            namespace: "ns".into(),
            name: name.into(),
            data: [("environments".to_owned(), environments.to_owned())].into(),
            ..Default::default()
        }
    }

    const GOOD: &str = r#"[{"name":"e","kafka":[{"name":"c","cloud":"gcp","region":"r","acl":[{"service-account":"app","controls":[{"operation":"read","permission":"allow","resource":"topic","name":"a"}]}]}]}]"#;

    #[test]
    fn items_round_trip_through_the_record() {
        let c = ClusterRef { environment: "e".into(), name: "c".into(), cloud: "gcp".into(), region: "r".into() };
        for item in [
            Item::Account("a".into()),
            Item::Key(("a".into(), KeyResource::Kafka(c.clone()))),
            Item::Key(("a".into(), KeyResource::SchemaRegistry { environment: "e".into() })),
            Item::Acl((c, "a".into())),
        ] {
            assert_eq!(Item::decode(&item.encode()), Some(item));
        }
    }

    #[test]
    fn a_broken_source_freezes_what_it_declared_even_beside_a_valid_one() {
        let first = desired(&[cm("a", GOOD), cm("b", GOOD)], Some(&Record::default()));
        let item = first.acls.keys().next().unwrap().clone();
        assert!(!first.acl_frozen(&item));
        let broken = desired(&[cm("a", GOOD), cm("b", "[{")], Some(&first.record));
        assert!(broken.acl_frozen(&item), "b declared it when it last parsed");
        assert_eq!(broken.record.entries.get("ns/b"), first.record.entries.get("ns/b"), "b's record is kept");
        assert_eq!(broken.failures[0].key, "ns/b");
        let unrecorded = desired(&[cm("a", GOOD), cm("b", "[{")], None);
        assert!(unrecorded.acl_items.scope_frozen() && unrecorded.acl_frozen(&item));
    }
}
