//! Kafka REST v3 ACLs: create (one or a batch), search with every filter, delete by filter.

use crate::http::{Family, Reply, Req};
use crate::kafka::{base, cluster, list};
use crate::model::{Acl, World};
use serde::Deserialize;
use serde_json::{Value, json};

const K: Family = Family::Kafka;
const RESOURCE_TYPES: [&str; 5] = ["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN"];
const OPERATIONS: [&str; 11] = [
    "ALL",
    "READ",
    "WRITE",
    "CREATE",
    "DELETE",
    "ALTER",
    "DESCRIBE",
    "CLUSTER_ACTION",
    "DESCRIBE_CONFIGS",
    "ALTER_CONFIGS",
    "IDEMPOTENT_WRITE",
];

fn bad(message: &str) -> Reply {
    K.error(400, 40002, message)
}

#[derive(Deserialize)]
struct NewAcl {
    resource_type: String,
    resource_name: String,
    pattern_type: String,
    principal: String,
    host: String,
    operation: String,
    permission: String,
}

fn validate(a: NewAcl) -> Result<Acl, Reply> {
    if !RESOURCE_TYPES.contains(&a.resource_type.as_str()) {
        return Err(bad(&format!("Invalid resource_type {}", a.resource_type)));
    }
    if !matches!(a.pattern_type.as_str(), "LITERAL" | "PREFIXED") {
        return Err(bad("pattern_type must be LITERAL or PREFIXED"));
    }
    if !OPERATIONS.contains(&a.operation.as_str()) {
        return Err(bad(&format!("Invalid operation {}", a.operation)));
    }
    if !matches!(a.permission.as_str(), "ALLOW" | "DENY") {
        return Err(bad("permission must be ALLOW or DENY"));
    }
    if a.resource_name.is_empty() {
        return Err(bad("resource_name must not be empty"));
    }
    if a.resource_type == "CLUSTER" && a.resource_name != "kafka-cluster" {
        return Err(bad("The name of a CLUSTER resource must be kafka-cluster"));
    }
    let principal_ok = a.principal == "User:*"
        || a.principal
            .strip_prefix("User:")
            .is_some_and(|id| id.starts_with("sa-") || id.starts_with("u-") || id.starts_with("pool-"));
    if !principal_ok {
        return Err(bad(&format!("Invalid principal {}", a.principal)));
    }
    if a.host != "*" {
        return Err(bad("Only host \"*\" is supported on Confluent Cloud"));
    }
    Ok(Acl {
        resource_type: a.resource_type,
        resource_name: a.resource_name,
        pattern_type: a.pattern_type,
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permission: a.permission,
    })
}

fn acl_json(base: &str, cluster: &str, a: &Acl) -> Value {
    json!({
        "kind": "KafkaAcl",
        "metadata": {"self": format!("{base}/acls?resource_type={}&resource_name={}&pattern_type={}&principal={}&host={}&operation={}&permission={}",
            a.resource_type, a.resource_name, a.pattern_type, a.principal, a.host, a.operation, a.permission)},
        "cluster_id": cluster, "resource_type": a.resource_type, "resource_name": a.resource_name,
        "pattern_type": a.pattern_type, "principal": a.principal, "host": a.host,
        "operation": a.operation, "permission": a.permission
    })
}

pub fn create_acl(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let acl = match req.json::<NewAcl>(|m| bad(&m)).and_then(validate) {
        Ok(a) => a,
        Err(e) => return e,
    };
    c.acls.insert(acl);
    Reply::empty(201)
}

#[derive(Deserialize)]
struct Batch {
    data: Vec<NewAcl>,
}

/// All or nothing; answers 204 like kafka-rest (the specs say 201).
pub fn create_acls_batch(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let batch: Batch = match req.json(|m| bad(&m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let acls: Result<Vec<Acl>, Reply> = batch.data.into_iter().map(validate).collect();
    match acls {
        Ok(acls) => {
            c.acls.extend(acls);
            Reply::empty(204)
        }
        Err(e) => e,
    }
}

/// A search filter; every field defaults to "any".
struct Filter<'r> {
    resource_type: &'r str,
    resource_name: Option<&'r str>,
    pattern_type: &'r str,
    principal: Option<&'r str>,
    host: Option<&'r str>,
    operation: &'r str,
    permission: &'r str,
}

impl<'r> Filter<'r> {
    fn from(req: &'r Req) -> Result<Self, Reply> {
        let any = |k: &str| req.param(k).unwrap_or("ANY");
        let f = Self {
            resource_type: any("resource_type"),
            resource_name: req.param("resource_name"),
            pattern_type: any("pattern_type"),
            principal: req.param("principal"),
            host: req.param("host"),
            operation: any("operation"),
            permission: any("permission"),
        };
        if [f.resource_type, f.pattern_type, f.operation, f.permission].contains(&"UNKNOWN") {
            return Err(bad("Filters cannot be UNKNOWN"));
        }
        Ok(f)
    }

    fn matches(&self, a: &Acl) -> bool {
        let eq = |want: &str, have: &str| want == "ANY" || want == have;
        let name_ok = match (self.pattern_type, self.resource_name) {
            (_, None) => true,
            ("MATCH", Some(n)) => match a.pattern_type.as_str() {
                "PREFIXED" => n.starts_with(&a.resource_name),
                _ => a.resource_name == n || a.resource_name == "*",
            },
            (_, Some(n)) => a.resource_name == n,
        };
        let pattern_ok = matches!(self.pattern_type, "ANY" | "MATCH") || self.pattern_type == a.pattern_type;
        let principal_ok = match self.principal {
            None => true,
            // Cloud: `UserV2:*` selects every principal, reported in `User:sa-…` form.
            Some("UserV2:*") => a.principal.starts_with("User:"),
            Some(p) => p == a.principal,
        };
        eq(self.resource_type, &a.resource_type)
            && name_ok
            && pattern_ok
            && principal_ok
            && self.host.is_none_or(|h| h == a.host)
            && eq(self.operation, &a.operation)
            && eq(self.permission, &a.permission)
    }
}

pub fn list_acls(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match Filter::from(req) {
        Ok(f) => {
            let data = c.acls.iter().filter(|a| f.matches(a)).map(|a| acl_json(&base, &c.id, a)).collect();
            list("KafkaAclList", format!("{base}/acls"), data)
        }
        Err(e) => e,
    }
}

pub fn delete_acls(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let base = base(world, p[0]);
    let c = match cluster(world, req, p[0]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    for required in ["resource_type", "pattern_type", "operation", "permission"] {
        if req.param(required).is_none() {
            return bad(&format!("{required} cannot be unspecified or UNKNOWN"));
        }
    }
    let f = match Filter::from(req) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (gone, kept): (Vec<Acl>, Vec<Acl>) = std::mem::take(&mut c.acls).into_iter().partition(|a| f.matches(a));
    c.acls = kept.into_iter().collect();
    let data: Vec<Value> = gone.iter().map(|a| acl_json(&base, &c.id, a)).collect();
    Reply::json(200, json!({"data": data}))
}
