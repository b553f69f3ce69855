//! The invariants, each a pure comparison of what the soak observed, returning violations
//! as sentences (empty: it holds).

use crate::model::{Acl, Declared, LKC, Model};
use crate::world::{FOREIGN_KEYS, FOREIGN_PRINCIPAL, FOREIGN_TOPICS, HAND_MADE_CONNECTOR, Observed};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A managed Secret as the cluster holds it: (name, key id, service-account id, resource id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delivered {
    pub secret: String,
    pub key: String,
    pub sa: String,
    pub resource: String,
}

pub fn delivered(objects: &[Value]) -> Vec<Delivered> {
    objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .filter(|o| o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "ccloud-api-key")
        .filter_map(|o| {
            let l = &o["metadata"]["labels"];
            let s = |k: &str| l[k].as_str().map(str::to_owned);
            Some(Delivered {
                secret: o["metadata"]["name"].as_str()?.to_owned(),
                key: s("ccops.io/key-id")?,
                sa: s("ccops.io/service-account-id")?,
                resource: s("ccops.io/resource-id")?,
            })
        })
        .collect()
}

/// One data value of a Secret, from `stringData` or base64 `data`.
pub fn secret_value(object: &Value, key: &str) -> Option<String> {
    if let Some(s) = object["stringData"][key].as_str() {
        return Some(s.to_owned());
    }
    let b = object["data"][key].as_str()?;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).ok()?).ok()
}

pub fn acl_line(id: &str, a: &Acl) -> String {
    let pattern = if a.prefix { "PREFIXED" } else { "LITERAL" };
    format!("User:{id} ALLOW TOPIC:{} {pattern} {} *", a.topic, a.operation.to_uppercase())
}

/// Invariant 1: nothing declared (valid or failing) that existed before a run is gone after it.
pub fn nothing_declared_deleted(
    declared: &Declared,
    before: &Observed,
    after: &Observed,
    secrets_before: &[Delivered],
) -> Vec<String> {
    let mut v = Vec::new();
    for t in &declared.topics {
        if before.topics.contains_key(t) && !after.topics.contains_key(t) {
            v.push(format!("declared topic {t} was deleted"));
        }
    }
    for sa in &declared.service_accounts {
        if let Some(id) = before.service_accounts.get(sa)
            && !after.service_accounts.values().any(|i| i == id)
        {
            v.push(format!("declared service account {sa} ({id}) was deleted"));
        }
    }
    for a in &declared.acls {
        let Some(id) = before.service_accounts.get(&a.sa) else { continue };
        let line = acl_line(id, a);
        if before.acls.contains(&line) && !after.acls.contains(&line) {
            v.push(format!("declared ACL `{line}` ({} in the spec) was deleted", a.sa));
        }
    }
    for c in &declared.connectors {
        if before.connectors.contains_key(c) && !after.connectors.contains_key(c) {
            v.push(format!("declared (enabled) connector {}/{} was deleted", c.0, c.1));
        }
    }
    let names: BTreeMap<&String, &String> = before.service_accounts.iter().map(|(n, i)| (i, n)).collect();
    for d in secrets_before {
        let Some(name) = names.get(&d.sa) else { continue };
        let pair = ((*name).clone(), d.resource.clone());
        if declared.keys.contains(&pair) && before.keys.contains_key(&d.key) && !after.keys.contains_key(&d.key) {
            v.push(format!(
                "key {} of declared pair ({name}, {}), delivered in Secret {}, was deleted",
                d.key, d.resource, d.secret
            ));
        }
    }
    v
}

/// What this deployment does not own, as one document.
pub fn foreign(o: &Observed) -> Value {
    let topics: BTreeMap<&str, &Value> =
        FOREIGN_TOPICS.iter().map(|t| (*t, o.topics.get(*t).unwrap_or(&Value::Null))).collect();
    let keys: BTreeMap<&str, Value> = FOREIGN_KEYS
        .iter()
        .map(|(k, _, _)| (*k, o.keys.get(*k).map_or(Value::Null, |k| json!([k.owner, k.resource, k.description]))))
        .collect();
    let acls: BTreeSet<&String> = o.acls.iter().filter(|a| a.starts_with(FOREIGN_PRINCIPAL)).collect();
    let connector = o.connectors.get(&("self".to_owned(), HAND_MADE_CONNECTOR.to_owned()));
    json!({"topics": topics, "keys": keys, "acls": acls, "connector": connector,
           "service_account": o.service_accounts.get("foreign-team")})
}

