//! The pure planner for one Connect target.

use connect_client::Live;
use std::collections::{BTreeMap, BTreeSet};

/// Keys Confluent Cloud adds or manages itself; never compared.
const SERVER_MANAGED: [&str; 8] = [
    "cloud.environment",
    "cloud.provider",
    "connector.crn",
    "kafka.endpoint",
    "kafka.max.partition.validation.disable",
    "kafka.region",
    "kafka.dedicated",
    "schema.registry.url",
];

/// The state a connector is declared to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    Paused,
    Stopped,
}

impl State {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(Self::Running),
            "paused" => Some(Self::Paused),
            "stopped" => Some(Self::Stopped),
            _ => None,
        }
    }

    /// The Connect REST verb that puts a connector in this state.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Running => "resume",
            Self::Paused => "pause",
            Self::Stopped => "stop",
        }
    }
}

/// What one connector should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    /// The full config as Connect stores it (`name` included).
    pub config: BTreeMap<String, String>,
    /// `false`: the ConfigMap declares that the connector must not exist.
    pub enabled: bool,
    pub state: State,
    /// Cloud: keys compared through `hash` (their values come back masked).
    pub sensitive: BTreeSet<String>,
    /// Cloud: keyed hash of the sensitive values now, and when last applied.
    pub hash: String,
    pub applied_hash: Option<String>,
}

/// Why a connector would be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Its ConfigMap's `enabled` label is `false` (any case) or missing.
    Disabled,
    /// No ConfigMap declares it any more (or its declaration is failing: then it is frozen).
    Undeclared,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Why::Disabled => "the ConfigMap's enabled label is false or missing",
            Why::Undeclared => "no longer declared (its ConfigMap or data key is gone)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Put {
        name: String,
        create: bool,
    },
    SetState {
        name: String,
        to: State,
    },
    Restart {
        name: String,
    },
    /// Only after the deletion switches admitted it (see `run_plan`).
    Delete {
        name: String,
        why: Why,
    },
}

impl Action {
    pub fn name(&self) -> &str {
        match self {
            Self::Put { name, .. }
            | Self::SetState { name, .. }
            | Self::Restart { name }
            | Self::Delete { name, .. } => name,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Self::Put { create: true, .. } => "create",
            Self::Put { .. } => "update",
            Self::SetState { to, .. } => to.verb(),
            Self::Restart { .. } => "restart",
            Self::Delete { .. } => "delete",
        }
    }
}

/// A connector the plan would delete, for the deletion switches to decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    pub name: String,
    pub why: Why,
    /// Recorded by this deployment.
    pub owned: bool,
    /// Its declaration is failing, or a broken ConfigMap may declare it.
    pub frozen: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPlan {
    /// Creates, updates, state changes and restarts; deletions are [`Self::deletions`].
    pub actions: Vec<Action>,
    pub deletions: Vec<Deletion>,
    /// FAILED, and the automatic restarts are used up for now.
    pub backed_off: Vec<String>,
    pub in_sync: Vec<String>,
    /// Connectors on the target this deployment never recorded and nothing declares (left alone).
    pub unmanaged: Vec<String>,
}

fn masked(value: &str) -> bool {
    value.len() >= 2 && value.bytes().all(|b| b == b'*')
}

/// Whether the live connector differs from the wanted one, compared as Connect stores it.
pub fn differs(want: &Want, live: &Live, cloud: bool) -> bool {
    if !cloud {
        return want.config != live.config;
    }
    let server_managed = |k: &str| SERVER_MANAGED.contains(&k) || k.starts_with("config.internal.");
    let direct = want.config.iter().any(|(k, v)| match live.config.get(k) {
        None => true,
        Some(live_value) if masked(live_value) || want.sensitive.contains(k) => false,
        Some(live_value) => live_value != v,
    });
    let extra = live.config.keys().any(|k| !want.config.contains_key(k) && !server_managed(k));
    direct || extra || want.applied_hash.as_deref() != Some(want.hash.as_str())
}

