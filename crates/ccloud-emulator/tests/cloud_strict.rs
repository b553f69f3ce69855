#![allow(clippy::unwrap_used)]
//! The control plane is eventually consistent and has quotas, by default.

mod common;
use common::{CLOUD, req, start};
use serde_json::json;

fn mint(u: &str) -> common::Reply {
    let body = json!({"spec": {"owner": {"id": "sa-platform"}, "resource": {"id": "lkc-orders1"}}});
    req(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body))
}

#[test]
fn a_new_key_fails_and_is_unlisted_for_a_while_by_default() {
    let emu = start();
    let u = &emu.url;
    let created = mint(u);
    assert_eq!(created.status, 202);
    let (id, secret) =
        (created.body["id"].as_str().unwrap().to_owned(), created.body["spec"]["secret"].as_str().unwrap().to_owned());
    let topics = "/kafka/v3/clusters/lkc-orders1/topics";
    assert_eq!(req(u, "GET", topics, Some((&id, &secret)), None).status, 401, "not active yet");
    let ids = |u: &str| -> Vec<String> {
        req(u, "GET", "/iam/v2/api-keys?spec.owner=sa-platform", Some(CLOUD), None).body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!ids(u).contains(&id), "the key list lags the create");
    assert_eq!(req(u, "GET", &format!("/iam/v2/api-keys/{id}"), Some(CLOUD), None).status, 200);
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 3})));
    assert!(ids(u).contains(&id), "listed after the default 2 s");
    assert_eq!(req(u, "GET", topics, Some((&id, &secret)), None).status, 401, "active only after 5 s");
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 3})));
    assert_eq!(req(u, "GET", topics, Some((&id, &secret)), None).status, 200);
}

#[test]
fn the_lenient_forms_are_switches() {
    let emu = start();
    let u = &emu.url;
    let b = req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"key_activation_ms": 0, "key_listing_lag_ms": 0})));
    assert_eq!((b.body["key_activation_ms"].clone(), b.body["key_listing_lag_ms"].clone()), (json!(0), json!(0)));
    assert_eq!(b.body["provisioning_ms"], 5000, "the others keep their defaults");
    let created = mint(u);
    let id = created.body["id"].as_str().unwrap();
    let listed = req(u, "GET", "/iam/v2/api-keys", Some(CLOUD), None).body;
    assert!(listed.to_string().contains(id));
}

#[test]
fn a_service_account_owns_at_most_ten_keys() {
    let emu = start();
    let u = &emu.url;
    // sa-platform owns the state file's Kafka key already.
    for _ in 0..9 {
        assert_eq!(mint(u).status, 202);
    }
    let over = mint(u);
    assert_eq!(over.status, 402);
    assert_eq!(over.body["errors"][0]["code"], "quota_exceeded");
    assert!(over.body["errors"][0]["detail"].as_str().unwrap().contains("quota"));
    let keys = req(u, "GET", "/iam/v2/api-keys?spec.owner=sa-platform", Some(CLOUD), None);
    let first = keys.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(req(u, "DELETE", &format!("/iam/v2/api-keys/{first}"), Some(CLOUD), None).status, 204);
    assert_eq!(mint(u).status, 202, "deleting one frees a slot");
}

#[test]
fn bare_and_state_file_defaults_are_strict() {
    use ccloud_emulator::model::Behaviour;
    use std::time::Duration;
    let bare = ccloud_emulator::statefile::empty_world(1).behaviour;
    let from_file = ccloud_emulator::statefile::StateFile::parse("seed: 1").unwrap().into_world().unwrap().behaviour;
    for b in [bare, from_file, common::example_world().behaviour] {
        assert!(b.key_activation >= Duration::from_secs(1));
        assert!(b.key_listing_lag >= Duration::from_secs(1));
        assert!(b.provisioning > Duration::ZERO && b.state_change > Duration::ZERO);
        assert!(b.topic_deletion > Duration::ZERO);
        assert_eq!(b.max_keys_per_service_account, 10);
    }
    let partial = ccloud_emulator::statefile::StateFile::parse("behaviour: {key_activation_ms: 0}").unwrap();
    let b = partial.into_world().unwrap().behaviour;
    assert_eq!((b.key_activation, b.key_listing_lag), (Duration::ZERO, Behaviour::default().key_listing_lag));
}
