#![allow(clippy::unwrap_used, clippy::expect_used)]
//! hookctl end to end: rendering, running and discovery.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use test_support::testdata;

fn hookctl() -> Command {
    Command::cargo_bin("hookctl").unwrap()
}

fn contexts(args: &[&str], stdin: Option<String>) -> Vec<Value> {
    let mut cmd = hookctl();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn hook(name: &str) -> String {
    testdata(&format!("hooks/{name}")).display().to_string()
}

#[test]
fn streaming_ops_dev_yields_one_synchronization_with_the_data_maps() {
    let Some(rendered) = test_support::streaming_ops_dev_yaml() else { return };
    let ctx =
        contexts(&["context", "--hook", &hook("original-ccloud-operator"), "--manifests", "-"], Some(rendered.clone()));
    assert_eq!(ctx.len(), 1, "{ctx:#?}");
    assert_eq!(ctx[0]["type"], "Synchronization");
    assert_eq!(ctx[0]["binding"], "ConnectConfigMapMonitor");
    let objects = ctx[0]["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1, "only the destination=ccloud ConfigMap is in scope");
    let data = &objects[0]["filterResult"];
    assert_eq!(data, &objects[0]["object"]["data"]);
    let keys: Vec<&str> = data.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["environments", "service-accounts"]);
    let envs: Value = serde_json::from_str(data["environments"].as_str().unwrap()).unwrap();
    assert_eq!(envs[0]["kafka"][0]["topic"].as_array().unwrap().len(), 16);
    assert_eq!(objects[0]["object"]["metadata"]["labels"]["variant"], "dev");
}

#[test]
fn startup_with_groups_snapshots_and_on_startup() {
    let Some(rendered) = test_support::streaming_ops_dev_yaml() else { return };
    let ctx = contexts(&["context", "--hook", &hook("grouped-hook"), "--manifests", "-"], Some(rendered));
    assert_eq!(ctx[0], json!({"binding": "onStartup"}));
    // `specs` and `records` share a group: compacted into the last Group context.
    assert_eq!(ctx[1]["type"], "Group");
    assert_eq!(ctx[1]["binding"], "records");
    assert_eq!(ctx[1]["groupName"], "reconcile");
    assert!(ctx[1].get("objects").is_none());
    let specs = ctx[1]["snapshots"]["specs"].as_array().unwrap();
    assert_eq!(specs.len(), 3);
    assert!(specs.iter().all(|i| i.get("object").is_none()), "keepFullObjectsInMemory: false drops objects");
    assert_eq!(specs[0]["filterResult"], json!({"name": "customers-jdbc-source-connector", "enabled": "true"}));
    assert_eq!(ctx[1]["snapshots"]["records"], json!([]));
    assert_eq!(ctx[2]["type"], "Synchronization");
    assert_eq!(ctx[2]["binding"], "plain");
    assert_eq!(ctx[2]["objects"].as_array().unwrap().len(), 1);
    assert_eq!(ctx[2]["snapshots"]["specs"].as_array().unwrap().len(), 3);
    assert_eq!(ctx.len(), 3);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const CM_A: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {destination: ccloud}}\ndata: {x: '1'}\n";

#[test]
fn events_fire_only_when_the_filter_result_changes() {
    let dir = tempfile::tempdir().unwrap();
    let before = write(
        dir.path(),
        "before.yaml",
        &format!(
            "{CM_A}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: b, labels: {{destination: ccloud}}}}\ndata: {{x: '2'}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, labels: {{destination: ccloud}}}}\ndata: {{x: '3'}}\n"
        ),
    );
    // a: only a label changes (no event with jqFilter .data); b: data changes; c: deleted; d: added.
    let after = write(
        dir.path(),
        "after.json",
        r#"{"apiVersion":"v1","kind":"List","items":[
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"destination":"ccloud","extra":"y"}},"data":{"x":"1"}},
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b","labels":{"destination":"ccloud"}},"data":{"x":"changed"}},
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","labels":{"destination":"ccloud"}},"data":{"x":"4"}}]}"#,
    );
    let ctx = contexts(
        &["context", "--hook", &hook("original-ccloud-operator"), "--manifests", &after, "--before", &before],
        None,
    );
    let summary: Vec<(String, String)> = ctx
        .iter()
        .map(|c| {
            (c["watchEvent"].as_str().unwrap().to_owned(), c["object"]["metadata"]["name"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [("Modified", "b"), ("Deleted", "c"), ("Added", "d")].map(|(e, n)| (e.to_owned(), n.to_owned()));
    assert_eq!(summary, expected);
    assert_eq!(ctx[0]["filterResult"], json!({"x": "changed"}));
    assert_eq!(ctx[1]["filterResult"], json!({"x": "3"}), "Deleted carries the last known object");
    assert_eq!(ctx[0]["object"]["metadata"]["namespace"], "default");
}

#[test]
fn schedule_contexts() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "m.yaml", CM_A);
    let ctx = contexts(
        &["context", "--hook", &hook("original-ccloud-operator"), "--manifests", &m, "--schedule", "resync"],
        None,
    );
    assert_eq!(
        ctx,
        vec![json!({"binding": "resync", "type": "Schedule", "snapshots": {"ConnectConfigMapMonitor": [
        {"object": serde_json::from_str::<Value>(&serde_json::to_string(&yaml_io::from_str::<Value>(CM_A).unwrap()).unwrap()).map(|mut o| { o["metadata"]["namespace"] = json!("default"); o }).unwrap(),
         "filterResult": {"x": "1"}}]}})]
    );
    let grouped =
        contexts(&["context", "--hook", &hook("grouped-hook"), "--manifests", &m, "--schedule", "resync"], None);
    assert_eq!(grouped[0]["type"], "Group");
    assert_eq!(grouped[0]["groupName"], "reconcile");
    let plain = contexts(&["context", "--hook", &hook("grouped-hook"), "--manifests", &m, "--schedule", "tick"], None);
    assert_eq!(plain, vec![json!({"binding": "tick", "type": "Schedule"})]);
    hookctl()
        .args(["context", "--hook", &hook("grouped-hook"), "--manifests", &m, "--schedule", "nope"])
        .assert()
        .failure();
}

#[test]
fn run_follows_the_shell_operator_contract() {
    let dir = tempfile::tempdir().unwrap();
    let capture = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "m.yaml", CM_A);
    let saved_patch = dir.path().join("saved.patch");
    let out = hookctl()
        .args(["run", "--hook", &hook("original-ccloud-operator"), "--manifests", &m, "--env", "EXTRA_VAR=given"])
        .arg("--patch-file")
        .arg(&saved_patch)
        .env("HOOK_CAPTURE", capture.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("--- object operations (1) ---"), "{stdout}");
    assert!(
        stdout.contains("<redacted>") && !stdout.contains("hunter2-test-secret"),
        "Secret data is redacted: {stdout}"
    );
    assert!(stdout.contains("\"runs_total\""), "{stdout}");
    assert!(
        std::fs::read_to_string(&saved_patch).unwrap().contains("hunter2-test-secret"),
        "the raw file keeps the data"
    );
    let env = std::fs::read_to_string(capture.path().join("env-0.txt")).unwrap();
    let hooks_dir = testdata("hooks");
    assert!(env.contains("args=0\n"), "{env}");
    assert!(env.contains(&format!("pwd={}\n", hooks_dir.display())), "{env}");
    assert!(env.contains("extra=given\n"), "{env}");
    assert!(!env.contains("stdin=tty"), "{env}");
    let line = |k: &str| env.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap().to_owned();
    assert_eq!(line("admission"), line("validating"));
    let delivered: Value =
        serde_json::from_str(&std::fs::read_to_string(capture.path().join("context-0.json")).unwrap()).unwrap();
    assert_eq!(delivered[0]["type"], "Synchronization");
}

