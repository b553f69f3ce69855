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

/// What one connector should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    /// The full config as Connect stores it (`name` included).
    pub config: BTreeMap<String, String>,
    pub enabled: bool,
    /// `running`, `paused` or `stopped`.
    pub state: String,
    /// Cloud: keys compared through `hash` (their values come back masked).
    pub sensitive: BTreeSet<String>,
    /// Cloud: keyed hash of the sensitive values now, and when last applied.
    pub hash: String,
    pub applied_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Put { name: String, create: bool },
    SetState { name: String, verb: &'static str },
    Restart { name: String },
    Delete { name: String, why: String },
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
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPlan {
    pub actions: Vec<Action>,
    pub refusals: Vec<(String, String)>,
    pub in_sync: Vec<String>,
    /// Connectors on the target this hook never managed (left alone).
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

/// `recorded`: connectors this hook created on this target before (from the record).
pub fn plan(
    wants: &[Want],
    live: &BTreeMap<String, Live>,
    recorded: &BTreeSet<String>,
    cloud: bool,
    may_restart: impl Fn(&str) -> bool,
) -> TargetPlan {
    let mut out = TargetPlan::default();
    let declared: BTreeSet<&str> = wants.iter().map(|w| w.name.as_str()).collect();
    for w in wants {
        let current = live.get(&w.name);
        if !w.enabled {
            match current {
                Some(_) => out.actions.push(Action::Delete {
                    name: w.name.clone(),
                    why: "the ConfigMap's enabled label is not \"true\"".into(),
                }),
                None => out.in_sync.push(w.name.clone()),
            }
            continue;
        }
        if cloud && w.state == "stopped" {
            out.refusals
                .push((w.name.clone(), "Confluent Cloud managed connectors cannot be stopped (use paused)".into()));
            continue;
        }
        let mut changed = false;
        let live_state = match current {
            None => {
                out.actions.push(Action::Put { name: w.name.clone(), create: true });
                changed = true;
                "RUNNING"
            }
            Some(l) => {
                if differs(w, l, cloud) {
                    out.actions.push(Action::Put { name: w.name.clone(), create: false });
                    changed = true;
                }
                l.state.as_str()
            }
        };
        let verb = match (w.state.as_str(), live_state) {
            // Pause sets Connect's target state whatever the runtime state (a FAILED or
            // UNASSIGNED connector declared paused must not start running later).
            ("paused", s) if s != "PAUSED" => Some("pause"),
            ("running", "PAUSED" | "STOPPED") => Some("resume"),
            ("stopped", s) if s != "STOPPED" => Some("stop"),
            _ => None,
        };
        if let Some(verb) = verb {
            out.actions.push(Action::SetState { name: w.name.clone(), verb });
            changed = true;
        }
        if w.state == "running" && current.is_some_and(Live::failed) {
            if may_restart(&w.name) {
                out.actions.push(Action::Restart { name: w.name.clone() });
                changed = true;
            } else {
                out.refusals.push((w.name.clone(), "FAILED; automatic restarts are used up for now (back-off)".into()));
            }
        }
        if !changed {
            out.in_sync.push(w.name.clone());
        }
    }
    for name in live.keys().filter(|n| !declared.contains(n.as_str())) {
        if recorded.contains(name) {
            out.actions.push(Action::Delete {
                name: name.clone(),
                why: "no longer declared (its ConfigMap or data key is gone)".into(),
            });
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
            state: "running".into(),
            sensitive: BTreeSet::new(),
            hash: "h".into(),
            applied_hash: Some("h".into()),
        }
    }

    fn live(w: &Want, state: &str) -> Live {
        Live { config: w.config.clone(), state: state.into(), tasks: vec![(0, state.into())] }
    }

    #[test]
    fn create_update_delete_and_orphans() {
        let a = want("a", &[("x", "1")]);
        let mut b = want("b", &[("x", "2")]);
        let mut off = want("off", &[]);
        off.enabled = false;
        let mut l: BTreeMap<String, Live> = BTreeMap::new();
        l.insert("b".into(), live(&want("b", &[("x", "1")]), "RUNNING"));
        l.insert("off".into(), live(&off, "RUNNING"));
        l.insert("gone".into(), live(&want("gone", &[]), "RUNNING"));
        l.insert("foreign".into(), live(&want("foreign", &[]), "RUNNING"));
        let p = plan(&[a, b.clone(), off], &l, &["gone".to_owned()].into(), false, |_| true);
        let names: Vec<(String, &str)> = p
            .actions
            .iter()
            .map(|a| {
                (
                    a.name().to_owned(),
                    match a {
                        Action::Put { create: true, .. } => "create",
                        Action::Put { .. } => "update",
                        Action::Delete { .. } => "delete",
                        _ => "other",
                    },
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![("a".into(), "create"), ("b".into(), "update"), ("off".into(), "delete"), ("gone".into(), "delete")]
        );
        assert_eq!(p.unmanaged, ["foreign"]);
        b.config.insert("x".into(), "1".into());
        assert!(plan(&[b], &l, &BTreeSet::new(), false, |_| true).actions.is_empty());
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
        let mut w = want("a", &[]);
        w.state = "paused".into();
        let l: BTreeMap<String, Live> = [("a".to_owned(), live(&w, "RUNNING"))].into();
        assert_eq!(
            plan(&[w.clone()], &l, &BTreeSet::new(), false, |_| true).actions,
            vec![Action::SetState { name: "a".into(), verb: "pause" }]
        );
        w.state = "stopped".into();
        assert!(!plan(&[w.clone()], &l, &BTreeSet::new(), true, |_| true).refusals.is_empty(), "Cloud has no stop");
        w.state = "running".into();
        let failed: BTreeMap<String, Live> = [(
            "a".to_owned(),
            Live { config: w.config.clone(), state: "RUNNING".into(), tasks: vec![(0, "FAILED".into())] },
        )]
        .into();
        assert_eq!(
            plan(&[w.clone()], &failed, &BTreeSet::new(), false, |_| true).actions,
            vec![Action::Restart { name: "a".into() }]
        );
        assert!(plan(&[w], &failed, &BTreeSet::new(), false, |_| false).actions.is_empty());
    }
}
