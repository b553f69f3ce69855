//! The identity part: `service-accounts`, `environments[].kafka[].acl[]`,
//! `environments[].kafka[].api-key[]` and `environments[].schema-registry.api-key[]`.

use crate::{ClusterRef, ConfigMapView, Cursor, SpecError, clusters};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountSpec {
    pub name: String,
    pub description: String,
    /// Extension `"delete": true`.
    pub tombstone: bool,
    pub source: String,
}

/// One ACL binding a control expands to (one per operation).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AclControl {
    /// Kafka REST enum names: `TOPIC`, `GROUP`, `CLUSTER`, `TRANSACTIONAL_ID`.
    pub resource_type: String,
    pub resource_name: String,
    /// `LITERAL` or `PREFIXED`.
    pub pattern_type: String,
    pub operation: String,
    /// `ALLOW` or `DENY`.
    pub permission: String,
}

/// The ACLs declared for one service account on one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclGrant {
    pub cluster: ClusterRef,
    pub service_account: String,
    pub controls: Vec<AclControl>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyResource {
    Kafka(ClusterRef),
    /// The Schema Registry of an environment.
    SchemaRegistry {
        environment: String,
    },
}

/// "This service account needs a key for this resource."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRequest {
    pub service_account: String,
    pub resource: KeyResource,
    /// Extension `"max-age"` (a Go duration such as `"720h"`): rotate older keys.
    pub max_age: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identities {
    pub service_accounts: Vec<ServiceAccountSpec>,
    pub grants: Vec<AclGrant>,
    pub keys: Vec<ApiKeyRequest>,
    /// Things the declaration's author should know that do not reject it (a rewritten
    /// wildcard), each naming the ConfigMap.
    pub notices: Vec<String>,
}

/// Original lower-case operation names, and the Kafka REST names they mean.
const OPERATIONS: [(&str, &str); 11] = [
    ("all", "ALL"),
    ("read", "READ"),
    ("write", "WRITE"),
    ("create", "CREATE"),
    ("delete", "DELETE"),
    ("alter", "ALTER"),
    ("describe", "DESCRIBE"),
    ("cluster-action", "CLUSTER_ACTION"),
    ("describe-configs", "DESCRIBE_CONFIGS"),
    ("alter-configs", "ALTER_CONFIGS"),
    ("idempotent-write", "IDEMPOTENT_WRITE"),
];

const RESOURCES: [(&str, &str); 4] = [
    ("topic", "TOPIC"),
    ("consumer-group", "GROUP"),
    ("cluster-scope", "CLUSTER"),
    ("transactional-id", "TRANSACTIONAL_ID"),
];

fn operation(name: &str) -> Option<&'static str> {
    let name = name.trim();
    OPERATIONS.iter().find(|(orig, rest)| *orig == name || *rest == name).map(|(_, rest)| *rest)
}

/// The data keys a `destination=ccloud` ConfigMap may hold. Any other is a typo of one
/// of them (`environment`), which would otherwise declare nothing, silently, and so make
/// everything the ConfigMap declared before look undeclared: it rejects the ConfigMap.
const DATA_KEYS: [&str; 2] = ["service-accounts", "environments"];

/// Rejects a ConfigMap with a data key that no tool reads (see [`DATA_KEYS`]); every tool
/// reading these ConfigMaps calls it, so a typo is reported by each of them.
pub fn check_data_keys(cm: &ConfigMapView) -> Result<(), SpecError> {
    match cm.data.keys().find(|k| !DATA_KEYS.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(SpecError {
            configmap: cm.id(),
            key: key.clone(),
            field: "(key)".into(),
            message: format!("unknown data key (expected one of: {})", DATA_KEYS.join(", ")),
        }),
    }
}

/// Everything identity-related a ConfigMap declares; an error rejects the whole ConfigMap.
pub fn identities(cm: &ConfigMapView) -> Result<Identities, SpecError> {
    check_data_keys(cm)?;
    let mut out = Identities::default();
    let sa = Cursor { cm, key: "service-accounts" };
    if let Some(list) = sa.json()? {
        for (i, item) in sa.array(&list, "")?.iter().enumerate() {
            let at = format!("[{i}]");
            sa.known_keys(item, &at, &["name", "description", "delete"])?;
            out.service_accounts.push(ServiceAccountSpec {
                name: sa.string(&item["name"], &format!("{at}.name"))?,
                description: sa
                    .optional_string(&item["description"], &format!("{at}.description"))?
                    .unwrap_or_default(),
                tombstone: sa.flag(&item["delete"], &format!("{at}.delete"))?,
                source: cm.id(),
            });
        }
    }
    let c = Cursor { cm, key: "environments" };
    let Some(envs) = c.json()? else { return Ok(out) };
    for (i, env) in c.array(&envs, "")?.iter().enumerate() {
        let sr = &env["schema-registry"];
        if sr.is_null() {
            continue;
        }
        let at = format!("[{i}].schema-registry");
        c.known_keys(sr, &at, &["cloud", "geo", "api-key"])?;
        let environment = c.string(&env["name"], &format!("[{i}].name"))?;
        for (j, key) in c.array(&sr["api-key"], &format!("{at}.api-key"))?.iter().enumerate() {
            let resource = KeyResource::SchemaRegistry { environment: environment.clone() };
            out.keys.push(key_request(&c, key, &format!("{at}.api-key[{j}]"), resource)?);
        }
    }
    for (cluster, at, kafka) in clusters(&c, &envs)? {
        for (j, key) in c.array(&kafka["api-key"], &format!("{at}.api-key"))?.iter().enumerate() {
            out.keys.push(key_request(&c, key, &format!("{at}.api-key[{j}]"), KeyResource::Kafka(cluster.clone()))?);
        }
        for (j, acl) in c.array(&kafka["acl"], &format!("{at}.acl"))?.iter().enumerate() {
            let at = format!("{at}.acl[{j}]");
            c.known_keys(acl, &at, &["service-account", "controls"])?;
            let service_account = c.string(&acl["service-account"], &format!("{at}.service-account"))?;
            let mut controls = Vec::new();
            for (k, control) in c.array(&acl["controls"], &format!("{at}.controls"))?.iter().enumerate() {
                controls.extend(parse_control(&c, control, &format!("{at}.controls[{k}]"), &mut out.notices)?);
            }
            out.grants.push(AclGrant { cluster: cluster.clone(), service_account, controls, source: cm.id() });
        }
    }
    Ok(out)
}

