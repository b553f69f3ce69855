#![allow(clippy::unwrap_used)]
//! A declaration that fails is frozen, never deleted; only what this deployment recorded is
//! deleted, through the deletion switches; a target that cannot be listed keeps its record;
//! connect-apply reads only its own settings; exit codes and the plan text CI users read.
//! Each test runs the real binary as shell-operator does (the pretend cluster applying its
//! patches between runs), with `ALLOW_DELETE=connector` as the deployment base sets it, so
//! that what keeps a connector is the freeze, not a switch.

use crate::common::*;
use hookctl::cluster::Objects;
use serde_json::{Value, json};

const JDBC: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";

fn exists(u: &str, name: &str) -> bool {
    http(u, "GET", &format!("/connectors/{name}"), None, None).0 == 200
}

/// The value of `connect_apply_errors{reason}` in a run's metric operations.
fn errors(metrics: &[Value], reason: &str) -> f64 {
    metrics
        .iter()
        .find(|m| m["name"] == "connect_apply_errors" && m["labels"]["reason"] == reason)
        .and_then(|m| m["value"].as_f64())
        .unwrap_or(-1.0)
}

fn with(mut env: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

/// After the run that froze `name`: nothing was written to Connect, the connector is still
/// there, it is still recorded, and the ConfigMap's status names the failure.
fn assert_frozen(u: &str, objects: &Objects, configmap: &str, item: &str, needle: &str) {
    assert_eq!(writes(u), Vec::<String>::new(), "a frozen connector gets no write at all");
    let s = status(objects, configmap);
    assert!(s["failed"].as_u64().unwrap() >= 1 && s["lastError"].as_str().unwrap().contains(needle), "{s}");
    assert!(recorded(objects).contains(&item.to_owned()), "the record keeps {item}: {:?}", recorded(objects));
}

#[test]
fn a_variable_removed_from_the_properties_freezes_the_connector() {
    let emu = emulator();
    let u = &emu.url;
    let code =
        format!(r#"{{"name": "jdbc-v", "config": {{"connector.class": "{JDBC}", "connection.url": $ORDERS_DB_URL}}}}"#);
    let mut objects = Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"v.json": code}))]);
    let defined = properties("orders.db.url=jdbc:mysql://orders\n");
    let removed = properties("");
    let props = |d: &tempfile::TempDir| env(u, &[("CONNECT_PROPERTIES_DIR", d.path().to_str().unwrap())]);
    assert_eq!(run(&mut objects, &props(&defined)).exit_code, 0);
    assert!(exists(u, "jdbc-v"));
    writes(u);
    let result = run(&mut objects, &props(&removed));
    assert_eq!(result.exit_code, 0, "a permanent failure is reported, not retried");
    assert!(exists(u, "jdbc-v"), "the connector whose variable is gone is kept");
    assert_eq!(errors(&result.metrics, "invalid"), 1.0);
    assert_frozen(u, &objects, "jdbc", "self/jdbc-v", "ORDERS_DB_URL");
}

#[test]
fn an_unset_env_variable_freezes_the_connector() {
    let emu = emulator();
    let u = &emu.url;
    let code = format!(
        r#"{{"name": "jdbc-e", "config": {{"connector.class": "{JDBC}", "connection.url": "jdbc:x", "connection.user": env.MYSQL_CONNECTION_USER}}}}"#
    );
    let mut objects = Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"e.json": code}))]);
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "jdbc-e"));
    writes(u);
    let unset: Vec<(String, String)> = env(u, &[]).into_iter().filter(|(k, _)| k != "MYSQL_CONNECTION_USER").collect();
    let result = run(&mut objects, &unset);
    assert!(exists(u, "jdbc-e"));
    assert_eq!(errors(&result.metrics, "invalid"), 1.0);
    assert_frozen(u, &objects, "jdbc", "self/jdbc-e", "null");
}

