//! One reconcile of the full declared state, phase by phase: accounts here, then
//! [`keys`], [`acls`], the run's deletions (here), and [`connections`].

mod acls;
mod connections;
mod keys;
mod resolve;

use crate::apply::{self};
use crate::config::SPECS_BINDING;
use crate::desired::{self, AclItem, Desired, Item, account_subject, acl_subject, key_subject};
use crate::observe::{self};
use crate::options::Options;
use crate::plan::{self, Deletion};
use crate::report::KeyCounts;
use ccloud_api::{CloudApi, ServiceAccount};
use ccloud_spec::ClusterRef;
use hook_reconcile::directory::Directory;
use hook_reconcile::pool::run_bounded;
use hook_reconcile::record::{Record, RecordOwner};
use hook_reconcile::settings::Settings;
use hook_reconcile::{OutputError, views};
use kafka_rest::KafkaRest;
use reconcile::settings::Tool;
use reconcile::{Failure, Reason, Report};
use shell_hook::{HookRun, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Confluent's limits on service accounts (the API answers 422 above them).
const MAX_ACCOUNT_NAME: usize = 64;
const MAX_ACCOUNT_DESCRIPTION: usize = 128;

/// `owner`: this deployment's record (see [`crate::config::record_owner`]).
pub fn run(
    hook: &mut HookRun,
    settings: &Settings,
    options: &Options,
    owner: &RecordOwner,
) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    // Another deployment's record (a hand edit, a name collision) is not trusted.
    let record = Record::read_owned(&hook.contexts, owner);
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
                acl_cluster: BTreeMap::new(),
                acl_items: BTreeMap::new(),
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
            hook.outputs.patch(&new.owned_patch(owner, &hook_reconcile::own_namespace()))?;
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
    /// Kafka REST clients of the clusters in scope by cluster id (`None`: not reachable).
    kafka: BTreeMap<String, Option<KafkaRest>>,
    /// The cluster id each cluster reference of the ACL phase resolved to.
    acl_cluster: BTreeMap<ClusterRef, String>,
    /// Every item a deletion's (representative) item stands for: several references
    /// that resolve to one cluster manage a principal's bindings together.
    acl_items: BTreeMap<AclItem, BTreeSet<AclItem>>,
    /// ACL items whose deletions were held or failed: the record keeps them, so that
    /// ownership is not forgotten before they are cleaned.
    kept_acls: BTreeSet<AclItem>,
}

impl Run<'_> {
    fn dry_run(&self) -> bool {
        self.hook.options.dry_run
    }

    /// The record keeps `item` and every item it stands for: their clean-up is pending.
    fn keep_acl(&mut self, item: &AclItem) {
        let all = self.acl_items.get(item).cloned().unwrap_or_default();
        self.kept_acls.extend(all);
        self.kept_acls.insert(item.clone());
    }

    fn reconcile(&mut self) -> Result<(), OutputError> {
        self.resolve_references();
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

    /// Every deletion of the run through the switches at once, then ACLs, keys and
    /// last the accounts (an account goes only once none of its ACLs is left behind).
    fn delete(&mut self) {
        let admission = self.options.deletion.admit(std::mem::take(&mut self.deletions), Deletion::candidate);
        for (d, hold) in admission.held {
            if let Deletion::Acl { item, .. } = &d {
                self.keep_acl(item);
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
                Deletion::Acl { item, .. } => {
                    self.acl_cluster.get(&item.0).and_then(|id| self.kafka.get(id)).and_then(Option::as_ref)
                }
                _ => None,
            };
            match apply::delete(self.cloud, kafka, &d) {
                Ok(()) => self.report.event(kind, d.subject(), "delete", detail),
                Err(f) => {
                    if let Deletion::Acl { item, .. } = &d {
                        self.keep_acl(item);
                    }
                    self.report.fail(f);
                }
            }
        }
    }
}