/// One target. `wants`: its usable declarations only. `recorded`: the connectors this
/// deployment recorded on it. `frozen`: connectors whose declaration is failing or that a
/// broken ConfigMap may declare: never changed, and a deletion of one is held.
pub fn plan(
    wants: &[Want],
    live: &BTreeMap<String, Live>,
    recorded: &BTreeSet<String>,
    frozen: &BTreeSet<String>,
    cloud: bool,
    may_restart: impl Fn(&str) -> bool,
) -> TargetPlan {
    let mut out = TargetPlan::default();
    let declared: BTreeSet<&str> = wants.iter().map(|w| w.name.as_str()).collect();
    for w in wants {
        let current = live.get(&w.name);
        if !w.enabled {
            match current {
                Some(_) => out.deletions.push(Deletion {
                    name: w.name.clone(),
                    why: Why::Disabled,
                    owned: recorded.contains(&w.name),
                    frozen: false,
                }),
                None => out.in_sync.push(w.name.clone()),
            }
            continue;
        }
        let before = out.actions.len();
        let live_state = match current {
            None => {
                out.actions.push(Action::Put { name: w.name.clone(), create: true });
                "RUNNING"
            }
            Some(l) => {
                if differs(w, l, cloud) {
                    out.actions.push(Action::Put { name: w.name.clone(), create: false });
                }
                l.state.as_str()
            }
        };
        let change = match (w.state, live_state) {
            // Pause sets Connect's target state whatever the runtime state (a FAILED or
            // UNASSIGNED connector declared paused must not start running later).
            (State::Paused, s) if s != "PAUSED" => Some(State::Paused),
            (State::Running, "PAUSED" | "STOPPED") => Some(State::Running),
            (State::Stopped, s) if s != "STOPPED" => Some(State::Stopped),
            _ => None,
        };
        if let Some(to) = change {
            out.actions.push(Action::SetState { name: w.name.clone(), to });
        }
        if w.state == State::Running && current.is_some_and(Live::failed) {
            if may_restart(&w.name) {
                out.actions.push(Action::Restart { name: w.name.clone() });
            } else {
                out.backed_off.push(w.name.clone());
            }
        }
        if out.actions.len() == before && !out.backed_off.contains(&w.name) {
            out.in_sync.push(w.name.clone());
        }
    }
    for name in live.keys().filter(|n| !declared.contains(n.as_str())) {
        let (owned, frozen) = (recorded.contains(name), frozen.contains(name));
        if owned || frozen {
            out.deletions.push(Deletion { name: name.clone(), why: Why::Undeclared, owned, frozen });
        } else {
            out.unmanaged.push(name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(name: &str, config: &[(&str, &str)]) -> Want {
        let mut c: BTreeMap<String, String> = config.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        c.insert("name".into(), name.into());
        Want {
            name: name.into(),
            config: c,
            enabled: true,
            state: State::Running,
            sensitive: BTreeSet::new(),
            hash: "h".into(),
            applied_hash: Some("h".into()),
        }
    }

    fn live(w: &Want, state: &str) -> Live {
        Live { config: w.config.clone(), state: state.into(), tasks: vec![(0, state.into())] }
    }

    fn names(set: &[&str]) -> BTreeSet<String> {
        set.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn create_update_and_deletion_candidates() {
        let a = want("a", &[("x", "1")]);
        let mut b = want("b", &[("x", "2")]);
        let mut off = want("off", &[]);
        off.enabled = false;
        let mut l: BTreeMap<String, Live> = BTreeMap::new();
        for (name, w) in [("b", want("b", &[("x", "1")])), ("off", off.clone())] {
            l.insert(name.into(), live(&w, "RUNNING"));
        }
        for name in ["gone", "foreign", "broken"] {
            l.insert(name.into(), live(&want(name, &[]), "RUNNING"));
        }
        let p = plan(&[a, b.clone(), off], &l, &names(&["gone", "off"]), &names(&["broken"]), false, |_| true);
        let verbs: Vec<(&str, &str)> = p.actions.iter().map(|a| (a.name(), a.verb())).collect();
        assert_eq!(verbs, [("a", "create"), ("b", "update")]);
        let deletion = |name: &str, why, owned, frozen| Deletion { name: name.into(), why, owned, frozen };
        assert_eq!(
            p.deletions,
            [
                deletion("off", Why::Disabled, true, false),
                deletion("broken", Why::Undeclared, false, true),
                deletion("gone", Why::Undeclared, true, false),
            ]
        );
        assert_eq!(p.unmanaged, ["foreign"], "never recorded, never declared: left alone");
        b.config.insert("x".into(), "1".into());
        assert!(plan(&[b], &l, &BTreeSet::new(), &BTreeSet::new(), false, |_| true).actions.is_empty());
    }

    #[test]
    fn cloud_compares_masked_values_through_the_hash() {
        let mut w = want("dg", &[("kafka.api.secret", "s3"), ("topic", "t")]);
        w.sensitive.insert("kafka.api.secret".into());
        let mut l = live(&w, "RUNNING");
        l.config.insert("kafka.api.secret".into(), "****************".into());
        l.config.insert("kafka.endpoint".into(), "SASL_SSL://x".into());
        assert!(!differs(&w, &l, true), "masked secret and server-added keys are not a difference");
        w.hash = "changed".into();
        assert!(differs(&w, &l, true), "a changed secret is still applied");
    }

    #[test]
    fn state_and_restarts() {
        let none = BTreeSet::new();
        let mut w = want("a", &[]);
        w.state = State::Paused;
        let l: BTreeMap<String, Live> = [("a".to_owned(), live(&w, "RUNNING"))].into();
        assert_eq!(
            plan(&[w.clone()], &l, &none, &none, false, |_| true).actions,
            vec![Action::SetState { name: "a".into(), to: State::Paused }]
        );
        w.state = State::Running;
        let failed: BTreeMap<String, Live> = [(
            "a".to_owned(),
            Live { config: w.config.clone(), state: "RUNNING".into(), tasks: vec![(0, "FAILED".into())] },
        )]
        .into();
        assert_eq!(
            plan(&[w.clone()], &failed, &none, &none, false, |_| true).actions,
            vec![Action::Restart { name: "a".into() }]
        );
        let backed_off = plan(&[w], &failed, &none, &none, false, |_| false);
        assert!(backed_off.actions.is_empty());
        assert_eq!(backed_off.backed_off, ["a"]);
    }
}
