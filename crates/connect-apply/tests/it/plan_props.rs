#![allow(clippy::unwrap_used)]
//! Planner properties.
//!
//! One target: applying a plan (deletions of recorded connectors admitted) yields the declared
//! connectors, connectors this deployment never recorded are untouched, and planning again from
//! there yields an empty plan.
//!
//! Whole runs, over sequences of spec edits, valid and invalid (a removed variable, a duplicate,
//! a missing route, disabled, removed), with listing and write faults: nothing declared (valid or
//! failing) is ever deleted, nothing failing is ever changed, and nothing that is neither
//! recorded nor validly declared is ever touched.

use connect_apply::desired::{Inputs, desired};
use connect_apply::plan::{Action, State, Want, plan};
use connect_apply::record::{Owned, next};
use connect_apply::run_plan::plan_run;
use connect_apply::template::Variables;
use connect_client::{Live, Target};
use hook_reconcile::record::Record;
use proptest::prelude::*;
use reconcile::{DeletionPolicy, Kind};
use serde_json::json;
use shell_hook::ConfigMapView;
use std::collections::{BTreeMap, BTreeSet};

const STATES: [State; 3] = [State::Running, State::Paused, State::Stopped];
const LIVE_STATES: [&str; 5] = ["RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED"];

fn config(name: &str, tasks: u8) -> BTreeMap<String, String> {
    BTreeMap::from([("name".into(), name.into()), ("tasks.max".into(), tasks.to_string())])
}

/// What Connect does with the actions (every one succeeds unless `fails` says otherwise).
fn apply(live: &mut BTreeMap<String, Live>, wants: &[&Want], actions: &[Action], fails: impl Fn(usize) -> bool) {
    let want = |name: &str| wants.iter().find(|w| w.name == name).unwrap();
    for (_, action) in actions.iter().enumerate().filter(|(i, _)| !fails(*i)) {
        match action {
            Action::Put { name, .. } => {
                let config = want(name).config.clone();
                let l = live.entry(name.clone()).or_insert_with(|| Live { state: "RUNNING".into(), ..Live::default() });
                l.config = config;
            }
            Action::SetState { name, to } => {
                live.get_mut(name).unwrap().state = match to {
                    State::Paused => "PAUSED",
                    State::Running => "RUNNING",
                    State::Stopped => "STOPPED",
                }
                .into();
            }
            Action::Restart { name } => {
                let l = live.get_mut(name).unwrap();
                l.state = "RUNNING".into();
                l.tasks.iter_mut().for_each(|t| t.1 = "RUNNING".into());
            }
            Action::Delete { name, .. } => {
                live.remove(name);
            }
        }
    }
}

