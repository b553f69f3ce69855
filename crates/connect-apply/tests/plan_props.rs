#![allow(clippy::unwrap_used)]
//! Planner properties (self-managed target): applying a plan to the observed connectors yields
//! the declared ones, connectors this hook never made are untouched, and planning again from
//! there yields an empty plan.

use connect_apply::plan::{Action, Want, plan};
use connect_client::Live;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const STATES: [&str; 3] = ["running", "paused", "stopped"];
const LIVE_STATES: [&str; 5] = ["RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED"];

fn config(name: &str, tasks: u8) -> BTreeMap<String, String> {
    BTreeMap::from([("name".into(), name.into()), ("tasks.max".into(), tasks.to_string())])
}

fn apply(live: &mut BTreeMap<String, Live>, wants: &[Want], actions: &[Action]) {
    let want = |name: &str| wants.iter().find(|w| w.name == name).unwrap();
    for action in actions {
        match action {
            Action::Put { name, create: true } => {
                live.insert(
                    name.clone(),
                    Live { config: want(name).config.clone(), state: "RUNNING".into(), tasks: vec![] },
                );
            }
            Action::Put { name, create: false } => live.get_mut(name).unwrap().config = want(name).config.clone(),
            Action::SetState { name, verb } => {
                live.get_mut(name).unwrap().state = match *verb {
                    "pause" => "PAUSED",
                    "resume" => "RUNNING",
                    _ => "STOPPED",
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
                state: STATES[*state].into(),
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
        let p = plan(&wants, &live, &recorded, false, |_| true);
        prop_assert!(p.refusals.is_empty(), "{:?}", p.refusals);
        apply(&mut live, &wants, &p.actions);
        for w in &wants {
            match (w.enabled, live.get(&w.name)) {
                (false, l) => prop_assert!(l.is_none(), "{} is disabled but exists", w.name),
                (true, None) => prop_assert!(false, "{} is missing", w.name),
                (true, Some(l)) => {
                    prop_assert_eq!(&l.config, &w.config);
                    // UNASSIGNED is the worker's business: it becomes RUNNING without us.
                    let state = if l.state == "UNASSIGNED" { "running".to_owned() } else { l.state.to_ascii_lowercase() };
                    prop_assert_eq!(state, w.state.clone());
                    prop_assert!(w.state != "running" || !l.failed(), "{} still failed", w.name);
                }
            }
        }
        for (name, l) in &before {
            if !declared.contains_key(name) {
                let expected = if recorded.contains(name) { None } else { Some(l) };
                prop_assert_eq!(live.get(name), expected, "undeclared {}", name);
            }
        }
        let again = plan(&wants, &live, &recorded, false, |_| true);
        prop_assert!(again.actions.is_empty(), "{:?}", again.actions);
    }
}
