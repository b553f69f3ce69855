//! The binding shape the ccloud hooks share: one group holding the watched spec
//! ConfigMaps, any snapshot-only bindings, and a resync schedule, on the tool's own
//! queue. Every run then sees the full declared state in its snapshots, so combined
//! or missed events never lose work.

use reconcile::names::check_label_value;
use reconcile::settings::{Env, Setting, SettingError, Tool, defs};
use shell_hook::cron::validate_crontab;
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector, NamespaceSelector, ScheduleBinding};
use std::collections::BTreeMap;

pub const SPECS_BINDING: &str = "specs";

/// Keeps only what the tools read, so label and annotation edits (including the status
/// the hooks write) never re-trigger them.
pub const SPECS_JQ_FILTER: &str = "{name: .metadata.name, namespace: .metadata.namespace, data: .data}";

/// Which ConfigMaps to watch and how often to reconcile without an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingSettings {
    pub labels: BTreeMap<String, String>,
    pub namespaces: Vec<String>,
    pub schedule: String,
    /// The hook's own namespace (records live there).
    pub own_namespace: String,
}

impl BindingSettings {
    /// Explicit labels (each tool reads its own selector setting), `namespaces` (empty:
    /// the own namespace) and `schedule` (empty: the table's default).
    pub fn with_labels(
        labels: BTreeMap<String, String>,
        namespaces: Vec<String>,
        schedule: String,
        own_namespace: &str,
    ) -> Self {
        let namespaces = if namespaces.is_empty() { vec![own_namespace.to_owned()] } else { namespaces };
        let schedule = if schedule.trim().is_empty() {
            defs::RESYNC_SCHEDULE.default.unwrap_or_default().to_owned()
        } else {
            schedule
        };
        Self { labels, namespaces, schedule, own_namespace: own_namespace.to_owned() }
    }

    /// The ccloud tools' binding from the settings table: `CCLOUD_SPEC_SELECTOR`,
    /// `WATCH_NAMESPACES`, `RESYNC_SCHEDULE`. A bad value is an error (the run reports it
    /// and changes nothing); [`BindingSettings::ccloud_or_default`] is for `--config`.
    pub fn ccloud(env: &Env<'_>, own_namespace: &str) -> Result<Self, SettingError> {
        Self::from_table(env, &defs::CCLOUD_SPEC_SELECTOR, own_namespace)
    }

    /// [`BindingSettings::ccloud`], with the default of every bad setting: `--config` must
    /// print a valid configuration whatever the environment holds, or shell-operator does
    /// not start at all.
    pub fn ccloud_or_default(env: &Env<'_>, own_namespace: &str) -> Self {
        Self::from_table_or_default(env, &defs::CCLOUD_SPEC_SELECTOR, own_namespace)
    }

    /// The binding from the table with `selector` as the tool's label setting.
    pub fn from_table(env: &Env<'_>, selector: &Setting, own_namespace: &str) -> Result<Self, SettingError> {
        let labels = env.selector(selector)?;
        let namespaces = env.list(&defs::WATCH_NAMESPACES);
        if let Some((ns, e)) = namespaces.iter().find_map(|n| check_label_value(n).err().map(|e| (n, e))) {
            return Err(SettingError { name: defs::WATCH_NAMESPACES.name, message: format!("{ns:?}: {e}") });
        }
        let schedule = env.text(&defs::RESYNC_SCHEDULE).unwrap_or_default();
        validate_crontab(&schedule).map_err(|message| SettingError { name: defs::RESYNC_SCHEDULE.name, message })?;
        Ok(Self::with_labels(labels, namespaces, schedule, own_namespace))
    }

    /// [`BindingSettings::from_table`], each bad setting replaced by its default.
    pub fn from_table_or_default(env: &Env<'_>, selector: &Setting, own_namespace: &str) -> Self {
        let labels = env.selector(selector).unwrap_or_else(|_| default_labels(selector));
        let namespaces = env.list(&defs::WATCH_NAMESPACES);
        let namespaces = if namespaces.iter().all(|n| check_label_value(n).is_ok()) { namespaces } else { Vec::new() };
        let schedule = env.text(&defs::RESYNC_SCHEDULE).filter(|s| validate_crontab(s).is_ok()).unwrap_or_default();
        Self::with_labels(labels, namespaces, schedule, own_namespace)
    }

