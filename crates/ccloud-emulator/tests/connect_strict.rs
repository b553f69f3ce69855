#![allow(clippy::unwrap_used)]
//! Kafka Connect as strict as the real workers: each side's `expand` form, Cloud's
//! server-added keys, state changes and provisioning that take time, busy workers,
//! no restart on Cloud, and no secrets in the state dump.

mod common;
use common::{CLOUD, req, start};
use serde_json::json;

const CC: &str = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";

fn jdbc() -> serde_json::Value {
    json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:x",
           "connection.password": "pw-do-not-leak", "tasks.max": "1"})
}

fn datagen() -> serde_json::Value {
    json!({"connector.class": "DatagenSource", "kafka.api.key": "K", "kafka.api.secret": "secret-do-not-leak",
           "kafka.topic": "p", "tasks.max": "1"})
}

#[test]
fn each_side_accepts_only_its_own_expand_form() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/connectors/j/config", None, Some(jdbc()));
    let apache_comma = req(u, "GET", "/connectors?expand=info,status", None, None).body;
    assert_eq!(apache_comma, json!({"j": {}}), "Apache: one unknown expansion, ignored");
    let apache_repeated = req(u, "GET", "/connectors?expand=info&expand=status", None, None).body;
    assert!(apache_repeated["j"]["info"].is_object() && apache_repeated["j"]["status"].is_object());

    req(u, "PUT", &format!("{CC}/connectors/dg/config"), Some(CLOUD), Some(datagen()));
    let cloud_comma = req(u, "GET", &format!("{CC}/connectors?expand=info,status,id"), Some(CLOUD), None).body;
    assert!(cloud_comma["dg"]["info"].is_object() && cloud_comma["dg"]["status"].is_object());
    assert!(cloud_comma["dg"]["id"]["id"].is_string());
    let cloud_repeated = req(u, "GET", &format!("{CC}/connectors?expand=info&expand=status"), Some(CLOUD), None).body;
    assert!(cloud_repeated["dg"]["info"].is_object());
    assert!(cloud_repeated["dg"].get("status").is_none(), "Cloud reads one expand value");
}

#[test]
fn cloud_adds_its_server_side_keys() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", &format!("{CC}/connectors/dg/config"), Some(CLOUD), Some(datagen()));
    let config = req(u, "GET", &format!("{CC}/connectors/dg/config"), Some(CLOUD), None).body;
    for key in [
        "cloud.environment",
        "cloud.provider",
        "connector.crn",
        "kafka.dedicated",
        "kafka.endpoint",
        "kafka.max.partition.validation.disable",
        "kafka.region",
    ] {
        assert!(config[key].is_string(), "{key} in {config}");
    }
    assert!(config["connector.crn"].as_str().unwrap().ends_with("/connector=dg"));
}

#[test]
fn state_changes_and_provisioning_take_time_by_default() {
    let emu = start();
    let u = &emu.url;
    let state = |path: &str| req(u, "GET", path, Some(CLOUD), None).body["connector"]["state"].clone();
    let clock = |s: u64| req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": s})));
    req(u, "PUT", &format!("{CC}/connectors/dg/config"), Some(CLOUD), Some(datagen()));
    let status = format!("{CC}/connectors/dg/status");
    assert_eq!(state(&status), "PROVISIONING", "without any behaviour switch");
    clock(6);
    assert_eq!(state(&status), "RUNNING");
    assert_eq!(req(u, "PUT", &format!("{CC}/connectors/dg/pause"), Some(CLOUD), None).status, 202);
    assert_eq!(state(&status), "RUNNING", "accepted, not yet visible");
    clock(3);
    assert_eq!(state(&status), "PAUSED");

    req(u, "PUT", "/connectors/j/config", None, Some(jdbc()));
    assert_eq!(req(u, "PUT", "/connectors/j/stop", None, None).status, 204);
    let worker = req(u, "GET", "/connectors/j/status", None, None).body;
    assert_eq!(
        (worker["connector"]["state"].clone(), worker["tasks"][0]["state"].clone()),
        (json!("RUNNING"), json!("RUNNING"))
    );
    clock(3);
    let worker = req(u, "GET", "/connectors/j/status", None, None).body;
    assert_eq!(
        (worker["connector"]["state"].clone(), worker["tasks"][0]["state"].clone()),
        (json!("STOPPED"), json!("UNASSIGNED"))
    );

    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"state_change_ms": 0})));
    req(u, "PUT", "/connectors/j/resume", None, None);
    assert_eq!(req(u, "GET", "/connectors/j/status", None, None).body["connector"]["state"], "RUNNING");
}

#[test]
fn a_busy_worker_answers_request_timed_out() {
    let emu = start();
    let u = &emu.url;
    let rule = json!({"method": "PUT", "path": "/connectors/*/config", "when": "after", "times": 1, "action": {"type": "timeout"}});
    assert_eq!(req(u, "POST", "/_emulator/faults", None, Some(rule)).status, 200);
    let busy = req(u, "PUT", "/connectors/j/config", None, Some(jdbc()));
    assert_eq!((busy.status, busy.body.clone()), (500, json!({"error_code": 500, "message": "Request timed out"})));
    assert_eq!(req(u, "GET", "/connectors/j", None, None).status, 200, "the write landed anyway");
}

#[test]
fn cloud_has_no_restart_endpoint() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", &format!("{CC}/connectors/dg/config"), Some(CLOUD), Some(datagen()));
    let restart =
        req(u, "POST", &format!("{CC}/connectors/dg/restart?includeTasks=true&onlyFailed=true"), Some(CLOUD), None);
    assert_eq!(restart.status, 404);
    assert!(restart.body["error"]["message"].is_string(), "in Cloud Connect's error shape");
    let task = req(u, "POST", &format!("{CC}/connectors/dg/tasks/0/restart"), Some(CLOUD), None);
    assert_eq!(task.status, 404);
    assert_eq!(req(u, "PUT", &format!("{CC}/connectors/dg/stop"), Some(CLOUD), None).status, 404);
}

#[test]
fn the_state_dump_never_shows_connector_secrets() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/connectors/j/config", None, Some(jdbc()));
    let mut custom = jdbc();
    custom["my.auth.token"] = json!("token-do-not-leak");
    req(u, "PUT", "/connectors/k/config", None, Some(custom));
    req(u, "PUT", &format!("{CC}/connectors/dg/config"), Some(CLOUD), Some(datagen()));
    let state = req(u, "GET", "/_emulator/state", None, None).body;
    let text = state.to_string();
    assert!(!text.contains("do-not-leak"), "{text}");
    assert_eq!(state["connect"]["connectors"]["j"]["config"]["connection.url"], "jdbc:x", "the rest stays readable");
    let failed = req(u, "POST", "/_emulator/connectors/j/fail", None, None).body;
    assert!(!failed.to_string().contains("do-not-leak"));
}
