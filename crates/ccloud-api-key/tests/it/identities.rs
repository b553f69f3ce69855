//! ccloud-api-key end to end: the emulator, and a pretend cluster that applies the
//! hook's object operations between runs as shell-operator would.

use crate::common::*;
use serde_json::{Value, json};

fn env_dev() -> Value {
    json!([{"name": "streaming-ops-dev", "schema-registry": {"cloud": "gcp", "geo": "us", "api-key": [{"service-account": "sr-client"}]},
            "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1",
                       "acl": [{"service-account": "app", "controls": [{"operation": "read,write", "permission": "allow", "resource": "topic", "name": "orders"}]}],
                       "api-key": [{"service-account": "app"}]}]}])
}

fn small() -> Value {
    configmap(
        "ids",
        json!([{"name": "app", "description": "the app"}, {"name": "sr-client", "description": "sr"}]),
        env_dev(),
    )
}

#[test]
fn streaming_ops_dev_then_no_writes_and_one_key_per_pair() {
    let Some(manifests) = streaming_ops_dev() else { return };
    let emu = emulator();
    let u = &emu.url;
    // The key list keeps its lag: the runs right after the mint find the keys by id.
    http(u, "PUT", "/_emulator/behaviour", None, Some(json!({"key_activation_ms": 0})));
    let mut cluster = Cluster::with(manifests);
    let first = cluster.run(&env(u, &[]));
    assert_eq!(first.exit, 0);
    let (_, sas) = http(u, "GET", "/iam/v2/service-accounts", Some(CLOUD), None);
    let names: Vec<&str> =
        sas["data"].as_array().unwrap().iter().map(|s| s["display_name"].as_str().unwrap()).collect();
    for n in ["microservices-orders-client", "streaming-ops-sr-client", "connect-worker-client"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let all = acls(u);
    assert_eq!(all.len(), 35);
    assert!(all.iter().any(|a| a["resource_type"] == "TRANSACTIONAL_ID" && a["operation"] == "WRITE"));
    assert!(all.iter().any(|a| a["pattern_type"] == "LITERAL" && a["resource_name"] == "*"), "the seed's wildcard");
    assert!(!all.iter().any(|a| a["pattern_type"] == "PREFIXED" && a["resource_name"] == "*"));
    assert_eq!(keys(u).len(), 3);
    for (kind, name, data_key) in [
        ("Secret", "cc.api-key.connect-worker-client.lkc-orders1", "ccloud-api-key"),
        (
            "Secret",
            "cc.sasl-jaas-config.connect-worker-client.streaming-ops-dev.microservices-orders",
            "sasl-jaas-config.properties",
        ),
        ("Secret", "cc.api-key.microservices-orders-client.lkc-orders1", "ccloud-api-key"),
        (
            "Secret",
            "cc.sasl-jaas-config.microservices-orders-client.streaming-ops-dev.microservices-orders",
            "sasl-jaas-config.properties",
        ),
        ("Secret", "cc.api-key.streaming-ops-sr-client.lsrc-sodev1", "ccloud-api-key"),
        (
            "Secret",
            "cc.schema-registry-basic-auth-user-info.streaming-ops-sr-client.streaming-ops-dev",
            "schema-registry-basic-auth-user-info.properties",
        ),
        ("Secret", "cc.bootstrap-servers.streaming-ops-dev.microservices-orders", "bootstrap-servers.properties"),
        ("Secret", "cc.schema-registry-url.streaming-ops-dev", "schema-registry-url.properties"),
        ("ConfigMap", "cc.env.streaming-ops-dev", "id"),
        ("ConfigMap", "cc.env.streaming-ops-dev.kafka.microservices-orders", "description"),
    ] {
        let o = cluster.get(kind, name).unwrap_or_else(|| panic!("{kind} {name} missing"));
        let field = if kind == "Secret" { "stringData" } else { "data" };
        assert!(o[field][data_key].is_string(), "{name}: {data_key}");
    }
    let cm = cluster.get("ConfigMap", "cc.env.streaming-ops-dev.kafka.microservices-orders").unwrap();
    assert_eq!(
        (cm["metadata"]["labels"]["resource_id"].clone(), cm["metadata"]["labels"]["environment_id"].clone()),
        (json!("lkc-orders1"), json!("env-sodev1"))
    );
    // The delivered key works against its cluster.
    let jaas = cluster
        .get("Secret", "cc.sasl-jaas-config.connect-worker-client.streaming-ops-dev.microservices-orders")
        .unwrap()["stringData"]["sasl-jaas-config.properties"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = jaas.split("username=\"").nth(1).unwrap().split('"').next().unwrap();
    let pass = jaas.split("password=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(http(u, "GET", "/kafka/v3/clusters/lkc-orders1/topics", Some((user, pass)), None).0, 200);

    writes_since_clear(u);
    for _ in 0..10 {
        assert_eq!(cluster.run(&env(u, &[])).exit, 0);
    }
    assert_eq!(writes_since_clear(u), 0, "no write after the first run");
    assert_eq!(keys(u).len(), 3, "still one key per (account, resource)");
}

#[test]
fn a_deleted_secret_gets_a_new_key_once_the_old_one_cannot_be_in_delivery() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    let grace = [("ORPHAN_GRACE", "1h"), ("INSTANCE_ID", "dev"), ("ALLOW_DELETE", "api-key")];
    cluster.run(&env(u, &grace));
    let before: Vec<String> = keys(u).iter().filter(|k| k.2 == "lkc-orders1").map(|k| k.0.clone()).collect();
    assert_eq!(before.len(), 1);
    cluster.remove("Secret", "cc.api-key.app.lkc-orders1");
    cluster.remove("Secret", "cc.sasl-jaas-config.app.streaming-ops-dev.microservices-orders");
    let r = cluster.run(&env(u, &grace));
    assert_eq!(r.exit, 0);
    let now: Vec<String> = keys(u).iter().filter(|k| k.2 == "lkc-orders1").map(|k| k.0.clone()).collect();
    assert_eq!(now, before, "a young key no Secret holds may be in delivery: not minted again");
    http(u, "POST", &format!("/_emulator/api-keys/{}/age", before[0]), None, Some(json!({"seconds": 3601})));
    cluster.run(&env(u, &grace));
    let new_id = key_id(&cluster, "cc.api-key.app.lkc-orders1").unwrap();
    assert_ne!(new_id, before[0]);
    let left: Vec<String> = keys(u).iter().filter(|k| k.2 == "lkc-orders1").map(|k| k.0.clone()).collect();
    assert_eq!(left, vec![new_id], "the undelivered key is replaced and deleted");
}

#[test]
fn a_failure_after_minting_still_delivers_the_secret_and_exits_zero() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    test_support::emulator::fault(
        u,
        json!({"method": "GET", "path": "/kafka/**", "action": {"type": "status", "status": 503}}),
    );
    let mut cluster = Cluster::with(vec![small()]);
    let run = cluster.run(&env(u, &[("HOOK_DEADLINE", "4s")]));
    assert_eq!(run.exit, 0, "the minted secret must be applied, so the run succeeds");
    assert!(cluster.get("Secret", "cc.api-key.app.lkc-orders1").is_some());
    assert!(run.metrics.iter().any(|m| m["name"] == "ccloud_api_key_errors"
        && m["labels"]["reason"] == "transient"
        && m["value"].as_f64().unwrap() > 0.0));
    test_support::emulator::clear_faults(u);
    assert_eq!(cluster.run(&env(u, &[])).exit, 0);
    assert_eq!(acls(u).len(), 2, "the schedule retry finishes the ACLs");
    assert_eq!(keys(u).len(), 2);
}

#[test]
fn an_orphan_from_a_killed_run_is_cleaned_and_replaced() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    let owned = [("INSTANCE_ID", "dev"), ("ALLOW_DELETE", "api-key")];
    cluster.run(&env(u, &owned));
    // A run minted a key and was killed before its Secret was applied.
    let app = keys(u).into_iter().find(|k| k.2 == "lkc-orders1").unwrap();
    let body = json!({"spec": {"description": format!("{} again", app.3), "owner": {"id": app.1}, "resource": {"id": "lkc-orders1"}}});
    let (status, orphan) = http(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body));
    assert_eq!(status, 202);
    let orphan_id = orphan["id"].as_str().unwrap().to_owned();
    http(u, "POST", &format!("/_emulator/api-keys/{orphan_id}/age"), None, Some(json!({"seconds": 3600})));
    cluster.run(&env(u, &owned));
    let left: Vec<String> = keys(u).into_iter().map(|k| k.0).collect();
    assert!(!left.contains(&orphan_id));
    assert_eq!(left.len(), 2);
}

