//! The keys phase: targets (names checked before anything is minted), the pair's
//! keys, the pure plan, mints.

use crate::apply::{self, Minted};
use crate::desired::{self, key_subject};
use crate::observe::{self, lookup_failure};
use crate::plan::{self, KeyDecision, KeyPolicy, KeyTarget};
use crate::secrets::Delivery;
use api_http::{Client, Credentials};
use ccloud_spec::KeyResource;
use hook_reconcile::OutputError;
use hook_reconcile::pool::run_bounded;
use kafka_rest::KafkaRest;
use reconcile::{Failure, Reason};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

impl super::Run<'_> {
    pub(super) fn keys(&mut self) -> Result<(), OutputError> {
        if self.desired.keys.is_empty() {
            return Ok(());
        }
        let Some(secrets) = observe::secrets(&self.hook.contexts) else {
            // Without the snapshot every key would look undelivered; minting blindly is worse than waiting.
            self.report.fail(Failure::new(
                "managed Secrets",
                Reason::Unresolved,
                "no snapshot of the managed Secrets in this run: keys are left as they are",
            ));
            return Ok(());
        };
        let mut targets = Vec::new();
        let pairs: Vec<_> = self.desired.keys.iter().map(|(p, k)| (p.clone(), k.clone())).collect();
        for (pair, want) in &pairs {
            if !self.desired.key_items.is_valid(pair) {
                continue;
            }
            match self.target(pair, want) {
                Ok(Some(t)) => targets.push((pair.clone(), t)),
                Ok(None) => {}
                Err(f) => {
                    self.desired.key_items.fail(f.for_key(pair.clone()));
                    self.report.fail(f);
                }
            }
        }
        let owners: Vec<String> = targets
            .iter()
            .map(|(_, t)| t.delivery.service_account_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (mut keys, mut failures) = observe::keys(self.cloud, &owners, self.options.concurrency);
        let listed: BTreeSet<&str> = keys.iter().map(|k| k.id.as_str()).collect();
        let unlisted: Vec<String> = targets
            .iter()
            .flat_map(|(_, t)| {
                let names = t.delivery.secret_names();
                secrets.iter().filter(move |s| s.namespace == t.delivery.namespace && names.contains(&s.name))
            })
            .filter_map(|s| s.key_id().filter(|id| !listed.contains(id)).map(str::to_owned))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (found, lookup_failures) = observe::unlisted(self.cloud, &unlisted, self.options.concurrency);
        keys.extend(found);
        for (id, f) in lookup_failures {
            let owner = targets.iter().find(|(_, t)| {
                secrets.iter().any(|s| s.key_id() == Some(id.as_str()) && t.delivery.secret_names().contains(&s.name))
            });
            if let Some((_, t)) = owner {
                failures.push((t.delivery.service_account_id.clone(), f));
            }
        }
        // Keys unknown: nothing is minted or deleted for that owner.
        targets.retain(|(_, t)| match failures.iter().find(|(o, _)| *o == t.delivery.service_account_id) {
            Some((_, f)) => {
                self.report.fail(f.for_key(t.subject.clone()));
                false
            }
            None => true,
        });
        let frozen: BTreeSet<(String, String)> = targets
            .iter()
            .filter(|(pair, _)| self.desired.key_frozen(pair))
            .map(|(_, t)| (t.delivery.service_account_id.clone(), t.delivery.resource_id.clone()))
            .collect();
        let targets: Vec<KeyTarget> = targets.into_iter().map(|(_, t)| t).collect();
        let policy = KeyPolicy {
            rotation_grace: self.options.rotation_grace,
            orphan_grace: self.options.orphan_grace,
            owner: self.options.owner.clone(),
            explicit_instance: self.options.explicit_instance,
        };
        let plan = plan::plan_keys(&targets, &keys, &secrets, jiff::Timestamp::now(), &policy, |o, r| {
            frozen.contains(&(o.to_owned(), r.to_owned()))
        });
        let mut mints = Vec::new();
        for (target, decision) in &plan.decisions {
            match decision {
                KeyDecision::Keep { .. } => {
                    self.counts.kept += 1;
                    self.report.in_sync += 1;
                }
                KeyDecision::Pending { key_id } => {
                    self.counts.pending += 1;
                    self.report.notice(format!(
                        "{}: key {key_id} is delivery pending (made less than ORPHAN_GRACE ago, no Secret in this snapshot holds it): not minted again, not deleted",
                        target.subject
                    ));
                }
                KeyDecision::Mint { reason, previous } => mints.push((target, reason.as_str(), previous.as_deref())),
            }
        }
        if !mints.is_empty() && !self.dry_run() && self.hook.hand_run && self.hook.outputs.patches_to_stdout() {
            for (target, reason, _) in mints.drain(..) {
                self.report.fail(Failure::new(
                    target.subject.clone(),
                    Reason::Refused,
                    format!("not minted ({reason}): a hand run without --patch-file prints Secrets redacted, so the new secret would be lost; pass --patch-file FILE and apply it, or --dry-run"),
                ));
            }
        }
        self.counts.minted += mints.len();
        self.counts.retiring = plan.retiring.len();
        if self.dry_run() {
            for (target, reason, _) in &mints {
                self.report.event("key", target.subject.clone(), "mint", *reason);
            }
        } else {
            let known: BTreeSet<String> = keys.iter().map(|k| k.id.clone()).collect();
            let this = &*self;
            let results = run_bounded(&mints, self.options.concurrency, |(t, _, previous)| {
                let env_id = this.environment_of(&t.delivery).map_err(|f| f.for_key(t.subject.clone()));
                env_id.map(|env| {
                    let deadline = this.hook.deadline.instant();
                    apply::mint(
                        this.cloud,
                        &this.hook.outputs,
                        &this.options.owner,
                        t,
                        &env,
                        *previous,
                        &known,
                        deadline,
                    )
                })
            });
            for ((target, reason, _), result) in mints.iter().zip(results) {
                match result {
                    Err(f) => self.report.fail(f),
                    Ok(minted) => {
                        let lost = match minted? {
                            Minted::Delivered { key_id, secret, lost } => {
                                let names = target.delivery.secret_names().join(", ");
                                let detail = format!("{key_id} ({reason}); Secrets {names}");
                                self.report.event("key", target.subject.clone(), "mint", detail);
                                let wait =
                                    target.delivery.cluster.is_some() && !self.options.key_ready_timeout.is_zero();
                                if let Some(line) =
                                    wait.then(|| self.wait_until_ready(target, &key_id, &secret)).flatten()
                                {
                                    self.report.notice(line);
                                }
                                lost
                            }
                            Minted::Failed(f, lost) => {
                                self.report.fail(f);
                                lost
                            }
                        };
                        for id in lost {
                            self.report.notice(format!(
                                "{}: key {id} was made but its create response was lost, so its secret exists nowhere: it is an orphan, deleted after ORPHAN_GRACE",
                                target.subject
                            ));
                        }
                    }
                }
            }
        }
        self.deletions.extend(plan.deletions);
        Ok(())
    }

    fn environment_of(&self, d: &Delivery) -> Result<String, Failure> {
        match &d.cluster {
            Some(_) => self.directory.environment_id(&d.environment),
            None => self.directory.schema_registry(&d.environment).map(|(env, _)| env),
        }
        .map_err(lookup_failure)
    }

    /// Where a declared key goes; `None` in a dry run whose account is yet to be created.
    fn target(&mut self, pair: &desired::KeyPair, want: &desired::DesiredKey) -> Result<Option<KeyTarget>, Failure> {
        let (sa, resource) = pair;
        let subject = key_subject(sa, resource);
        if self.desired.accounts.contains_key(sa) && !self.desired.account_items.is_valid(sa) {
            return Err(Failure::new(
                subject,
                Reason::Unresolved,
                format!("the declaration of service account {sa} is failing"),
            ));
        }
        let Some(account) = self.accounts.get(sa) else {
            if self.dry_run() && self.desired.accounts.contains_key(sa) {
                self.report.event("key", subject, "mint", "once the service account exists");
                return Ok(None);
            }
            return Err(Failure::new(
                subject,
                Reason::Unresolved,
                format!("service account {sa} does not exist (declare it under service-accounts)"),
            ));
        };
        let in_subject = |f: hook_reconcile::Failure| lookup_failure(f).for_key(subject.clone());
        let (resource_id, environment, cluster) = match resource {
            KeyResource::Kafka(c) => {
                (self.directory.cluster(c).map_err(in_subject)?.id, c.environment.clone(), Some(c.name.clone()))
            }
            KeyResource::SchemaRegistry { environment } => {
                (self.directory.schema_registry(environment).map_err(in_subject)?.1.id, environment.clone(), None)
            }
        };
        let max_age = match want.max_age.as_deref() {
            Some(text) => Some(
                shell_hook::duration::parse_go_duration(text)
                    .map_err(|e| Failure::new(subject.clone(), Reason::Invalid, format!("max-age: {e}")))?,
            ),
            None => self.options.default_max_age,
        };
        let delivery = Delivery {
            namespace: want.namespace.clone(),
            service_account: sa.clone(),
            service_account_id: account.id.clone(),
            resource_id,
            environment,
            cluster,
        };
        // Before anything is minted: a Secret the API server rejects fails the whole patch file.
        delivery.check_names().map_err(|e| Failure::new(subject.clone(), Reason::Invalid, e))?;
        Ok(Some(KeyTarget { subject, delivery, max_age }))
    }

    /// Polls Kafka REST with the new key until it authenticates, within the timeout.
    fn wait_until_ready(&self, target: &KeyTarget, key_id: &str, secret: &api_http::Secret) -> Option<String> {
        let d = &target.delivery;
        let cluster = self.desired.keys.keys().find_map(|(sa, r)| match r {
            KeyResource::Kafka(c) if *sa == d.service_account && d.cluster.as_deref() == Some(c.name.as_str()) => {
                Some(c.clone())
            }
            _ => None,
        })?;
        let resolved = self.directory.cluster(&cluster).ok()?;
        let until = Instant::now() + self.options.key_ready_timeout.min(self.hook.deadline.remaining());
        let credentials = Credentials { key: key_id.into(), secret: secret.clone() };
        let kafka = KafkaRest::new(Client::new(&resolved.rest_endpoint, Some(&credentials), until), &resolved.id);
        while Instant::now() < until {
            if kafka.list_topics().is_ok() {
                return Some(format!("{}: {key_id} authenticates", target.subject));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        tracing::warn!(
            subject = target.subject,
            key_id,
            "the new key does not authenticate yet; its Secret is delivered anyway"
        );
        None
    }
}
