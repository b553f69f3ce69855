//! The ACL phase: clusters in scope, managed principals, creates; deletions are
//! candidates for the run's one admission.

use crate::desired::{AclItem, Item, acl_subject};
use crate::observe::{self, lookup_failure};
use crate::plan::{self, Deletion, Managed};
use ccloud_spec::{ClusterRef, KeyResource};
use kafka_rest::Acl;
use reconcile::{Failure, Reason, Report};
use std::collections::{BTreeMap, BTreeSet};

impl super::Run<'_> {
    /// Clusters whose ACLs this run looks at: declared, recorded, and (for tombstoned
    /// accounts) every cluster a key or ACL declaration names.
    fn acl_clusters(&self) -> BTreeSet<ClusterRef> {
        let mut clusters: BTreeSet<ClusterRef> = self.desired.acls.keys().map(|(c, _)| c.clone()).collect();
        clusters.extend(self.desired.recorded.iter().filter_map(|i| match i {
            Item::Acl((c, _)) => Some(c.clone()),
            _ => None,
        }));
        if self.desired.accounts.values().any(|a| a.tombstone) {
            clusters.extend(self.desired.keys.keys().filter_map(|(_, r)| match r {
                KeyResource::Kafka(c) => Some(c.clone()),
                KeyResource::SchemaRegistry { .. } => None,
            }));
        }
        clusters
    }

    /// Principals of one cluster whose ACLs this deployment manages, by principal, with
    /// every item each stands for. `refs`: the references that resolved to the cluster
    /// (in direct mode several do); a principal is frozen if any of its items is.
    fn managed(&self, refs: &[ClusterRef]) -> (BTreeMap<String, Managed>, BTreeMap<AclItem, BTreeSet<AclItem>>) {
        let mut items: BTreeSet<AclItem> =
            self.desired.acls.keys().filter(|(c, _)| refs.contains(c)).cloned().collect();
        items.extend(self.desired.recorded.iter().filter_map(|i| match i {
            Item::Acl(item) if refs.contains(&item.0) => Some(item.clone()),
            _ => None,
        }));
        for r in refs {
            items
                .extend(self.desired.accounts.iter().filter(|(_, a)| a.tombstone).map(|(n, _)| (r.clone(), n.clone())));
        }
        let (mut managed, mut all) =
            (BTreeMap::<String, Managed>::new(), BTreeMap::<AclItem, BTreeSet<AclItem>>::new());
        for item in items {
            let Some(sa) = self.accounts.get(&item.1) else { continue };
            let frozen = self.desired.acl_frozen(&item);
            let m = managed.entry(format!("User:{}", sa.id)).or_insert_with(|| Managed {
                item: item.clone(),
                owned: true,
                frozen,
            });
            m.frozen |= frozen;
            all.entry(m.item.clone()).or_default().insert(item);
        }
        (managed, all)
    }

    pub(super) fn acls(&mut self) {
        // One plan per resolved cluster: two references to one cluster (direct mode) must
        // not each delete what the other wants.
        let mut groups: BTreeMap<String, Vec<ClusterRef>> = BTreeMap::new();
        for cluster in self.acl_clusters() {
            match self.directory.cluster(&cluster) {
                Ok(resolved) => {
                    self.acl_cluster.insert(cluster.clone(), resolved.id.clone());
                    groups.entry(resolved.id).or_default().push(cluster);
                }
                Err(f) => {
                    let f = lookup_failure(f);
                    for item in self.desired.acls.keys().filter(|(c, _)| *c == cluster) {
                        self.report.fail(f.for_key(acl_subject(item)));
                    }
                }
            }
        }
        for (id, refs) in groups {
            self.acls_of(&id, &refs);
        }
    }

    /// The ACL plan of one cluster (`id`), for every reference that resolved to it.
    fn acls_of(&mut self, id: &str, refs: &[ClusterRef]) {
        let declared: Vec<(AclItem, BTreeSet<ccloud_spec::AclControl>)> = self
            .desired
            .acls
            .iter()
            .filter(|((c, _), _)| refs.contains(c))
            .map(|(i, c)| (i.clone(), c.clone()))
            .collect();
        let fail_all = |report: &mut Report, f: &Failure| {
            for (item, _) in &declared {
                report.fail(f.for_key(acl_subject(item)));
            }
        };
        let mut want = BTreeSet::new();
        for (item, controls) in &declared {
            if !self.desired.acl_items.is_valid(item) {
                continue;
            }
            let Some(account) = self.accounts.get(&item.1) else {
                if self.dry_run() && self.desired.accounts.contains_key(&item.1) {
                    self.report.event("acl", acl_subject(item), "create", "once the service account exists");
                } else {
                    let f = Failure::new(
                        acl_subject(item),
                        Reason::Unresolved,
                        format!("service account {} does not exist", item.1),
                    );
                    self.desired.acl_items.fail(f.for_key(item.clone()));
                    self.report.fail(f);
                }
                continue;
            };
            let principal = format!("User:{}", account.id);
            want.extend(controls.iter().map(|c| Acl {
                resource_type: c.resource_type.clone(),
                resource_name: c.resource_name.clone(),
                pattern_type: c.pattern_type.clone(),
                principal: principal.clone(),
                host: "*".into(),
                operation: c.operation.clone(),
                permission: c.permission.clone(),
            }));
        }
        let kafka = match self.directory.kafka(&refs[0]) {
            Ok(k) => k,
            Err(f) => {
                fail_all(self.report, &lookup_failure(f));
                self.kafka.insert(id.to_owned(), None);
                return;
            }
        };
        let observed = match kafka.list_acls(Some("UserV2:*")) {
            Ok(o) => o,
            Err(e) => {
                fail_all(self.report, &observe::failure(format!("ACLs on {id}"), &e));
                self.kafka.insert(id.to_owned(), Some(kafka));
                return;
            }
        };
        let (managed, items) = self.managed(refs);
        self.acl_items.extend(items);
        let (create, deletions) = plan::plan_acls(&want, &observed, &managed);
        self.report.in_sync += want.len() - create.len();
        let subject = |a: &Acl| {
            declared
                .iter()
                .find(|(i, _)| self.accounts.get(&i.1).is_some_and(|sa| format!("User:{}", sa.id) == a.principal))
                .map_or_else(|| format!("ACLs on {id}"), |(i, _)| acl_subject(i))
        };
        // Create before any delete, so a replaced permission never lapses: when the
        // creates fail, no binding of this cluster is deleted this run.
        let mut created = true;
        if !create.is_empty() {
            let result = if self.dry_run() { Ok(()) } else { kafka.create_acls(&create) };
            match result {
                Ok(()) => {
                    for a in &create {
                        let s = subject(a);
                        self.report.event("acl", s, "create", plan::describe_acl(a));
                    }
                }
                Err(e) => {
                    fail_all(self.report, &observe::failure(format!("ACLs on {id}"), &e));
                    created = false;
                }
            }
        }
        if created {
            self.deletions.extend(deletions);
        } else {
            for d in deletions {
                if let Deletion::Acl { item, .. } = &d {
                    self.keep_acl(item);
                }
                self.report
                    .notice(format!("{}: not deleted, the creates on {id} failed (create before delete)", d.subject()));
            }
        }
        self.kafka.insert(id.to_owned(), Some(kafka));
    }
}