#[test]
fn rotation_end_to_end() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    let policy = [("API_KEY_MAX_AGE", "720h"), ("ROTATION_GRACE", "24h"), ("ALLOW_DELETE", "api-key")];
    cluster.run(&env(u, &policy));
    let old = cluster.get("Secret", "cc.api-key.app.lkc-orders1").unwrap()["metadata"]["labels"]["ccops.io/key-id"]
        .as_str()
        .unwrap()
        .to_owned();
    cluster.run(&env(u, &policy));
    assert_eq!(keys(u).len(), 2, "young keys are kept");
    http(u, "POST", &format!("/_emulator/api-keys/{old}/age"), None, Some(json!({"seconds": 721 * 3600})));
    cluster.run(&env(u, &policy));
    let secret = cluster.get("Secret", "cc.api-key.app.lkc-orders1").unwrap().clone();
    let new = secret["metadata"]["labels"]["ccops.io/key-id"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(secret["metadata"]["annotations"]["ccops.io/previous-key-id"], json!(old));
    cluster.run(&env(u, &policy));
    assert!(keys(u).iter().any(|k| k.0 == old), "the previous key stays valid during the grace period");
    // The fake clock: the rotation happened 25 hours ago.
    for o in cluster
        .objects_mut()
        .iter_mut()
        .filter(|o| o["metadata"]["annotations"]["ccops.io/previous-key-id"] == json!(old))
    {
        o["metadata"]["annotations"]["ccops.io/rotated-at"] = json!("2020-01-01T00:00:00Z");
    }
    cluster.run(&env(u, &policy));
    assert!(!keys(u).iter().any(|k| k.0 == old), "retired after the grace period");
    assert!(keys(u).iter().any(|k| k.0 == new));
}

