//! Every request ccloud-topic makes passes Stoplight Prism (`--errors`): Kafka REST v3
//! through a proxy for the Confluent Cloud spec, and the control-plane lookups (the same
//! `CloudApi` calls the tool makes) through proxies for the org and cmk specs.

use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use test_support::prism;

#[test]
fn kafka_rest_requests_conform() {
    let Some(bin) = prism::prism_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(spec) = prism::prepared_spec(
        dir.path(),
        "kafka-rest-v3/confluent-cloud-kafkarest-v3.openapi.yaml",
        &["kafka-rest-cloud.json"],
    ) else {
        return;
    };
    let emu = emulator();
    let proxy = prism::start(&bin, &spec, &emu.url, dir.path());
    let direct = vec![
        ("KAFKA_REST_ENDPOINT".to_owned(), proxy.url.clone()),
        ("KAFKA_ID".to_owned(), "lkc-orders1".to_owned()),
        ("KAFKA_API_KEY".to_owned(), KAFKA.0.to_owned()),
        ("KAFKA_API_SECRET".to_owned(), KAFKA.1.to_owned()),
        ("POD_NAMESPACE".to_owned(), "default".to_owned()),
    ];
    let check = |manifests: &[Value], args: &[&str], extra: &[(&str, &str)]| {
        let (exit, report, stderr) = hand_run(manifests, &with(direct.clone(), extra), args);
        assert!(exit == 0 || exit == 2, "exit {exit}: {stderr}\n{}", proxy.log());
        assert_eq!(report["result"]["failures"], json!([]), "{}\n{}", report["result"], proxy.log());
        report
    };
    let v1 = configmap(
        "specs",
        json!([{"name": "orders", "partitions": 3, "config": "cleanup.policy=compact"}, {"name": "old"}]),
    );
    check(std::slice::from_ref(&v1), &["--dry-run"], &[]);
    check(std::slice::from_ref(&v1), &[], &[]);
    let v2 = configmap(
        "specs",
        json!([{"name": "orders", "partitions": 6, "config": {"cleanup.policy": "compact", "retention.ms": "1000"}}, {"name": "old", "delete": true}]),
    );
    check(std::slice::from_ref(&v2), &["--dry-run"], &[("ALLOW_DELETE", "true")]);
    let report = check(std::slice::from_ref(&v2), &[], &[("ALLOW_DELETE", "true")]);
    let actions = report["result"]["clusters"][0]["actions"].to_string();
    assert!(
        actions.contains("\"partitions\"") && actions.contains("\"config\"") && actions.contains("\"delete\""),
        "{actions}"
    );
    assert_eq!(topic(&emu.url, "orders").unwrap()["partitions_count"], 6);
    assert!(topic(&emu.url, "old").is_none());
}

#[test]
fn cloud_lookups_conform() {
    let Some(bin) = prism::prism_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator();
    let deadline = Instant::now() + Duration::from_secs(30);
    let creds = api_http::Credentials::new(CLOUD.0, CLOUD.1);
    let Some(org_spec) = prism::prepared_spec(dir.path(), "confluent-cloud/org-v2.openapi.yaml", &[]) else { return };
    let org = prism::start(&bin, &org_spec, &emu.url, dir.path());
    let envs = ccloud_api::CloudApi::new(api_http::Client::new(&org.url, Some(&creds), deadline)).environments();
    assert_eq!(envs.unwrap_or_else(|e| panic!("{e}\n{}", org.log()))[0].id, "env-sodev1");
    let Some(cmk_spec) = prism::prepared_spec(dir.path(), "confluent-cloud/cmk-v2.openapi.yaml", &[]) else { return };
    let cmk = prism::start(&bin, &cmk_spec, &emu.url, dir.path());
    let clusters =
        ccloud_api::CloudApi::new(api_http::Client::new(&cmk.url, Some(&creds), deadline)).kafka_clusters("env-sodev1");
    let clusters = clusters.unwrap_or_else(|e| panic!("{e}\n{}", cmk.log()));
    assert_eq!((clusters[0].id.as_str(), clusters[0].name.as_str()), ("lkc-orders1", "microservices-orders"));
}
