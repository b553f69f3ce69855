#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What hookctl models of shell-operator v1.20 where a hook can feel it: refused
//! operations, lagging snapshots, queues, compaction, discarded metrics, retries.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use test_support::hook_test::HookTest;

/// A hook whose `--config` is `$CONFIG` (default: one binding on ConfigMaps); a run
/// writes `$OPS` (or the file `$OPS_FILE`) as the patch file, `$METRICS` as the metrics file, logs its binding
/// contexts to stderr and exits `$EXIT`.
const HOOK: &str = r#"#!/bin/sh
if [ "$1" = "--config" ]; then
  if [ -n "$CONFIG" ]; then printf '%s\n' "$CONFIG"; else
    echo '{"configVersion":"v1","kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","jqFilter":".metadata.name"}]}'
  fi
  exit 0
fi
if [ -n "$OPS_FILE" ]; then cat "$OPS_FILE"; else printf '%s\n' "$OPS"; fi > "$KUBERNETES_PATCH_PATH"
printf '%s\n' "${METRICS:-}" > "$METRICS_PATH"
cat "$BINDING_CONTEXT_PATH" >&2
exit "${EXIT:-0}"
"#;

/// Creates `made` only when the snapshot lacks it, like a hook that trusts its snapshot.
const CREATE_UNLESS_SEEN: &str = r#"#!/bin/sh
if [ "$1" = "--config" ]; then
  echo '{"configVersion":"v1","kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","jqFilter":".metadata.name"}]}'
  exit 0
fi
grep -q '"made"' "$BINDING_CONTEXT_PATH" ||
  echo '{"operation":"Create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"made","namespace":"default"}}}' > "$KUBERNETES_PATCH_PATH"
"#;

fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {}})
}

fn create(object: Value) -> String {
    json!({"operation": "Create", "object": object}).to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn hookctl() -> Command {
    Command::cargo_bin("hookctl").unwrap()
}

#[test]
fn a_lagging_snapshot_hides_the_last_write_and_a_hook_trusting_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", CREATE_UNLESS_SEEN);
    let mut fresh = HookTest::new(&hook);
    assert!(fresh.run().succeeded());
    assert!(fresh.run().succeeded(), "without lag the second run sees `made` and writes nothing");
    let mut lagging = HookTest::new(&hook).informer_lag(1);
    assert!(lagging.run().succeeded());
    let second = lagging.run();
    assert!(!second.succeeded(), "the second run still sees no `made` and creates it again");
    assert!(second.rejected.unwrap().contains("already exists"));
    assert!(lagging.run().succeeded(), "the third run sees the first run's write");
}

#[test]
fn an_invalid_name_is_refused_the_run_fails_and_is_retried_with_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let m = write(dir.path(), "m.yaml", &cm("a").to_string());
    let out = hookctl()
        .args(["run", "--hook", hook.to_str().unwrap(), "--manifests", &m, "--retries", "2"])
        .env("OPS", create(cm("Not_A_Name")))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("--- rejected by the API server (1) ---"), "{stdout}");
    assert!(stdout.contains("metadata.name"), "{stdout}");
    for delay in ["retries in 5s", "retries in 6s", "retries in 7s"] {
        assert!(stdout.contains(delay), "{delay}: {stdout}");
    }
    assert!(stdout.contains("--- run 1 retry 2 "), "two retries: {stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("operation(s) refused"));
}

