//! The run's settings, read through the one settings table.

use reconcile::settings::{Env, SettingError, defs};
use reconcile::{DeletionPolicy, OwnerToken, owner};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Options {
    /// `ALLOW_DELETE`, `MAX_DELETIONS_PER_RUN`, `PROTECTED_RESOURCES`: every key, ACL and
    /// account deletion of the run goes through them at once.
    pub deletion: DeletionPolicy,
    pub default_max_age: Option<Duration>,
    pub rotation_grace: Duration,
    pub orphan_grace: Duration,
    /// Wait (bounded) until a new Kafka key authenticates; zero: do not wait.
    pub key_ready_timeout: Duration,
    /// Written into every key description; matched exactly, never by prefix.
    pub owner: OwnerToken,
    /// `INSTANCE_ID` was set. Without it the instance is the namespace, which another
    /// Kubernetes cluster may share, so a key is deleted only when this deployment
    /// recorded it in its own Secrets.
    pub explicit_instance: bool,
    pub concurrency: usize,
}

impl Options {
    pub fn from_env(env: &Env<'_>, own_namespace: &str) -> Result<Self, SettingError> {
        let explicit = env.text(&defs::INSTANCE_ID);
        let instance = explicit.clone().unwrap_or_else(|| own_namespace.to_owned());
        // The namespace too: it is part of the token, which must stay one plain word.
        owner::valid_instance(&instance).map_err(|message| SettingError { name: defs::INSTANCE_ID.name, message })?;
        Ok(Self {
            deletion: DeletionPolicy::from_env(env)?,
            default_max_age: env.optional_duration(&defs::API_KEY_MAX_AGE)?,
            rotation_grace: env.duration(&defs::ROTATION_GRACE)?,
            orphan_grace: env.duration(&defs::ORPHAN_GRACE)?,
            key_ready_timeout: env.duration(&defs::KEY_READY_TIMEOUT)?,
            // Without an id the token says "namespace", which no explicit id can spell: an
            // explicit `default` never claims the keys of the namespace `default` elsewhere.
            owner: match &explicit {
                Some(id) => OwnerToken::new(crate::config::TOOL, id.clone()),
                None => OwnerToken::implicit(crate::config::TOOL, own_namespace),
            },
            explicit_instance: explicit.is_some(),
            concurrency: env.count(&defs::CONCURRENCY)?.max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconcile::settings::Tool;

    fn options(pairs: &'static [(&'static str, &'static str)]) -> Result<Options, SettingError> {
        let env = Env::new(Tool::ApiKey, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()));
        Options::from_env(&env, "default")
    }

    #[test]
    fn instance_id_is_explicit_or_the_namespace() {
        let o = options(&[]).unwrap();
        assert_eq!((o.owner.to_string(), o.explicit_instance), ("ccops/ccloud-api-key/ns:default".into(), false));
        let o = options(&[("INSTANCE_NAME", "prd-eu")]).unwrap();
        assert_eq!((o.owner.instance.as_str(), o.explicit_instance), ("prd-eu", true));
        assert!(options(&[("INSTANCE_ID", "Prod_EU")]).is_err());
        assert!(options(&[("ALLOW_DELETE", "keys")]).is_err());
        assert!(o.deletion.allowed.is_empty(), "nothing is deleted unless ALLOW_DELETE says so");
    }
}
