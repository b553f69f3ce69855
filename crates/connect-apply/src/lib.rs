//! `connect-apply`: declarative Kafka Connect connectors, self-managed and Confluent
//! Cloud managed, from the original connect-operator ConfigMaps.
//!
//! Every data key of every `destination=connect` ConfigMap is one connector (a jq
//! program or plain JSON). Each run lists every target once, plans purely, and applies
//! with rebalance-aware retries. A record of what the hook manages lets it delete
//! connectors whose ConfigMap disappeared while it was not running.

pub mod config;
pub mod plan;
mod report;
pub mod template;

use api_http::{Client, Credentials};
use config::{APPLIED_ANNOTATION, RESTARTS_ANNOTATION, ROUTES_BINDING, SPECS_BINDING, STATE_ANNOTATION, TOOL};
use connect_client::{ConnectApi, Target};
use hook_reconcile::record::Record;
use hook_reconcile::settings::{Settings, SettingsError};
use hook_reconcile::status::{SourceStatus, status_patch};
use hook_reconcile::{ConfigMapView, Failure, views};
use plan::{Action, Want};
use report::Report;
use serde_json::json;
use shell_hook::{HookRun, ObjectOperation, ObjectRef, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use template::{Variables, render, sensitive_key};

#[derive(Debug, Clone)]
pub struct Options {
    pub connect_url: String,
    pub connect_auth: Option<Credentials>,
    pub connect_ca: Option<PathBuf>,
    pub properties_dir: PathBuf,
    pub auto_restart: bool,
    pub max_restarts_per_hour: usize,
    /// Connectors changed at the same time (`CONCURRENCY`, default 8).
    pub concurrency: usize,
    pub own_namespace: String,
}

impl Options {
    /// `CONNECT_URL` (default `http://connect`), `CONNECT_BASIC_AUTH_USER`/`_PASSWORD`,
    /// `CONNECT_CA_FILE`, `CONNECT_PROPERTIES_DIR` (default `/etc/config/connect-operator`),
    /// `AUTO_RESTART` (default true), `MAX_RESTARTS_PER_HOUR` (default 3).
    pub fn from_env(env: impl Fn(&str) -> Option<String>, own_namespace: &str) -> Result<Self, SettingsError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let connect_auth = match (get("CONNECT_BASIC_AUTH_USER"), get("CONNECT_BASIC_AUTH_PASSWORD")) {
            (Some(u), Some(p)) => Some(Credentials::new(u, p)),
            (None, None) => None,
            _ => {
                return Err(SettingsError(
                    "set both CONNECT_BASIC_AUTH_USER and CONNECT_BASIC_AUTH_PASSWORD, or neither".into(),
                ));
            }
        };
        let number = |k: &str| -> Result<Option<usize>, SettingsError> {
            get(k)
                .map(|v| v.trim().parse().map_err(|_| SettingsError(format!("{k} must be a whole number, got {v:?}"))))
                .transpose()
        };
        let max = number("MAX_RESTARTS_PER_HOUR")?;
        Ok(Self {
            connect_url: get("CONNECT_URL").unwrap_or_else(|| "http://connect".into()).trim_end_matches('/').to_owned(),
            connect_auth,
            connect_ca: get("CONNECT_CA_FILE").map(PathBuf::from),
            properties_dir: PathBuf::from(
                get("CONNECT_PROPERTIES_DIR").unwrap_or_else(|| "/etc/config/connect-operator".into()),
            ),
            auto_restart: get("AUTO_RESTART").is_none_or(|v| !v.trim().eq_ignore_ascii_case("false")),
            max_restarts_per_hour: max.unwrap_or(3),
            concurrency: number("CONCURRENCY")?.unwrap_or(8).max(1),
            own_namespace: own_namespace.to_owned(),
        })
    }
}

pub use hook_reconcile::OutputError;

/// What the hook keeps on each source ConfigMap: connector → keyed hash of the
/// sensitive values last applied (Cloud), and connector → recent restart times.
type SourceAnnotations = (BTreeMap<String, String>, BTreeMap<String, Vec<String>>);

/// One declared connector.
#[derive(Debug, Clone)]
struct Declared {
    source: String,
    target: Target,
    enabled: bool,
    rendered: template::Rendered,
}

