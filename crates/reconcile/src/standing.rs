//! Where an item stands in this run, decided once, before any plan.
//!
//! Only an item that is *undeclared* can ever be deleted, and only an item whose
//! declaration is *valid* can be created or changed. An item whose declaration failed
//! (it did not parse, render, route or validate, or it is declared twice) is frozen:
//! its live resource is left exactly as it is and the failure is reported. A source
//! (a ConfigMap, or one data key) that failed as a whole may declare anything, so
//! everything that source is known to have declared before is frozen too, and a tool
//! that cannot tell what such a source declares freezes its whole scope.

use crate::failure::Failure;
use std::collections::{BTreeMap, BTreeSet};

/// The standing of one item in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing<'a, K> {
    /// Declared, and the declaration is usable.
    Declared,
    /// Declared, but the declaration failed: frozen.
    Failing(&'a Failure<K>),
    /// A source that failed as a whole declared it in an earlier run (from a record), or
    /// may declare it: frozen.
    Unknown { source: &'a str },
    /// No source declares it: the only standing that may lead to a deletion.
    Undeclared,
}

impl<K> Standing<'_, K> {
    /// Whether the live resource must be left exactly as it is.
    pub fn is_frozen(&self) -> bool {
        matches!(self, Standing::Failing(_) | Standing::Unknown { .. })
    }
}

/// The declared items of one run: valid, failing, and the sources that failed whole.
#[derive(Debug, Clone)]
pub struct Inventory<K: Ord> {
    declared: BTreeSet<K>,
    failing: BTreeMap<K, Failure<K>>,
    /// Sources that failed as a whole → the items they declared in earlier runs (empty
    /// when unknown). While any such source exists, `scope_frozen` says whether every
    /// undeclared item is frozen too.
    failed_sources: BTreeMap<String, BTreeSet<K>>,
    /// Set when a failed source's items cannot be known (no record of it): nothing in
    /// the tool's scope may be deleted.
    scope_frozen: bool,
}

impl<K: Ord> Default for Inventory<K> {
    fn default() -> Self {
        Self {
            declared: BTreeSet::new(),
            failing: BTreeMap::new(),
            failed_sources: BTreeMap::new(),
            scope_frozen: false,
        }
    }
}

impl<K: Ord + Clone> Inventory<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A usable declaration.
    pub fn declare(&mut self, key: K) {
        self.declared.insert(key);
    }

    /// A declaration of `failure.key` that cannot be used. A failing declaration wins
    /// over a valid one of the same key (the item is declared twice, one is broken).
    pub fn fail(&mut self, failure: Failure<K>) {
        self.failing.entry(failure.key.clone()).or_insert(failure);
    }

    /// A source that failed as a whole. `recorded`: what it declared when it last
    /// parsed, if a record says so; `None` freezes the whole scope.
    pub fn fail_source(&mut self, source: impl Into<String>, recorded: Option<BTreeSet<K>>) {
        match recorded {
            Some(items) => {
                self.failed_sources.entry(source.into()).or_default().extend(items);
            }
            None => {
                self.failed_sources.entry(source.into()).or_default();
                self.scope_frozen = true;
            }
        }
    }

    pub fn standing(&self, key: &K) -> Standing<'_, K> {
        if let Some(f) = self.failing.get(key) {
            return Standing::Failing(f);
        }
        if self.declared.contains(key) {
            return Standing::Declared;
        }
        if let Some((source, _)) = self.failed_sources.iter().find(|(_, items)| items.contains(key)) {
            return Standing::Unknown { source };
        }
        if self.scope_frozen {
            let source = self.failed_sources.keys().next().map_or("", String::as_str);
            return Standing::Unknown { source };
        }
        Standing::Undeclared
    }

    /// Valid declarations only: what a plan may create or change.
    pub fn is_valid(&self, key: &K) -> bool {
        matches!(self.standing(key), Standing::Declared)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Failure<K>> {
        self.failing.values()
    }

    pub fn failed_sources(&self) -> impl Iterator<Item = &str> {
        self.failed_sources.keys().map(String::as_str)
    }

    /// True when a failed source makes every undeclared item frozen.
    pub fn scope_frozen(&self) -> bool {
        self.scope_frozen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::Reason;

    #[test]
    fn failing_and_unknown_items_are_frozen() {
        let mut inv: Inventory<String> = Inventory::new();
        inv.declare("a".into());
        inv.declare("b".into());
        inv.fail(Failure::new("b", Reason::Invalid, "undefined variable $X"));
        inv.fail_source("ns/broken", Some(["c".to_owned()].into()));
        assert_eq!(inv.standing(&"a".into()), Standing::Declared);
        assert!(inv.standing(&"b".into()).is_frozen(), "a broken second declaration freezes the item");
        assert!(!inv.is_valid(&"b".into()));
        assert_eq!(inv.standing(&"c".into()), Standing::Unknown { source: "ns/broken" });
        assert_eq!(inv.standing(&"d".into()), Standing::Undeclared);
        inv.fail_source("ns/unrecorded", None);
        assert!(inv.standing(&"d".into()).is_frozen(), "an unknowable source freezes the scope");
    }
}
