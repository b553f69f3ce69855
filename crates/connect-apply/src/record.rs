//! The record of the connectors this deployment manages (`connect-apply.records` in its
//! own namespace): ConfigMap → the connectors it declared. Being recorded is what makes a
//! connector this deployment's to delete; a connector leaves the record only once it is
//! gone from a target that was read in this run.

use crate::desired::Desired;
use crate::key::ConnectorKey;
use connect_client::{Live, Target};
use hook_reconcile::record::Record;
use std::collections::{BTreeMap, BTreeSet};

/// The record, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owned {
    by_source: BTreeMap<String, BTreeSet<ConnectorKey>>,
}

impl Owned {
    /// Items this version cannot read are left out here (never acted on) and kept by [`next`].
    pub fn from_record(record: &Record) -> Self {
        let by_source = record
            .entries
            .iter()
            .map(|(source, items)| {
                (source.clone(), items.iter().filter_map(|i| ConnectorKey::from_record_item(i)).collect())
            })
            .collect();
        Self { by_source }
    }

    pub fn recorded_by(&self, source: &str) -> BTreeSet<ConnectorKey> {
        self.by_source.get(source).cloned().unwrap_or_default()
    }

    pub fn contains(&self, key: &ConnectorKey) -> bool {
        self.by_source.values().any(|items| items.contains(key))
    }

    pub fn keys(&self) -> impl Iterator<Item = &ConnectorKey> {
        self.by_source.values().flatten()
    }
}

/// The record after this run, from the one before it:
/// - every usable, enabled declaration on a listed target, under its ConfigMap;
/// - for a target that could not be listed, exactly what was recorded for it;
/// - every recorded connector that is frozen (its declaration failed);
/// - every other recorded connector that is still on its target (a held or failed deletion);
/// - and items this version cannot read.
///
/// `deleted`: connectors deleted in this run (never in a dry run).
pub fn next(
    old: &Record,
    desired: &Desired,
    listed: &BTreeMap<Target, BTreeMap<String, Live>>,
    deleted: &BTreeSet<ConnectorKey>,
) -> Record {
    let mut new = Record::default();
    for d in desired.connectors.values().filter(|d| d.want.enabled && listed.contains_key(&d.key.target)) {
        new.entries.entry(d.source.clone()).or_default().insert(d.key.record_item());
    }
    for (source, items) in &old.entries {
        for item in items {
            let keep = match ConnectorKey::from_record_item(item) {
                None => true,
                Some(key) => match listed.get(&key.target) {
                    None => true,
                    Some(_) if desired.inventory.standing(&key).is_frozen() => true,
                    Some(_) if desired.connectors.get(&key).is_some_and(|d| d.want.enabled) => false,
                    Some(live) => live.contains_key(&key.name) && !deleted.contains(&key),
                },
            };
            if keep {
                new.entries.entry(source.clone()).or_default().insert(item.clone());
            }
        }
    }
    new
}