/// Invariant 2: the foreign resources are exactly as seeded.
pub fn foreign_untouched(initial: &Value, now: &Observed) -> Vec<String> {
    let now = foreign(now);
    let mut v = Vec::new();
    for part in ["topics", "keys", "acls", "connector", "service_account"] {
        if initial[part] != now[part] {
            v.push(format!("foreign {part} changed: was {}, now {}", initial[part], now[part]));
        }
    }
    v
}

/// Invariant 4: none of `secrets` occurs in `text` (named `what`).
pub fn no_secret_in(secrets: &BTreeSet<String>, what: &str, text: &str) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| s.len() >= 8 && text.contains(s.as_str()))
        .map(|s| format!("a secret ({}…, {} chars) appears in {what}", &s[..4], s.len()))
        .collect()
}

/// Invariant 3 (after convergence): per declared pair of a ConfigMap that is valid, exactly
/// one live key minted by this deployment, held by every Secret of the pair. Returns the
/// violations and the (key, secret) pairs of Kafka keys to authenticate with.
pub fn one_key_per_pair(
    model: &Model,
    observed: &Observed,
    objects: &[Value],
    orphans_are_violations: bool,
) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut v = Vec::new();
    let mut auth = Vec::new();
    let foreign: BTreeSet<&str> = FOREIGN_KEYS.iter().map(|k| k.0).collect();
    let delivered = delivered(objects);
    let mut pairs = BTreeSet::new();
    for cm in model.ccloud.iter().filter(|c| c.present && c.broken.is_none()) {
        pairs.extend(cm.keys.iter().map(|(s, r)| (s.clone(), *r)));
    }
    for (sa, res) in pairs {
        let Some(id) = observed.service_accounts.get(&sa) else {
            v.push(format!("declared service account {sa} does not exist after convergence"));
            continue;
        };
        let held: BTreeSet<&str> =
            delivered.iter().filter(|d| d.sa == *id && d.resource == res).map(|d| d.key.as_str()).collect();
        let live: Vec<&String> = observed
            .keys
            .iter()
            .filter(|(k, key)| key.owner == *id && key.resource == res && !foreign.contains(k.as_str()))
            .map(|(k, _)| k)
            .collect();
        if held.len() != 1 {
            v.push(format!("pair ({sa}, {res}): {} distinct keys in its Secrets ({held:?}), want 1", held.len()));
        }
        for k in &held {
            if !observed.keys.contains_key(*k) {
                v.push(format!("pair ({sa}, {res}): Secret holds key {k}, which does not exist"));
            }
        }
        // A key a Secret names as its previous one retires after ROTATION_GRACE (default 24 h,
        // measured by the hook's clock): live by design until then.
        let (retiring, orphans): (Vec<&&String>, Vec<&&String>) =
            live.iter().filter(|k| !held.contains(k.as_str())).partition(|k| {
                objects.iter().any(|o| o["metadata"]["annotations"]["ccops.io/previous-key-id"] == k.as_str())
            });
        if !retiring.is_empty() {
            let why: Vec<String> = retiring.iter().map(|k| provenance(k, observed, objects)).collect();
            v.push(format!("note: pair ({sa}, {res}): retiring within ROTATION_GRACE: {}", why.join(", ")));
        }
        if !orphans.is_empty() {
            let why: Vec<String> = orphans.iter().map(|k| provenance(k, observed, objects)).collect();
            let msg = format!(
                "pair ({sa}, {res}): {} live keys of this deployment; {} held by no Secret and older than ORPHAN_GRACE",
                live.len(),
                why.join(", ")
            );
            v.push(if orphans_are_violations {
                msg
            } else {
                format!("note: {msg} (not deleted: api-key deletion not allowed, no explicit INSTANCE_ID, or deletions held by MAX_DELETIONS_PER_RUN)")
            });
        }
        let of_pair: Vec<&Value> = objects
            .iter()
            .filter(|o| {
                o["kind"] == "Secret"
                    && o["metadata"]["labels"]["ccops.io/service-account-id"] == id.as_str()
                    && o["metadata"]["labels"]["ccops.io/resource-id"] == res
            })
            .collect();
        let secret = of_pair
            .iter()
            .find_map(|o| secret_value(o, "ccloud-api-key"))
            .and_then(|s| serde_json::from_str::<Value>(&s).ok());
        let Some(s) = secret else {
            v.push(format!("pair ({sa}, {res}): no Secret with ccloud-api-key data"));
            continue;
        };
        let (key, secret) = (s["key"].as_str().unwrap_or_default(), s["secret"].as_str().unwrap_or_default());
        // Every Secret of the pair (JAAS line, Schema Registry user info) carries that same key.
        for o in &of_pair {
            let data: Vec<String> = ["stringData", "data"]
                .iter()
                .flat_map(|f| o[*f].as_object().into_iter().flatten().map(|(k, _)| k.clone()))
                .filter_map(|k| secret_value(o, &k))
                .collect();
            if !data.iter().any(|d| d.contains(key) && d.contains(secret)) {
                let name = o["metadata"]["name"].as_str().unwrap_or_default();
                v.push(format!("pair ({sa}, {res}): Secret {name} does not carry the key {key} and its secret"));
            }
        }
        if res == LKC {
            auth.push((format!("({sa}, {res})"), key.to_owned(), secret.to_owned()));
        }
    }
    (v, auth)
}

