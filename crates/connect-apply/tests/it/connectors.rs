#![allow(clippy::unwrap_used)]
//! connect-apply end to end: the emulator (self-managed worker and managed Connect),
//! and a pretend cluster that applies the hook's object operations between runs.

use crate::common::*;
use hookctl::cluster::Objects;
use serde_json::{Value, json};

#[test]
fn the_original_configmaps_create_the_jdbc_source_and_a_second_run_writes_nothing() {
    let Some(manifests) = original() else { return };
    let emu = emulator();
    let u = &emu.url;
    let mut objects = Objects(manifests);
    let first = run(&mut objects, &env(u, &[]));
    assert_eq!(first.exit_code, 0);
    let (_, config) = http(u, "GET", "/connectors/jdbc-customers/config", None, None);
    assert_eq!(config["connection.user"], "root");
    assert_eq!(config["connection.password"], "GoKafka-test-password");
    assert_eq!(config["value.converter.schema.registry.url"], "https://psrc-emulated.us-central1.gcp.confluent.cloud");
    assert_eq!(config["value.converter.schema.registry.basic.auth.user.info"], "FIXTURESRKEY0001:fixture-sr-secret");
    assert_eq!(config["value.converter.basic.auth.credentials.source"], "USER_INFO");
    assert_eq!(config["transforms.ExtractId.type"], "org.apache.kafka.connect.transforms.ExtractField$Key");
    let (_, managed) = http(u, "GET", &format!("{BASE}/connectors"), Some(CLOUD), None);
    assert_eq!(managed, json!([]), "the disabled managed connectors are absent");
    writes(u);
    assert_eq!(run(&mut objects, &env(u, &[])).exit_code, 0);
    assert_eq!(writes(u), Vec::<String>::new(), "no write on the second run");
    assert!(!first.patch_text.contains("GoKafka-test-password"));
}

#[test]
fn a_changed_value_is_one_put_and_flipping_enabled_deletes() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |url: &str, enabled: &str| {
        connector_cm("jdbc", json!({"enabled": enabled}), json!({"a.json": jdbc("jdbc-a", url)}))
    };
    let mut objects = Objects(vec![cm("jdbc:mysql://one", "true")]);
    run(&mut objects, &env(u, &[]));
    writes(u);
    objects.0[0] = cm("jdbc:mysql://two", "true");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), ["PUT /connectors/jdbc-a/config"]);
    objects.0[0] = cm("jdbc:mysql://two", "false");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), ["DELETE /connectors/jdbc-a"]);
}

#[test]
fn cloud_connectors_are_deleted_when_disabled_and_masked_secrets_are_not_re_put() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |enabled: &str| {
        connector_cm(
            "dg",
            json!({"enabled": enabled, "destination.cc": "cc.env.streaming-ops-dev.kafka.microservices-orders"}),
            json!({"dg.json": datagen("dg")}),
        )
    };
    let mut objects = Objects(vec![cm("true"), route()]);
    let jaas = |password: &str| {
        properties(&format!(
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"FIXTUREKEY000001\" password=\"{password}\";\n"
        ))
    };
    let (before, rotated) = (jaas("first-secret"), jaas("a-rotated-secret"));
    let with = |dir: &tempfile::TempDir| env(u, &[("CONNECT_PROPERTIES_DIR", dir.path().to_str().unwrap())]);
    run(&mut objects, &with(&before));
    let (_, config) = http(u, "GET", &format!("{BASE}/connectors/dg/config"), Some(CLOUD), None);
    assert_eq!(config["kafka.api.secret"], "****************");
    assert_eq!(
        config["kafka.api.key"], "FIXTUREKEY000001",
        "KAFKA_API_KEY comes from the JAAS line, as in the original"
    );
    writes(u);
    for _ in 0..3 {
        run(&mut objects, &with(&before));
    }
    assert_eq!(writes(u), Vec::<String>::new(), "masked values do not cause a PUT every run");
    run(&mut objects, &with(&rotated));
    assert_eq!(writes(u), [format!("PUT {BASE}/connectors/dg/config")], "a changed templated secret is applied");
    objects.0[0] = cm("false");
    run(&mut objects, &with(&rotated));
    assert_eq!(writes(u), [format!("DELETE {BASE}/connectors/dg")]);
}

#[test]
fn a_configmap_deleted_while_down_deletes_its_connectors_at_the_next_run() {
    let emu = emulator();
    let u = &emu.url;
    let keep = connector_cm("keep", json!({"enabled": "true"}), json!({"k.json": jdbc("keep", "jdbc:x")}));
    let gone = connector_cm(
        "gone",
        json!({"enabled": "true"}),
        json!({"g.json": jdbc("gone", "jdbc:y"), "h.json": jdbc("gone-too", "jdbc:z")}),
    );
    let mut objects = Objects(vec![keep, gone]);
    run(&mut objects, &env(u, &[]));
    http(
        u,
        "PUT",
        "/connectors/foreign/config",
        None,
        Some(json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "x"})),
    );
    objects.remove("ConfigMap", "gone");
    let result = run(&mut objects, &env(u, &[]));
    let (_, names) = http(u, "GET", "/connectors", None, None);
    assert_eq!(
        names,
        json!(["foreign", "keep"]),
        "managed connectors of the deleted ConfigMap are gone; the foreign one is untouched"
    );
    assert_eq!(result.exit_code, 0);
}

