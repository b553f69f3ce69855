//! ccloud-topic end to end against the emulator.

use crate::common::*;
use serde_json::{Value, json};

#[test]
fn streaming_ops_dev_creates_16_topics_then_a_second_run_is_a_no_op() {
    let Some(manifests) = streaming_ops_dev() else { return };
    let emu = emulator();
    let u = &emu.url;
    requests(u);
    let first = run_hook(&manifests, &env(u));
    assert_eq!(first.exit, 0);
    let (_, writes) = requests(u);
    assert_eq!(writes, 16);
    assert_eq!(topic(u, "connect-offsets").unwrap()["partitions_count"], 6);
    assert_eq!(dynamic_configs(u, "connect-offsets"), json!({"cleanup.policy": "compact"}));
    assert_eq!(topic(u, "orders").unwrap()["partitions_count"], 3);
    assert_eq!(
        topic(u, "_confluent-monitoring").unwrap()["partitions_count"],
        6,
        "no partitions declared: the cluster default"
    );
    let status = first.operations.iter().find(|o| o["operation"] == "MergePatch").unwrap();
    let annotation = status["mergePatch"]["metadata"]["annotations"]["ccops.io/ccloud-topic-status"].as_str().unwrap();
    assert_eq!(serde_json::from_str::<Value>(annotation).unwrap()["applied"], 16);
    assert!(first.metrics.iter().any(|m| m["name"] == "ccloud_topic_declared" && m["value"] == 16.0));

    requests(u);
    let second = run_hook(&manifests, &env(u));
    assert_eq!(second.exit, 0);
    let (total, writes) = requests(u);
    assert_eq!(writes, 0, "no write on the second run");
    assert!(total <= 4, "a no-op run makes at most 4 requests, made {total}");
}

#[test]
fn a_config_change_is_exactly_one_alter_and_partitions_grow() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(
        u,
        json!({"topic_name": "orders", "partitions_count": 3, "configs": [{"name": "retention.ms", "value": "1000"}]}),
    );
    create_topic(u, json!({"topic_name": "payments", "partitions_count": 3}));
    requests(u);
    let cm = configmap(
        "specs",
        json!([
            {"name": "orders", "partitions": 3, "config": "retention.ms=2000,cleanup.policy=delete"},
            {"name": "payments", "partitions": 6}
        ]),
    );
    assert_eq!(run_hook(std::slice::from_ref(&cm), &env(u)).exit, 0);
    let (_, c) = http(u, "GET", "/_emulator/counters", None, None);
    assert_eq!(c["by_route"]["POST /kafka/v3/clusters/{cluster_id}/topics/{topic_name}/configs:alter"], 1);
    assert_eq!(c["by_route"]["PATCH /kafka/v3/clusters/{cluster_id}/topics/{topic_name}"], 1);
    assert_eq!(c["writes"], 2, "cleanup.policy=delete is already the live value: not sent");
    assert_eq!(dynamic_configs(u, "orders"), json!({"retention.ms": "2000"}));
    assert_eq!(topic(u, "payments").unwrap()["partitions_count"], 6);
}

