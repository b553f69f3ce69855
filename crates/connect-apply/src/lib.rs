//! `connect-apply`: declarative Kafka Connect connectors, self-managed and Confluent
//! Cloud managed, from the original connect-operator ConfigMaps.
//!
//! [`desired`] reads every data key of every connector ConfigMap as one connector →
//! [`observe`] lists each target once → [`run_plan`] plans each target purely
//! ([`plan`]) and puts every deletion through the deletion switches → [`apply`] with
//! bounded concurrency → [`report`]: text or JSON, a status annotation per ConfigMap,
//! metrics. The [`record`] of what this deployment manages is what it may delete; a
//! declaration that fails freezes its connector, it never deletes it.

pub mod annotations;
pub mod apply;
pub mod config;
pub mod desired;
pub mod key;
pub mod observe;
pub mod options;
pub mod plan;
pub mod record;
pub mod report;
pub mod run_plan;
pub mod sensitive;
pub mod target;
pub mod template;

pub use hook_reconcile::OutputError;
pub use options::Options;

use annotations::{SourceNotes, restart_allowed};
use config::{ROUTES_BINDING, SPECS_BINDING};
use connect_client::Target;
use desired::{Desired, Inputs};
use hook_reconcile::record::Record;
use plan::Want;
use reconcile::{Failure, Reason};
use record::Owned;
use shell_hook::{ConfigMapView, HookRun, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use template::Variables;

/// One reconcile of every declared connector.
pub fn run(hook: &mut HookRun, options: &Options) -> Result<Outcome, OutputError> {
    let started = Instant::now();
    let Some(views) = hook_reconcile::views(&mut hook.contexts, SPECS_BINDING) else {
        return Ok(hook_reconcile::no_snapshot());
    };
    let dry_run = hook.options.dry_run;
    let routes: Vec<ConfigMapView> = shell_hook::latest_objects(&hook.contexts, ROUTES_BINDING)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| ConfigMapView::from_item(i.filter_result_json(), i.object_json()))
        .collect();
    let record = Record::read_owned(&hook.contexts, &options.record);
    let owned = record.as_ref().map(Owned::from_record);
    let (vars, properties_failure) = match Variables::load(&options.properties_dir) {
        Ok(v) => (v, None),
        Err(e) => {
            let message = format!("{}: {e}", options.properties_dir.display());
            (Variables::default(), Some(Failure::new("CONNECT_PROPERTIES_DIR", Reason::Unresolved, message)))
        }
    };
    let (env, env_failure) = template_env(&vars);
    let hash_key = options.cloud_credentials.as_ref().map(|c| c.secret.expose().as_bytes()).unwrap_or_default();
    let inputs = Inputs { views: &views, routes: &routes, vars: &vars, env: &env, owned: owned.as_ref(), hash_key };
    let desired = desired::desired(&inputs);

    let observed = observe::observe(&targets(&desired, owned.as_ref()), options, hook.deadline.instant());
    let mut notes: BTreeMap<String, SourceNotes> = views.iter().map(|v| (v.id(), SourceNotes::read(v))).collect();
    let now = jiff::Timestamp::now();
    let may_restart = |key: &key::ConnectorKey| {
        let history = desired.connectors.get(key).and_then(|d| notes.get(&d.source)).map(|n| n.restarts_of(&key.name));
        options.auto_restart && restart_allowed(&history.unwrap_or_default(), now, options.max_restarts_per_hour)
    };
    let owned = owned.unwrap_or_default();
    let plan = run_plan::plan_run(&desired, &observed.listed, &owned, &options.deletion, may_restart);
    let mut steps: Vec<(Target, Vec<apply::Step>)> = plan
        .targets
        .iter()
        .filter_map(|(target, p)| {
            let api = observed.apis.get(target)?;
            let wants = wants_on(&desired, target);
            Some((target.clone(), apply::apply(api, &p.actions, &wants, dry_run, options.concurrency)))
        })
        .collect();
    // Only now that the creates are done: a moved connector leaves its old target.
    let waiting = finish_moves(&plan, &observed, &mut steps, dry_run, options.concurrency);

    let facts =
        report::Facts { dry_run, desired: &desired, unavailable: &observed.unavailable, plan: &plan, steps: &steps };
    let mut report = report::report(&facts);
    if let Some(f) = properties_failure {
        report.fail(f);
    }
    if let Some(f) = env_failure {
        report.fail(f);
    }
    for m in waiting {
        let to: Vec<String> = m.to.iter().map(|k| k.target.to_string()).collect();
        report.notice(format!("{} is kept until it exists on {}", m.from, to.join(", ")));
        report.hold(m.from.to_string(), reconcile::Hold::Frozen);
    }
    report.requests = observed.requests();
    if !dry_run {
        let original = notes.clone();
        annotations::after_run(&mut notes, &desired, &steps, now);
        for view in views.iter().filter(|v| notes.get(&v.id()) != original.get(&v.id())) {
            if let Some(n) = notes.get(&view.id()) {
                hook.outputs.patch(&n.patch(view))?;
            }
        }
        if let Some(old) = &record {
            let deleted = deleted(&steps);
            let new = record::next(old, &desired, &observed.listed, &deleted);
            if new != *old {
                hook.outputs.patch(&new.owned_patch(&options.record, &options.own_namespace))?;
            }
        }
    }
    for op in report.status_patches(&views) {
        hook.outputs.patch(&op)?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    for m in report.metrics() {
        hook.outputs.metric(&m)?;
    }
    report.log();
    Ok(Outcome { changed: report.changed(), errors: report.errors(), report: Some(Box::new(report)) })
}

/// The environment templates read as `env.X`: the variables `CONNECT_TEMPLATE_ENV`
/// allows, and `KAFKA_API_KEY`/`KAFKA_API_SECRET` from the JAAS line of the properties
/// (see [`template::template_env`]); an allowlisted credential is a failure of the run.
fn template_env(vars: &Variables) -> (BTreeMap<String, String>, Option<Failure>) {
    let (env, refused) = template::template_env(|k| std::env::var(k).ok(), vars);
    (env, refused.map(|e| Failure::new("CONNECT_TEMPLATE_ENV", Reason::Invalid, e)))
}

/// Every target a declaration names, or the record has a connector on.
fn targets(desired: &Desired, owned: Option<&Owned>) -> BTreeSet<Target> {
    let declared = desired.connectors.keys().map(|k| k.target.clone());
    declared.chain(owned.into_iter().flat_map(Owned::keys).map(|k| k.target.clone())).collect()
}

fn wants_on<'a>(desired: &'a Desired, target: &Target) -> BTreeMap<&'a str, &'a Want> {
    desired.connectors.values().filter(|d| d.key.target == *target).map(|d| (d.want.name.as_str(), &d.want)).collect()
}

