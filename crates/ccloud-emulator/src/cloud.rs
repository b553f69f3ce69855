//! Confluent Cloud control plane: `/org/v2/environments`, `/cmk/v2/clusters`,
//! `/iam/v2/service-accounts`, `/iam/v2/api-keys`, `/srcm/v{2,3}/clusters`.

use crate::http::{Family, Reply, Req};
use crate::model::{ApiKey, ServiceAccount, World, rfc3339};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::SystemTime;

const C: Family = Family::Cloud;

/// Authenticates with a Cloud API key (one without a resource).
pub fn authorize(world: &World, req: &Req) -> Result<(), Reply> {
    let ok = req.basic.as_ref().and_then(|(k, s)| world.authenticate(k, s)).is_some_and(|key| key.resource.is_none());
    if ok { Ok(()) } else { Err(C.error(401, 401, "Authentication failed: a Cloud API key is required")) }
}

fn crn(world: &World, tail: &str) -> String {
    format!("crn://confluent.cloud/organization={}/{tail}", world.organization_id)
}

fn meta(world: &World, path: &str, resource_name: String, created: SystemTime, updated: SystemTime) -> Value {
    json!({"self": format!("{}{path}", world.base_url), "resource_name": resource_name,
           "created_at": rfc3339(created), "updated_at": rfc3339(updated)})
}

/// A page of `items` with Cloud's `page_size`/`page_token` and `metadata.next`.
fn page(world: &World, req: &Req, path: &str, items: Vec<Value>, api_version: &str, kind: &str) -> Reply {
    let size = match req.param("page_size").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return C.error(400, 400, "page_size must be between 1 and 100"),
    };
    let start = match req.param("page_token") {
        None => 0,
        Some(token) => match decode_token(token) {
            Some(offset) if offset <= items.len() => offset,
            _ => return C.error(400, 400, "Invalid or expired page_token"),
        },
    };
    let end = (start + size).min(items.len());
    let base = format!("{}{path}", world.base_url);
    let filters: String = req
        .query
        .iter()
        .filter(|(k, _)| k != "page_token" && k != "page_size")
        .map(|(k, v)| format!("&{k}={v}"))
        .collect();
    let mut metadata = json!({"first": format!("{base}?page_size={size}{filters}"), "total_size": items.len()});
    if end < items.len() {
        metadata["next"] = json!(format!("{base}?page_size={size}&page_token={}{filters}", encode_token(end)));
    }
    let data: Vec<Value> = items[start..end].to_vec();
    Reply::json(200, json!({"api_version": api_version, "kind": kind, "metadata": metadata, "data": data}))
}

fn encode_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(raw).ok()?.strip_prefix("offset:")?.parse().ok()
}

// --- environments ---

fn environment_json(world: &World, id: &str) -> Value {
    let e = &world.environments[id];
    json!({"api_version": "org/v2", "kind": "Environment", "id": e.id,
           "metadata": meta(world, &format!("/org/v2/environments/{id}"), crn(world, &format!("environment={id}")), e.created_at, e.created_at),
           "display_name": e.display_name, "stream_governance_config": {"package": "ESSENTIALS"}})
}

pub fn list_environments(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let items = world.environments.keys().map(|id| environment_json(world, id)).collect();
    page(world, req, "/org/v2/environments", items, "org/v2", "EnvironmentList")
}

pub fn get_environment(world: &mut World, _: &Req, p: &[&str]) -> Reply {
    if world.environments.contains_key(p[0]) {
        Reply::json(200, environment_json(world, p[0]))
    } else {
        C.error(404, 404, &format!("Environment {} not found", p[0]))
    }
}

// --- clusters ---

fn reference(world: &World, api: &str, kind: &str, id: &str, path: &str, tail: String) -> Value {
    json!({"id": id, "related": format!("{}{path}", world.base_url), "resource_name": crn(world, &tail), "api_version": api, "kind": kind})
}

