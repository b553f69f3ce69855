//! `ccloud-api-key`: service accounts, API keys delivered as Kubernetes Secrets, ACLs.
//!
//! Order of a run: accounts (create, describe) → keys (reuse from the Secrets snapshot,
//! mint and deliver at once, rotate) → ACLs (create, then delete extras of declared
//! accounts) → connection outputs → clean-up (retired and orphaned keys, account
//! tombstones). A minted secret is written to the patch file before anything else can
//! fail, and from then on the run exits 0 so shell-operator applies it.

pub mod config;
pub mod desired;
pub mod plan;
pub mod report;
pub mod secrets;

use api_http::{Client, Credentials};
use ccloud_api::{CloudApi, ServiceAccount};
use ccloud_spec::{ClusterRef, KeyResource};
use config::{SECRETS_BINDING, SPECS_BINDING, TOOL};
use desired::{Desired, account_subject, key_subject};
use hook_reconcile::directory::Directory;
use hook_reconcile::settings::{Settings, SettingsError};
use hook_reconcile::status::{SourceStatus, status_patch};
use hook_reconcile::{ConfigMapView, Failure, views};
use kafka_rest::{Acl, KafkaRest};
use plan::{AccountAction, KeyDecision, KeyPolicy, KeyTarget};
use report::Report;
use secrets::{Delivery, ManagedSecret, plain_object};
use serde_json::json;
use shell_hook::duration::parse_go_duration;
use shell_hook::{HookRun, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Options {
    pub allow_delete: bool,
    pub default_max_age: Option<Duration>,
    pub rotation_grace: Duration,
    pub orphan_grace: Duration,
    /// Wait (bounded) until a new Kafka key authenticates; zero: do not wait.
    pub key_ready_timeout: Duration,
    /// Names this deployment in key descriptions, so that clean-up never touches keys
    /// other deployments (or people) made.
    pub instance: String,
    /// Accounts created and keys minted at the same time (`CONCURRENCY`, default 8).
    pub concurrency: usize,
}

impl Options {
    /// `ALLOW_DELETE`, `API_KEY_MAX_AGE`, `ROTATION_GRACE` (24h), `ORPHAN_GRACE` (15m),
    /// `KEY_READY_TIMEOUT` (0s), `INSTANCE_NAME` (the pod's namespace).
    pub fn from_env(env: impl Fn(&str) -> Option<String>, own_namespace: &str) -> Result<Self, SettingsError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let duration = |k: &str, default: &str| -> Result<Duration, SettingsError> {
            let text = get(k).unwrap_or_else(|| default.into());
            parse_go_duration(text.trim()).map_err(|e| SettingsError(format!("{k}: {e}")))
        };
        Ok(Self {
            allow_delete: get("ALLOW_DELETE").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            default_max_age: get("API_KEY_MAX_AGE").map(|_| duration("API_KEY_MAX_AGE", "0s")).transpose()?,
            rotation_grace: duration("ROTATION_GRACE", "24h")?,
            orphan_grace: duration("ORPHAN_GRACE", "15m")?,
            key_ready_timeout: duration("KEY_READY_TIMEOUT", "0s")?,
            instance: get("INSTANCE_NAME").unwrap_or_else(|| own_namespace.to_owned()),
            concurrency: match get("CONCURRENCY") {
                None => 8,
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| SettingsError(format!("CONCURRENCY must be a whole number, got {v:?}")))?
                    .max(1),
            },
        })
    }

    fn marker(&self) -> String {
        format!("ccops ccloud-api-key instance={}", self.instance)
    }
}

pub use hook_reconcile::OutputError;

