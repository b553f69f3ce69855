#![allow(clippy::unwrap_used)]
//! Kafka Connect behaviour, self-managed and Confluent Cloud managed.

mod common;
use common::{CLOUD, req, start};
use serde_json::json;

fn jdbc(url: &str) -> serde_json::Value {
    json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": url, "connection.password": "pw", "tasks.max": "2"})
}

#[test]
fn self_managed_upsert_expand_and_lifecycle() {
    let emu = start();
    let u = &emu.url;
    assert_eq!(req(u, "PUT", "/connectors/jdbc/config", None, Some(jdbc("a"))).status, 201);
    assert_eq!(req(u, "PUT", "/connectors/jdbc/config", None, Some(jdbc("b"))).status, 200);
    let config = req(u, "GET", "/connectors/jdbc/config", None, None).body;
    assert_eq!(
        (config["connection.url"].clone(), config["name"].clone(), config["connection.password"].clone()),
        (json!("b"), json!("jdbc"), json!("pw"))
    );
    let mismatch =
        req(u, "PUT", "/connectors/jdbc/config", None, Some(json!({"name": "other", "connector.class": "x"})));
    assert_eq!(mismatch.status, 400);
    assert_eq!(
        req(u, "PUT", "/connectors/x/config", None, Some(json!({"connector.class": "com.example.Nope"}))).status,
        400
    );
    let expanded = req(u, "GET", "/connectors?expand=status&expand=info", None, None).body;
    assert_eq!(expanded["jdbc"]["status"]["connector"]["state"], "RUNNING");
    assert_eq!(expanded["jdbc"]["info"]["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(req(u, "GET", "/connectors", None, None).body, json!(["jdbc"]));
    let dup = req(u, "POST", "/connectors", None, Some(json!({"name": "jdbc", "config": jdbc("c")})));
    assert_eq!(dup.status, 409);

    let state = |name: &str| {
        req(u, "GET", &format!("/connectors/{name}/status"), None, None).body["connector"]["state"].clone()
    };
    let settle = || req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 3})));
    assert_eq!(req(u, "PUT", "/connectors/jdbc/pause", None, None).status, 202);
    settle();
    assert_eq!(state("jdbc"), "PAUSED");
    assert_eq!(req(u, "PUT", "/connectors/jdbc/resume", None, None).status, 202);
    assert_eq!(req(u, "PUT", "/connectors/jdbc/stop", None, None).status, 204);
    settle();
    assert_eq!(state("jdbc"), "STOPPED");
    req(u, "PUT", "/connectors/jdbc/resume", None, None);
    settle();

    req(u, "POST", "/_emulator/connectors/jdbc/fail", None, Some(json!({"tasks": [1]})));
    let status = req(u, "GET", "/connectors/jdbc/status", None, None).body;
    assert_eq!(
        (status["tasks"][0]["state"].clone(), status["tasks"][1]["state"].clone()),
        (json!("RUNNING"), json!("FAILED"))
    );
    assert!(status["tasks"][1]["trace"].is_string());
    let restarted = req(u, "POST", "/connectors/jdbc/restart?includeTasks=true&onlyFailed=true", None, None);
    assert_eq!(restarted.status, 202);
    assert_eq!(restarted.body["tasks"][1]["state"], "RESTARTING");
    assert_eq!(restarted.body["tasks"][0]["state"], "RUNNING", "only failed tasks restart");
    assert_eq!(req(u, "GET", "/_emulator/connectors/jdbc/restarts", None, None).body["restarts"], 1);
    assert_eq!(req(u, "POST", "/connectors/jdbc/restart", None, None).status, 204);
    assert_eq!(req(u, "POST", "/connectors/jdbc/tasks/0/restart", None, None).status, 204);
    assert_eq!(req(u, "DELETE", "/connectors/jdbc", None, None).status, 204);
    assert_eq!(req(u, "DELETE", "/connectors/jdbc", None, None).status, 404);
}

