//! One reconcile of the full declared state, phase by phase.

use crate::apply::{self, Minted};
use crate::config::{SPECS_BINDING, TOOL};
use crate::connection::ConnectionObject;
use crate::desired::{self, AclItem, Desired, Item, account_subject, acl_subject, key_subject};
use crate::observe::{self, lookup_failure};
use crate::options::Options;
use crate::plan::{self, Deletion, KeyDecision, KeyPolicy, KeyTarget, Managed};
use crate::report::KeyCounts;
use crate::secrets::Delivery;
use api_http::{Client, Credentials};
use ccloud_api::{CloudApi, ServiceAccount};
use ccloud_spec::{ClusterRef, KeyResource};
use hook_reconcile::directory::Directory;
use hook_reconcile::pool::run_bounded;
use hook_reconcile::record::Record;
use hook_reconcile::settings::Settings;
use hook_reconcile::{OutputError, views};
use kafka_rest::{Acl, KafkaRest};
use reconcile::settings::Tool;
use reconcile::{Failure, Reason, Report};
use serde_json::json;
use shell_hook::{HookRun, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Confluent's limits on service accounts (the API answers 422 above them).
const MAX_ACCOUNT_NAME: usize = 64;
const MAX_ACCOUNT_DESCRIPTION: usize = 128;

pub fn run(hook: &mut HookRun, settings: &Settings, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let record = Record::read(&hook.contexts);
    let mut desired = desired::desired(&views, record.as_ref());
    let directory = Directory::new(settings, hook.deadline.instant());
    let dry_run = hook.options.dry_run;
    let mut report = Report::new(Tool::ApiKey, dry_run);
    report.declared = desired.accounts.len() + desired.keys.len() + desired.acls.len();
    for f in std::mem::take(&mut desired.failures) {
        report.fail(f);
    }
    for n in &desired.notices {
        report.notice(n.clone());
    }
    declare_sources(&desired, &mut report);
    let mut counts = KeyCounts::default();
    let mut kept = BTreeSet::new();
    match directory.cloud() {
        None => report.fail(Failure::new(
            "Confluent Cloud",
            Reason::Unauthorized,
            "CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET are required",
        )),
        Some(cloud) => {
            let mut run = Run {
                hook,
                options,
                desired: &mut desired,
                directory: &directory,
                cloud,
                report: &mut report,
                accounts: BTreeMap::new(),
                deletions: Vec::new(),
                counts: &mut counts,
                kafka: BTreeMap::new(),
                kept_acls: BTreeSet::new(),
            };
            run.reconcile()?;
            let requests: u64 = run.kafka.values().flatten().map(KafkaRest::requests_sent).sum();
            kept = std::mem::take(&mut run.kept_acls);
            report.requests += requests;
        }
    }
    report.requests += directory.requests_sent();
    report.seconds = started.elapsed().as_secs_f64();
    for op in report.status_patches(&views) {
        hook.outputs.patch(&op)?;
    }
    if let Some(old) = record {
        let new = retain_kept(&old, desired.record.clone(), &kept);
        if new != old && !dry_run {
            hook.outputs.patch(&new.patch(TOOL, &hook_reconcile::own_namespace()))?;
        }
    }
    for m in report.metrics().into_iter().chain(counts.metrics()) {
        hook.outputs.metric(&m)?;
    }
    report.log();
    Ok(Outcome { changed: report.changed(), errors: report.errors(), report: Some(Box::new(report)) })
}

/// The record to store: what each source declares now, plus the ACL items of `old`
/// whose clean-up this run held back (a later run must still know it owns them).
fn retain_kept(old: &Record, mut new: Record, kept: &BTreeSet<AclItem>) -> Record {
    let now: BTreeSet<String> = new.entries.values().flatten().cloned().collect();
    for (source, items) in &old.entries {
        for text in items {
            let kept_item = matches!(Item::decode(text), Some(Item::Acl(item)) if kept.contains(&item));
            if kept_item && !now.contains(text) {
                new.entries.entry(source.clone()).or_default().insert(text.clone());
            }
        }
    }
    new
}

fn declare_sources(desired: &Desired, report: &mut Report) {
    for (name, a) in &desired.accounts {
        a.sources.iter().for_each(|s| report.declares(s, account_subject(name)));
    }
    for ((sa, r), k) in &desired.keys {
        k.sources.iter().for_each(|s| report.declares(s, key_subject(sa, r)));
    }
    for (item, sources) in &desired.acl_sources {
        sources.iter().for_each(|s| report.declares(s, acl_subject(item)));
    }
}

struct Run<'a> {
    hook: &'a HookRun,
    options: &'a Options,
    desired: &'a mut Desired,
    directory: &'a Directory<'a>,
    cloud: &'a CloudApi,
    report: &'a mut Report,
    accounts: BTreeMap<String, ServiceAccount>,
    /// Every deletion candidate of the run, admitted at once at the end.
    deletions: Vec<Deletion>,
    counts: &'a mut KeyCounts,
    /// Kafka REST clients of the clusters in scope (`None`: not reachable this run).
    kafka: BTreeMap<ClusterRef, Option<KafkaRest>>,
    /// ACL items whose deletions were held or failed: the record keeps them, so that
    /// ownership is not forgotten before they are cleaned.
    kept_acls: BTreeSet<AclItem>,
}

