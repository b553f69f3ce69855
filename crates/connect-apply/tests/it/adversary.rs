#![allow(clippy::unwrap_used)]
//! The adversarial review's ways of getting a connector deleted (or moved) that nobody asked
//! to delete, each through the real binary as shell-operator runs it: two deployments sharing
//! one record, a renamed ConfigMap whose template fails, a typo in a route, a move whose
//! create fails, an `enabled` label in another case, a route from another namespace.

use crate::common::*;
use hookctl::cluster::Objects;
use serde_json::json;

const JDBC: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";
const ROUTE: &str = "cc.env.streaming-ops-dev.kafka.microservices-orders";

fn exists(u: &str, name: &str) -> bool {
    http(u, "GET", &format!("/connectors/{name}"), None, None).0 == 200
}

fn cloud_exists(u: &str, name: &str) -> bool {
    http(u, "GET", &format!("{BASE}/connectors/{name}"), Some(CLOUD), None).0 == 200
}

fn deletes(writes: &[String]) -> Vec<&String> {
    writes.iter().filter(|w| w.starts_with("DELETE")).collect()
}

#[test]
fn two_deployments_in_one_namespace_never_delete_each_others_connectors() {
    let emu = emulator();
    let u = &emu.url;
    let mut objects = Objects(vec![
        connector_cm("team-a", json!({"enabled": "true", "team": "a"}), json!({"a.json": jdbc("conn-a", "jdbc:a")})),
        connector_cm("team-b", json!({"enabled": "true", "team": "b"}), json!({"b.json": jdbc("conn-b", "jdbc:b")})),
    ]);
    let team = |t: &str| env(u, &[("CONNECT_SPEC_SELECTOR", &format!("destination=connect,team={t}"))]);
    assert_eq!(run(&mut objects, &team("a")).exit_code, 0);
    assert!(exists(u, "conn-a") && !exists(u, "conn-b"), "team a's run sees team a's ConfigMap only");
    for t in ["b", "a", "b"] {
        assert_eq!(run(&mut objects, &team(t)).exit_code, 0);
        assert!(exists(u, "conn-a") && exists(u, "conn-b"), "a run of team {t} deleted the other team's connector");
    }
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new());
    // Each deployment still deletes its own: team a's ConfigMap removed.
    objects.remove("ConfigMap", "team-a");
    run(&mut objects, &team("b"));
    assert!(exists(u, "conn-a"), "team b never recorded conn-a");
    run(&mut objects, &team("a"));
    assert!(!exists(u, "conn-a") && exists(u, "conn-b"));
}

#[test]
fn a_renamed_configmap_whose_template_fails_keeps_its_connector() {
    let emu = emulator();
    let u = &emu.url;
    let code =
        format!(r#"{{"name": "jdbc-r", "config": {{"connector.class": "{JDBC}", "connection.url": $ORDERS_DB_URL}}}}"#);
    let (defined, removed) = (properties("orders.db.url=jdbc:mysql://orders\n"), properties(""));
    let props = |d: &tempfile::TempDir| env(u, &[("CONNECT_PROPERTIES_DIR", d.path().to_str().unwrap())]);
    let mut objects = Objects(vec![connector_cm("old", json!({"enabled": "true"}), json!({"r.json": code}))]);
    assert_eq!(run(&mut objects, &props(&defined)).exit_code, 0);
    assert!(exists(u, "jdbc-r"));
    writes(u);
    objects.remove("ConfigMap", "old");
    objects.0.push(connector_cm("new", json!({"enabled": "true"}), json!({"r.json": code})));
    run(&mut objects, &props(&removed));
    assert_eq!(writes(u), Vec::<String>::new(), "the renamed ConfigMap's connector cannot be known: nothing deleted");
    assert!(exists(u, "jdbc-r"));
    assert_eq!(recorded(&objects), ["self/jdbc-r"]);
    assert!(status(&objects, "new")["lastError"].as_str().unwrap().contains("ORDERS_DB_URL"));
    // Fixed: the connector is declared again, by its new ConfigMap.
    run(&mut objects, &props(&defined));
    assert!(exists(u, "jdbc-r"));
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new());
}

