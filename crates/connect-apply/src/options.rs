//! connect-apply's settings, every one read through the settings table
//! (`reconcile::settings::defs`) as `Tool::Connect`: a variable of another tool (such as
//! `CCLOUD_SPEC_SELECTOR`, in the same container) is never read here.

use api_http::Credentials;
use hook_reconcile::binding::BindingSettings;
use hook_reconcile::record::RecordOwner;
use reconcile::settings::{Env, SettingError, defs};
use reconcile::{DeletionPolicy, owner};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Options {
    pub connect_url: String,
    pub connect_auth: Option<Credentials>,
    pub connect_ca: Option<PathBuf>,
    pub properties_dir: PathBuf,
    pub auto_restart: bool,
    pub max_restarts_per_hour: usize,
    /// Connectors changed at the same time.
    pub concurrency: usize,
    pub own_namespace: String,
    pub cloud_endpoint: String,
    pub cloud_credentials: Option<Credentials>,
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN`, `PROTECTED_RESOURCES` (kind `connector`).
    pub deletion: DeletionPolicy,
    /// Whose record this deployment reads and writes: two deployments in one namespace
    /// (another selector, other namespaces, another `INSTANCE_ID`) never share one, or each
    /// would delete the other's connectors as its own undeclared ones.
    pub record: RecordOwner,
}

impl Options {
    pub fn from_env(env: &Env<'_>, own_namespace: &str) -> Result<Self, SettingError> {
        let text = |s: &defs::Setting| env.text(s).unwrap_or_default();
        Ok(Self {
            connect_url: text(&defs::CONNECT_URL).trim_end_matches('/').to_owned(),
            connect_auth: pair(env, &defs::CONNECT_BASIC_AUTH_USER, &defs::CONNECT_BASIC_AUTH_PASSWORD)?,
            connect_ca: env.value(&defs::CONNECT_CA_FILE).map(PathBuf::from),
            properties_dir: PathBuf::from(text(&defs::CONNECT_PROPERTIES_DIR)),
            auto_restart: env.bool(&defs::AUTO_RESTART)?,
            max_restarts_per_hour: env.count(&defs::MAX_RESTARTS_PER_HOUR)?,
            concurrency: env.count(&defs::CONCURRENCY)?.max(1),
            own_namespace: own_namespace.to_owned(),
            cloud_endpoint: text(&defs::CONFLUENT_CLOUD_ENDPOINT).trim_end_matches('/').to_owned(),
            cloud_credentials: pair(env, &defs::CONFLUENT_CLOUD_API_KEY, &defs::CONFLUENT_CLOUD_API_SECRET)?,
            deletion: DeletionPolicy::from_env(env)?,
            record: record_owner(&binding(env, own_namespace)?, instance(env)?.as_deref()),
        })
    }
}

/// `INSTANCE_ID` (or `INSTANCE_NAME`), checked as every tool checks it.
fn instance(env: &Env<'_>) -> Result<Option<String>, SettingError> {
    let id = env.text(&defs::INSTANCE_ID);
    if let Some(id) = &id {
        owner::valid_instance(id).map_err(|message| SettingError { name: defs::INSTANCE_ID.name, message })?;
    }
    Ok(id)
}

/// The owner of this deployment's record, for `binding`.
pub fn record_owner(binding: &BindingSettings, instance: Option<&str>) -> RecordOwner {
    let default = defs::CONNECT_SPEC_SELECTOR.default.unwrap_or_default();
    RecordOwner::new(crate::config::TOOL, binding, default, instance)
}

/// [`record_owner`] for `--config`, which never fails: an invalid `INSTANCE_ID` still names
/// a record (the run then refuses to start, so it is never written).
pub fn record_owner_or_default(env: &Env<'_>, binding: &BindingSettings) -> RecordOwner {
    record_owner(binding, env.text(&defs::INSTANCE_ID).as_deref())
}

/// A user and its secret: both or neither.
fn pair(env: &Env<'_>, user: &defs::Setting, secret: &defs::Setting) -> Result<Option<Credentials>, SettingError> {
    match (env.value(user), env.value(secret)) {
        (Some(u), Some(s)) => Ok(Some(Credentials::new(u, s))),
        (None, None) => Ok(None),
        _ => Err(SettingError {
            name: user.name,
            message: format!("set both {} and {}, or neither", user.name, secret.name),
        }),
    }
}

/// The own namespace: `POD_NAMESPACE`, else the service account's namespace file, else `default`.
pub fn own_namespace(env: &Env<'_>) -> String {
    env.value(&defs::POD_NAMESPACE).unwrap_or_else(hook_reconcile::own_namespace)
}

/// Which ConfigMaps the hook watches: `CONNECT_SPEC_SELECTOR`, `WATCH_NAMESPACES`,
/// `RESYNC_SCHEDULE`. A bad value is an error of the run; [`binding_or_default`] is for
/// `--config`, which must never fail.
pub fn binding(env: &Env<'_>, own_namespace: &str) -> Result<BindingSettings, SettingError> {
    BindingSettings::from_table(env, &defs::CONNECT_SPEC_SELECTOR, own_namespace)
}

/// [`binding`] with the default of every bad setting: the run then reports the error (see
/// `main`), and `--config` still prints a valid configuration.
pub fn binding_or_default(env: &Env<'_>, own_namespace: &str) -> BindingSettings {
    BindingSettings::from_table_or_default(env, &defs::CONNECT_SPEC_SELECTOR, own_namespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconcile::Kind;
    use reconcile::settings::Tool;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<'static> {
        Env::new(Tool::Connect, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn defaults() {
        let o = Options::from_env(&env(&[]), "ns").unwrap();
        assert_eq!((o.connect_url.as_str(), o.auto_restart, o.max_restarts_per_hour), ("http://connect", true, 3));
        assert_eq!((o.concurrency, o.cloud_endpoint.as_str()), (8, "https://api.confluent.cloud"));
        assert!(o.deletion.allowed.is_empty(), "nothing is deleted unless ALLOW_DELETE says so");
        let b = binding(&env(&[]), "ns").unwrap();
        assert_eq!(b.labels, [("destination".to_owned(), "connect".to_owned())].into());
        assert_eq!((b.namespaces.as_slice(), b.schedule.as_str()), (&["ns".to_owned()][..], "*/5 * * * *"));
    }

    #[test]
    fn only_connect_settings_are_read() {
        let e = env(&[
            ("CCLOUD_SPEC_SELECTOR", "destination=ccloud,variant=dev"),
            ("ALLOW_DELETE", "connector"),
            ("AUTO_RESTART", "0"),
            ("CONNECT_URL", "http://worker:8083/"),
        ]);
        assert_eq!(binding(&e, "ns").unwrap().labels["destination"], "connect");
        let o = Options::from_env(&e, "ns").unwrap();
        assert_eq!(o.deletion.allowed, [Kind::Connector].into());
        assert!(!o.auto_restart);
        assert_eq!(o.connect_url, "http://worker:8083");
    }

    #[test]
    fn bad_values_are_errors_of_the_run_never_of_config() {
        let e = env(&[("CONNECT_SPEC_SELECTOR", "destination")]);
        assert_eq!(binding(&e, "ns").unwrap_err().name, "CONNECT_SPEC_SELECTOR");
        assert_eq!(binding_or_default(&e, "ns").labels["destination"], "connect");
        let half = env(&[("CONNECT_BASIC_AUTH_PASSWORD", "hunter2")]);
        let err = Options::from_env(&half, "ns").unwrap_err().to_string();
        assert!(err.contains("CONNECT_BASIC_AUTH_USER") && !err.contains("hunter2"), "{err}");
        assert!(Options::from_env(&env(&[("MAX_RESTARTS_PER_HOUR", "many")]), "ns").is_err());
        assert!(Options::from_env(&env(&[("ALLOW_DELETE", "connectors")]), "ns").is_err());
    }
}