#[test]
fn partition_decrease_and_bad_configs_are_refused_while_others_apply() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(u, json!({"topic_name": "big", "partitions_count": 12}));
    let cm = configmap(
        "specs",
        json!([
            {"name": "big", "partitions": 6},
            {"name": "weird", "config": {"no.such.config": "1"}},
            {"name": "fixed", "config": {"compression.type": "gzip"}},
            {"name": "fresh", "partitions": 2}
        ]),
    );
    let (exit, report, _) = hand_run(std::slice::from_ref(&cm), &env(u), &[]);
    assert_eq!(exit, 0, "refusals are permanent: no retry");
    let refused: Vec<(String, String)> = report["result"]["clusters"][0]["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["topic"].as_str().unwrap().to_owned(), r["reason"].as_str().unwrap().to_owned()))
        .collect();
    assert!(refused.iter().any(|(t, r)| t == "big" && r.contains("cannot decrease")), "{refused:?}");
    assert!(refused.iter().any(|(t, r)| t == "weird" && r.contains("unknown config")), "{refused:?}");
    // Cloud does not flag non-editable configs read-only: the server refuses the create.
    let failures = report["result"]["failures"].to_string();
    assert!(failures.contains("topic fixed") && failures.contains("not allowed"), "{failures}");
    assert_eq!(topic(u, "big").unwrap()["partitions_count"], 12, "never recreated or shrunk");
    assert_eq!(topic(u, "fresh").unwrap()["partitions_count"], 2);
    assert!(topic(u, "weird").is_none());
    let ops = report["result"]["failures"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    let status =
        report["objectOperations"].as_array().unwrap().iter().find(|o| o["operation"] == "MergePatch").unwrap();
    let s: Value = serde_json::from_str(
        status["mergePatch"]["metadata"]["annotations"]["ccops.io/ccloud-topic-status"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!((s["applied"].clone(), s["failed"].clone()), (json!(1), json!(3)));
}

#[test]
fn deletion_needs_every_guard() {
    let emu = emulator();
    let u = &emu.url;
    for t in ["old", "keep", "_internal", "audit.log"] {
        create_topic(u, json!({"topic_name": t}));
    }
    // Not declared at all: reported as unmanaged, never deleted.
    let (_, report, _) =
        hand_run(&[configmap("specs", json!([{"name": "keep"}]))], &with(env(u), &[("ALLOW_DELETE", "true")]), &[]);
    assert_eq!(report["result"]["clusters"][0]["unmanaged"].as_array().unwrap().len(), 3);
    assert!(topic(u, "old").is_some());
    let tombstones = configmap(
        "specs",
        json!([{"name": "old", "delete": true}, {"name": "_internal", "delete": true}, {"name": "audit.log", "delete": true}]),
    );
    // A tombstone without ALLOW_DELETE.
    hand_run(std::slice::from_ref(&tombstones), &env(u), &[]);
    assert!(topic(u, "old").is_some());
    // Too many deletions for the limit: none.
    let (_, report, _) = hand_run(
        std::slice::from_ref(&tombstones),
        &with(env(u), &[("ALLOW_DELETE", "true"), ("MAX_DELETIONS_PER_RUN", "0")]),
        &[],
    );
    assert!(report["result"]["clusters"][0]["refused"].to_string().contains("MAX_DELETIONS_PER_RUN"));
    assert!(topic(u, "old").is_some());
    // Allowed: `_`-prefixed and protected patterns stay, the rest goes.
    let (_, report, _) =
        hand_run(&[tombstones], &with(env(u), &[("ALLOW_DELETE", "true"), ("PROTECTED_TOPICS", "audit.*")]), &[]);
    assert!(topic(u, "old").is_none());
    assert!(topic(u, "_internal").is_some() && topic(u, "audit.log").is_some());
    let refused = report["result"]["clusters"][0]["refused"].to_string();
    assert!(refused.contains("always protected") && refused.contains("protected pattern"), "{refused}");
}

#[test]
fn a_deleted_configmap_never_deletes_its_topics_and_they_are_reported() {
    let emu = emulator();
    let u = &emu.url;
    let a = configmap("team-a", json!([{"name": "a-topic"}]));
    let b = configmap("team-b", json!([{"name": "b-topic"}]));
    let first = run_hook(&[a.clone(), b], &with(env(u), &[("ALLOW_DELETE", "true")]));
    let record = first.operations.iter().find(|o| o["operation"] == "CreateOrUpdate").unwrap()["object"].clone();
    // team-b is deleted; the record ConfigMap written by the first run is in the cluster.
    let (_, report, _) = hand_run(&[a, record], &with(env(u), &[("ALLOW_DELETE", "true")]), &[]);
    assert!(topic(u, "b-topic").is_some());
    // The record keeps counts and digests, not names (it must stay far below 1 MiB).
    let kept = &report["result"]["kept_orphans"];
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    assert_eq!(kept[0]["source"], "default/team-b");
    assert!(kept[0]["declared"].as_str().unwrap().starts_with("1 topic(s), digest "), "{kept}");
}

#[test]
fn conflicting_declarations_apply_neither_and_the_rest_proceeds() {
    let emu = emulator();
    let u = &emu.url;
    let a = configmap("team-a", json!([{"name": "shared", "partitions": 3}, {"name": "only-a"}]));
    let b = configmap("team-b", json!([{"name": "shared", "partitions": 6}]));
    let same = configmap("team-c", json!([{"name": "only-a"}]));
    let (exit, report, _) = hand_run(&[a, b, same], &env(u), &[]);
    assert_eq!(exit, 0);
    assert!(topic(u, "shared").is_none());
    assert!(topic(u, "only-a").is_some(), "identical declarations are not a conflict");
    assert_eq!(report["result"]["conflicts"][0]["sources"], json!(["default/team-a", "default/team-b"]));
}

#[test]
fn a_bad_configmap_is_reported_and_the_others_proceed() {
    let emu = emulator();
    let u = &emu.url;
    let mut bad = configmap("broken", json!([]));
    bad["data"]["environments"] = json!("[{\"name\": \"e\", \"kafka\": [{\"name\": \"c\"}]}]");
    let good = configmap("good", json!([{"name": "fine"}]));
    let (exit, report, stderr) = hand_run(&[bad, good], &env(u), &[]);
    assert_eq!(exit, 0);
    assert!(topic(u, "fine").is_some());
    let invalid = report["result"]["invalid_configmaps"][0].as_str().unwrap();
    assert!(
        invalid.contains("default/broken")
            && invalid.contains("environments")
            && invalid.contains("[0].kafka[0].cloud"),
        "{invalid}"
    );
    assert!(
        stderr.lines().any(|l| l.starts_with('{') && l.contains("\"level\":\"error\"") && l.contains("default/broken")),
        "{stderr}"
    );
}

#[test]
fn throttling_and_unavailability_are_retried() {
    let emu = emulator();
    let u = &emu.url;
    fault(
        u,
        json!([
            {"method": "POST", "path": "/kafka/v3/clusters/*/topics", "times": 1, "action": {"type": "status", "status": 429, "retry_after": 1}},
            {"method": "POST", "path": "/kafka/v3/clusters/*/topics", "times": 1, "action": {"type": "status", "status": 429}},
            {"method": "GET", "path": "/kafka/**", "times": 3, "action": {"type": "status", "status": 503}},
            {"method": "GET", "path": "/org/**", "times": 2, "action": {"type": "status", "status": 503}}
        ]),
    );
    let cm = configmap("specs", json!([{"name": "a"}, {"name": "b"}]));
    let run = run_hook(&[cm], &env(u));
    assert_eq!(run.exit, 0);
    assert!(topic(u, "a").is_some() && topic(u, "b").is_some());
}

#[test]
fn transient_failures_that_remain_make_a_resync_fail_so_shell_operator_retries() {
    let emu = emulator();
    let u = &emu.url;
    fault(u, json!({"method": "GET", "path": "/kafka/**", "action": {"type": "status", "status": 503}}));
    let cm = configmap("specs", json!([{"name": "a"}]));
    let run = run_tick(std::slice::from_ref(&cm), &with(env(u), &[("HOOK_DEADLINE", "3s")]));
    assert_eq!(run.exit, 1);
    test_support::emulator::clear_faults(u);
    assert_eq!(run_tick(&[cm], &env(u)).exit, 0);
    assert!(topic(u, "a").is_some());
}

#[test]
fn dry_run_sends_no_write_except_validate_only() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(u, json!({"topic_name": "existing", "partitions_count": 3}));
    requests(u);
    let cm = configmap(
        "specs",
        json!([{"name": "new", "config": "cleanup.policy=compact"}, {"name": "existing", "partitions": 6, "config": {"retention.ms": "5"}}]),
    );
    let (exit, report, _) = hand_run(&[cm], &env(u), &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(exit, 2, "changes planned");
    assert!(topic(u, "new").is_none());
    assert_eq!(topic(u, "existing").unwrap()["partitions_count"], 3);
    assert_eq!(dynamic_configs(u, "existing"), json!({}));
    let (_, log) = http(u, "GET", "/_emulator/requests", None, None);
    let writes: Vec<&Value> = log["requests"].as_array().unwrap().iter().filter(|r| r["method"] != "GET").collect();
    assert_eq!(writes.len(), 2, "one validate_only create, one validate_only alter: {writes:?}");
    assert!(
        report["objectOperations"].as_array().unwrap().iter().all(|o| o["operation"] != "CreateOrUpdate"),
        "a dry run does not rewrite the record"
    );
    let actions = report["result"]["clusters"][0]["actions"].to_string();
    assert!(actions.contains("Validated") && actions.contains("NotValidated"), "{actions}");
}

#[test]
fn detailed_exit_code_is_zero_when_in_sync() {
    let emu = emulator();
    let u = &emu.url;
    let cm = configmap("specs", json!([{"name": "a", "partitions": 2}]));
    run_hook(std::slice::from_ref(&cm), &env(u));
    let (exit, _, _) = hand_run(&[cm], &env(u), &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(exit, 0);
}