    /// The older reader (a lookup closure and a default selector), kept for callers not
    /// yet on the table; same rules as the table: empty is unset, and a selector that
    /// does not parse falls back to `default_selector` (never to an empty selector, which
    /// would watch every ConfigMap).
    pub fn from_env(env: impl Fn(&str) -> Option<String>, own_namespace: &str, default_selector: &str) -> Self {
        let env = Env::new(Tool::Topic, env);
        let mut s = Self::from_table_or_default(&env, &defs::CCLOUD_SPEC_SELECTOR, own_namespace);
        if env.value(&defs::CCLOUD_SPEC_SELECTOR).is_none() || env.selector(&defs::CCLOUD_SPEC_SELECTOR).is_err() {
            s.labels = parse_labels(default_selector);
        }
        s
    }

    pub fn namespace_selector(&self) -> NamespaceSelector {
        let names: Vec<&str> = self.namespaces.iter().map(String::as_str).collect();
        NamespaceSelector::names(&names)
    }
}

/// `k=v,k=v` as labels (a default from the table, known to be well formed).
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    text.split(',').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect()
}

fn default_labels(selector: &Setting) -> BTreeMap<String, String> {
    parse_labels(selector.default.unwrap_or_default())
}

/// The specs binding, `extra` bindings, and the resync schedule, all in `group` on queue `group`.
pub fn grouped_config(s: &BindingSettings, group: &str, extra: Vec<KubernetesBinding>) -> HookConfig {
    let mut specs = KubernetesBinding::new(SPECS_BINDING, "v1", "ConfigMap");
    specs.label_selector = Some(LabelSelector { match_labels: Some(s.labels.clone()), match_expressions: None });
    specs.namespace = Some(s.namespace_selector());
    specs.jq_filter = Some(SPECS_JQ_FILTER.into());
    let mut config = HookConfig::v1();
    for mut b in std::iter::once(specs).chain(extra) {
        b.group = Some(group.into());
        b.queue = Some(group.into());
        config = config.with_kubernetes(b);
    }
    let mut resync = ScheduleBinding::new("resync", &s.schedule);
    resync.group = Some(group.into());
    resync.queue = Some(group.into());
    config.with_schedule(resync)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<'static> {
        Env::new(Tool::Topic, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn empty_values_are_unset() {
        let e = env(&[("CCLOUD_SPEC_SELECTOR", ""), ("WATCH_NAMESPACES", ""), ("RESYNC_SCHEDULE", " ")]);
        let s = BindingSettings::ccloud(&e, "ops").unwrap();
        assert_eq!(s.labels, parse_labels("destination=ccloud"));
        assert_eq!((s.namespaces, s.schedule.as_str()), (vec!["ops".to_owned()], "*/5 * * * *"));
    }

    #[test]
    fn a_bad_selector_is_an_error_of_the_run_and_the_default_for_config() {
        let e = env(&[("CCLOUD_SPEC_SELECTOR", "destination")]);
        let err = BindingSettings::ccloud(&e, "ops").unwrap_err();
        assert!(err.to_string().starts_with("CCLOUD_SPEC_SELECTOR:"), "{err}");
        assert_eq!(BindingSettings::ccloud_or_default(&e, "ops").labels, parse_labels("destination=ccloud"));
        let old =
            BindingSettings::from_env(|k| (k == "CCLOUD_SPEC_SELECTOR").then(|| "destination".into()), "ops", "a=b");
        assert_eq!(old.labels, parse_labels("a=b"), "never an empty selector, which would match every ConfigMap");
    }

    #[test]
    fn bad_namespaces_and_schedules_are_errors() {
        assert!(BindingSettings::ccloud(&env(&[("WATCH_NAMESPACES", "ok,Not Valid")]), "ops").is_err());
        assert!(BindingSettings::ccloud(&env(&[("RESYNC_SCHEDULE", "every five minutes")]), "ops").is_err());
        let d = BindingSettings::ccloud_or_default(&env(&[("RESYNC_SCHEDULE", "nope")]), "ops");
        assert_eq!(d.schedule, "*/5 * * * *");
        let s = BindingSettings::ccloud(&env(&[("WATCH_NAMESPACES", "a, b"), ("RESYNC_SCHEDULE", "@every 1m")]), "ops");
        assert_eq!(s.unwrap().namespaces, ["a", "b"]);
    }
}