#[test]
fn run_exit_codes_and_invalid_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "m.yaml", CM_A);
    hookctl()
        .args(["run", "--hook", &hook("original-ccloud-operator"), "--manifests", &m])
        .env("HOOK_EXIT", "3")
        .assert()
        .code(3);
    let out = hookctl()
        .args(["run", "--hook", &hook("original-ccloud-operator"), "--manifests", &m])
        .env("HOOK_BAD_PATCH", "1")
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("invalid object operations"));
}

#[test]
fn discovery_follows_shell_operator_rules() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let exe = |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let good = std::fs::read_to_string(hook("original-ccloud-operator")).unwrap();
    for rel in ["001-topics", "sub/002-keys", ".hidden", "lib/helper", "x.yaml", "notes.txt", "sub/.dot/h"] {
        let path = r.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &good).unwrap();
        exe(&path);
    }
    std::fs::write(r.join("not-executable"), &good).unwrap();
    std::os::unix::fs::symlink(r.join("001-topics"), r.join("003-link")).unwrap();
    std::os::unix::fs::symlink(r.join("sub"), r.join("linked-dir")).unwrap();
    let found: Vec<String> = hookctl::discover::discover(r)
        .unwrap()
        .iter()
        .map(|p| p.strip_prefix(r).unwrap().display().to_string())
        .collect();
    assert_eq!(found, ["001-topics", "003-link", "sub/002-keys"]);
    hookctl().arg("discover").arg(r).assert().success();
    let bad = r.join("004-bad");
    std::fs::write(&bad, "#!/bin/sh\necho '{\"configVersion\":\"v1\",\"kubernetes\":[]}'\n").unwrap();
    exe(&bad);
    let out = hookctl().arg("discover").arg(r).assert().code(1).get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&out).contains("INVALID 004-bad"));
}