fn item_key(target: &Target, name: &str) -> String {
    match target {
        Target::SelfManaged => format!("self/{name}"),
        Target::Cloud { environment_id, cluster_id } => format!("cloud/{environment_id}/{cluster_id}/{name}"),
    }
}

/// Keyed hash of the sensitive values (HMAC-SHA256 keyed with the Cloud API secret, so
/// the annotation reveals nothing to readers of the ConfigMap).
fn sensitive_hash(key: &[u8], name: &str, config: &BTreeMap<String, String>, sensitive: &BTreeSet<String>) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(name.as_bytes());
    for k in sensitive {
        inner.update([0]);
        inner.update(k.as_bytes());
        inner.update([0]);
        inner.update(config.get(k).map(String::as_bytes).unwrap_or_default());
    }
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One reconcile of every declared connector.
pub fn run(hook: &mut HookRun, settings: &Settings, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let dry_run = hook.options.dry_run;
    let mut report = Report { dry_run, ..Report::default() };
    let vars = match Variables::load(&options.properties_dir) {
        Ok(v) => v,
        Err(e) => {
            report.fail(Failure::permanent("properties", format!("{}: {e}", options.properties_dir.display())));
            Variables::default()
        }
    };
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    if let Some((key, secret)) = vars.jaas_credentials() {
        env.entry("KAFKA_API_KEY".into()).or_insert(key);
        env.entry("KAFKA_API_SECRET".into()).or_insert(secret);
    }
    let routes: Vec<ConfigMapView> = shell_hook::latest_objects(&hook.contexts, ROUTES_BINDING)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| ConfigMapView::from_item(i.filter_result_json(), i.object_json()))
        .collect();

    // Declarations, by target; failures are per connector (by ConfigMap and data key).
    let mut declared: Vec<Declared> = Vec::new();
    for view in &views {
        let enabled = view.labels.get("enabled").is_some_and(|v| v == "true");
        let target = match view.labels.get("destination.cc").filter(|v| !v.is_empty() && *v != "null") {
            None => Ok(Target::SelfManaged),
            Some(route) => routes
                .iter()
                .find(|r| r.name == *route && r.namespace == view.namespace)
                .or_else(|| routes.iter().find(|r| r.name == *route))
                .and_then(|r| Some(Target::Cloud { environment_id: r.labels.get("environment_id")?.clone(), cluster_id: r.labels.get("resource_id")?.clone() }))
                .ok_or_else(|| format!("destination.cc names ConfigMap {route}, which is missing or has no environment_id/resource_id labels")),
        };
        for (key, code) in &view.data {
            let subject = format!("{} key {key}", view.id());
            let target = match &target {
                Ok(t) => t.clone(),
                Err(e) => {
                    report.fail(Failure::permanent(subject, e.clone()));
                    continue;
                }
            };
            match render(code, &vars, &env) {
                Ok(mut rendered) => {
                    if rendered.state.is_none() {
                        rendered.state = view
                            .annotations
                            .get(STATE_ANNOTATION)
                            .cloned()
                            .or_else(|| view.labels.get(STATE_ANNOTATION).cloned());
                    }
                    declared.push(Declared { source: view.id(), target, enabled, rendered });
                }
                Err(e) => report.fail(Failure::permanent(subject, e)),
            }
        }
    }
    // The same connector declared twice on one target is a conflict: neither is applied.
    let mut seen: BTreeMap<(Target, String), Vec<String>> = BTreeMap::new();
    for d in &declared {
        seen.entry((d.target.clone(), d.rendered.name.clone())).or_default().push(d.source.clone());
    }
    for ((target, name), sources) in seen.iter().filter(|(_, s)| s.len() > 1) {
        report.fail(Failure::permanent(
            format!("connector {name} on {target}"),
            format!("declared in {}; neither is applied", sources.join(", ")),
        ));
    }
    declared.retain(|d| seen[&(d.target.clone(), d.rendered.name.clone())].len() == 1);

    let record = Record::read(&hook.contexts);
    let live_sources: BTreeSet<String> = views.iter().map(ConfigMapView::id).collect();
    let mut targets: BTreeSet<Target> = declared.iter().map(|d| d.target.clone()).collect();
    let recorded_items: Vec<(String, String)> = record
        .iter()
        .flat_map(|r| r.entries.iter().flat_map(|(s, items)| items.iter().map(move |i| (s.clone(), i.clone()))))
        .collect();
    for (_, item) in &recorded_items {
        if let Some(t) = parse_item(item) {
            targets.insert(t.0);
        }
    }
    let hmac_key =
        settings.cloud_credentials.as_ref().map(|c| c.secret.expose().as_bytes().to_vec()).unwrap_or_default();
    let mut annotations: BTreeMap<String, SourceAnnotations> = BTreeMap::new();
    for view in &views {
        let applied =
            view.annotations.get(APPLIED_ANNOTATION).and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
        let restarts =
            view.annotations.get(RESTARTS_ANNOTATION).and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
        annotations.insert(view.id(), (applied, restarts));
    }
    let original = annotations.clone();
    let now = jiff::Timestamp::now();

    for target in &targets {
        let api = match connect(target, settings, options, hook) {
            Ok(api) => api,
            Err(f) => {
                declared
                    .iter()
                    .filter(|d| d.target == *target)
                    .for_each(|d| report.fail(Failure { subject: subject(d), ..f.clone() }));
                continue;
            }
        };
        let cloud = matches!(target, Target::Cloud { .. });
        let live = match api.list() {
            Ok(l) => l,
            Err(e) => {
                let f = Failure::from_http(format!("{target}"), &e);
                declared
                    .iter()
                    .filter(|d| d.target == *target)
                    .for_each(|d| report.fail(Failure { subject: subject(d), ..f.clone() }));
                report.requests += api.requests_sent();
                continue;
            }
        };
        let mine: Vec<&Declared> = declared.iter().filter(|d| d.target == *target).collect();
        let wants: Vec<Want> = mine
            .iter()
            .map(|d| {
                let mut config = d.rendered.config.clone();
                config.insert("name".into(), d.rendered.name.clone());
                let sensitive: BTreeSet<String> =
                    config.keys().filter(|k| sensitive_key(k) || d.rendered.templated.contains(k)).cloned().collect();
                let hash = sensitive_hash(&hmac_key, &d.rendered.name, &config, &sensitive);
                let applied_hash = annotations.get(&d.source).and_then(|a| a.0.get(&d.rendered.name).cloned());
                Want {
                    name: d.rendered.name.clone(),
                    config,
                    enabled: d.enabled,
                    state: d.rendered.state.clone().unwrap_or_else(|| "running".into()),
                    sensitive,
                    hash,
                    applied_hash,
                }
            })
            .collect();
        let recorded: BTreeSet<String> = recorded_items
            .iter()
            .filter_map(|(_, i)| parse_item(i))
            .filter(|(t, _)| t == target)
            .map(|(_, n)| n)
            .collect();
        let restarts_of = |name: &str| -> Vec<jiff::Timestamp> {
            mine.iter()
                .find(|d| d.rendered.name == name)
                .and_then(|d| annotations.get(&d.source))
                .and_then(|a| a.1.get(name))
                .into_iter()
                .flatten()
                .filter_map(|t| t.parse().ok())
                .collect()
        };
        let may_restart = |name: &str| {
            options.auto_restart && restart_allowed(&restarts_of(name), now, options.max_restarts_per_hour)
        };
        let plan = plan::plan(&wants, &live, &recorded, cloud, may_restart);
        report.unmanaged.extend(plan.unmanaged.iter().map(|n| format!("{n} on {target}")));
        report.in_sync += plan.in_sync.len();
        for (name, why) in &plan.refusals {
            report.fail(Failure::permanent(format!("connector {name} on {target}"), why.clone()));
        }
        // One connector's actions stay in order (create, then pause); connectors run side by side.
        let mut groups: Vec<Vec<&Action>> = Vec::new();
        for action in &plan.actions {
            match groups.iter_mut().find(|g| g[0].name() == action.name()) {
                Some(g) => g.push(action),
                None => groups.push(vec![action]),
            }
        }
        let want_of = |name: &str| wants.iter().find(|w| w.name == name);
        let results = hook_reconcile::pool::run_bounded(&groups, options.concurrency, |group| {
            group.iter().map(|a| (*a, apply(&api, a, want_of(a.name()), dry_run))).collect::<Vec<_>>()
        });
        for (action, result) in results.into_iter().flatten() {
            let d = mine.iter().find(|d| d.rendered.name == action.name());
            let w = want_of(action.name());
            let subject = d.map(|d| subject(d)).unwrap_or_else(|| format!("connector {} on {target}", action.name()));
            let shown = w.map(|w| redacted(&w.config, &w.sensitive)).unwrap_or_default();
            match result {
                Ok(detail) => {
                    report.event(&subject, describe(action), format!("{detail}{shown}"));
                    if let (Some(d), Some(w)) = (d, w) {
                        let entry = annotations.entry(d.source.clone()).or_default();
                        if !dry_run && matches!(action, Action::Put { .. }) && cloud {
                            entry.0.insert(w.name.clone(), w.hash.clone());
                        }
                        if !dry_run && matches!(action, Action::Restart { .. }) {
                            let list = entry.1.entry(w.name.clone()).or_default();
                            list.push(now.to_string());
                            list.retain(|t| {
                                t.parse::<jiff::Timestamp>().is_ok_and(|t| now.duration_since(t).as_secs() < 3600)
                            });
                        }
                    }
                }
                Err(f) => report.fail(Failure { subject, ..f }),
            }
        }
        report.requests += api.requests_sent();
    }

    // Record: what this hook manages now (declared and enabled), by source.
    if let Some(old) = record {
        let mut new = Record::default();
        for d in declared.iter().filter(|d| d.enabled) {
            new.entries.entry(d.source.clone()).or_default().insert(item_key(&d.target, &d.rendered.name));
        }
        // Keep items whose deletion failed, so a later run tries again.
        for (source, item) in &recorded_items {
            if let Some((t, n)) = parse_item(item) {
                let still_there = report.failures.iter().any(|f| f.subject == format!("connector {n} on {t}"));
                if still_there || (!live_sources.contains(source) && dry_run) {
                    new.entries.entry(source.clone()).or_default().insert(item.clone());
                }
            }
        }
        if new != old && !dry_run {
            hook.outputs.patch(&new.patch(TOOL, &options.own_namespace))?;
        }
    }
    for view in &views {
        let id = view.id();
        if annotations.get(&id) != original.get(&id) {
            let (applied, restarts) = &annotations[&id];
            let patch = json!({"metadata": {"annotations": {APPLIED_ANNOTATION: serde_json::to_string(applied).unwrap_or_default(), RESTARTS_ANNOTATION: serde_json::to_string(restarts).unwrap_or_default()}}});
            hook.outputs.patch(&ObjectOperation::merge_patch(
                ObjectRef::new("v1", "ConfigMap", &view.namespace, &view.name),
                patch,
                true,
            ))?;
        }
        let mut status = SourceStatus::default();
        for d in declared.iter().filter(|d| d.source == id) {
            match report.failures.iter().find(|f| f.subject == subject(d)) {
                Some(f) => {
                    status.failed += 1;
                    status.last_error = Some(f.to_string());
                }
                None => status.applied += 1,
            }
        }
        for f in report.failures.iter().filter(|f| f.subject.starts_with(&format!("{id} key "))) {
            status.failed += 1;
            status.last_error = Some(f.to_string());
        }
        if let Some(op) = status_patch(TOOL, view, &status) {
            hook.outputs.patch(&op)?;
        }
    }
    report.declared = declared.len();
    report.seconds = started.elapsed().as_secs_f64();
    for m in report.metrics() {
        hook.outputs.metric(&m)?;
    }
    tracing::info!(
        declared = report.declared,
        changes = report.events.len(),
        failures = report.failures.len(),
        dry_run,
        "reconcile finished"
    );
    Ok(Outcome {
        changed: !report.events.is_empty(),
        errors: if report.failures.iter().any(|f| f.transient) {
            shell_hook::Errors::Transient
        } else if report.failures.is_empty() {
            shell_hook::Errors::None
        } else {
            shell_hook::Errors::Permanent
        },
        report: Some(Box::new(report)),
    })
}