#[test]
fn operations_are_all_attempted_and_the_refused_ones_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let mut big = cm("big");
    big["data"]["blob"] = json!("x".repeat(1024 * 1024));
    let patch = json!({"operation": "MergePatch", "kind": "ConfigMap", "namespace": "default", "name": "absent", "mergePatch": {"data": {"a": "1"}}});
    let tolerated = json!({"operation": "MergePatch", "kind": "ConfigMap", "namespace": "default", "name": "absent",
                           "mergePatch": {"data": {"a": "1"}}, "ignoreMissingObject": true});
    let ops = [create(cm("before")), create(big), patch.to_string(), tolerated.to_string(), create(cm("after"))];
    let ops_file = write(dir.path(), "ops.jsonl", &ops.join("\n"));
    let mut t = HookTest::new(&hook).env("OPS_FILE", ops_file);
    let r = t.run();
    assert_eq!(r.exit, 0);
    assert!(!r.succeeded());
    let rejected = r.rejected.unwrap();
    assert!(rejected.contains("operation 2") && rejected.contains("Too long"), "{rejected}");
    assert!(rejected.contains("operation 3") && rejected.contains("not found"), "{rejected}");
    assert!(!rejected.contains("operation 4"), "ignoreMissingObject tolerates the absence: {rejected}");
    assert!(t.get("ConfigMap", "before").is_some() && t.get("ConfigMap", "after").is_some());
    assert!(t.get("ConfigMap", "big").is_none());
}

#[test]
fn immutable_data_and_existing_objects_are_protected() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let mut frozen = cm("frozen");
    frozen["immutable"] = json!(true);
    let mut changed = frozen.clone();
    changed["data"]["k"] = json!("v");
    let update = json!({"operation": "CreateOrUpdate", "object": changed}).to_string();
    let mut t = HookTest::new(&hook).manifests(vec![frozen]).env("OPS", format!("{update}\n{}", create(cm("frozen"))));
    let rejected = t.run().rejected.unwrap();
    assert!(rejected.contains("field is immutable"), "{rejected}");
    assert!(rejected.contains("already exists"), "Create never replaces: {rejected}");
    t.set_env("OPS", json!({"operation": "CreateIfNotExists", "object": cm("frozen")}).to_string());
    assert!(t.run().succeeded(), "CreateIfNotExists ignores the existing object");
}

#[test]
fn a_failed_run_records_no_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let metric = r#"{"name":"runs","action":"add","value":1}"#;
    let mut t = HookTest::new(&hook).env("METRICS", metric).env("OPS", "");
    assert_eq!(t.run().metrics.len(), 1);
    t.set_env("EXIT", "1");
    let failed = t.run();
    assert!(failed.metrics.is_empty() && failed.metrics_written.len() == 1);
    let m = write(dir.path(), "m.yaml", &cm("a").to_string());
    let out = hookctl()
        .args(["run", "--hook", hook.to_str().unwrap(), "--manifests", &m])
        .env("METRICS", metric)
        .env("OPS", create(cm("UPPER")))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("--- metrics (1, discarded: the run failed) ---"));
}

const TWO_QUEUES: &str = r#"{"configVersion":"v1","kubernetes":[
  {"name":"a","apiVersion":"v1","kind":"ConfigMap","queue":"first","nameSelector":{"matchNames":["a"]}},
  {"name":"b","apiVersion":"v1","kind":"ConfigMap","queue":"second","nameSelector":{"matchNames":["b"]}}]}"#;

#[test]
fn events_in_different_queues_are_separate_runs() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let before = write(dir.path(), "before.json", "[]");
    let after = write(dir.path(), "after.json", &json!([cm("b"), cm("a")]).to_string());
    let out = hookctl()
        .args(["run", "--hook", hook.to_str().unwrap(), "--before", &before, "--manifests", &after])
        .env("CONFIG", TWO_QUEUES)
        .env("OPS", "")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("--- run 1 (queue first, 1 binding contexts)"), "{stdout}");
    assert!(stdout.contains("--- run 2 (queue second, 1 binding contexts)"), "{stdout}");
}

const GROUPED: &str = r#"{"configVersion":"v1","kubernetes":[
  {"name":"a","apiVersion":"v1","kind":"ConfigMap","group":"g","nameSelector":{"matchNames":["a"]}},
  {"name":"b","apiVersion":"v1","kind":"ConfigMap","group":"g","nameSelector":{"matchNames":["b"]}}]}"#;

