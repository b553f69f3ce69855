//! What the hook keeps on each source ConfigMap besides its status: the keyed hash of the
//! sensitive values last applied to each managed Cloud connector (they come back masked),
//! and each connector's recent automatic restarts (for the back-off).

use crate::apply::{Applied, Step};
use crate::config::{APPLIED_ANNOTATION, RESTARTS_ANNOTATION};
use crate::desired::Desired;
use crate::key::ConnectorKey;
use crate::plan::Action;
use connect_client::Target;
use jiff::Timestamp;
use serde_json::json;
use shell_hook::{ConfigMapView, ObjectOperation, ObjectRef};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceNotes {
    /// Connector → keyed hash of the sensitive values last applied.
    pub applied: BTreeMap<String, String>,
    /// Connector → times of its automatic restarts in the last hour.
    pub restarts: BTreeMap<String, Vec<String>>,
}

impl SourceNotes {
    /// Unreadable annotations read as empty: the worst outcome is one extra PUT or restart.
    pub fn read(view: &ConfigMapView) -> Self {
        fn parse<T: serde::de::DeserializeOwned + Default>(view: &ConfigMapView, key: &str) -> T {
            view.annotations.get(key).and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
        }
        Self { applied: parse(view, APPLIED_ANNOTATION), restarts: parse(view, RESTARTS_ANNOTATION) }
    }

    pub fn restarts_of(&self, name: &str) -> Vec<Timestamp> {
        self.restarts.get(name).into_iter().flatten().filter_map(|t| t.parse().ok()).collect()
    }

    pub fn restarted(&mut self, name: &str, now: Timestamp) {
        let list = self.restarts.entry(name.to_owned()).or_default();
        list.push(now.to_string());
        list.retain(|t| t.parse::<Timestamp>().is_ok_and(|t| now.duration_since(t).as_secs() < 3600));
    }

    /// Forgets connectors the ConfigMap no longer declares, so the annotations stay bounded.
    pub fn retain(&mut self, declared: &BTreeSet<&str>) {
        self.applied.retain(|name, _| declared.contains(name.as_str()));
        self.restarts.retain(|name, _| declared.contains(name.as_str()));
    }

    pub fn patch(&self, view: &ConfigMapView) -> ObjectOperation {
        let patch = json!({"metadata": {"annotations": {
            APPLIED_ANNOTATION: serde_json::to_string(&self.applied).unwrap_or_default(),
            RESTARTS_ANNOTATION: serde_json::to_string(&self.restarts).unwrap_or_default(),
        }}});
        ObjectOperation::merge_patch(ObjectRef::new("v1", "ConfigMap", &view.namespace, &view.name), patch, true)
    }
}

/// The notes after a run (never changed by a dry run): the hash of each Cloud connector
/// put, each restart made; connectors a ConfigMap no longer declares are forgotten, unless
/// one of its declarations failed (the connector may still be declared there).
pub fn after_run(
    notes: &mut BTreeMap<String, SourceNotes>,
    desired: &Desired,
    steps: &[(Target, Vec<Step>)],
    now: Timestamp,
) {
    for (target, steps) in steps {
        for step in steps.iter().filter(|s| matches!(s.result, Ok(Applied::Done))) {
            let Some(d) = desired.connectors.get(&ConnectorKey::new(target.clone(), step.action.name())) else {
                continue;
            };
            let Some(n) = notes.get_mut(&d.source) else { continue };
            match &step.action {
                Action::Put { .. } if matches!(target, Target::Cloud { .. }) => {
                    n.applied.insert(d.want.name.clone(), d.want.hash.clone());
                }
                Action::Restart { name } => n.restarted(name, now),
                _ => {}
            }
        }
    }
    for (source, n) in notes.iter_mut().filter(|(s, _)| !desired.failing_sources.contains(*s)) {
        let declared: BTreeSet<&str> =
            desired.connectors.values().filter(|d| d.source == *source).map(|d| d.want.name.as_str()).collect();
        n.retain(&declared);
    }
}

/// At most `max` restarts in the last hour, spaced 1, 2, 4… minutes apart.
pub fn restart_allowed(history: &[Timestamp], now: Timestamp, max: usize) -> bool {
    let recent: Vec<&Timestamp> = history.iter().filter(|t| now.duration_since(**t).as_secs() < 3600).collect();
    if recent.len() >= max {
        return false;
    }
    match recent.iter().max() {
        None => true,
        Some(last) => now.duration_since(**last).as_secs() >= 60 * (1 << recent.len().saturating_sub(1).min(6)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_and_expire() {
        let now: Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let ago = |mins: i64| now - jiff::SignedDuration::from_mins(mins);
        assert!(restart_allowed(&[], now, 3));
        assert!(!restart_allowed(&[ago(0)], now, 3), "the second restart waits a minute");
        assert!(restart_allowed(&[ago(2)], now, 3));
        assert!(!restart_allowed(&[ago(10), ago(1)], now, 3), "the third waits two minutes");
        assert!(!restart_allowed(&[ago(30), ago(20), ago(10)], now, 3), "at most 3 an hour");
        assert!(restart_allowed(&[ago(90), ago(80), ago(70)], now, 3), "older than an hour");
        let mut notes = SourceNotes::default();
        notes.restarted("a", ago(70));
        notes.restarted("a", now);
        assert_eq!(notes.restarts_of("a"), [now]);
        notes.retain(&BTreeSet::new());
        assert_eq!(notes, SourceNotes::default());
    }
}
