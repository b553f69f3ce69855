#![allow(clippy::unwrap_used)]
//! Control-plane behaviour: identities, keys, environments, clusters, pagination.

mod common;
use common::{CLOUD, req, start};
use serde_json::json;

#[test]
fn service_accounts_are_unique_by_name() {
    let emu = start();
    let u = &emu.url;
    let created = req(
        u,
        "POST",
        "/iam/v2/service-accounts",
        Some(CLOUD),
        Some(json!({"display_name": "orders", "description": "d"})),
    );
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sa-"));
    let dup = req(u, "POST", "/iam/v2/service-accounts", Some(CLOUD), Some(json!({"display_name": "orders"})));
    assert_eq!(dup.status, 409);
    assert!(dup.body["errors"][0]["detail"].as_str().unwrap().contains("already in use"));
    let found = req(u, "GET", "/iam/v2/service-accounts?display_name=orders&display_name=nobody", Some(CLOUD), None);
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
    let patched =
        req(u, "PATCH", &format!("/iam/v2/service-accounts/{id}"), Some(CLOUD), Some(json!({"description": "new"})));
    assert_eq!((patched.status, patched.body["description"].clone()), (200, json!("new")));
    assert_eq!(
        req(u, "POST", "/iam/v2/service-accounts", Some(CLOUD), Some(json!({"description": "no name"}))).status,
        422
    );
    assert_eq!(req(u, "DELETE", &format!("/iam/v2/service-accounts/{id}"), Some(CLOUD), None).status, 204);
    assert_eq!(req(u, "GET", &format!("/iam/v2/service-accounts/{id}"), Some(CLOUD), None).status, 404);
    assert_eq!(req(u, "GET", "/iam/v2/service-accounts", None, None).status, 401);
}

#[test]
fn api_keys_show_the_secret_once_and_work_for_their_cluster() {
    let emu = start();
    let u = &emu.url;
    let body = json!({"spec": {"display_name": "k", "description": "made by test", "owner": {"id": "sa-platform"}, "resource": {"id": "lkc-orders1", "environment": "env-sodev1"}}});
    let created = req(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body));
    assert_eq!(created.status, 202);
    let (id, secret) =
        (created.body["id"].as_str().unwrap().to_owned(), created.body["spec"]["secret"].as_str().unwrap().to_owned());
    // Past the listing lag and the activation delay.
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 10})));
    let got = req(u, "GET", &format!("/iam/v2/api-keys/{id}"), Some(CLOUD), None);
    assert!(got.body["spec"].get("secret").is_none(), "the secret is only in the create response");
    let listed = req(u, "GET", "/iam/v2/api-keys?spec.owner=sa-platform&spec.resource=lkc-orders1", Some(CLOUD), None);
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
    assert!(!listed.body.to_string().contains(&secret));
    assert_eq!(req(u, "GET", "/kafka/v3/clusters/lkc-orders1/topics", Some((&id, &secret)), None).status, 200);
    let state = req(u, "GET", "/_emulator/state", None, None);
    assert!(!state.body.to_string().contains(&secret), "the state dump never shows secrets");
    assert_eq!(req(u, "DELETE", &format!("/iam/v2/api-keys/{id}"), Some(CLOUD), None).status, 204);
    assert_eq!(req(u, "GET", "/kafka/v3/clusters/lkc-orders1/topics", Some((&id, &secret)), None).status, 401);
    let bad_owner = json!({"spec": {"owner": {"id": "sa-nobody"}, "resource": {"id": "lkc-orders1"}}});
    assert_eq!(req(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(bad_owner)).status, 422);
}

#[test]
fn new_keys_start_working_after_the_activation_delay() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"key_activation_ms": 60_000})));
    let body = json!({"spec": {"owner": {"id": "sa-platform"}, "resource": {"id": "lkc-orders1"}}});
    let created = req(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body));
    let auth =
        (created.body["id"].as_str().unwrap().to_owned(), created.body["spec"]["secret"].as_str().unwrap().to_owned());
    let topics = "/kafka/v3/clusters/lkc-orders1/topics";
    assert_eq!(req(u, "GET", topics, Some((&auth.0, &auth.1)), None).status, 401);
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 61})));
    assert_eq!(req(u, "GET", topics, Some((&auth.0, &auth.1)), None).status, 200);
}

#[test]
fn environments_clusters_and_schema_registry() {
    let emu = start();
    let u = &emu.url;
    let envs = req(u, "GET", "/org/v2/environments", Some(CLOUD), None);
    assert_eq!(envs.body["data"][0]["display_name"], "streaming-ops-dev");
    let clusters = req(u, "GET", "/cmk/v2/clusters?environment=env-sodev1", Some(CLOUD), None);
    let c = &clusters.body["data"][0];
    assert_eq!(
        (c["id"].clone(), c["spec"]["display_name"].clone(), c["spec"]["region"].clone()),
        (json!("lkc-orders1"), json!("microservices-orders"), json!("us-central1"))
    );
    assert_eq!(c["spec"]["http_endpoint"], json!(emu.url), "the REST endpoint points back at the emulator");
    assert_eq!(c["spec"]["endpoints"]["public"]["http_endpoint"], json!(emu.url));
    assert_eq!(req(u, "GET", "/cmk/v2/clusters", Some(CLOUD), None).status, 400, "environment is required");
    assert_eq!(req(u, "GET", "/cmk/v2/clusters/lkc-orders1?environment=env-sodev1", Some(CLOUD), None).status, 200);
    assert_eq!(req(u, "GET", "/cmk/v2/clusters/lkc-orders1?environment=env-other", Some(CLOUD), None).status, 404);
    let sr = req(u, "GET", "/srcm/v3/clusters?environment=env-sodev1", Some(CLOUD), None);
    assert_eq!(sr.body["data"][0]["id"], "lsrc-sodev1");
    assert!(sr.body["data"][0]["spec"]["http_endpoint"].as_str().unwrap().starts_with("https://"));
    let limits = req(u, "GET", "/org/v2/environments", Some(CLOUD), None);
    assert!(
        limits.header("X-RateLimit-Limit").is_some()
            && limits.header("X-RateLimit-Remaining").is_some()
            && limits.header("X-RateLimit-Reset").is_some()
    );
}

#[test]
fn lists_paginate_with_page_tokens() {
    let emu = start();
    let u = &emu.url;
    for i in 0..25 {
        req(u, "POST", "/iam/v2/service-accounts", Some(CLOUD), Some(json!({"display_name": format!("sa{i:02}")})));
    }
    let mut seen = Vec::new();
    let mut next = Some(format!("{u}/iam/v2/service-accounts?page_size=10"));
    let mut pages = 0;
    while let Some(url) = next {
        let path = url.strip_prefix(u.as_str()).unwrap().to_owned();
        let page = req(u, "GET", &path, Some(CLOUD), None);
        assert_eq!(page.body["metadata"]["total_size"], 26);
        seen.extend(page.body["data"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()));
        next = page.body["metadata"]["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!((pages, seen.len()), (3, 26));
    seen.dedup();
    assert_eq!(seen.len(), 26);
    assert_eq!(req(u, "GET", "/iam/v2/service-accounts?page_token=garbage", Some(CLOUD), None).status, 400);
    assert_eq!(req(u, "GET", "/iam/v2/service-accounts?page_size=1000", Some(CLOUD), None).status, 400);
}