#[test]
fn context_before_compacts_consecutive_group_events() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let before = write(dir.path(), "before.json", "[]");
    let after = write(dir.path(), "after.json", &json!([cm("a"), cm("b")]).to_string());
    let out = hookctl()
        .args(["context", "--hook", hook.to_str().unwrap(), "--before", &before, "--manifests", &after])
        .env("CONFIG", GROUPED)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let contexts: Vec<Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(contexts.len(), 1, "{contexts:#?}");
    assert_eq!(contexts[0]["type"], "Group");
    assert_eq!(contexts[0]["binding"], "b", "the last context of the group is kept");
    assert_eq!(contexts[0]["snapshots"]["a"].as_array().unwrap().len(), 1);
}

#[test]
fn simulate_plays_a_timeline_with_edits_and_faults() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    script(&hooks, "10-create", CREATE_UNLESS_SEEN);
    write(dir.path(), "cluster.json", &json!([cm("seed")]).to_string());
    let timeline = r#"
hooks: hooks
manifests: cluster.json
maxRetries: 1
steps:
  - refuse: {operation: Create, name: made, reason: "etcd is busy", times: 3}
  - startup
  - title: nothing changes, time passes
    wait: {}
  - apply: [{apiVersion: v1, kind: ConfigMap, metadata: {name: extra}}]
  - exec: 'grep -q "\"made\"" "$HOOKCTL_OBJECTS"'
"#;
    let path = write(dir.path(), "timeline.yaml", timeline);
    let out = hookctl().args(["simulate", &path, "--json"]).assert().code(1).get_output().stdout.clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let steps = doc["steps"].as_array().unwrap();
    let attempts = |step: usize, run: usize| steps[step]["runs"][run]["attempts"].as_array().unwrap().clone();
    let startup = attempts(1, 0);
    assert_eq!(startup.len(), 2, "one retry per step: {startup:#?}");
    assert_eq!(startup[0]["rejected"][0]["reason"], "etcd is busy");
    assert_eq!((&startup[0]["retryInSeconds"], &startup[1]["retryInSeconds"]), (&json!(5), &json!(6)));
    assert_eq!(steps[1]["blocked"], json!(["10-create (queue main)"]));
    let waited = attempts(2, 0);
    assert_eq!(waited[0]["retryInSeconds"], 7, "the back-off goes on across steps");
    assert_eq!(waited[1]["applied"].as_array().unwrap().len(), 1, "the fourth try went through");
    assert_eq!(waited[1]["contexts"], json!(["Synchronization cms"]));
    let own_write = attempts(2, 1);
    assert_eq!(own_write[0]["contexts"], json!(["Event Added cms"]), "the hook's own write comes back as an event");
    assert_eq!(own_write[0]["applied"], json!([]), "its filterResult names `made`");
    assert_eq!(steps[2]["blocked"], json!([]));
    let event = attempts(3, 0);
    assert!(event[0]["rejected"][0]["reason"].as_str().unwrap().contains("already exists"), "{event:#?}");
    assert_eq!(steps[4]["blocked"], json!(["10-create (queue main)"]), "simulate exits 1: still failing");
    assert_eq!(doc["objects"], 3);
}