#[test]
fn an_invalid_state_freezes_the_connector() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |annotation: &str, template_state: Option<&str>| {
        let mut def = json!({"name": "jdbc-s", "config": {"connector.class": JDBC, "connection.url": "jdbc:x"}});
        if let Some(s) = template_state {
            def["state"] = json!(s);
        }
        let mut c = connector_cm("jdbc", json!({"enabled": "true"}), json!({"s.json": def.to_string()}));
        c["metadata"]["annotations"] = json!({"connect.ccops.io/state": annotation});
        c
    };
    let mut objects = Objects(vec![cm("paused", None)]);
    run(&mut objects, &env(u, &[]));
    settle(u);
    writes(u);
    // The annotation names no state: the connector's name is known, it is frozen as it is.
    objects.0[0] = cm("sleeping", None);
    let result = run(&mut objects, &env(u, &[]));
    assert_eq!(errors(&result.metrics, "invalid"), 1.0);
    assert_frozen(u, &objects, "jdbc", "self/jdbc-s", "sleeping");
    // The template's state is invalid: rendering fails, everything the ConfigMap declared is frozen.
    objects.0[0] = cm("running", Some("asleep"));
    let result = run(&mut objects, &env(u, &[]));
    assert_eq!(errors(&result.metrics, "invalid"), 1.0);
    assert_frozen(u, &objects, "jdbc", "self/jdbc-s", "state");
    assert_eq!(http(u, "GET", "/connectors/jdbc-s/status", None, None).1["connector"]["state"], "PAUSED");
}

#[test]
fn the_same_connector_declared_twice_is_a_conflict_and_frozen() {
    let emu = emulator();
    let u = &emu.url;
    let cm =
        |name: &str, url: &str| connector_cm(name, json!({"enabled": "true"}), json!({"c.json": jdbc("jdbc-d", url)}));
    let mut objects = Objects(vec![cm("first", "jdbc:mysql://one")]);
    run(&mut objects, &env(u, &[]));
    writes(u);
    objects.0.push(cm("second", "jdbc:mysql://two"));
    let result = run(&mut objects, &env(u, &[]));
    assert_eq!(errors(&result.metrics, "conflict"), 2.0, "both declarations fail");
    assert_frozen(u, &objects, "first", "self/jdbc-d", "declared in");
    assert!(status(&objects, "second")["lastError"].as_str().unwrap().contains("none of them is applied"));
    let (_, config) = http(u, "GET", "/connectors/jdbc-d/config", None, None);
    assert_eq!(config["connection.url"], "jdbc:mysql://one", "neither declaration is applied");
    objects.remove("ConfigMap", "first");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), ["PUT /connectors/jdbc-d/config"], "once declared once, it is applied again");
}

#[test]
fn a_deleted_route_configmap_freezes_its_managed_connectors() {
    let emu = emulator();
    let u = &emu.url;
    let dg = connector_cm(
        "dg",
        json!({"enabled": "true", "destination.cc": "cc.env.streaming-ops-dev.kafka.microservices-orders"}),
        json!({"dg.json": datagen("dg")}),
    );
    let mut objects = Objects(vec![dg, route()]);
    run(&mut objects, &env(u, &[]));
    assert_eq!(http(u, "GET", &format!("{BASE}/connectors/dg"), Some(CLOUD), None).0, 200);
    writes(u);
    objects.remove("ConfigMap", "cc.env.streaming-ops-dev.kafka.microservices-orders");
    let result = run(&mut objects, &env(u, &[]));
    assert_eq!(errors(&result.metrics, "unresolved"), 1.0);
    assert_eq!(http(u, "GET", &format!("{BASE}/connectors/dg"), Some(CLOUD), None).0, 200, "kept");
    assert_frozen(u, &objects, "dg", "cloud/env-sodev1/lkc-orders1/dg", "destination.cc");
}