proptest! {
    #[test]
    fn self_managed_plans_converge(
        declared in prop::collection::btree_map("[a-e]", (1u8..3, prop::bool::weighted(0.8), 0..3usize), 0..5),
        observed in prop::collection::btree_map("[a-g]", (1u8..3, 0..5usize, prop::bool::ANY), 0..6),
        recorded in prop::collection::btree_set("[a-g]", 0..7),
    ) {
        let wants: Vec<Want> = declared
            .iter()
            .map(|(name, (tasks, enabled, state))| Want {
                name: name.clone(),
                config: config(name, *tasks),
                enabled: *enabled,
                state: STATES[*state],
                sensitive: BTreeSet::new(),
                hash: String::new(),
                applied_hash: None,
            })
            .collect();
        let mut live: BTreeMap<String, Live> = observed
            .iter()
            .map(|(name, (tasks, state, failed_task))| {
                let task_state = if *failed_task { "FAILED" } else { "RUNNING" };
                (name.clone(), Live { config: config(name, *tasks), state: LIVE_STATES[*state].into(), tasks: vec![(0, task_state.into())] })
            })
            .collect();
        let before = live.clone();
        let none = BTreeSet::new();
        let mut p = plan(&wants, &live, &recorded, &none, false, |_| true);
        prop_assert!(p.backed_off.is_empty());
        // Deletion switches all on: what is recorded and not frozen is deleted.
        for d in p.deletions.iter().filter(|d| d.owned && !d.frozen) {
            p.actions.push(Action::Delete { name: d.name.clone(), why: d.why });
        }
        let refs: Vec<&Want> = wants.iter().collect();
        apply(&mut live, &refs, &p.actions, |_| false);
        for w in &wants {
            match (w.enabled, live.get(&w.name)) {
                (false, l) => prop_assert!(l.is_none() || !recorded.contains(&w.name), "{} is disabled but exists", w.name),
                (true, None) => prop_assert!(false, "{} is missing", w.name),
                (true, Some(l)) => {
                    prop_assert_eq!(&l.config, &w.config);
                    // UNASSIGNED is the worker's business: it becomes RUNNING without us.
                    let state = if l.state == "UNASSIGNED" { "RUNNING" } else { l.state.as_str() };
                    let expected = match w.state { State::Running => "RUNNING", State::Paused => "PAUSED", State::Stopped => "STOPPED" };
                    prop_assert_eq!(state, expected);
                    prop_assert!(w.state != State::Running || !l.failed(), "{} still failed", w.name);
                }
            }
        }
        for (name, l) in &before {
            if !declared.contains_key(name) {
                let expected = if recorded.contains(name) { None } else { Some(l) };
                prop_assert_eq!(live.get(name), expected, "undeclared {}", name);
            }
        }
        let again = plan(&wants, &live, &recorded, &none, false, |_| true);
        prop_assert!(again.actions.is_empty(), "{:?}", again.actions);
    }
}

/// How the spec declares one connector in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// Its ConfigMap is gone.
    Absent,
    Valid(u8),
    Disabled,
    /// The template reads a variable that is no longer defined.
    RemovedVariable,
    /// Declared in a second ConfigMap too.
    Duplicate,
    /// Routed to Cloud through a route ConfigMap that does not exist.
    MissingRoute,
}

impl Spec {
    /// Declared, usable or not: such a connector must never be deleted.
    fn declared(self) -> bool {
        !matches!(self, Spec::Absent | Spec::Disabled)
    }

    fn failing(self) -> bool {
        matches!(self, Spec::RemovedVariable | Spec::Duplicate | Spec::MissingRoute)
    }
}

const NAMES: [&str; 3] = ["n0", "n1", "n2"];
const FOREIGN: &str = "foreign";

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        Just(Spec::Absent),
        (1u8..3).prop_map(Spec::Valid),
        Just(Spec::Disabled),
        Just(Spec::RemovedVariable),
        Just(Spec::Duplicate),
        Just(Spec::MissingRoute),
    ]
}

fn view(name: &str, labels: &[(&str, &str)], data: &str) -> ConfigMapView {
    ConfigMapView {
        namespace: "default".into(),
        name: name.into(),
        labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        data: [("c.json".to_owned(), data.to_owned())].into(),
        ..ConfigMapView::default()
    }
}