/// A key's description and whether a Secret names it as the previous key of a rotation.
fn provenance(key: &str, observed: &Observed, objects: &[Value]) -> String {
    let description = observed.keys.get(key).map(|k| k.description.as_str()).unwrap_or_default();
    let previous = objects
        .iter()
        .filter(|o| o["kind"] == "Secret" && o["metadata"]["annotations"]["ccops.io/previous-key-id"] == key)
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect::<Vec<_>>();
    if previous.is_empty() {
        format!("{key} (\"{description}\", named by no Secret)")
    } else {
        format!("{key} (\"{description}\", previous key of {previous:?})")
    }
}

#[cfg(test)]
#[path = "invariants_tests.rs"]
mod tests;

/// Invariant 1b: every deletion a run made was allowed by the fail-closed switches:
/// `ALLOW_DELETE` names its kind, at most `MAX_DELETIONS_PER_RUN` (default 5) of them,
/// a topic only with a tombstone in a present ConfigMap and while none is broken, and
/// never a service account (the soak tombstones none).
pub fn deletions_authorised(
    model: &Model,
    deployment: &crate::harness::Deployment,
    before: &Observed,
    after: &Observed,
) -> Vec<String> {
    let mut v = Vec::new();
    let mut count = 0;
    let broken = model.ccloud.iter().any(|c| c.present && c.broken.is_some());
    let tombstoned: BTreeSet<&str> = model
        .ccloud
        .iter()
        .filter(|c| c.present)
        .flat_map(|c| c.topics.iter().filter(|t| t.tombstone).map(|t| t.name.as_str()))
        .collect();
    let mut refuse = |kind: &str, what: String, extra: Option<&str>| {
        count += 1;
        if !deployment.allows(kind) {
            v.push(format!("{what} was deleted, but ALLOW_DELETE={:?} does not allow {kind}", deployment.allow_delete));
        } else if let Some(why) = extra {
            v.push(format!("{what} was deleted, {why}"));
        }
    };
    for t in before.topics.keys().filter(|t| !after.topics.contains_key(*t)) {
        let why = if !tombstoned.contains(t.as_str()) {
            Some("but no present ConfigMap tombstones it")
        } else if broken {
            Some("while a ccloud ConfigMap is broken (it may declare the topic)")
        } else {
            None
        };
        refuse("topic", format!("topic {t}"), why);
    }
    for a in before.acls.iter().filter(|a| !after.acls.contains(*a)) {
        refuse("acl", format!("ACL `{a}`"), None);
    }
    for k in before.keys.keys().filter(|k| !after.keys.contains_key(*k)) {
        refuse("api-key", format!("key {k}"), None);
    }
    for (name, id) in
        before.service_accounts.iter().filter(|(_, id)| !after.service_accounts.values().any(|i| i == *id))
    {
        refuse("service-account", format!("service account {name} ({id})"), Some("but nothing tombstones it"));
    }
    // connect-apply always runs with `connector` allowed (the deployment base): a connector
    // deletion only counts, invariant 1 says which ones must never happen.
    count += before.connectors.keys().filter(|c| !after.connectors.contains_key(*c)).count();
    let max: usize = deployment.max_deletions.and_then(|m| m.parse().ok()).unwrap_or(5);
    if count > max {
        v.push(format!("{count} deletions in one run, above MAX_DELETIONS_PER_RUN={max}"));
    }
    v
}
