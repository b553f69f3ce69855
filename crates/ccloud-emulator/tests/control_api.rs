#![allow(clippy::unwrap_used)]
//! Faults, latency, rate limits, the request log, reset.

mod common;
use common::{CLOUD, KAFKA, call, req, start};
use serde_json::json;
use std::time::Instant;

const T: &str = "/kafka/v3/clusters/lkc-orders1/topics";

#[test]
fn status_faults_before_and_after_the_write() {
    let emu = start();
    let u = &emu.url;
    req(
        u,
        "POST",
        "/_emulator/faults",
        None,
        Some(
            json!({"method": "POST", "path": "/kafka/v3/clusters/*/topics", "times": 1, "action": {"type": "status", "status": 429, "retry_after": 3}}),
        ),
    );
    let throttled = req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "a"})));
    assert_eq!((throttled.status, throttled.header("Retry-After")), (429, Some("3")));
    assert_eq!(throttled.body["error_code"], 429);
    assert_eq!(
        req(u, "GET", &format!("{T}/a"), Some(KAFKA), None).status,
        404,
        "a fault before the write changes nothing"
    );
    assert_eq!(req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "a"}))).status, 201, "the rule struck once");

    req(
        u,
        "POST",
        "/_emulator/faults",
        None,
        Some(
            json!({"method": "POST", "path": "/kafka/**", "when": "after", "times": 1, "action": {"type": "status", "status": 500}}),
        ),
    );
    assert_eq!(req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "b"}))).status, 500);
    assert_eq!(
        req(u, "GET", &format!("{T}/b"), Some(KAFKA), None).status,
        200,
        "a fault after the write hides a change that happened"
    );
    let rules = req(u, "GET", "/_emulator/faults", None, None).body;
    assert_eq!((rules[0]["hits"].clone(), rules[1]["hits"].clone()), (json!(1), json!(1)));
    assert_eq!(req(u, "DELETE", "/_emulator/faults", None, None).status, 204);
}

#[test]
fn dropped_connections_and_cloud_error_shapes() {
    let emu = start();
    let u = &emu.url;
    req(
        u,
        "POST",
        "/_emulator/faults",
        None,
        Some(json!([
            {"path": "/iam/v2/api-keys", "method": "POST", "times": 1, "when": "after", "action": {"type": "drop"}},
            {"path": "/org/v2/environments", "times": 1, "action": {"type": "status", "status": 503}}
        ])),
    );
    let body = json!({"spec": {"owner": {"id": "sa-platform"}, "resource": {"id": "lkc-orders1"}}});
    assert!(
        call(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body)).is_err(),
        "the connection is closed without a reply"
    );
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 3})));
    let keys = req(u, "GET", "/iam/v2/api-keys?spec.owner=sa-platform", Some(CLOUD), None);
    assert_eq!(keys.body["data"].as_array().unwrap().len(), 2, "the key was minted before the drop");
    let unavailable = req(u, "GET", "/org/v2/environments", Some(CLOUD), None);
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.body["errors"][0]["status"], "503");
}

#[test]
fn latency_is_added_per_request() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/_emulator/latency", None, Some(json!({"ms": 0, "routes": [{"path": "/kafka/**", "ms": 150}]})));
    let started = Instant::now();
    req(u, "GET", T, Some(KAFKA), None);
    assert!(started.elapsed().as_millis() >= 150, "a lower bound holds on any machine");
    assert_eq!(req(u, "GET", "/_emulator/latency", None, None).body["routes"][0]["ms"], 150);
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"rate_limit_per_second": 2})));
    let statuses: Vec<u16> = (0..6).map(|_| req(u, "GET", "/org/v2/environments", Some(CLOUD), None).status).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let limited = (0..3).map(|_| req(u, "GET", "/org/v2/environments", Some(CLOUD), None)).find(|r| r.status == 429);
    if let Some(r) = limited {
        assert_eq!(r.header("Retry-After"), Some("1"));
    }
}

#[test]
fn request_log_counters_and_reset() {
    let emu = start();
    let u = &emu.url;
    req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "a"})));
    req(u, "GET", T, Some(KAFKA), None);
    req(u, "GET", T, Some(KAFKA), None);
    let counters = req(u, "GET", "/_emulator/counters", None, None).body;
    assert_eq!((counters["total"].clone(), counters["writes"].clone()), (json!(3), json!(1)));
    assert_eq!(counters["by_route"]["GET /kafka/v3/clusters/{cluster_id}/topics"], 2);
    let log = req(u, "GET", "/_emulator/requests?since=1", None, None).body;
    assert_eq!(log["requests"].as_array().unwrap().len(), 2);
    assert!(!log.to_string().contains(KAFKA.1), "the log never holds credentials");
    assert_eq!(req(u, "POST", "/_emulator/reset", None, None).status, 200);
    assert_eq!(req(u, "GET", &format!("{T}/a"), Some(KAFKA), None).status, 404);
    assert_eq!(req(u, "DELETE", "/_emulator/requests", None, None).status, 204);
    assert_eq!(req(u, "GET", "/_emulator/counters", None, None).body["total"], 0, "control requests are not counted");
    assert_eq!(req(u, "GET", "/_emulator/nope", None, None).status, 404);
}

#[test]
fn state_file_errors_are_clear() {
    use ccloud_emulator::statefile::StateFile;
    assert!(StateFile::parse("environments: [{name: a, colour: red}]").is_err(), "unknown keys are rejected");
    let bad_owner =
        StateFile::parse("api_keys: [{key: k, secret: s, owner: ghost, resource: lkc-x}]").unwrap().into_world();
    assert!(bad_owner.unwrap_err().to_string().contains("ghost"));
}