fn views(specs: &[Spec; 3]) -> Vec<ConfigMapView> {
    let mut out = Vec::new();
    for (name, spec) in NAMES.iter().zip(specs) {
        let valid = |tasks: u8| {
            json!({"name": name, "config": {"connector.class": "X", "tasks.max": tasks.to_string()}}).to_string()
        };
        let enabled = [("destination", "connect"), ("enabled", "true")];
        match spec {
            Spec::Absent => {}
            Spec::Valid(tasks) => out.push(view(name, &enabled, &valid(*tasks))),
            Spec::Disabled => out.push(view(name, &[("enabled", "false")], &valid(1))),
            Spec::RemovedVariable => {
                let code =
                    format!(r#"{{"name": "{name}", "config": {{"connector.class": "X", "tasks.max": $REMOVED}}}}"#);
                out.push(view(name, &enabled, &code));
            }
            Spec::Duplicate => {
                out.push(view(name, &enabled, &valid(1)));
                out.push(view(&format!("{name}-copy"), &enabled, &valid(2)));
            }
            Spec::MissingRoute => {
                out.push(view(name, &[("enabled", "true"), ("destination.cc", "cc.env.gone.kafka.gone")], &valid(1)));
            }
        }
    }
    out
}

/// One step of the timeline: the specs, whether the listing fails, which writes fail.
fn step() -> impl Strategy<Value = ([Spec; 3], bool, Vec<bool>)> {
    ([spec(), spec(), spec()], prop::bool::weighted(0.2), prop::collection::vec(prop::bool::weighted(0.25), 8))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn failing_declarations_and_unrecorded_connectors_are_never_deleted_or_touched(
        steps in prop::collection::vec(step(), 1..7),
    ) {
        let vars = Variables::default();
        let env = BTreeMap::new();
        let policy = DeletionPolicy { allowed: [Kind::Connector].into(), budget: 100, protected: Vec::new() };
        let mut live: BTreeMap<String, Live> =
            [(FOREIGN.to_owned(), Live { config: config(FOREIGN, 1), state: "RUNNING".into(), tasks: vec![] })].into();
        let mut record = Record::default();
        for (specs, listing_fails, write_fails) in steps {
            let views = views(&specs);
            let owned = Owned::from_record(&record);
            let inputs = Inputs { views: &views, routes: &[], vars: &vars, env: &env, owned: Some(&owned), hash_key: b"" };
            let desired = desired(&inputs);
            let listed: BTreeMap<Target, BTreeMap<String, Live>> =
                if listing_fails { BTreeMap::new() } else { [(Target::SelfManaged, live.clone())].into() };
            let run = plan_run(&desired, &listed, &owned, &policy, |_| true);
            let actions = run.targets.get(&Target::SelfManaged).map(|p| p.actions.clone()).unwrap_or_default();
            let spec_of = |name: &str| NAMES.iter().position(|n| *n == name).map(|i| specs[i]);
            for action in &actions {
                let name = action.name();
                let recorded = owned.keys().any(|k| k.name == name);
                let spec = spec_of(name);
                prop_assert!(name != FOREIGN, "{action:?} touches a connector nobody declared or recorded");
                prop_assert!(!spec.is_some_and(Spec::failing), "{action:?} on a failing declaration ({spec:?})");
                if let Action::Delete { .. } = action {
                    prop_assert!(recorded, "{action:?}: not recorded by this deployment");
                    prop_assert!(!spec.is_some_and(Spec::declared), "{action:?} deletes a declared connector ({spec:?})");
                } else {
                    prop_assert!(matches!(spec, Some(Spec::Valid(_))), "{action:?} on {spec:?}");
                }
            }
            let wants: Vec<&Want> = desired.connectors.values().map(|d| &d.want).collect();
            apply(&mut live, &wants, &actions, |i| write_fails.get(i).copied().unwrap_or(false));
            let deleted = actions
                .iter()
                .enumerate()
                .filter(|(i, a)| matches!(a, Action::Delete { .. }) && !write_fails.get(*i).copied().unwrap_or(false))
                .map(|(_, a)| connect_apply::key::ConnectorKey::new(Target::SelfManaged, a.name()))
                .collect();
            let before = record.clone();
            record = next(&record, &desired, &listed, &deleted);
            if listing_fails {
                prop_assert_eq!(&record, &before, "a failed listing keeps the record as it is");
            }
            for (i, spec) in specs.iter().enumerate() {
                let item = format!("self/{}", NAMES[i]);
                let was = before.entries.values().any(|s| s.contains(&item));
                let is = record.entries.values().any(|s| s.contains(&item));
                if spec.failing() && was {
                    prop_assert!(is, "{} is failing ({spec:?}) and left the record", NAMES[i]);
                }
            }
            prop_assert!(live.contains_key(FOREIGN));
        }
    }
}