/// One reconcile of the full declared state.
pub fn run(hook: &mut HookRun, settings: &Settings, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let desired = desired::desired(&views);
    let directory = Directory::new(settings, hook.deadline.instant());
    let mut report =
        Report { dry_run: hook.options.dry_run, declared_accounts: desired.accounts.len(), ..Report::default() };
    for e in &desired.bad_sources {
        report.fail(Failure::permanent(format!("ConfigMap {}", e.configmap), e.to_string()));
    }
    for (subject, sources) in &desired.conflicts {
        report.fail(Failure::permanent(
            subject.clone(),
            format!("declared differently in {}; none is applied", sources.join(", ")),
        ));
    }
    match directory.cloud() {
        None => report.fail(Failure::permanent(
            "Confluent Cloud",
            "CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET are required",
        )),
        Some(cloud) => {
            let mut run = Run {
                hook,
                options,
                desired: &desired,
                directory: &directory,
                cloud,
                report: &mut report,
                accounts: BTreeMap::new(),
            };
            run.reconcile()?;
        }
    }
    report.requests = directory.requests_sent();
    report.seconds = started.elapsed().as_secs_f64();
    for op in status_patches(&views, &desired, &report) {
        hook.outputs.patch(&op)?;
    }
    for m in report.metrics() {
        hook.outputs.metric(&m)?;
    }
    tracing::info!(
        failures = report.failures.len(),
        minted = report.keys_minted,
        dry_run = report.dry_run,
        "reconcile finished"
    );
    Ok(Outcome { changed: report.changed(), errors: report.errors(), report: Some(Box::new(report)) })
}

struct Run<'a> {
    hook: &'a HookRun,
    options: &'a Options,
    desired: &'a Desired,
    directory: &'a Directory<'a>,
    cloud: &'a CloudApi,
    report: &'a mut Report,
    accounts: BTreeMap<String, ServiceAccount>,
}