#[test]
fn declared_state_pause_resume_stop() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |state: &str| {
        let mut c = connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-a", "jdbc:x")}));
        c["metadata"]["annotations"] = json!({"connect.ccops.io/state": state});
        c
    };
    let state = || http(u, "GET", "/connectors/jdbc-a/status", None, None).1["connector"]["state"].clone();
    let mut objects = Objects(vec![cm("paused")]);
    for (declared, reported) in [("paused", "PAUSED"), ("stopped", "STOPPED"), ("running", "RUNNING")] {
        objects.0[0] = cm(declared);
        run(&mut objects, &env(u, &[]));
        settle(u);
        assert_eq!(state(), reported);
    }
}

#[test]
fn failed_tasks_are_restarted_with_back_off() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-a", "jdbc:x")}))]);
    run(&mut objects, &env(u, &[]));
    let fail = || http(u, "POST", "/_emulator/connectors/jdbc-a/fail", None, Some(json!({"tasks": [0]})));
    fail();
    run(&mut objects, &env(u, &[]));
    let restarts = || http(u, "GET", "/_emulator/connectors/jdbc-a/restarts", None, None).1["restarts"].clone();
    assert_eq!(restarts(), 1);
    assert_eq!(http(u, "GET", "/connectors/jdbc-a/status", None, None).1["tasks"][0]["state"], "RUNNING");
    fail();
    run(&mut objects, &env(u, &[]));
    assert_eq!(restarts(), 1, "the next restart waits (back-off)");
    let history = objects.get("ConfigMap", "jdbc").unwrap()["metadata"]["annotations"]["connect.ccops.io/restarts"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(history.contains("jdbc-a"), "{history}");
}

#[test]
fn rebalances_are_waited_out() {
    let emu = emulator();
    let u = &emu.url;
    http(u, "POST", "/_emulator/connect/rebalance", None, Some(json!({"requests": 3})));
    let mut objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-a", "jdbc:x")}))]);
    assert_eq!(run(&mut objects, &env(u, &[])).exit_code, 0);
    assert_eq!(http(u, "GET", "/connectors/jdbc-a", None, None).0, 200);
}

#[test]
fn an_undefined_variable_fails_that_connector_only_and_sends_nothing_for_it() {
    let emu = emulator();
    let u = &emu.url;
    let bad = r#"{"name": "bad", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": $NO_SUCH_VARIABLE}}"#;
    let mut objects = Objects(vec![connector_cm(
        "jdbc",
        json!({"enabled": "true"}),
        json!({"bad.json": bad, "good.json": jdbc("good", "jdbc:x")}),
    )]);
    writes(u);
    let result = run(&mut objects, &env(u, &[]));
    assert_eq!(result.exit_code, 0);
    assert_eq!(writes(u), ["PUT /connectors/good/config"]);
    let status = objects.get("ConfigMap", "jdbc").unwrap()["metadata"]["annotations"]["ccops.io/connect-apply-status"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(status.contains("NO_SUCH_VARIABLE") && status.contains("bad.json"), "{status}");
}

#[test]
fn a_batch_of_five_contexts_applies_everything() {
    let emu = emulator();
    let u = &emu.url;
    let cms: Vec<Value> = (0..5)
        .map(|i| {
            connector_cm(
                &format!("cm{i}"),
                json!({"enabled": "true"}),
                json!({"c.json": jdbc(&format!("c{i}"), "jdbc:x")}),
            )
        })
        .collect();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let renderer = hookctl::render::Renderer::new(&config).unwrap();
    // Five queued runs combined into one file: every context carries the same, newest snapshot.
    let mut contexts = Vec::new();
    for i in 0..5 {
        let before = &cms[..i];
        contexts.extend(renderer.events(before, &cms[..=i]).unwrap());
    }
    assert_eq!(contexts.len(), 5);
    let result = hookctl::runner::run_once(&bin(), &contexts, &env(u, &[])).unwrap();
    assert_eq!(result.exit_code, 0);
    let (_, names) = http(u, "GET", "/connectors", None, None);
    assert_eq!(names, json!(["c0", "c1", "c2", "c3", "c4"]));
}

#[test]
fn dry_run_shows_validation_errors_and_changes_nothing() {
    let emu = emulator();
    let u = &emu.url;
    let invalid = json!({"name": "v", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "tasks.max": "0"}}).to_string();
    let cms = vec![connector_cm(
        "jdbc",
        json!({"enabled": "true"}),
        json!({"bad.json": invalid, "ok.json": jdbc("ok", "jdbc:x")}),
    )];
    let dir = tempfile::tempdir().unwrap();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&cms).unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let out = std::process::Command::new(bin())
        .args(["--binding-context", ctx.to_str().unwrap(), "--dry-run", "--detailed-exitcode", "--output", "json"])
        .envs(env(u, &[]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed validation fails the plan");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failures = report["result"]["errors"].to_string();
    assert!(failures.contains("connection.url") && failures.contains("tasks.max"), "{failures}");
    assert!(report["result"]["changes"].to_string().contains("validated by the worker (dry run)"));
    assert_eq!(http(u, "GET", "/connectors", None, None).1, json!([]));
}

#[test]
fn secrets_never_reach_stdout_stderr_or_status() {
    let Some(manifests) = original() else { return };
    let emu = emulator();
    let u = &emu.url;
    let dir = tempfile::tempdir().unwrap();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&manifests).unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    for args in [vec![], vec!["--dry-run"], vec!["--output", "json"]] {
        let out = std::process::Command::new(bin())
            .arg("--binding-context")
            .arg(&ctx)
            .args(&args)
            .envs(env(u, &[("LOG_LEVEL", "debug")]))
            .output()
            .unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for secret in
            ["GoKafka-test-password", "fixture/secret=with=equals", "fixture-sr-secret", "fake-bigquery-keyfile"]
        {
            assert!(!all.contains(secret), "{secret} leaked with {args:?}");
        }
    }
}
