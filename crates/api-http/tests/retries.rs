#![allow(clippy::unwrap_used)]
//! Retry behaviour against the emulator's fault rules.

use api_http::{Client, Credentials, HttpError, Retry};
use serde_json::json;
use std::time::{Duration, Instant};
use test_support::emulator::{KAFKA, example as emulator, fault};

fn kafka(url: &str, secs: u64) -> Client {
    Client::new(url, Some(&Credentials::new(KAFKA.0, KAFKA.1)), Instant::now() + Duration::from_secs(secs))
}

const TOPICS: &str = "/kafka/v3/clusters/lkc-orders1/topics";

#[test]
fn retry_after_is_honoured() {
    let emu = emulator();
    fault(
        &emu.url,
        json!({"path": "/kafka/**", "times": 1, "action": {"type": "status", "status": 429, "retry_after": 1}}),
    );
    let client = kafka(&emu.url, 30);
    let started = Instant::now();
    assert_eq!(client.get(TOPICS).unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited as told");
    assert_eq!(client.requests_sent(), 2);
}

#[test]
fn bursts_of_503_and_drops_are_retried_for_idempotent_calls() {
    let emu = emulator();
    fault(
        &emu.url,
        json!([
            {"path": "/kafka/**", "times": 3, "action": {"type": "status", "status": 503}},
            {"path": "/kafka/**", "times": 1, "action": {"type": "drop"}},
            {"path": "/kafka/**", "times": 1, "action": {"type": "status", "status": 429}}
        ]),
    );
    let client = kafka(&emu.url, 60);
    assert_eq!(client.get(TOPICS).unwrap().status, 200);
    assert_eq!(client.requests_sent(), 6);
}

#[test]
fn throttle_only_does_not_repeat_possibly_applied_writes() {
    let emu = emulator();
    fault(
        &emu.url,
        json!({"path": "/kafka/**", "method": "POST", "when": "after", "times": 1, "action": {"type": "status", "status": 503}}),
    );
    let client = kafka(&emu.url, 30);
    let err = client.request("POST", TOPICS, Some(&json!({"topic_name": "a"})), Retry::ThrottleOnly).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_transient());
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(
        client.get(&format!("{TOPICS}/a")).unwrap().status,
        200,
        "the write happened; the caller must look before repeating"
    );
}

#[test]
fn permanent_errors_are_not_retried_and_carry_the_api_message() {
    let emu = emulator();
    let client = kafka(&emu.url, 30);
    let err = client.get(&format!("{TOPICS}/missing")).unwrap_err();
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_transient());
    assert!(err.api_message().contains("not found"), "{err}");
    assert!(matches!(err, HttpError::Status { error_code: Some(40403), .. }));
}

#[test]
fn the_deadline_stops_retries() {
    let emu = emulator();
    fault(&emu.url, json!({"path": "/kafka/**", "action": {"type": "status", "status": 503}}));
    let client = kafka(&emu.url, 2);
    let started = Instant::now();
    let err = client.get(TOPICS).unwrap_err();
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

#[test]
fn errors_never_contain_credentials() {
    let emu = emulator();
    let client = Client::new(
        &emu.url,
        Some(&Credentials::new(KAFKA.0, "wrong-secret-value")),
        Instant::now() + Duration::from_secs(5),
    );
    let err = client.get(TOPICS).unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!format!("{err} {err:?} {client:?}").contains("wrong-secret-value"));
}
