//! The desired identities: the union of every ConfigMap's service accounts, key
//! requests and ACLs. Different descriptions (or key ages) for one name conflict.

use ccloud_spec::{AclControl, ClusterRef, ConfigMapView, KeyResource, SpecError};
use std::collections::{BTreeMap, BTreeSet};

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

#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub accounts: BTreeMap<String, DesiredAccount>,
    pub keys: BTreeMap<(String, KeyResource), DesiredKey>,
    /// cluster → service account name → ACL bindings.
    pub acls: BTreeMap<ClusterRef, BTreeMap<String, BTreeSet<AclControl>>>,
    pub acl_sources: BTreeMap<(ClusterRef, String), Vec<String>>,
    /// Subjects declared differently in several ConfigMaps; none of them is applied.
    pub conflicts: Vec<(String, Vec<String>)>,
    pub bad_sources: Vec<SpecError>,
    /// Namespace of the first ConfigMap that mentions each environment and cluster.
    pub namespaces: BTreeMap<String, String>,
}

impl Desired {
    pub fn conflicted(&self, subject: &str) -> bool {
        self.conflicts.iter().any(|(s, _)| s == subject)
    }
}

pub fn account_subject(name: &str) -> String {
    format!("service account {name}")
}

pub fn desired(views: &[ConfigMapView]) -> Desired {
    let mut out = Desired::default();
    let mut conflicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for view in views {
        let ids = match ccloud_spec::identities(view) {
            Ok(i) => i,
            Err(e) => {
                out.bad_sources.push(e);
                continue;
            }
        };
        for sa in ids.service_accounts {
            let subject = account_subject(&sa.name);
            match out.accounts.get_mut(&sa.name) {
                None => {
                    out.accounts.insert(
                        sa.name,
                        DesiredAccount {
                            description: sa.description,
                            tombstone: sa.tombstone,
                            sources: vec![sa.source],
                        },
                    );
                }
                Some(a) if a.description == sa.description && a.tombstone == sa.tombstone => a.sources.push(sa.source),
                Some(a) => conflicts.entry(subject).or_insert_with(|| a.sources.clone()).push(sa.source),
            }
        }
        for k in ids.keys {
            if let KeyResource::Kafka(c) = &k.resource {
                out.namespaces.entry(format!("{}/{}", c.environment, c.name)).or_insert_with(|| view.namespace.clone());
            }
            let env = match &k.resource {
                KeyResource::Kafka(c) => c.environment.clone(),
                KeyResource::SchemaRegistry { environment } => environment.clone(),
            };
            out.namespaces.entry(env).or_insert_with(|| view.namespace.clone());
            let key = (k.service_account.clone(), k.resource.clone());
            match out.keys.get_mut(&key) {
                None => {
                    out.keys.insert(
                        key,
                        DesiredKey { max_age: k.max_age, namespace: view.namespace.clone(), sources: vec![k.source] },
                    );
                }
                Some(d) if d.max_age == k.max_age => d.sources.push(k.source),
                Some(d) => {
                    conflicts.entry(key_subject(&key.0, &key.1)).or_insert_with(|| d.sources.clone()).push(k.source)
                }
            }
        }
        for g in ids.grants {
            out.namespaces
                .entry(format!("{}/{}", g.cluster.environment, g.cluster.name))
                .or_insert_with(|| view.namespace.clone());
            out.acls
                .entry(g.cluster.clone())
                .or_default()
                .entry(g.service_account.clone())
                .or_default()
                .extend(g.controls);
            out.acl_sources.entry((g.cluster, g.service_account)).or_default().push(g.source);
        }
    }
    out.conflicts = conflicts.into_iter().collect();
    out
}

pub fn key_subject(sa: &str, resource: &KeyResource) -> String {
    match resource {
        KeyResource::Kafka(c) => format!("API key of {sa} for cluster {c}"),
        KeyResource::SchemaRegistry { environment } => {
            format!("API key of {sa} for the Schema Registry of {environment}")
        }
    }
}