fn cluster_json(world: &World, id: &str) -> Value {
    let c = &world.clusters[id];
    let host = format!("pkc-{}.{}.{}.confluent.cloud", &id[id.len().saturating_sub(5)..], c.region, c.cloud);
    let http = world.cluster_endpoint();
    let env_ref = reference(
        world,
        "org/v2",
        "Environment",
        &c.environment,
        &format!("/org/v2/environments/{}", c.environment),
        format!("environment={}", c.environment),
    );
    let created = world.environments.get(&c.environment).map_or(SystemTime::UNIX_EPOCH, |e| e.created_at);
    json!({"api_version": "cmk/v2", "kind": "Cluster", "id": id,
           "metadata": meta(world, &format!("/cmk/v2/clusters/{id}"), crn(world, &format!("environment={}/cloud-cluster={id}", c.environment)), created, created),
           "spec": {"display_name": c.display_name, "availability": c.availability, "cloud": c.cloud.to_uppercase(), "region": c.region,
                    "config": {"kind": "Basic"}, "kafka_bootstrap_endpoint": format!("SASL_SSL://{host}:9092"),
                    "http_endpoint": http, "api_endpoint": format!("https://pkac-{}.{}.{}.confluent.cloud", &id[id.len().saturating_sub(5)..], c.region, c.cloud),
                    "endpoints": {"public": {"connection_type": "PUBLIC", "http_endpoint": http, "kafka_bootstrap_endpoint": format!("SASL_SSL://{host}:9092")}},
                    "environment": env_ref},
           "status": {"phase": "PROVISIONED"}})
}

pub fn list_clusters(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let Some(env) = req.param("environment") else {
        return C.error(400, 400, "environment is a required query parameter");
    };
    let items = world.clusters.values().filter(|c| c.environment == env).map(|c| cluster_json(world, &c.id)).collect();
    page(world, req, "/cmk/v2/clusters", items, "cmk/v2", "ClusterList")
}

pub fn get_cluster(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    match (req.param("environment"), world.clusters.get(p[0])) {
        (None, _) => C.error(400, 400, "environment is a required query parameter"),
        (Some(env), Some(c)) if c.environment == env => Reply::json(200, cluster_json(world, p[0])),
        _ => C.error(404, 404, &format!("Kafka cluster {} not found", p[0])),
    }
}

pub fn list_schema_registries(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let Some(env) = req.param("environment") else {
        return C.error(400, 400, "environment is a required query parameter");
    };
    let version = req.segments.get(1).cloned().unwrap_or_else(|| "v3".into());
    let api = format!("srcm/{version}");
    let items = world
        .schema_registries
        .values()
        .filter(|s| s.environment == env)
        .map(|s| {
            let env_ref = reference(world, "org/v2", "Environment", env, &format!("/org/v2/environments/{env}"), format!("environment={env}"));
            json!({"api_version": api, "kind": "Cluster", "id": s.id,
                   "metadata": meta(world, &format!("/{api}/clusters/{}", s.id), crn(world, &format!("environment={env}/schema-registry={}", s.id)), SystemTime::UNIX_EPOCH, SystemTime::UNIX_EPOCH),
                   "spec": {"display_name": "Stream Governance Package", "package": "ESSENTIALS", "cloud": s.cloud.to_uppercase(), "region": s.region,
                            "http_endpoint": format!("https://psrc-{}.{}.{}.confluent.cloud", &s.id[s.id.len().saturating_sub(5)..], s.region, s.cloud),
                            "environment": env_ref},
                   "status": {"phase": "PROVISIONED"}})
        })
        .collect();
    page(world, req, &format!("/{api}/clusters"), items, &api, "ClusterList")
}

// --- service accounts ---

fn sa_json(world: &World, sa: &ServiceAccount) -> Value {
    json!({"api_version": "iam/v2", "kind": "ServiceAccount", "id": sa.id,
           "metadata": meta(world, &format!("/iam/v2/service-accounts/{}", sa.id), crn(world, &format!("service-account={}", sa.id)), sa.created_at, sa.updated_at),
           "display_name": sa.display_name, "description": sa.description})
}

pub fn list_service_accounts(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let names = req.params("display_name");
    let items = world
        .service_accounts
        .values()
        .filter(|sa| names.is_empty() || names.contains(&sa.display_name.as_str()))
        .map(|sa| sa_json(world, sa))
        .collect();
    page(world, req, "/iam/v2/service-accounts", items, "iam/v2", "ServiceAccountList")
}

