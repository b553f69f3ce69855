//! `--config` is valid, and every API call the hook makes passes Stoplight Prism
//! (`--errors`) against the IAM, API keys, org, cmk and Kafka REST specs. The hook
//! reaches all control-plane APIs through one endpoint and Prism serves one spec per
//! process, so the same client calls the hook makes are sent through one proxy per spec.

use api_http::{Client, Credentials};
use ccloud_api::CloudApi;
use kafka_rest::{Acl, KafkaRest};
use serde_json::Value;
use std::time::{Duration, Instant};
use test_support::emulator::{CLOUD, KAFKA, example as emulator};
use test_support::prism;

#[test]
fn config_validates_against_the_upstream_schema() {
    let Some(path) = test_support::shared("shell-operator-data/schemas/hook-config-v1.schema.yaml") else { return };
    let schema: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccloud-api-key"))
        .arg("--config")
        .env_remove("BINDING_CONTEXT_PATH")
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let secrets = doc["kubernetes"].as_array().unwrap().iter().find(|b| b["kind"] == "Secret").unwrap();
    assert_eq!(secrets["keepFullObjectsInMemory"], false, "Secret data never enters a binding context");
    let filter = jq_eval::Program::compile(secrets["jqFilter"].as_str().unwrap()).unwrap();
    let seen = filter.filter_result(&serde_json::json!({"metadata": {"name": "s", "namespace": "n", "labels": {}, "annotations": {}}, "data": {"k": "c2VjcmV0"}, "stringData": {"k": "secret"}})).unwrap();
    assert!(!seen.to_string().contains("secret") && !seen.to_string().contains("c2VjcmV0"));
}

fn cloud(url: &str) -> CloudApi {
    CloudApi::new(Client::new(url, Some(&Credentials::new(CLOUD.0, CLOUD.1)), Instant::now() + Duration::from_secs(60)))
}

#[test]
fn every_call_conforms() {
    let Some(bin) = prism::prism_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator();
    // The key is listed right after its create (the emulator's list lags it by 2 s).
    test_support::http::call(
        &emu.url,
        "PUT",
        "/_emulator/behaviour",
        None,
        Some(serde_json::json!({"key_listing_lag_ms": 0})),
    );
    let proxy = |spec: &str, overlays: &[&str]| {
        prism::prepared_spec(dir.path(), spec, overlays).map(|s| prism::start(&bin, &s, &emu.url, dir.path()))
    };
    let Some(iam) = proxy("confluent-cloud/iam-v2.openapi.yaml", &[]) else { return };
    let Some(keys) = proxy("confluent-cloud/apikeys-v2.openapi.yaml", &[]) else { return };
    let Some(org) = proxy("confluent-cloud/org-v2.openapi.yaml", &[]) else { return };
    let Some(cmk) = proxy("confluent-cloud/cmk-v2.openapi.yaml", &[]) else { return };
    let Some(kafka) = proxy("kafka-rest-v3/confluent-cloud-kafkarest-v3.openapi.yaml", &["kafka-rest-cloud.json"])
    else {
        return;
    };
    let logs = || format!("{}\n{}\n{}\n{}\n{}", iam.log(), keys.log(), org.log(), cmk.log(), kafka.log());

    let i = cloud(&iam.url);
    let sa = i.create_service_account("orders-app", "orders").unwrap_or_else(|e| panic!("{e}\n{}", logs()));
    assert_eq!(i.create_service_account("orders-app", "orders").unwrap_err().status(), Some(409));
    assert_eq!(i.service_accounts(&["orders-app", "other"]).unwrap()[0].id, sa.id);
    i.update_service_account(&sa.id, "changed").unwrap();

    let k = cloud(&keys.url);
    let (key, _secret) = k
        .create_api_key(&sa.id, Some(("lkc-orders1", "env-sodev1")), "ccops ccloud-api-key instance=test")
        .unwrap_or_else(|e| panic!("{e}\n{}", logs()));
    assert_eq!(k.api_key(&key.id).unwrap().map(|x| x.id), Some(key.id.clone()), "found by id at once");
    assert_eq!(k.api_key("NOSUCHKEY").unwrap(), None);
    assert!(k.api_keys(None, None).unwrap().iter().any(|x| x.id == key.id));
    assert!(k.api_keys(Some(&sa.id), Some("lkc-orders1")).unwrap().iter().any(|x| x.id == key.id));
    k.delete_api_key(&key.id).unwrap();

    assert_eq!(cloud(&org.url).environments().unwrap_or_else(|e| panic!("{e}\n{}", logs()))[0].id, "env-sodev1");
    assert_eq!(cloud(&cmk.url).kafka_clusters("env-sodev1").unwrap()[0].id, "lkc-orders1");

    let rest = KafkaRest::new(
        Client::new(&kafka.url, Some(&Credentials::new(KAFKA.0, KAFKA.1)), Instant::now() + Duration::from_secs(60)),
        "lkc-orders1",
    );
    let acl = |op: &str, pattern: &str| Acl {
        resource_type: "TOPIC".into(),
        resource_name: "orders".into(),
        pattern_type: pattern.into(),
        principal: format!("User:{}", sa.id),
        host: "*".into(),
        operation: op.into(),
        permission: "ALLOW".into(),
    };
    rest.create_acls(&[acl("READ", "LITERAL"), acl("WRITE", "PREFIXED")]).unwrap_or_else(|e| panic!("{e}\n{}", logs()));
    assert_eq!(rest.list_acls(Some("UserV2:*")).unwrap().len(), 2);
    assert_eq!(rest.delete_acl(&acl("WRITE", "PREFIXED")).unwrap().len(), 1);
    i.delete_service_account(&sa.id).unwrap();
}