#[test]
fn a_retry_gets_fresh_contexts_that_show_what_the_failed_attempt_applied() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let m = write(dir.path(), "m.yaml", &cm("seed").to_string());
    let out = hookctl()
        .args(["run", "--hook", hook.to_str().unwrap(), "--manifests", &m, "--retries", "1"])
        .env("OPS", format!("{}\n{}", json!({"operation": "CreateOrUpdate", "object": cm("made")}), create(cm("Bad"))))
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(out).unwrap();
    let contexts: Vec<Value> = serde_json::Deserializer::from_str(&stderr)
        .into_iter::<Value>()
        .filter_map(Result::ok)
        .filter(Value::is_array)
        .collect();
    let names = |ctx: &Value| -> Vec<String> {
        ctx[0]["objects"].as_array().unwrap().iter().map(|o| o["filterResult"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(contexts.len(), 2, "{stderr}");
    assert_eq!(names(&contexts[0]), ["seed"]);
    assert_eq!(names(&contexts[1]), ["made", "seed"], "the retry's Synchronization is rebuilt from the cluster");
}

#[test]
fn a_failed_run_of_an_allow_failure_binding_is_dropped_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let hook = script(dir.path(), "hook", HOOK);
    let m = write(dir.path(), "m.yaml", &cm("a").to_string());
    let config = r#"{"configVersion":"v1","kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","allowFailure":true}]}"#;
    let out = hookctl()
        .args(["run", "--hook", hook.to_str().unwrap(), "--manifests", &m, "--retries", "2"])
        .env("CONFIG", config)
        .env("OPS", "")
        .env("EXIT", "3")
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("allowFailure, shell-operator drops the task"), "{stdout}");
    assert!(!stdout.contains("retry 1"), "never retried: {stdout}");
}

const GROUPED_WITH_TICK: &str = r#"{"configVersion":"v1",
  "kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","group":"g","queue":"q"}],
  "schedule":[{"name":"tick","crontab":"*/5 * * * *","group":"g","queue":"q"}]}"#;

#[test]
fn simulate_edits_deletes_and_ticks_combine_per_queue() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    script(&hooks, "hook", HOOK);
    let timeline = r#"
hooks: hooks
env: {OPS: ""}
steps:
  - startup
  - apply: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {k: one}}, {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}]
  - edit: {kind: ConfigMap, name: a, replace: {one: two}}
  - edit: {kind: ConfigMap, name: a, replace: {absent: x}}
  - delete: [{kind: ConfigMap, name: b}]
  - schedule: tick
"#;
    let path = write(dir.path(), "timeline.yaml", timeline);
    let out = hookctl()
        .args(["simulate", &path, "--json", "--env", &format!("CONFIG={GROUPED_WITH_TICK}")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let runs = |step: usize| -> Vec<(String, Value)> {
        doc["steps"][step]["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["queue"].as_str().unwrap().to_owned(), r["attempts"][0]["contexts"].clone()))
            .collect()
    };
    assert_eq!(runs(0), [("main".to_owned(), json!(["Group g (via cms)"]))], "Synchronization runs in main");
    assert_eq!(runs(1), [("q".to_owned(), json!(["Group g (via cms)"]))], "two Added events, one compacted run");
    assert_eq!(runs(2).len(), 1, "the edit changed a: Modified");
    assert_eq!(runs(3), [], "an edit that changes nothing is no event");
    assert_eq!(runs(4).len(), 1, "Deleted");
    assert_eq!(runs(5), [("q".to_owned(), json!(["Group g (via tick)"]))]);
}

#[test]
fn simulate_combines_new_events_into_the_failed_run_waiting_in_their_queue() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = dir.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    script(&hooks, "hook", HOOK);
    let timeline = r#"
hooks: hooks
env: {OPS: "", EXIT: "1"}
maxRetries: 0
steps:
  - startup
  - apply: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]
"#;
    let path = write(dir.path(), "timeline.yaml", timeline);
    let config =
        r#"{"configVersion":"v1","kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","group":"g"}]}"#;
    let out = hookctl()
        .args(["simulate", &path, "--json", "--env", &format!("CONFIG={config}")])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let runs = doc["steps"][1]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "the Added event joined the waiting Group run: {runs:#?}");
    assert_eq!(runs[0]["failedBefore"], 1);
    assert_eq!(runs[0]["attempts"][0]["contexts"], json!(["Group g (via cms)"]), "compacted to one context");
    assert_eq!(runs[0]["attempts"][0]["retryInSeconds"], 6, "the second failure of the task");
}
