//! What `env` holds for a template: the variables `CONNECT_TEMPLATE_ENV` allows, never the
//! toolkit's own credentials, and the `KAFKA_API_KEY`/`KAFKA_API_SECRET` that the original
//! connect-operator derived from the properties' JAAS line.
//!
//! Connect serves connector configs back to whoever may read them, so anything a template
//! can read, anyone who may create a `destination=connect` ConfigMap can read too.

use super::Variables;
use reconcile::settings::{ALL, Type, defs};
use std::collections::BTreeMap;

/// The toolkit's credentials in its own environment: never readable by a template, even
/// when listed. Every setting the table types as a secret is added to these.
const CREDENTIALS: &[&str] = &[
    defs::CONFLUENT_CLOUD_API_KEY.name,
    defs::CONFLUENT_CLOUD_API_SECRET.name,
    defs::KAFKA_API_KEY.name,
    defs::KAFKA_API_SECRET.name,
    defs::CONNECT_BASIC_AUTH_USER.name,
    defs::CONNECT_BASIC_AUTH_PASSWORD.name,
];

/// Whether `name` is one of the toolkit's own credential variables.
pub fn is_credential(name: &str) -> bool {
    CREDENTIALS.contains(&name) || ALL.iter().any(|s| s.ty == Type::Secret && s.name == name)
}

/// The allowlist: `CONNECT_TEMPLATE_ENV`, comma-separated, else its default.
pub fn allowlist(lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let setting = &defs::CONNECT_TEMPLATE_ENV;
    let text = lookup(setting.name).filter(|v| !v.trim().is_empty()).or(setting.default.map(str::to_owned));
    text.unwrap_or_default().split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

/// The map behind `env`/`$ENV`. A credential in the allowlist is left out and reported
/// (the error names it, never its value); the rest of the map is still usable.
pub fn template_env(
    lookup: impl Fn(&str) -> Option<String>,
    vars: &Variables,
) -> (BTreeMap<String, String>, Option<String>) {
    let listed = allowlist(&lookup);
    let (refused, allowed): (Vec<String>, Vec<String>) = listed.into_iter().partition(|n| is_credential(n));
    let mut env: BTreeMap<String, String> =
        allowed.into_iter().filter_map(|n| Some((n.clone(), lookup(&n)?))).collect();
    if let Some((key, secret)) = vars.jaas_credentials() {
        env.insert(defs::KAFKA_API_KEY.name.into(), key);
        env.insert(defs::KAFKA_API_SECRET.name.into(), secret);
    }
    let error = (!refused.is_empty()).then(|| {
        format!(
            "{} lists {}: the toolkit's own credentials are never readable by connector templates (KAFKA_API_KEY/KAFKA_API_SECRET come from the sasl.jaas.config properties line)",
            defs::CONNECT_TEMPLATE_ENV.name,
            refused.join(", ")
        )
    });
    (env, error)
}