fn subject(d: &Declared) -> String {
    format!("connector {} on {}", d.rendered.name, d.target)
}

fn parse_item(item: &str) -> Option<(Target, String)> {
    let parts: Vec<&str> = item.splitn(4, '/').collect();
    match parts.as_slice() {
        ["self", name] => Some((Target::SelfManaged, (*name).to_owned())),
        ["self", a, b] => Some((Target::SelfManaged, format!("{a}/{b}"))),
        ["cloud", env, cluster, name] => {
            Some((Target::Cloud { environment_id: (*env).into(), cluster_id: (*cluster).into() }, (*name).to_owned()))
        }
        _ => None,
    }
}

/// At most `max` restarts in the last hour, spaced 1, 2, 4… minutes apart.
fn restart_allowed(history: &[jiff::Timestamp], now: jiff::Timestamp, max: usize) -> bool {
    let recent: Vec<&jiff::Timestamp> = history.iter().filter(|t| now.duration_since(**t).as_secs() < 3600).collect();
    if recent.len() >= max {
        return false;
    }
    match recent.iter().max() {
        None => true,
        Some(last) => now.duration_since(**last).as_secs() >= 60 * (1 << recent.len().saturating_sub(1).min(6)),
    }
}

fn connect(target: &Target, settings: &Settings, options: &Options, hook: &HookRun) -> Result<ConnectApi, Failure> {
    let deadline = hook.deadline.instant();
    let client = match target {
        Target::SelfManaged => {
            let client = Client::new(&options.connect_url, options.connect_auth.as_ref(), deadline);
            match &options.connect_ca {
                Some(path) => {
                    let pem = std::fs::read(path)
                        .map_err(|e| Failure::permanent("CONNECT_CA_FILE", format!("{}: {e}", path.display())))?;
                    client.with_ca_pem(&pem).map_err(|e| Failure::permanent("CONNECT_CA_FILE", e))?
                }
                None => client,
            }
        }
        Target::Cloud { .. } => {
            let credentials = settings.cloud_credentials.as_ref().ok_or_else(|| {
                Failure::permanent(
                    format!("{target}"),
                    "CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET are required",
                )
            })?;
            Client::new(&settings.cloud_endpoint, Some(credentials), deadline)
        }
    };
    Ok(ConnectApi::new(client, target.clone()))
}