impl Run<'_> {
    fn reconcile(&mut self) -> Result<(), OutputError> {
        let dry_run = self.hook.options.dry_run;
        let mut names: BTreeSet<&str> = self.desired.accounts.keys().map(String::as_str).collect();
        names.extend(self.desired.keys.keys().map(|(sa, _)| sa.as_str()));
        names.extend(self.desired.acls.values().flat_map(|m| m.keys().map(String::as_str)));
        let names: Vec<&str> = names.into_iter().collect();
        match self.cloud.service_accounts(&names) {
            Ok(list) => self.accounts = list.into_iter().map(|sa| (sa.name.clone(), sa)).collect(),
            Err(e) => {
                self.report.fail(Failure::from_http("service accounts", &e));
                return Ok(());
            }
        }
        let still_used: BTreeSet<String> = names.iter().filter(|n| self.used(n)).map(|n| (*n).to_owned()).collect();
        let declared: BTreeMap<String, desired::DesiredAccount> = self
            .desired
            .accounts
            .iter()
            .filter(|(n, _)| !self.desired.conflicted(&account_subject(n)))
            .map(|(n, a)| (n.clone(), a.clone()))
            .collect();
        let (actions, refusals) =
            plan::plan_accounts(&declared, &self.accounts, &still_used, self.options.allow_delete);
        for (name, why) in refusals {
            self.report.fail(Failure::permanent(account_subject(&name), why));
        }
        let deletions: Vec<AccountAction> =
            actions.iter().filter(|a| matches!(a, AccountAction::Delete { .. })).cloned().collect();
        let changes: Vec<&AccountAction> =
            actions.iter().filter(|a| !matches!(a, AccountAction::Delete { .. })).collect();
        self.apply_accounts(&changes, dry_run);
        self.keys()?;
        self.acls();
        self.outputs()?;
        self.apply_accounts(&deletions.iter().collect::<Vec<_>>(), dry_run);
        Ok(())
    }

    /// Calls the API for the actions side by side, then records the results in order.
    fn apply_accounts(&mut self, actions: &[&AccountAction], dry_run: bool) {
        let results = if dry_run {
            Vec::new()
        } else {
            let this = &*self;
            hook_reconcile::pool::run_bounded(actions, self.options.concurrency, |a| this.account_call(a))
        };
        let mut results = results.into_iter();
        for action in actions {
            self.record_account(action, if dry_run { None } else { results.next() });
        }
    }

    /// Whether a declared key or ACL still refers to the account.
    fn used(&self, name: &str) -> bool {
        self.desired.keys.keys().any(|(sa, _)| sa == name) || self.desired.acls.values().any(|m| m.contains_key(name))
    }

    fn account_call(&self, action: &AccountAction) -> Result<Option<ServiceAccount>, api_http::HttpError> {
        match action {
            AccountAction::Create { name, description } => match self.cloud.create_service_account(name, description) {
                Ok(sa) => Ok(Some(sa)),
                // The name is taken (an earlier attempt, or a concurrent one): adopt it.
                Err(e) if e.status() == Some(409) => {
                    self.cloud.service_accounts(&[name]).map(|l| l.into_iter().find(|s| s.name == *name))
                }
                Err(e) => Err(e),
            },
            AccountAction::Describe { id, description, .. } => {
                self.cloud.update_service_account(id, description).map(|()| None)
            }
            AccountAction::Delete { id, .. } => self.cloud.delete_service_account(id).map(|()| None),
        }
    }

    /// `result` is `None` in a dry run.
    fn record_account(
        &mut self,
        action: &AccountAction,
        result: Option<Result<Option<ServiceAccount>, api_http::HttpError>>,
    ) {
        let (subject, detail) = match action {
            AccountAction::Create { name, .. } => (account_subject(name), "create".to_owned()),
            AccountAction::Describe { name, description, .. } => {
                (account_subject(name), format!("description -> {description:?}"))
            }
            AccountAction::Delete { id, name } => (account_subject(name), format!("delete {id}")),
        };
        self.report.account_changes += 1;
        match result {
            None => self.report.event("account", subject, format!("{detail} (dry run)")),
            Some(Ok(Some(sa))) => {
                self.report.event("account", subject, format!("{detail}: {}", sa.id));
                self.accounts.insert(sa.name.clone(), sa);
            }
            Some(Ok(None)) => self.report.event("account", subject, detail),
            Some(Err(e)) => self.report.fail(Failure::from_http(subject, &e)),
        }
    }

    fn keys(&mut self) -> Result<(), OutputError> {
        if self.desired.keys.is_empty() && self.desired.accounts.is_empty() {
            return Ok(());
        }
        let Some(items) = shell_hook::latest_objects(&self.hook.contexts, SECRETS_BINDING) else {
            // Without the snapshot every key would look undelivered; minting blindly is worse than waiting.
            self.report.fail(Failure::permanent(
                "managed Secrets",
                "no snapshot of the managed Secrets in this run: keys are left as they are",
            ));
            return Ok(());
        };
        let secrets: Vec<ManagedSecret> =
            items.iter().filter_map(|i| i.filter_result().as_ref().and_then(ManagedSecret::from_view)).collect();
        let mut targets = Vec::new();
        for ((sa, resource), want) in &self.desired.keys {
            let subject = key_subject(sa, resource);
            if self.desired.conflicted(&subject) || self.desired.conflicted(&account_subject(sa)) {
                continue;
            }
            match self.target(sa, resource, want, &subject) {
                Ok(Some(t)) => targets.push(t),
                Ok(None) => {}
                Err(f) => self.report.fail(f),
            }
        }
        let keys = match self.cloud.api_keys(None, None) {
            Ok(k) => k,
            Err(e) => {
                self.report.fail(Failure::from_http("API keys", &e));
                return Ok(());
            }
        };
        let policy = KeyPolicy {
            rotation_grace: self.options.rotation_grace,
            orphan_grace: self.options.orphan_grace,
            marker: self.options.marker(),
        };
        let plan = plan::plan_keys(&targets, &keys, &secrets, jiff::Timestamp::now(), &policy);
        let mut mints = Vec::new();
        for (target, decision) in &plan.decisions {
            match decision {
                KeyDecision::Keep { key_id } => {
                    self.report.keys_kept += 1;
                    tracing::debug!(subject = target.subject, key_id, "key kept");
                }
                KeyDecision::Mint { reason, previous } => mints.push((target, reason.as_str(), previous.as_deref())),
            }
        }
        self.report.keys_minted += mints.len();
        if self.hook.options.dry_run {
            for (target, reason, _) in &mints {
                self.report.event("key", target.subject.clone(), format!("mint: {reason} (dry run)"));
            }
        } else {
            let this = &*self;
            let results =
                hook_reconcile::pool::run_bounded(&mints, self.options.concurrency, |(t, r, p)| this.mint(t, r, *p));
            for ((target, _, _), result) in mints.iter().zip(results) {
                match result? {
                    Ok(details) => {
                        details.into_iter().for_each(|d| self.report.event("key", target.subject.clone(), d))
                    }
                    Err(f) => self.report.fail(f),
                }
            }
        }
        self.report.keys_retiring = plan.retiring.len();
        for (id, owner, why) in &plan.deletions {
            self.report.keys_deleted += 1;
            if self.hook.options.dry_run {
                self.report.event("key", format!("API key {id} of {owner}"), format!("delete: {why} (dry run)"));
                continue;
            }
            match self.cloud.delete_api_key(id) {
                Ok(()) => self.report.event("key", format!("API key {id} of {owner}"), format!("deleted: {why}")),
                Err(e) => self.report.fail(Failure::from_http(format!("API key {id} of {owner}"), &e)),
            }
        }
        Ok(())
    }

    fn target(
        &self,
        sa: &str,
        resource: &KeyResource,
        want: &desired::DesiredKey,
        subject: &str,
    ) -> Result<Option<KeyTarget>, Failure> {
        let Some(account) = self.accounts.get(sa) else {
            if self.hook.options.dry_run && self.desired.accounts.contains_key(sa) {
                return Ok(None);
            }
            return Err(Failure::permanent(
                subject,
                format!("service account {sa} does not exist (declare it under service-accounts)"),
            ));
        };
        let (resource_id, environment, cluster) = match resource {
            KeyResource::Kafka(c) => (self.directory.cluster(c)?.id, c.environment.clone(), Some(c.name.clone())),
            KeyResource::SchemaRegistry { environment } => {
                (self.directory.schema_registry(environment)?.1.id, environment.clone(), None)
            }
        };
        let max_age = match want.max_age.as_deref() {
            Some(text) => {
                Some(parse_go_duration(text).map_err(|e| Failure::permanent(subject, format!("max-age: {e}")))?)
            }
            None => self.options.default_max_age,
        };
        let delivery = Delivery {
            namespace: want.namespace.clone(),
            service_account: sa.into(),
            service_account_id: account.id.clone(),
            resource_id,
            environment,
            cluster,
        };
        Ok(Some(KeyTarget { subject: subject.into(), delivery, max_age }))
    }

    /// Mints and delivers one key. Safe to run side by side: the secret goes to the
    /// (synchronised) patch file the moment it exists. Returns what happened, or why not.
    fn mint(
        &self,
        target: &KeyTarget,
        reason: &str,
        previous: Option<&str>,
    ) -> Result<Result<Vec<String>, Failure>, OutputError> {
        let d = &target.delivery;
        let env_id = match &d.cluster {
            Some(_) => self.directory.environment_id(&d.environment),
            None => self.directory.schema_registry(&d.environment).map(|(env, _)| env),
        };
        let env_id = match env_id {
            Ok(id) => id,
            Err(f) => return Ok(Err(Failure { subject: target.subject.clone(), ..f })),
        };
        let description = format!("{} sa={} resource={}", self.options.marker(), d.service_account, d.resource_id);
        match self.cloud.create_api_key(&d.service_account_id, Some((&d.resource_id, &env_id)), &description) {
            Ok((key, secret)) => {
                let rotated_at = jiff::Timestamp::now().to_string();
                for op in d.secrets(&key.id, &secret, previous.map(|p| (p, rotated_at.as_str()))) {
                    self.hook.outputs.patch_precious(&op)?;
                }
                let mut details =
                    vec![format!("minted {} ({reason}); Secrets {}", key.id, d.secret_names().join(", "))];
                if d.cluster.is_some() && !self.options.key_ready_timeout.is_zero() {
                    details.extend(self.wait_until_ready(target, &key.id, &secret));
                }
                Ok(Ok(details))
            }
            // The key may exist without its secret: it becomes an orphan and is cleaned up.
            Err(e) => Ok(Err(Failure::from_http(target.subject.clone(), &e))),
        }
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
        let client = Client::new(
            &resolved.rest_endpoint,
            Some(&Credentials { key: key_id.into(), secret: secret.clone() }),
            until,
        );
        let kafka = KafkaRest::new(client, &resolved.id);
        while Instant::now() < until {
            if kafka.list_topics().is_ok() {
                return Some(format!("{key_id} authenticates"));
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

    fn acls(&mut self) {
        let owned: BTreeSet<String> = self
            .desired
            .accounts
            .iter()
            .filter(|(_, a)| !a.tombstone)
            .filter_map(|(n, _)| self.accounts.get(n))
            .map(|sa| format!("User:{}", sa.id))
            .collect();
        for (cluster, grants) in &self.desired.acls {
            let subject = format!("ACLs on {cluster}");
            // A cluster-wide failure is reported once per account, so each source's status sees it.
            let fail_all = |report: &mut Report, f: Failure| {
                for sa in grants.keys() {
                    report.fail(Failure { subject: format!("ACLs of {sa} on {cluster}"), ..f.clone() });
                }
            };
            let mut want = BTreeSet::new();
            let mut owned = owned.clone();
            for (sa, controls) in grants {
                let Some(account) = self.accounts.get(sa) else {
                    if !(self.hook.options.dry_run && self.desired.accounts.contains_key(sa)) {
                        self.report.fail(Failure::permanent(
                            format!("ACLs of {sa} on {cluster}"),
                            format!("service account {sa} does not exist"),
                        ));
                    }
                    continue;
                };
                let principal = format!("User:{}", account.id);
                owned.insert(principal.clone());
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
            let kafka = match self.directory.kafka(cluster) {
                Ok(k) => k,
                Err(f) => {
                    fail_all(self.report, f);
                    continue;
                }
            };
            let observed = match kafka.list_acls(Some("UserV2:*")) {
                Ok(o) => o,
                Err(e) => {
                    fail_all(self.report, Failure::from_http(subject, &e));
                    continue;
                }
            };
            let (create, delete) = plan::plan_acls(&want, &observed, &owned);
            self.report.acl_changes += create.len() + delete.len();
            if create.is_empty() && delete.is_empty() {
                continue;
            }
            let describe = |a: &Acl| {
                format!(
                    "{} {} {}:{} ({}) for {}",
                    a.permission, a.operation, a.resource_type, a.resource_name, a.pattern_type, a.principal
                )
            };
            if self.hook.options.dry_run {
                for a in &create {
                    self.report.event("acl", subject.clone(), format!("create {} (dry run)", describe(a)));
                }
                for a in &delete {
                    self.report.event("acl", subject.clone(), format!("delete {} (dry run)", describe(a)));
                }
                continue;
            }
            // Create before delete, so a replaced permission never lapses.
            if !create.is_empty() {
                match kafka.create_acls(&create) {
                    Ok(()) => create
                        .iter()
                        .for_each(|a| self.report.event("acl", subject.clone(), format!("created {}", describe(a)))),
                    Err(e) => {
                        fail_all(self.report, Failure::from_http(subject.clone(), &e));
                        continue;
                    }
                }
            }
            for a in &delete {
                match kafka.delete_acl(a) {
                    Ok(_) => self.report.event("acl", subject.clone(), format!("deleted {}", describe(a))),
                    Err(e) => fail_all(self.report, Failure::from_http(subject.clone(), &e)),
                }
            }
        }
    }

    /// The connection details the original operator wrote, looked up (never created).
    fn outputs(&mut self) -> Result<(), OutputError> {
        let mut clusters: BTreeSet<&ClusterRef> = self.desired.acls.keys().collect();
        let mut registries: BTreeSet<&str> = BTreeSet::new();
        for (_, r) in self.desired.keys.keys() {
            match r {
                KeyResource::Kafka(c) => {
                    clusters.insert(c);
                }
                KeyResource::SchemaRegistry { environment } => {
                    registries.insert(environment);
                }
            }
        }
        let namespace = |key: &str| self.desired.namespaces.get(key).cloned().unwrap_or_else(|| "default".into());
        let mut ops = Vec::new();
        let mut environments = BTreeSet::new();
        for c in clusters {
            let resolved = match self.directory.cluster(c) {
                Ok(r) => r,
                Err(f) => {
                    self.report.fail(f);
                    continue;
                }
            };
            let ns = namespace(&format!("{}/{}", c.environment, c.name));
            let env_id = resolved.environment_id.clone().unwrap_or_default();
            environments.insert((c.environment.clone(), env_id.clone(), ns.clone()));
            let bootstrap = resolved.bootstrap.split("://").last().unwrap_or_default().to_owned();
            let description = json!({"id": resolved.id, "name": c.name, "cloud": c.cloud, "region": c.region, "environment": env_id, "bootstrap": bootstrap, "rest_endpoint": resolved.rest_endpoint});
            ops.push(plain_object(
                "ConfigMap",
                &ns,
                &format!("cc.env.{}.kafka.{}", c.environment, c.name),
                "description",
                &description.to_string(),
                json!({"resource_id": resolved.id, "environment_id": env_id}),
            ));
            ops.push(plain_object(
                "Secret",
                &ns,
                &format!("cc.bootstrap-servers.{}.{}", c.environment, c.name),
                "bootstrap-servers.properties",
                &format!("bootstrap.servers={bootstrap}"),
                json!({"resource_id": resolved.id}),
            ));
        }
        for env in registries {
            match self.directory.schema_registry(env) {
                Ok((env_id, sr)) => {
                    let ns = namespace(env);
                    environments.insert((env.to_owned(), env_id, ns.clone()));
                    ops.push(plain_object(
                        "Secret",
                        &ns,
                        &format!("cc.schema-registry-url.{env}"),
                        "schema-registry-url.properties",
                        &format!("schema.registry.url={}", sr.endpoint),
                        json!({"resource_id": sr.id}),
                    ));
                }
                Err(f) => self.report.fail(f),
            }
        }
        for (env, env_id, ns) in environments {
            if !env_id.is_empty() {
                ops.push(plain_object(
                    "ConfigMap",
                    &ns,
                    &format!("cc.env.{env}"),
                    "id",
                    &env_id,
                    json!({"resource_id": env_id}),
                ));
            }
        }
        if !self.hook.options.dry_run {
            for op in &ops {
                self.hook.outputs.patch(op)?;
            }
        }
        Ok(())
    }
}

fn status_patches(views: &[ConfigMapView], desired: &Desired, report: &Report) -> Vec<shell_hook::ObjectOperation> {
    let mut subjects: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, a) in &desired.accounts {
        a.sources.iter().for_each(|s| subjects.entry(s).or_default().push(account_subject(name)));
    }
    for ((sa, r), k) in &desired.keys {
        k.sources.iter().for_each(|s| subjects.entry(s).or_default().push(key_subject(sa, r)));
    }
    for ((cluster, sa), sources) in &desired.acl_sources {
        sources.iter().for_each(|s| subjects.entry(s).or_default().push(format!("ACLs of {sa} on {cluster}")));
    }
    views
        .iter()
        .filter_map(|view| {
            let id = view.id();
            let mut status = SourceStatus::default();
            if let Some(e) = desired.bad_sources.iter().find(|e| e.configmap == id) {
                status.failed = 1;
                status.last_error = Some(e.to_string());
            }
            for subject in subjects.get(id.as_str()).into_iter().flatten() {
                match report.failed(subject) {
                    Some(f) => {
                        status.failed += 1;
                        status.last_error = Some(f.to_string());
                    }
                    None => status.applied += 1,
                }
            }
            status_patch(TOOL, view, &status)
        })
        .collect()
}