#[test]
fn a_worker_down_while_the_last_configmap_is_deleted_keeps_the_record_then_deletes() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-w", "jdbc:x")}))]);
    run(&mut objects, &env(u, &[]));
    assert_eq!(recorded(&objects), ["self/jdbc-w"]);
    objects.remove("ConfigMap", "jdbc");
    test_support::emulator::fault(
        u,
        json!({"method": "GET", "path": "/connectors", "action": {"type": "status", "status": 503}, "times": 1000}),
    );
    // A resync tick: a Synchronization run exits 0 whatever happens, so as not to hold the main queue.
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let tick = hookctl::render::Renderer::new(&config).unwrap().schedule("resync", &objects.0).unwrap();
    let down = hookctl::runner::run_once(&bin(), &tick, &env(u, &[("HOOK_DEADLINE", "2s")])).unwrap();
    assert_eq!(down.exit_code, 1, "a failed listing is transient: shell-operator runs the hook again");
    assert_eq!(errors(&down.metrics.as_ref().unwrap().operations, "transient"), 1.0);
    // Even if its patches were applied, the record would still hold the connector.
    objects.apply(down.operations.as_ref().unwrap()).unwrap();
    assert_eq!(recorded(&objects), ["self/jdbc-w"], "the record is kept as it is");
    test_support::emulator::clear_faults(u);
    let up = run(&mut objects, &env(u, &[]));
    assert_eq!(up.exit_code, 0);
    assert!(!exists(u, "jdbc-w"), "deleted once the worker answers");
    assert_eq!(recorded(&objects), Vec::<String>::new());
}

#[test]
fn a_rebalance_that_outlasts_the_retries_is_transient() {
    let emu = emulator();
    let u = &emu.url;
    let objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-r", "jdbc:x")}))]);
    http(u, "POST", "/_emulator/connect/rebalance", None, Some(json!({"requests": 10_000})));
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let tick = hookctl::render::Renderer::new(&config).unwrap().schedule("resync", &objects.0).unwrap();
    let result = hookctl::runner::run_once(&bin(), &tick, &env(u, &[("HOOK_DEADLINE", "3s")])).unwrap();
    assert_eq!(result.exit_code, 1, "shell-operator runs the hook again");
    assert_eq!(errors(&result.metrics.as_ref().unwrap().operations, "transient"), 1.0);
    assert_eq!(errors(&result.metrics.as_ref().unwrap().operations, "refused"), 0.0);
}

#[test]
fn only_recorded_connectors_are_deleted_and_only_when_allowed() {
    let emu = emulator();
    let u = &emu.url;
    let body: Value = serde_json::from_str(&jdbc("handmade", "jdbc:x")).unwrap();
    http(u, "PUT", "/connectors/handmade/config", None, Some(body["config"].clone()));
    let mut objects = Objects(vec![
        connector_cm("handmade", json!({"enabled": "false"}), json!({"h.json": jdbc("handmade", "jdbc:x")})),
        connector_cm("ours", json!({"enabled": "true"}), json!({"o.json": jdbc("ours", "jdbc:x")})),
    ]);
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "handmade"), "disabled, but this deployment never recorded it");
    objects.remove("ConfigMap", "ours");
    let (_, report) = hand_run(&objects, &env(u, &[("ALLOW_DELETE", "false")]), &[]);
    let held = report["result"]["held"].to_string();
    assert!(held.contains("handmade") && held.contains("not provably owned"), "{held}");
    assert!(held.contains("ours") && held.contains("ALLOW_DELETE does not include connector"), "{held}");
    run(&mut objects, &env(u, &[("ALLOW_DELETE", "false")]));
    assert!(exists(u, "ours"), "ALLOW_DELETE=false keeps it");
    assert_eq!(recorded(&objects), ["self/ours"], "and it stays this deployment's");
    run(&mut objects, &env(u, &[]));
    assert!(!exists(u, "ours") && exists(u, "handmade"));
}