#[test]
fn rebalance_answers_409_to_writes_only() {
    let emu = start();
    let u = &emu.url;
    req(u, "POST", "/_emulator/connect/rebalance", None, Some(json!({"requests": 2})));
    assert_eq!(req(u, "GET", "/connectors", None, None).status, 200);
    let first = req(u, "PUT", "/connectors/j/config", None, Some(jdbc("a")));
    assert_eq!(first.status, 409);
    assert!(first.body["message"].as_str().unwrap().contains("rebalance"));
    assert_eq!(req(u, "PUT", "/connectors/j/config", None, Some(jdbc("a"))).status, 409);
    assert_eq!(req(u, "PUT", "/connectors/j/config", None, Some(jdbc("a"))).status, 201);
}

#[test]
fn validation_reports_per_field_errors() {
    let emu = start();
    let u = &emu.url;
    let v = req(
        u,
        "PUT",
        "/connector-plugins/JdbcSourceConnector/config/validate",
        None,
        Some(
            json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "name": "j", "tasks.max": "0"}),
        ),
    );
    assert_eq!(v.status, 200);
    assert_eq!(v.body["error_count"], 2);
    let errors: Vec<String> = v.body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["value"]["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()))
        .collect();
    assert!(errors.iter().any(|e| e.contains("connection.url")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("tasks.max")), "{errors:?}");
    let plugins = req(u, "GET", "/connector-plugins", None, None).body;
    assert!(plugins.as_array().unwrap().iter().any(|p| p["class"] == "io.confluent.connect.jdbc.JdbcSourceConnector"));
}

#[test]
fn cloud_connectors_mask_secrets_and_use_cloud_shapes() {
    let emu = start();
    let u = &emu.url;
    let base = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";
    let config = json!({"connector.class": "DatagenSource", "kafka.api.key": "K", "kafka.api.secret": "very-secret", "kafka.topic": "pageviews", "tasks.max": "1"});
    assert_eq!(req(u, "PUT", &format!("{base}/connectors/dg/config"), None, Some(config.clone())).status, 401);
    assert_eq!(req(u, "PUT", &format!("{base}/connectors/dg/config"), Some(CLOUD), Some(config.clone())).status, 200);
    assert_eq!(req(u, "PUT", &format!("{base}/connectors/dg/config"), Some(CLOUD), Some(config)).status, 200);
    let got = req(u, "GET", &format!("{base}/connectors/dg/config"), Some(CLOUD), None).body;
    assert_eq!(got["kafka.api.secret"], "****************");
    assert_eq!(got["kafka.topic"], "pageviews");
    assert!(got.get("kafka.endpoint").is_some(), "server-added keys appear");
    assert!(
        !req(u, "GET", &format!("{base}/connectors?expand=info,status"), Some(CLOUD), None)
            .body
            .to_string()
            .contains("very-secret")
    );
    let no_creds = json!({"connector.class": "DatagenSource", "kafka.topic": "x"});
    let err = req(u, "PUT", &format!("{base}/connectors/x/config"), Some(CLOUD), Some(no_creds));
    assert_eq!((err.status, err.body["error"]["code"].clone()), (400, json!(400)));
    assert_eq!(req(u, "PUT", &format!("{base}/connectors/dg/pause"), Some(CLOUD), None).status, 202);
    let deleted = req(u, "DELETE", &format!("{base}/connectors/dg"), Some(CLOUD), None);
    assert_eq!((deleted.status, deleted.body.clone()), (200, json!({"error": null})));
    assert_eq!(
        req(u, "GET", "/connect/v1/environments/env-x/clusters/lkc-orders1/connectors", Some(CLOUD), None).status,
        404
    );
}

#[test]
fn new_cloud_connectors_provision_first() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"provisioning_ms": 3_600_000})));
    let base = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";
    let config =
        json!({"connector.class": "DatagenSource", "kafka.api.key": "K", "kafka.api.secret": "S", "kafka.topic": "p"});
    req(u, "PUT", &format!("{base}/connectors/dg/config"), Some(CLOUD), Some(config));
    assert_eq!(
        req(u, "GET", &format!("{base}/connectors/dg/status"), Some(CLOUD), None).body["connector"]["state"],
        "PROVISIONING"
    );
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 3601})));
    assert_eq!(
        req(u, "GET", &format!("{base}/connectors/dg/status"), Some(CLOUD), None).body["connector"]["state"],
        "RUNNING"
    );
}
