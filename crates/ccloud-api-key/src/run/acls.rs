//! The ACL phase: clusters in scope, managed principals, creates; deletions are
//! candidates for the run's one admission.

use crate::desired::{AclItem, Item, acl_subject};
use crate::observe::{self, lookup_failure};
use crate::plan::{self, Managed};
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

    /// Principals of this cluster whose ACLs this deployment manages, by principal.
    fn managed(&self, cluster: &ClusterRef) -> BTreeMap<String, Managed> {
        let mut items: BTreeSet<AclItem> = self.desired.acls.keys().filter(|(c, _)| c == cluster).cloned().collect();
        items.extend(self.desired.recorded.iter().filter_map(|i| match i {
            Item::Acl(item) if item.0 == *cluster => Some(item.clone()),
            _ => None,
        }));
        items.extend(
            self.desired.accounts.iter().filter(|(_, a)| a.tombstone).map(|(n, _)| (cluster.clone(), n.clone())),
        );
        items
            .into_iter()
            .filter_map(|item| {
                let sa = self.accounts.get(&item.1)?;
                let frozen = self.desired.acl_frozen(&item);
                Some((format!("User:{}", sa.id), Managed { item, owned: true, frozen }))
            })
            .collect()
    }

    pub(super) fn acls(&mut self) {
        for cluster in self.acl_clusters() {
            let declared: Vec<(AclItem, BTreeSet<ccloud_spec::AclControl>)> = self
                .desired
                .acls
                .iter()
                .filter(|((c, _), _)| *c == cluster)
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
            let kafka = match self.directory.kafka(&cluster) {
                Ok(k) => k,
                Err(f) => {
                    fail_all(self.report, &lookup_failure(f));
                    self.kafka.insert(cluster, None);
                    continue;
                }
            };
            let observed = match kafka.list_acls(Some("UserV2:*")) {
                Ok(o) => o,
                Err(e) => {
                    fail_all(self.report, &observe::failure(format!("ACLs on {cluster}"), &e));
                    self.kafka.insert(cluster, Some(kafka));
                    continue;
                }
            };
            let (create, deletions) = plan::plan_acls(&want, &observed, &self.managed(&cluster));
            self.report.in_sync += want.len() - create.len();
            let subject = |a: &Acl| {
                declared
                    .iter()
                    .find(|(i, _)| self.accounts.get(&i.1).is_some_and(|sa| format!("User:{}", sa.id) == a.principal))
                    .map_or_else(|| format!("ACLs on {cluster}"), |(i, _)| acl_subject(i))
            };
            // Create before any delete, so a replaced permission never lapses.
            if !create.is_empty() {
                let result = if self.dry_run() { Ok(()) } else { kafka.create_acls(&create) };
                match result {
                    Ok(()) => {
                        for a in &create {
                            let s = subject(a);
                            self.report.event("acl", s, "create", plan::describe_acl(a));
                        }
                    }
                    Err(e) => fail_all(self.report, &observe::failure(format!("ACLs on {cluster}"), &e)),
                }
            }
            self.deletions.extend(deletions);
            self.kafka.insert(cluster, Some(kafka));
        }
    }
}