#[test]
fn the_deployment_base_allows_connector_deletion_only() {
    let path = test_support::repo_root().join("operator-image/deploy/base/deployment.yaml");
    let deployment: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
    let env = &deployment["spec"]["template"]["spec"]["containers"][0]["env"];
    let allow = env.as_array().unwrap().iter().find(|e| e["name"] == "ALLOW_DELETE").unwrap();
    assert_eq!(allow["value"], "connector", "connect-operator deleted connectors; topics and keys stay opt-in");
}

#[test]
fn connect_apply_reads_its_own_selector_only() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-sel", "jdbc:x")}))]);
    run(&mut objects, &env(u, &[]));
    writes(u);
    // The container env the ccloud hooks share: the selector is theirs.
    for selector in ["destination=ccloud,variant=dev", "destination"] {
        let e = env(u, &[("CCLOUD_SPEC_SELECTOR", selector)]);
        let config = hookctl::runner::read_v1_config_with_env(&bin(), &e).unwrap();
        let labels = &serde_json::to_value(&config).unwrap()["kubernetes"][0]["labelSelector"]["matchLabels"];
        assert_eq!(labels, &json!({"destination": "connect"}), "CCLOUD_SPEC_SELECTOR={selector}");
        let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&objects.0).unwrap();
        assert_eq!(hookctl::runner::run_once(&bin(), &contexts, &e).unwrap().exit_code, 0);
        assert!(exists(u, "jdbc-sel"), "CCLOUD_SPEC_SELECTOR={selector} deleted a managed connector");
    }
    assert_eq!(writes(u), Vec::<String>::new());
    let e = env(u, &[("CONNECT_SPEC_SELECTOR", "destination=connect,team=orders")]);
    let config = serde_json::to_value(hookctl::runner::read_v1_config_with_env(&bin(), &e).unwrap()).unwrap();
    assert_eq!(
        config["kubernetes"][0]["labelSelector"]["matchLabels"],
        json!({"destination": "connect", "team": "orders"})
    );
}