impl Run<'_> {
    fn dry_run(&self) -> bool {
        self.hook.options.dry_run
    }

    fn reconcile(&mut self) -> Result<(), OutputError> {
        let mut names: BTreeSet<String> = self.desired.accounts.keys().cloned().collect();
        names.extend(self.desired.keys.keys().map(|(sa, _)| sa.clone()));
        names.extend(self.desired.acls.keys().map(|(_, sa)| sa.clone()));
        names.extend(self.desired.recorded.iter().filter_map(|i| match i {
            Item::Acl((_, sa)) => Some(sa.clone()),
            _ => None,
        }));
        let list: Vec<&str> = names.iter().map(String::as_str).collect();
        match observe::accounts(self.cloud, &list) {
            Ok(a) => self.accounts = a,
            Err(f) => {
                self.report.fail(f);
                return Ok(());
            }
        }
        self.check_account_limits();
        let valid: BTreeMap<String, desired::DesiredAccount> = self
            .desired
            .accounts
            .iter()
            .filter(|(n, _)| self.desired.account_items.is_valid(n))
            .map(|(n, a)| (n.clone(), a.clone()))
            .collect();
        let mut still_used: BTreeSet<String> = self.desired.keys.keys().map(|(sa, _)| sa.clone()).collect();
        still_used.extend(self.desired.acls.keys().map(|(_, sa)| sa.clone()));
        let desired = &*self.desired;
        let (actions, account_deletions, refusals) =
            plan::plan_accounts(&valid, &self.accounts, &still_used, |n| desired.account_frozen(n));
        for (name, why) in refusals {
            self.report.fail(Failure::new(account_subject(&name), Reason::Refused, why));
        }
        self.apply_accounts(&actions);
        self.keys()?;
        self.acls();
        self.deletions.extend(account_deletions);
        self.delete();
        self.connections()
    }

    /// Confluent's limits, checked in dry runs too, before anything is created.
    fn check_account_limits(&mut self) {
        for (name, a) in &self.desired.accounts {
            let why = if name.is_empty() || name.chars().count() > MAX_ACCOUNT_NAME {
                format!(
                    "a service account name is 1 to {MAX_ACCOUNT_NAME} characters, {name:?} has {}",
                    name.chars().count()
                )
            } else if a.description.chars().count() > MAX_ACCOUNT_DESCRIPTION {
                format!("a service account description is at most {MAX_ACCOUNT_DESCRIPTION} characters")
            } else {
                continue;
            };
            self.report.fail(Failure::new(account_subject(name), Reason::Invalid, why.clone()));
            self.desired.account_items.fail(Failure::new(name.clone(), Reason::Invalid, why));
        }
    }

    fn apply_accounts(&mut self, actions: &[plan::AccountAction]) {
        let results = if self.dry_run() {
            Vec::new()
        } else {
            let cloud = self.cloud;
            run_bounded(actions, self.options.concurrency, |a| apply::account(cloud, a))
        };
        let mut results = results.into_iter();
        for action in actions {
            let (subject, verb, detail) = match action {
                plan::AccountAction::Create { name, .. } => (account_subject(name), "create", String::new()),
                plan::AccountAction::Describe { name, description, .. } => {
                    (account_subject(name), "describe", format!("-> {description:?}"))
                }
            };
            match results.next() {
                None => self.report.event("account", subject, verb, detail),
                Some(Ok(Some(sa))) => {
                    self.report.event("account", subject, verb, sa.id.clone());
                    self.accounts.insert(sa.name.clone(), sa);
                }
                Some(Ok(None)) => self.report.event("account", subject, verb, detail),
                Some(Err(e)) => self.report.fail(observe::failure(subject, &e)),
            }
        }
    }

    fn keys(&mut self) -> Result<(), OutputError> {
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

    fn acls(&mut self) {
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

    /// Every deletion of the run through the switches at once, then ACLs, keys and
    /// last the accounts (an account goes only once none of its ACLs is left behind).
    fn delete(&mut self) {
        let admission = self.options.deletion.admit(std::mem::take(&mut self.deletions), Deletion::candidate);
        for (d, hold) in admission.held {
            if let Deletion::Acl { item, .. } = &d {
                self.kept_acls.insert(item.as_ref().clone());
            }
            self.report.hold(d.subject(), hold);
        }
        let mut admitted = admission.admitted;
        admitted.sort_by_key(|d| match d {
            Deletion::Acl { .. } => 0,
            Deletion::Key { .. } => 1,
            Deletion::Account { .. } => 2,
        });
        for d in admitted {
            let detail = match &d {
                Deletion::Key { why, .. } => why.clone(),
                Deletion::Acl { .. } => String::new(),
                Deletion::Account { id, .. } => id.clone(),
            };
            if let Deletion::Account { name, .. } = &d
                && self.kept_acls.iter().any(|(_, sa)| sa == name)
            {
                self.report.notice(format!("{}: kept until its ACLs are deleted", d.subject()));
                continue;
            }
            let kind = match &d {
                Deletion::Key { .. } => "key",
                Deletion::Acl { .. } => "acl",
                Deletion::Account { .. } => "account",
            };
            if self.dry_run() {
                self.report.event(kind, d.subject(), "delete", detail);
                continue;
            }
            let kafka = match &d {
                Deletion::Acl { item, .. } => self.kafka.get(&item.0).and_then(Option::as_ref),
                _ => None,
            };
            match apply::delete(self.cloud, kafka, &d) {
                Ok(()) => self.report.event(kind, d.subject(), "delete", detail),
                Err(f) => {
                    if let Deletion::Acl { item, .. } = &d {
                        self.kept_acls.insert(item.as_ref().clone());
                    }
                    self.report.fail(f);
                }
            }
        }
    }

    /// The connection details the original operator wrote, written when they differ.
    fn connections(&mut self) -> Result<(), OutputError> {
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