#[test]
fn a_typo_in_a_routes_cluster_id_keeps_the_cloud_connector() {
    let emu = emulator();
    let u = &emu.url;
    let dg = connector_cm("dg", json!({"enabled": "true", "destination.cc": ROUTE}), json!({"dg.json": datagen("dg")}));
    let mut objects = Objects(vec![dg, route()]);
    run(&mut objects, &env(u, &[]));
    assert!(cloud_exists(u, "dg"));
    writes(u);
    let mut typo = route();
    typo["metadata"]["labels"]["resource_id"] = json!("lkc-orders2");
    objects.remove("ConfigMap", ROUTE);
    objects.0.push(typo);
    run(&mut objects, &env(u, &[]));
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new(), "the connector on the real cluster is kept");
    assert!(cloud_exists(u, "dg"));
    assert!(recorded(&objects).contains(&"cloud/env-sodev1/lkc-orders1/dg".to_owned()), "{:?}", recorded(&objects));
    // The typo fixed: nothing to do.
    objects.remove("ConfigMap", ROUTE);
    objects.0.push(route());
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), Vec::<String>::new());
}

#[test]
fn a_moved_connector_is_created_on_its_new_target_before_it_is_deleted_from_the_old_one() {
    let emu = emulator();
    let u = &emu.url;
    // The worker and Cloud share no plugin: the move also changes the class.
    let self_managed = connector_cm("mv", json!({"enabled": "true"}), json!({"mv.json": jdbc("mv", "jdbc:mv")}));
    let mut objects = Objects(vec![self_managed, route()]);
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "mv"));
    writes(u);
    objects.0[0] =
        connector_cm("mv", json!({"enabled": "true", "destination.cc": ROUTE}), json!({"mv.json": datagen("mv")}));
    test_support::emulator::fault(
        u,
        json!({"method": "PUT", "path": "/connect/v1/environments/*/clusters/*/connectors/*/config",
               "action": {"type": "status", "status": 503}, "times": 1000}),
    );
    run(&mut objects, &env(u, &[("HOOK_DEADLINE", "5s")]));
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new(), "the create failed: the old connector stays");
    assert!(exists(u, "mv") && !cloud_exists(u, "mv"));
    assert!(recorded(&objects).contains(&"self/mv".to_owned()), "{:?}", recorded(&objects));
    test_support::emulator::clear_faults(u);
    run(&mut objects, &env(u, &[]));
    let w = writes(u);
    let put = w.iter().position(|w| w.starts_with("PUT /connect/") && w.ends_with("/connectors/mv/config"));
    let delete = w.iter().position(|w| w == "DELETE /connectors/mv");
    assert!(put.is_some() && delete.is_some() && put < delete, "create, then delete: {w:?}");
    assert!(cloud_exists(u, "mv") && !exists(u, "mv"));
    assert_eq!(recorded(&objects), ["cloud/env-sodev1/lkc-orders1/mv"]);
}

#[test]
fn enabled_is_true_or_false_in_any_case_and_anything_else_freezes() {
    let emu = emulator();
    let u = &emu.url;
    let cm = |enabled: &str| connector_cm("jdbc", json!({"enabled": enabled}), json!({"a.json": jdbc("jdbc-en", "x")}));
    let mut objects = Objects(vec![cm("TRUE")]);
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "jdbc-en"), "TRUE is true");
    writes(u);
    objects.0[0] = cm("True");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), Vec::<String>::new(), "True is still true");
    objects.0[0] = cm("yes");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), Vec::<String>::new(), "an invalid enabled label freezes the connector");
    assert!(exists(u, "jdbc-en"));
    let s = status(&objects, "jdbc");
    assert!(s["lastError"].as_str().unwrap().contains("enabled"), "{s}");
    objects.0[0] = cm("False");
    run(&mut objects, &env(u, &[]));
    assert_eq!(writes(u), ["DELETE /connectors/jdbc-en"]);
}