#[test]
fn a_malformed_selector_keeps_config_valid_and_fails_the_run_without_deleting() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects =
        Objects(vec![connector_cm("jdbc", json!({"enabled": "true"}), json!({"a.json": jdbc("jdbc-bad", "jdbc:x")}))]);
    run(&mut objects, &env(u, &[]));
    writes(u);
    let e = env(u, &[("CONNECT_SPEC_SELECTOR", "destination")]);
    let out = std::process::Command::new(bin())
        .arg("--config")
        .envs(e.clone())
        .env_remove("BINDING_CONTEXT_PATH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "--config never fails on a setting");
    let config: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(config["kubernetes"][0]["labelSelector"]["matchLabels"], json!({"destination": "connect"}));
    let contexts =
        hookctl::render::Renderer::new(&serde_json::from_value(config).unwrap()).unwrap().startup(&objects.0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let out = std::process::Command::new(bin()).arg("--binding-context").arg(&ctx).envs(e).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("CONNECT_SPEC_SELECTOR"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(writes(u), Vec::<String>::new());
    assert!(exists(u, "jdbc-bad"));
}

#[test]
fn config_is_printed_whatever_dry_run_and_deadline_hold() {
    for (name, value) in [("DRY_RUN", ""), ("DRY_RUN", "1"), ("HOOK_DEADLINE", ""), ("HOOK_DEADLINE", "5")] {
        let out = std::process::Command::new(bin())
            .arg("--config")
            .env(name, value)
            .env_remove("BINDING_CONTEXT_PATH")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}={value:?}: {}", String::from_utf8_lossy(&out.stderr));
        let config: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(config["configVersion"], "v1");
    }
}

#[test]
fn detailed_exit_codes_of_a_dry_run() {
    let emu = emulator();
    let u = &emu.url;
    let plan = |objects: &Objects, extra: &[(&str, &str)]| {
        hand_run(objects, &with(env(u, &[]), extra), &["--dry-run", "--detailed-exitcode"]).0
    };
    let ok = connector_cm("ok", json!({"enabled": "true"}), json!({"ok.json": jdbc("ok", "jdbc:x")}));
    let mut objects = Objects(vec![ok.clone()]);
    assert_eq!(plan(&objects, &[]), 2, "a create is pending");
    run(&mut objects, &env(u, &[]));
    assert_eq!(plan(&objects, &[]), 0, "nothing to do");
    let bad = |data: Value| {
        let mut o = objects.clone();
        o.0.push(connector_cm("bad", json!({"enabled": "true"}), data));
        o
    };
    let undefined =
        format!(r#"{{"name": "u", "config": {{"connector.class": "{JDBC}", "connection.url": $NOT_DEFINED}}}}"#);
    assert_eq!(plan(&bad(json!({"u.json": undefined})), &[]), 1, "undefined template variable");
    let invalid = json!({"name": "v", "config": {"connector.class": JDBC, "tasks.max": "0"}}).to_string();
    assert_eq!(plan(&bad(json!({"v.json": invalid})), &[]), 1, "failed server-side validation");
    let state = json!({"name": "s", "state": "sleeping", "config": {"connector.class": JDBC, "connection.url": "x"}})
        .to_string();
    assert_eq!(plan(&bad(json!({"s.json": state})), &[]), 1, "invalid state");
    assert_eq!(plan(&bad(json!({"ok.json": jdbc("ok", "jdbc:y")})), &[]), 1, "conflict");
    assert_eq!(
        plan(&objects, &[("CONNECT_URL", "http://127.0.0.1:9"), ("HOOK_DEADLINE", "2s")]),
        1,
        "unreachable worker"
    );
}

/// The human plan of a dry run, as CI users read it: a create, an update, a deletion, a held
/// deletion, and failures.
#[test]
fn the_plan_text_of_a_dry_run() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |name: &str, enabled: &str, data: Value| connector_cm(name, json!({"enabled": enabled}), data);
    let mut objects = Objects(vec![
        cm("changed", "true", json!({"c.json": jdbc("changed", "jdbc:mysql://old")})),
        cm("off", "true", json!({"o.json": jdbc("off", "jdbc:x")})),
        cm("keep-audit", "true", json!({"k.json": jdbc("keep-audit", "jdbc:x")})),
    ]);
    run(&mut objects, &env(u, &[]));
    objects.0[0] = cm("changed", "true", json!({"c.json": jdbc("changed", "jdbc:mysql://new")}));
    objects.0[1] = cm("off", "false", json!({"o.json": jdbc("off", "jdbc:x")}));
    objects.remove("ConfigMap", "keep-audit");
    let undefined =
        format!(r#"{{"name": "u", "config": {{"connector.class": "{JDBC}", "connection.url": $NOT_DEFINED}}}}"#);
    objects.0.push(cm("fresh", "true", json!({"f.json": jdbc("fresh", "jdbc:mysql://fresh"), "u.json": undefined})));
    objects.0.push(cm("twice-a", "true", json!({"t.json": jdbc("twice", "jdbc:a")})));
    objects.0.push(cm("twice-b", "true", json!({"t.json": jdbc("twice", "jdbc:b")})));
    let dir = tempfile::tempdir().unwrap();
    let config = hookctl::runner::read_v1_config(&bin()).unwrap();
    let contexts = hookctl::render::Renderer::new(&config).unwrap().startup(&objects.0).unwrap();
    let ctx = dir.path().join("ctx.json");
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let out = std::process::Command::new(bin())
        .arg("--binding-context")
        .arg(&ctx)
        .args(["--dry-run", "--patch-file", "/dev/null", "--metrics-file", "/dev/null"])
        .envs(with(env(u, &[]), &[("PROTECTED_RESOURCES", "connector:keep-*")]))
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