#[test]
fn a_changed_acl_is_created_before_the_old_one_is_deleted() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    cluster.run(&env(u, &[]));
    let foreign = json!({"resource_type": "TOPIC", "resource_name": "x", "pattern_type": "LITERAL", "principal": "User:sa-platform", "host": "*", "operation": "READ", "permission": "ALLOW"});
    assert_eq!(http(u, "POST", "/kafka/v3/clusters/lkc-orders1/acls", Some(KAFKA), Some(foreign)).0, 201);
    let mut changed = env_dev();
    changed[0]["kafka"][0]["acl"][0]["controls"][0]["operation"] = json!("read,describe");
    changed[0]["kafka"][0]["acl"][0]["controls"][0]["name"] = json!("payments");
    let cm = configmap(
        "ids",
        json!([{"name": "app", "description": "the app"}, {"name": "sr-client", "description": "sr"}]),
        changed,
    );
    cluster.put(cm);
    http(u, "DELETE", "/_emulator/requests", None, None);
    cluster.run(&env(u, &[("ALLOW_DELETE", "acl")]));
    let (_, log) = http(u, "GET", "/_emulator/requests", None, None);
    let writes: Vec<String> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] != "GET")
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert_eq!(writes[0], "POST /kafka/v3/clusters/lkc-orders1/acls:batch", "{writes:?}");
    assert!(writes[1..].iter().all(|w| w.starts_with("DELETE /kafka/v3/clusters/lkc-orders1/acls")), "{writes:?}");
    let now: Vec<(String, String)> = acls(u)
        .iter()
        .map(|a| (a["resource_name"].as_str().unwrap().to_owned(), a["operation"].as_str().unwrap().to_owned()))
        .collect();
    assert!(
        now.contains(&("payments".into(), "DESCRIBE".into())) && !now.iter().any(|(n, _)| n == "orders"),
        "{now:?}"
    );
    assert!(now.contains(&("x".into(), "READ".into())), "a principal that is not declared is never touched");
}

#[test]
fn throttling_and_unavailability_converge() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    test_support::emulator::fault(
        u,
        json!([
            {"method": "GET", "path": "/iam/v2/service-accounts", "times": 2, "action": {"type": "status", "status": 503}},
            {"method": "POST", "path": "/iam/v2/api-keys", "times": 1, "action": {"type": "status", "status": 429, "retry_after": 1}},
            {"method": "POST", "path": "/iam/v2/api-keys", "times": 1, "action": {"type": "status", "status": 429}},
            {"method": "POST", "path": "/kafka/**", "times": 2, "action": {"type": "status", "status": 503}}
        ]),
    );
    let mut cluster = Cluster::with(vec![small()]);
    assert_eq!(cluster.run(&env(u, &[])).exit, 0);
    assert_eq!(keys(u).len(), 2);
    assert_eq!(acls(u).len(), 2);
}

