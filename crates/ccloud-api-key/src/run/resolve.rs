//! The references phase, before any plan: every cluster and Schema Registry a parsed
//! ConfigMap names is looked up (the directory caches each lookup for the later phases).
//! A ConfigMap naming one that does not resolve is frozen: a typo in a region must not
//! make what it declared under the old name look undeclared.

use crate::desired::Reference;
use crate::observe::lookup_failure;
use reconcile::Failure;

impl super::Run<'_> {
    pub(super) fn resolve_references(&mut self) {
        let references = self.desired.references.clone();
        for (source, refs) in references {
            let failed = refs.iter().find_map(|r| {
                let result = match r {
                    Reference::Cluster(c) => self.directory.cluster(c).map(drop),
                    Reference::Registry(env) => self.directory.schema_registry(env).map(drop),
                };
                result.err()
            });
            if let Some(f) = failed {
                let f = lookup_failure(f);
                let message = format!(
                    "{}: {}; until it resolves, nothing this ConfigMap declared before is deleted",
                    f.key, f.message
                );
                self.report.fail(Failure::new(source.clone(), f.reason, message));
                self.desired.fail_unresolved(&source);
            }
        }
    }
}