fn deleted(steps: &[(Target, Vec<apply::Step>)]) -> BTreeSet<key::ConnectorKey> {
    steps
        .iter()
        .flat_map(|(target, steps)| {
            steps
                .iter()
                .filter(|s| matches!(s.action, plan::Action::Delete { .. }) && s.result.is_ok())
                .map(|s| key::ConnectorKey::new(target.clone(), s.action.name()))
        })
        .collect()
}

/// Deletes each moved connector from its old target once it exists on its new one (see
/// [`run_plan::ready_moves`]); returns the moves that wait for a later run.
fn finish_moves<'a>(
    plan: &'a run_plan::RunPlan,
    observed: &observe::Observed,
    steps: &mut Vec<(Target, Vec<apply::Step>)>,
    dry_run: bool,
    concurrency: usize,
) -> Vec<&'a run_plan::Move> {
    let (ready, waiting) = run_plan::ready_moves(&plan.moves, &observed.listed, steps);
    let mut moved: BTreeMap<Target, Vec<plan::Action>> = BTreeMap::new();
    for m in ready {
        let delete = plan::Action::Delete { name: m.from.name.clone(), why: m.why };
        moved.entry(m.from.target.clone()).or_default().push(delete);
    }
    for (target, actions) in moved {
        let Some(api) = observed.apis.get(&target) else { continue };
        let done = apply::apply(api, &actions, &BTreeMap::new(), dry_run, concurrency);
        match steps.iter_mut().find(|(t, _)| *t == target) {
            Some((_, s)) => s.extend(done),
            None => steps.push((target, done)),
        }
    }
    waiting
}