fn key_request(c: &Cursor<'_>, key: &Value, at: &str, resource: KeyResource) -> Result<ApiKeyRequest, SpecError> {
    c.known_keys(key, at, &["service-account", "max-age"])?;
    Ok(ApiKeyRequest {
        service_account: c.string(&key["service-account"], &format!("{at}.service-account"))?,
        resource,
        max_age: c.optional_string(&key["max-age"], &format!("{at}.max-age"))?,
        source: c.cm.id(),
    })
}

fn parse_control(
    c: &Cursor<'_>,
    control: &Value,
    at: &str,
    notices: &mut Vec<String>,
) -> Result<Vec<AclControl>, SpecError> {
    c.known_keys(control, at, &["operation", "permission", "resource", "name", "prefix"])?;
    let resource = c.string(&control["resource"], &format!("{at}.resource"))?;
    let resource_type = RESOURCES
        .iter()
        .find(|(orig, rest)| *orig == resource || *rest == resource)
        .map(|(_, rest)| *rest)
        .ok_or_else(|| {
            c.error(
                &format!("{at}.resource"),
                format!("{resource:?} is not topic, consumer-group, cluster-scope or transactional-id"),
            )
        })?;
    let permission = match c.string(&control["permission"], &format!("{at}.permission"))?.as_str() {
        "allow" | "ALLOW" => "ALLOW",
        "deny" | "DENY" => "DENY",
        other => return Err(c.error(&format!("{at}.permission"), format!("{other:?} is neither allow nor deny"))),
    };
    let resource_name = if resource_type == "CLUSTER" {
        match c.optional_string(&control["name"], &format!("{at}.name"))? {
            None => "kafka-cluster".to_owned(),
            Some(n) if n == "kafka-cluster" => n,
            Some(n) => {
                return Err(
                    c.error(&format!("{at}.name"), format!("a cluster-scope ACL is named kafka-cluster, not {n:?}"))
                );
            }
        }
    } else {
        c.string(&control["name"], &format!("{at}.name"))?
    };
    let prefixed = c.flag(&control["prefix"], &format!("{at}.prefix"))?;
    // Kafka's wildcard is the LITERAL name `*`; a PREFIXED `*` matches only names that
    // start with a star, i.e. nothing. The streaming-ops seed declares it that way and
    // means "every name".
    let pattern_type = if prefixed && resource_name == "*" {
        notices.push(format!(
            "ConfigMap {} {}{at}: \"name\": \"*\" with \"prefix\": \"true\" is applied as the LITERAL wildcard \"*\" (a PREFIXED \"*\" matches no {resource}); drop \"prefix\"",
            c.cm.id(),
            c.key
        ));
        "LITERAL"
    } else if prefixed {
        "PREFIXED"
    } else {
        "LITERAL"
    };
    let ops = c.string(&control["operation"], &format!("{at}.operation"))?;
    ops.split(',')
        .map(|op| {
            let operation = operation(op).ok_or_else(|| {
                c.error(&format!("{at}.operation"), format!("{:?} is not an ACL operation", op.trim()))
            })?;
            Ok(AclControl {
                resource_type: resource_type.to_owned(),
                resource_name: resource_name.clone(),
                pattern_type: pattern_type.to_owned(),
                operation: operation.to_owned(),
                permission: permission.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_data_key_rejects_the_configmap() {
        let cm = ConfigMapView {
            namespace: "ns".into(),
            name: "ids".into(),
            data: [("environment".to_owned(), "[]".to_owned())].into(),
            ..Default::default()
        };
        let e = identities(&cm).unwrap_err();
        assert_eq!((e.key.as_str(), e.field.as_str()), ("environment", "(key)"));
    }

    #[test]
    fn a_prefixed_star_is_the_literal_wildcard_with_a_notice() {
        let envs = r#"[{"name":"e","kafka":[{"name":"c","cloud":"gcp","region":"r","acl":[{"service-account":"sa","controls":[
            {"operation":"read","permission":"allow","resource":"topic","name":"*","prefix":"true"},
            {"operation":"read","permission":"allow","resource":"topic","name":"orders","prefix":"true"}]}]}]}]"#;
        let cm = ConfigMapView {
            namespace: "ns".into(),
            name: "ids".into(),
            data: [("environments".to_owned(), envs.to_owned())].into(),
            ..Default::default()
        };
        let ids = identities(&cm).unwrap();
        let c = &ids.grants[0].controls;
        assert_eq!((c[0].resource_name.as_str(), c[0].pattern_type.as_str()), ("*", "LITERAL"));
        assert_eq!((c[1].resource_name.as_str(), c[1].pattern_type.as_str()), ("orders", "PREFIXED"));
        assert_eq!(ids.notices.len(), 1);
        assert!(
            ids.notices[0].starts_with("ConfigMap ns/ids environments[0].kafka[0].acl[0].controls[0]"),
            "{}",
            ids.notices[0]
        );
    }
}