#[derive(Deserialize)]
struct SaBody {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

fn check_sa_fields(body: &SaBody) -> Result<(), Reply> {
    if body.display_name.as_deref().is_some_and(|n| n.is_empty() || n.len() > 64) {
        return Err(C.error(422, 422, "display_name must be 1 to 64 characters"));
    }
    if body.description.as_deref().is_some_and(|d| d.len() > 128) {
        return Err(C.error(422, 422, "description must be at most 128 characters"));
    }
    Ok(())
}

pub fn create_service_account(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let body: SaBody = match req.json(|m| C.error(400, 400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if let Err(e) = check_sa_fields(&body) {
        return e;
    }
    let Some(name) = body.display_name else { return C.error(422, 422, "display_name is required") };
    if world.service_accounts.values().any(|sa| sa.display_name == name) {
        return C.error(409, 409, "Service name is already in use.");
    }
    let id = world.new_id("sa", |_| false);
    let now = world.now();
    let sa = ServiceAccount {
        id: id.clone(),
        display_name: name,
        description: body.description.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let json = sa_json(world, &sa);
    world.service_accounts.insert(id.clone(), sa);
    Reply::json(201, json).header("Location", format!("{}/iam/v2/service-accounts/{id}", world.base_url))
}

pub fn get_service_account(world: &mut World, _: &Req, p: &[&str]) -> Reply {
    match world.service_accounts.get(p[0]) {
        Some(sa) => Reply::json(200, sa_json(world, sa)),
        None => C.error(404, 404, &format!("Service account {} not found", p[0])),
    }
}

pub fn update_service_account(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let body: SaBody = match req.json(|m| C.error(400, 400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if let Err(e) = check_sa_fields(&body) {
        return e;
    }
    if let Some(name) = &body.display_name
        && world.service_accounts.values().any(|sa| &sa.display_name == name && sa.id != p[0])
    {
        return C.error(409, 409, "Service name is already in use.");
    }
    let now = world.now();
    let Some(sa) = world.service_accounts.get_mut(p[0]) else {
        return C.error(404, 404, &format!("Service account {} not found", p[0]));
    };
    if let Some(name) = body.display_name {
        sa.display_name = name;
    }
    if let Some(d) = body.description {
        sa.description = d;
    }
    sa.updated_at = now;
    let sa = sa.clone();
    Reply::json(200, sa_json(world, &sa))
}

/// Deleting an account deletes its API keys, as Cloud does (its ACLs stay).
pub fn delete_service_account(world: &mut World, _: &Req, p: &[&str]) -> Reply {
    if world.service_accounts.remove(p[0]).is_none() {
        return C.error(404, 404, &format!("Service account {} not found", p[0]));
    }
    world.api_keys.retain(|_, k| k.owner != p[0]);
    Reply::empty(204)
}

// --- API keys ---

fn owner_ref(world: &World, owner: &str) -> Value {
    if owner.starts_with("sa-") {
        reference(
            world,
            "iam/v2",
            "ServiceAccount",
            owner,
            &format!("/iam/v2/service-accounts/{owner}"),
            format!("service-account={owner}"),
        )
    } else {
        reference(world, "iam/v2", "User", owner, &format!("/iam/v2/users/{owner}"), format!("user={owner}"))
    }
}

fn resource_ref(world: &World, id: &str) -> Value {
    if let Some(c) = world.clusters.get(id) {
        let mut r = reference(
            world,
            "cmk/v2",
            "Cluster",
            id,
            &format!("/cmk/v2/clusters/{id}"),
            format!("environment={}/cloud-cluster={id}", c.environment),
        );
        r["environment"] = json!(c.environment);
        r
    } else {
        let env = world.schema_registries.get(id).map(|s| s.environment.clone()).unwrap_or_default();
        let mut r = reference(
            world,
            "srcm/v3",
            "Cluster",
            id,
            &format!("/srcm/v3/clusters/{id}"),
            format!("environment={env}/schema-registry={id}"),
        );
        r["environment"] = json!(env);
        r
    }
}

fn key_json(world: &World, k: &ApiKey, with_secret: bool) -> Value {
    let mut spec =
        json!({"display_name": k.display_name, "description": k.description, "owner": owner_ref(world, &k.owner)});
    if let Some(r) = &k.resource {
        spec["resource"] = resource_ref(world, r);
    }
    if with_secret {
        spec["secret"] = json!(k.secret);
    }
    json!({"api_version": "iam/v2", "kind": "ApiKey", "id": k.id,
           "metadata": meta(world, &format!("/iam/v2/api-keys/{}", k.id), crn(world, &format!("api-key={}", k.id)), k.created_at, k.updated_at),
           "spec": spec})
}

/// The key list is eventually consistent: a key just minted is missing for a while.
pub fn list_api_keys(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let owner = req.param("spec.owner");
    let resource = req.param("spec.resource");
    let now = world.now();
    let items = world
        .api_keys
        .values()
        .filter(|k| k.listed_from <= now)
        .filter(|k| owner.is_none_or(|o| o == k.owner) && resource.is_none_or(|r| Some(r) == k.resource.as_deref()))
        .map(|k| key_json(world, k, false))
        .collect();
    page(world, req, "/iam/v2/api-keys", items, "iam/v2", "ApiKeyList")
}

#[derive(Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Deserialize)]
struct KeySpec {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    owner: Option<IdRef>,
    #[serde(default)]
    resource: Option<IdRef>,
}

#[derive(Deserialize)]
struct KeyBody {
    spec: KeySpec,
}

pub fn create_api_key(world: &mut World, req: &Req, _: &[&str]) -> Reply {
    let body: KeyBody = match req.json(|m| C.error(400, 400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(owner) = body.spec.owner.map(|o| o.id) else { return C.error(422, 422, "spec.owner is required") };
    if !(world.service_accounts.contains_key(&owner) || owner.starts_with("u-")) {
        return C.error(422, 422, &format!("Owner {owner} does not exist"));
    }
    let limit = world.behaviour.max_keys_per_service_account;
    if owner.starts_with("sa-") && world.api_keys.values().filter(|k| k.owner == owner).count() >= limit as usize {
        return over_quota("api_keys_per_service_account");
    }
    let resource = body.spec.resource.map(|r| r.id);
    if let Some(r) = &resource
        && !world.clusters.contains_key(r)
        && !world.schema_registries.contains_key(r)
    {
        return C.error(422, 422, &format!("Resource {r} does not exist"));
    }
    let (id, secret) = world.new_key_material();
    let now = world.now();
    let key = ApiKey {
        id: id.clone(),
        secret,
        owner,
        resource,
        display_name: body.spec.display_name.unwrap_or_default(),
        description: body.spec.description.unwrap_or_default(),
        created_at: now,
        updated_at: now,
        active_from: now + world.behaviour.key_activation,
        listed_from: now + world.behaviour.key_listing_lag,
    };
    let json = key_json(world, &key, true);
    world.api_keys.insert(id.clone(), key);
    Reply::json(202, json).header("Location", format!("{}/iam/v2/api-keys/{id}", world.base_url))
}

/// 402 in the shape the API keys spec documents for quota errors.
fn over_quota(quota: &str) -> Reply {
    Reply::json(
        402,
        json!({"errors": [{"id": "req-402-quota", "status": "402", "code": "quota_exceeded",
                           "title": "Quota Exceeded", "detail": format!("The request would exceed the quota: {quota}")}]}),
    )
}

pub fn get_api_key(world: &mut World, _: &Req, p: &[&str]) -> Reply {
    match world.api_keys.get(p[0]) {
        Some(k) => Reply::json(200, key_json(world, k, false)),
        None => C.error(404, 404, &format!("API key {} not found", p[0])),
    }
}

pub fn update_api_key(world: &mut World, req: &Req, p: &[&str]) -> Reply {
    let body: KeyBody = match req.json(|m| C.error(400, 400, &m)) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if body.spec.owner.is_some() || body.spec.resource.is_some() {
        return C.error(422, 422, "owner and resource are immutable");
    }
    let now = world.now();
    let Some(k) = world.api_keys.get_mut(p[0]) else {
        return C.error(404, 404, &format!("API key {} not found", p[0]));
    };
    if let Some(n) = body.spec.display_name {
        k.display_name = n;
    }
    if let Some(d) = body.spec.description {
        k.description = d;
    }
    k.updated_at = now;
    let k = k.clone();
    Reply::json(200, key_json(world, &k, false))
}

pub fn delete_api_key(world: &mut World, _: &Req, p: &[&str]) -> Reply {
    match world.api_keys.remove(p[0]) {
        Some(_) => Reply::empty(204),
        None => C.error(404, 404, &format!("API key {} not found", p[0])),
    }
}
