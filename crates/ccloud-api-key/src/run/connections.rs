//! The connection details phase.

use crate::connection::ConnectionObject;
use crate::observe::{self, lookup_failure};
use ccloud_spec::{ClusterRef, KeyResource};
use hook_reconcile::OutputError;
use reconcile::{Failure, Reason};
use serde_json::json;
use std::collections::BTreeSet;

impl super::Run<'_> {
    /// The connection details the original operator wrote, written when they differ.
    pub(super) fn connections(&mut self) -> Result<(), OutputError> {
        let mut clusters: BTreeSet<ClusterRef> = self.desired.acls.keys().map(|(c, _)| c.clone()).collect();
        let mut registries: BTreeSet<String> = BTreeSet::new();
        for (_, r) in self.desired.keys.keys() {
            match r {
                KeyResource::Kafka(c) => {
                    clusters.insert(c.clone());
                }
                KeyResource::SchemaRegistry { environment } => {
                    registries.insert(environment.clone());
                }
            }
        }
        let namespace = |key: &str| self.desired.namespaces.get(key).cloned().unwrap_or_else(|| "default".into());
        let mut objects = Vec::new();
        let mut environments = BTreeSet::new();
        for c in clusters {
            let resolved = match self.directory.cluster(&c) {
                Ok(r) => r,
                Err(f) => {
                    self.report.fail(lookup_failure(f));
                    continue;
                }
            };
            let ns = namespace(&c.to_string());
            let env_id = resolved.environment_id.clone().unwrap_or_default();
            environments.insert((c.environment.clone(), env_id.clone(), ns.clone()));
            let bootstrap = resolved.bootstrap.split("://").last().unwrap_or_default().to_owned();
            let description = json!({"id": resolved.id, "name": c.name, "cloud": c.cloud, "region": c.region, "environment": env_id, "bootstrap": bootstrap, "rest_endpoint": resolved.rest_endpoint});
            let name = format!("cc.env.{}.kafka.{}", c.environment, c.name);
            objects.push(
                ConnectionObject::new("ConfigMap", &ns, name, "description", description.to_string())
                    .label("resource_id", &resolved.id)
                    .label("environment_id", &env_id),
            );
            let name = format!("cc.bootstrap-servers.{}.{}", c.environment, c.name);
            let value = format!("bootstrap.servers={bootstrap}");
            objects.push(
                ConnectionObject::new("Secret", &ns, name, "bootstrap-servers.properties", value)
                    .label("resource_id", &resolved.id),
            );
        }
        for env in registries {
            match self.directory.schema_registry(&env) {
                Ok((env_id, sr)) => {
                    let ns = namespace(&env);
                    environments.insert((env.clone(), env_id, ns.clone()));
                    let value = format!("schema.registry.url={}", sr.endpoint);
                    let name = format!("cc.schema-registry-url.{env}");
                    objects.push(
                        ConnectionObject::new("Secret", &ns, name, "schema-registry-url.properties", value)
                            .label("resource_id", &sr.id),
                    );
                }
                Err(f) => self.report.fail(lookup_failure(f)),
            }
        }
        for (env, env_id, ns) in environments.into_iter().filter(|(_, id, _)| !id.is_empty()) {
            objects.push(
                ConnectionObject::new("ConfigMap", &ns, format!("cc.env.{env}"), "id", env_id.clone())
                    .label("resource_id", &env_id),
            );
        }
        let secrets = observe::secrets(&self.hook.contexts).unwrap_or_default();
        let configmaps = observe::configmaps(&self.hook.contexts).unwrap_or_default();
        for o in objects {
            if let Err(e) = o.check() {
                self.report.fail(Failure::new(o.subject(), Reason::Invalid, e));
                continue;
            }
            let snapshot = if o.kind == "Secret" { &secrets } else { &configmaps };
            let live = snapshot.iter().find(|l| l.name == o.name && l.namespace == o.namespace);
            let Some(op) = o.operation(live) else {
                self.report.in_sync += 1;
                continue;
            };
            self.report.event("object", o.subject(), if live.is_some() { "update" } else { "create" }, "");
            if !self.dry_run() {
                self.hook.outputs.patch(&op)?;
            }
        }
        Ok(())
    }
}