fn describe(action: &Action) -> String {
    match action {
        Action::Put { create: true, .. } => "create".into(),
        Action::Put { .. } => "update".into(),
        Action::SetState { verb, .. } => (*verb).to_owned(),
        Action::Restart { .. } => "restart failed tasks".into(),
        Action::Delete { why, .. } => format!("delete ({why})"),
    }
}

fn redacted(config: &BTreeMap<String, String>, sensitive: &BTreeSet<String>) -> String {
    let shown: Vec<String> = config
        .iter()
        .map(|(k, v)| if sensitive.contains(k) { format!("{k}=<redacted>") } else { format!("{k}={v}") })
        .collect();
    format!(" [{}]", shown.join(", "))
}

/// Carries out one action; in a dry run, creates and updates are validated on the server.
fn apply(api: &ConnectApi, action: &Action, want: Option<&Want>, dry_run: bool) -> Result<String, Failure> {
    let subject = format!("connector {} on {}", action.name(), api.target());
    let fail = |e: &api_http::HttpError| Failure::from_http(subject.clone(), e);
    match (action, dry_run) {
        (Action::Put { .. }, true) => {
            let Some(w) = want else { return Ok("planned".into()) };
            let class = w.config.get("connector.class").cloned().unwrap_or_default();
            let errors = api.validate(&class, &w.config).map_err(|e| fail(&e))?;
            if errors.is_empty() {
                Ok("validated (dry run)".into())
            } else {
                let list: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
                Err(Failure::permanent(subject, format!("validation failed: {}", list.join("; "))))
            }
        }
        (_, true) => Ok("planned (dry run)".into()),
        (Action::Put { name, .. }, false) => {
            let Some(w) = want else { return Ok(String::new()) };
            api.put_config(name, &w.config).map(|()| "done".into()).map_err(|e| fail(&e))
        }
        (Action::SetState { name, verb }, false) => {
            api.set_state(name, verb).map(|()| "done".into()).map_err(|e| fail(&e))
        }
        (Action::Restart { name }, false) => api.restart_failed(name).map(|()| "done".into()).map_err(|e| fail(&e)),
        (Action::Delete { name, .. }, false) => api.delete(name).map(|()| "done".into()).map_err(|e| fail(&e)),
    }
}