#[test]
fn bad_input_is_reported_per_configmap() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut bad_env = env_dev();
    bad_env[0]["kafka"][0]["acl"][0]["controls"][0]["permission"] = json!("maybe");
    let bad = configmap("broken", json!([]), bad_env);
    let good = configmap("good", json!([{"name": "other"}]), json!([]));
    let mut cluster = Cluster::with(vec![bad, good]);
    let run = cluster.run(&env(u, &[]));
    assert_eq!(run.exit, 0);
    let status =
        cluster.get("ConfigMap", "broken").unwrap()["metadata"]["annotations"]["ccops.io/ccloud-api-key-status"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(status.contains("permission") && status.contains("maybe"), "{status}");
    let (_, sas) = http(u, "GET", "/iam/v2/service-accounts?display_name=other", Some(CLOUD), None);
    assert_eq!(sas["data"].as_array().unwrap().len(), 1, "the good ConfigMap proceeds");
}

#[test]
fn secrets_appear_only_in_the_patch_file() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    let run = cluster.run(&env(u, &[("LOG_LEVEL", "debug")]));
    assert!(run.succeeded(), "{:?}", run.failure);
    let secrets = issued_secrets(&cluster);
    assert_eq!(secrets.len(), 2);
    let metrics = serde_json::to_string(&run.metrics_written).unwrap();
    for s in &secrets {
        assert!(run.patch_text.contains(s.as_str()));
        for text in [&run.stdout, &run.stderr, &metrics] {
            assert!(!text.contains(s.as_str()), "a secret leaked");
        }
    }
}

#[test]
fn dry_run_changes_nothing() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    let run = cluster.run(&env(u, &[("DRY_RUN", "true")]));
    assert_eq!(run.exit, 0);
    assert!(keys(u).is_empty());
    assert!(acls(u).is_empty());
    assert!(run.operations.iter().all(|o| o["kind"] != "Secret" && o["object"]["kind"] != "Secret"));
}

#[test]
fn waits_until_a_new_key_authenticates() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    http(u, "PUT", "/_emulator/behaviour", None, Some(json!({"key_activation_ms": 1500})));
    let mut cluster = Cluster::with(vec![small()]);
    let args = ["--output", "json", "--patch-file", "/dev/null", "--metrics-file", "/dev/null"];
    let out = cluster.hand_run(&env(u, &[("KEY_READY_TIMEOUT", "10s")]), &args);
    let notices = out.json()["result"]["notices"].to_string();
    assert!(notices.contains("authenticates"), "{notices}\n{}", out.stderr);
}

#[test]
fn account_deletion_needs_a_tombstone_permission_and_no_references_and_cleans_its_acls_first() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let mut cluster = Cluster::with(vec![small()]);
    cluster.run(&env(u, &[]));
    let app_id = http(u, "GET", "/iam/v2/service-accounts?display_name=app", Some(CLOUD), None).1["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_tombstone = |extra_references: bool| {
        let env_spec = if extra_references { env_dev() } else { json!([]) };
        configmap(
            "ids",
            json!([{"name": "app", "description": "the app", "delete": true}, {"name": "sr-client", "description": "sr"}]),
            env_spec,
        )
    };
    let exists = |name: &str| {
        http(u, "GET", &format!("/iam/v2/service-accounts?display_name={name}"), Some(CLOUD), None).1["data"]
            .as_array()
            .unwrap()
            .len()
            == 1
    };
    let acls_of_app = || acls(u).iter().filter(|a| a["principal"] == json!(format!("User:{app_id}"))).count();
    cluster.put(with_tombstone(true));
    let r = cluster.run(&env(u, &[("ALLOW_DELETE", "true")]));
    assert!(r.stderr.contains("still refers"), "{}", r.stderr);
    assert!(exists("app"), "still referenced by a key and ACLs");
    cluster.put(with_tombstone(false));
    cluster.run(&env(u, &[]));
    assert!(exists("app"), "ALLOW_DELETE is not set");
    assert_eq!(acls_of_app(), 2, "and its ACLs stay");
    cluster.run(&env(u, &[("ALLOW_DELETE", "true")]));
    assert_eq!(acls_of_app(), 0, "its ACLs are deleted first");
    assert!(!exists("app"));
    assert!(exists("sr-client"));
}