#[test]
fn a_route_is_never_taken_from_another_namespace() {
    let emu = emulator();
    let u = &emu.url;
    let dg = connector_cm("dg", json!({"enabled": "true", "destination.cc": ROUTE}), json!({"dg.json": datagen("dg")}));
    let mut elsewhere = route();
    elsewhere["metadata"]["namespace"] = json!("other");
    let mut objects = Objects(vec![dg, elsewhere]);
    run(&mut objects, &env(u, &[("WATCH_NAMESPACES", "default,other")]));
    assert!(!cloud_exists(u, "dg"), "a route of the same name in another namespace is not this ConfigMap's");
    assert_eq!(writes(u), Vec::<String>::new());
    let s = status(&objects, "dg");
    assert!(s["lastError"].as_str().unwrap().contains("missing from namespace default"), "{s}");
}

#[test]
fn a_record_stamped_by_another_deployment_is_not_trusted() {
    let emu = emulator();
    let u = &emu.url;
    let body: serde_json::Value = serde_json::from_str(&jdbc("theirs", "jdbc:x")).unwrap();
    http(u, "PUT", "/connectors/theirs/config", None, Some(body["config"].clone()));
    // The default deployment's record name, written by another deployment (or by hand).
    let mut foreign = record("default/gone", &["theirs"]);
    foreign["data"]["owner"] = json!("other|destination=connect,team=x|default");
    let mut objects = Objects(vec![foreign]);
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "theirs"), "nothing in another deployment's record is deleted");
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new());
}

/// The chaos soak's seed 103: a declaration whose template fails before it names its
/// connector may declare any connector, so a disabled duplicate elsewhere is no licence to
/// delete it.
#[test]
fn a_disabled_duplicate_does_not_override_a_failing_unnamed_declaration() {
    let emu = emulator();
    let u = &emu.url;
    let (defined, removed) = (properties("orders.db.url=jdbc:mysql://orders\n"), properties(""));
    let props = |d: &tempfile::TempDir| env(u, &[("CONNECT_PROPERTIES_DIR", d.path().to_str().unwrap())]);
    // `$ORDERS_DB_URL` in the name: without the variable the template cannot even name it.
    let code = format!(
        r#"{{"name": ("jdbc-" + ($ORDERS_DB_URL | split("//")[1])), "config": {{"connector.class": "{JDBC}", "connection.url": "u"}}}}"#
    );
    let mut objects = Objects(vec![connector_cm("src", json!({"enabled": "true"}), json!({"s.json": code}))]);
    assert_eq!(run(&mut objects, &props(&defined)).exit_code, 0);
    assert!(exists(u, "jdbc-orders"));
    objects.0.push(connector_cm("copy", json!({"enabled": "false"}), json!({"c.json": jdbc("jdbc-orders", "jdbc:x")})));
    writes(u);
    run(&mut objects, &props(&removed));
    assert!(exists(u, "jdbc-orders"), "deleted through a disabled duplicate while its own declaration fails");
    assert_eq!(deletes(&writes(u)), Vec::<&String>::new());
}

/// A template that names its connector and then fails (an unset value) freezes that
/// connector only: an unrelated removed ConfigMap's connector is still deleted.
#[test]
fn a_named_failure_freezes_its_connector_not_the_whole_deployment() {
    let emu = emulator();
    let u = &emu.url;
    let broken =
        format!(r#"{{"name": "jdbc-n", "config": {{"connector.class": "{JDBC}", "connection.url": env.NOT_LISTED}}}}"#);
    let mut objects = Objects(vec![
        connector_cm("gone", json!({"enabled": "true"}), json!({"g.json": jdbc("jdbc-gone", "jdbc:g")})),
        connector_cm("named", json!({"enabled": "true"}), json!({"n.json": jdbc("jdbc-n", "jdbc:n")})),
    ]);
    assert_eq!(run(&mut objects, &env(u, &[])).exit_code, 0);
    assert!(exists(u, "jdbc-gone") && exists(u, "jdbc-n"));
    objects.remove("ConfigMap", "gone");
    objects.0.retain(|o| o["metadata"]["name"] != "named");
    objects.0.push(connector_cm("named", json!({"enabled": "true"}), json!({"n.json": broken})));
    run(&mut objects, &env(u, &[]));
    assert!(exists(u, "jdbc-n"), "the failing declaration's connector is frozen");
    assert!(!exists(u, "jdbc-gone"), "the removed ConfigMap's connector is deleted");
    assert!(status(&objects, "named")["lastError"].as_str().unwrap().contains("null"));
}
