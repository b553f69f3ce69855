#![allow(clippy::unwrap_used)]
//! `--config` is valid; every request the hook sends passes Stoplight Prism (`--errors`)
//! against the Apache Kafka Connect and the Confluent Cloud Connect specs; basic auth.

use hookctl::cluster::Objects;
use serde_json::{Value, json};
use std::path::PathBuf;
use test_support::emulator::CLOUD;
use test_support::prism;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_connect-apply"))
}

fn env(connect: &str, cloud: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let props = test_support::testdata("connect-properties").display().to_string();
    let base = [
        ("CONNECT_URL", connect),
        ("CONFLUENT_CLOUD_ENDPOINT", cloud),
        ("CONFLUENT_CLOUD_API_KEY", CLOUD.0),
        ("CONFLUENT_CLOUD_API_SECRET", CLOUD.1),
        ("CONNECT_PROPERTIES_DIR", props.as_str()),
        ("POD_NAMESPACE", "default"),
        ("ALLOW_DELETE", "connector"),
    ];
    base.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn cm(name: &str, labels: Value, annotations: Value, data: Value) -> Value {
    let mut l = json!({"destination": "connect"});
    l.as_object_mut().unwrap().extend(labels.as_object().unwrap().clone());
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": l, "annotations": annotations}, "data": data})
}

#[test]
fn config_validates_against_the_upstream_schema() {
    let Some(path) = test_support::shared("shell-operator-data/schemas/hook-config-v1.schema.yaml") else { return };
    let schema: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let out = std::process::Command::new(bin()).arg("--config").env_remove("BINDING_CONTEXT_PATH").output().unwrap();
    assert!(out.status.success() && out.stderr.is_empty());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let filter = jq_eval::Program::compile(doc["kubernetes"][0]["jqFilter"].as_str().unwrap()).unwrap();
    let view = filter.filter_result(&json!({"metadata": {"name": "a", "namespace": "n", "labels": {"enabled": "true"}, "annotations": {"connect.ccops.io/state": "paused", "ccops.io/connect-apply-status": "{}"}}, "data": {"k": "v"}})).unwrap();
    assert_eq!(
        view,
        json!({"name": "a", "namespace": "n", "labels": {"enabled": "true"}, "state": "paused", "data": {"k": "v"}}),
        "the status annotation is not in the filter, so writing it never re-runs the hook"
    );
}

fn emulator(state: &str) -> ccloud_emulator::Running {
    ccloud_emulator::spawn(test_support::emulator::example_world_with(state), true).unwrap()
}

#[test]
fn every_request_conforms() {
    let Some(prism_bin) = prism::prism_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator("");
    let Some(apache) = prism::prepared_spec(
        dir.path(),
        "kafka-connect/apache-kafka-connect-rest-3.9.0.openapi.yaml",
        &["apache-connect.json"],
    ) else {
        return;
    };
    let Some(cloud) = prism::prepared_spec(dir.path(), "confluent-cloud/connect-v1.openapi.yaml", &["connect-v1.json"])
    else {
        return;
    };
    let apache = prism::start(&prism_bin, &apache, &emu.url, dir.path());
    let cloud = prism::start(&prism_bin, &cloud, &emu.url, dir.path());
    let route = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cc.env.dev.kafka.orders", "namespace": "default",
                       "labels": {"environment_id": "env-sodev1", "resource_id": "lkc-orders1"}}, "data": {}});
    let jdbc = json!({"name": "jdbc", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:x", "tasks.max": "2"}}).to_string();
    let datagen = r#"{"name": "dg", "config": {"connector.class": "DatagenSource", "kafka.api.key": env.KAFKA_API_KEY, "kafka.api.secret": env.KAFKA_API_SECRET, "kafka.topic": "p"}}"#;
    let objects = |state: &str, enabled: &str, url: &str| {
        let jdbc = jdbc.replace("jdbc:x", url);
        vec![
            cm("self", json!({"enabled": enabled}), json!({"connect.ccops.io/state": state}), json!({"c.json": jdbc})),
            cm(
                "cloud",
                json!({"enabled": enabled, "destination.cc": "cc.env.dev.kafka.orders"}),
                json!({"connect.ccops.io/state": if state == "stopped" { "paused" } else { state }}),
                json!({"c.json": datagen}),
            ),
            route.clone(),
        ]
    };
    let check = |objects: &mut Objects, extra: &[(&str, &str)]| {
        let result = objects.run_hook(&bin(), &env(&apache.url, &cloud.url, extra)).unwrap();
        let stdout_free = result.exit_code == 0;
        assert!(stdout_free, "exit {}\n{}\n{}", result.exit_code, apache.log(), cloud.log());
        let failures: Vec<&Value> = result
            .metrics
            .as_ref()
            .unwrap()
            .operations
            .iter()
            .filter(|m| m["name"] == "connect_apply_errors" && m["value"] != 0.0)
            .collect();
        assert!(failures.is_empty(), "{failures:?}\n{}\n{}", apache.log(), cloud.log());
    };
    let mut o = Objects(objects("running", "true", "jdbc:x"));
    check(&mut o, &[("DRY_RUN", "true")]);
    check(&mut o, &[]);
    o.0.splice(0..2, objects("running", "true", "jdbc:y").into_iter().take(2));
    check(&mut o, &[]);
    o.0.splice(0..2, objects("paused", "true", "jdbc:y").into_iter().take(2));
    check(&mut o, &[]);
    o.0.splice(0..2, objects("stopped", "true", "jdbc:y").into_iter().take(2));
    check(&mut o, &[]);
    o.0.splice(0..2, objects("running", "true", "jdbc:y").into_iter().take(2));
    check(&mut o, &[]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.post(format!("{}/_emulator/connectors/jdbc/fail", emu.url)).send_json(json!({"tasks": [1]})).unwrap();
    check(&mut o, &[]);
    o.0.splice(0..2, objects("running", "false", "jdbc:y").into_iter().take(2));
    check(&mut o, &[]);
    let names: Value = agent.get(format!("{}/connectors", emu.url)).call().unwrap().body_mut().read_json().unwrap();
    assert_eq!(names, json!([]));
}

#[test]
fn self_managed_basic_auth() {
    let emu = emulator("connect:\n  basic_auth: {username: connect-user, password: connect-pass}\n");
    let mut o = Objects(vec![cm(
        "self",
        json!({"enabled": "true"}),
        json!({}),
        json!({"c.json": json!({"name": "j", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:x"}}).to_string()}),
    )]);
    let without = o.run_hook(&bin(), &env(&emu.url, &emu.url, &[])).unwrap();
    assert_eq!(without.exit_code, 0, "a 401 is permanent: reported, no retry loop");
    let with = o
        .run_hook(
            &bin(),
            &env(
                &emu.url,
                &emu.url,
                &[("CONNECT_BASIC_AUTH_USER", "connect-user"), ("CONNECT_BASIC_AUTH_PASSWORD", "connect-pass")],
            ),
        )
        .unwrap();
    assert_eq!(with.exit_code, 0);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let names: Value = agent
        .get(format!("{}/connectors", emu.url))
        .header("Authorization", "Basic Y29ubmVjdC11c2VyOmNvbm5lY3QtcGFzcw==")
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(names, json!(["j"]));
}
