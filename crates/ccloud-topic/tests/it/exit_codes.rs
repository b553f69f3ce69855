//! Issue 12 through the real binary: every error kind fails a CI plan, refusals refuse
//! only their part, deletions go through the switches once per run, and a transient
//! failure of the start-up Synchronization does not hold shell-operator's main queue.

use crate::common::*;
use serde_json::{Value, json};
use test_support::hook_test::HookTest;

fn hook(u: &str, manifests: Vec<Value>) -> HookTest {
    HookTest::new(bin()).manifests(manifests).envs(&env(u))
}

/// `--dry-run --detailed-exitcode --output json`: (exit, the reasons of the failures).
fn ci_plan(t: &mut HookTest) -> (i32, Vec<String>) {
    let h = t.hand_run(&["--dry-run", "--detailed-exitcode", "--output", "json"]);
    let reasons = h.json()["result"]["failures"]
        .as_array()
        .map(|fs| fs.iter().map(|f| f["reason"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    (h.exit, reasons)
}

#[test]
fn every_error_kind_fails_a_ci_plan() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(u, json!({"topic_name": "big", "partitions_count": 12}));
    let mut broken = configmap("broken", json!([]));
    broken["data"]["environments"] = json!("[{\"name\": \"e\", \"kafka\": [{\"name\": \"c\"}]}]");
    let cases = [
        ("an invalid ConfigMap", vec![broken], "invalid"),
        ("a partition decrease", vec![configmap("s", json!([{"name": "big", "partitions": 6}]))], "refused"),
        (
            "a server-side validation failure",
            vec![configmap("s", json!([{"name": "fresh", "config": {"cleanup.policy": "bogus"}}]))],
            "validation_failed",
        ),
        (
            "a conflict",
            vec![
                configmap("a", json!([{"name": "shared", "partitions": 3}])),
                configmap("b", json!([{"name": "shared", "partitions": 6}])),
            ],
            "conflict",
        ),
        ("an unknown config name", vec![configmap("s", json!([{"name": "x", "config": {"no.such": "1"}}]))], "invalid"),
    ];
    for (case, manifests, reason) in cases {
        let (exit, reasons) = ci_plan(&mut hook(u, manifests));
        assert_eq!(exit, 1, "{case}: any error fails a CI plan");
        assert!(reasons.iter().any(|r| r == reason), "{case}: {reasons:?}");
    }
    let (exit, reasons) = ci_plan(&mut hook(u, vec![configmap("s", json!([{"name": "fresh"}]))]));
    assert_eq!((exit, reasons.len()), (2, 0), "a valid change is 2");
}

#[test]
fn a_refused_part_does_not_block_the_rest_of_the_topic() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(
        u,
        json!({"topic_name": "big", "partitions_count": 12, "configs": [{"name": "retention.ms", "value": "1"}]}),
    );
    create_topic(u, json!({"topic_name": "grows", "partitions_count": 3}));
    let cm = configmap(
        "specs",
        json!([
            {"name": "big", "partitions": 6, "config": {"retention.ms": "5000"}},
            {"name": "grows", "partitions": 6, "replication_factor": 2, "config": {"cleanup.policy": "compact"}}
        ]),
    );
    let mut t = hook(u, vec![cm]);
    let r = t.run();
    assert!(r.succeeded(), "{}", r.stderr);
    assert_eq!(topic(u, "big").unwrap()["partitions_count"], 12, "never shrunk");
    assert_eq!(dynamic_configs(u, "big")["retention.ms"], "5000", "its configs are still applied");
    assert_eq!(topic(u, "grows").unwrap()["partitions_count"], 6, "partitions still grow");
    assert_eq!(dynamic_configs(u, "grows")["cleanup.policy"], "compact");
    let status = r.operations.iter().find(|o| o["operation"] == "MergePatch").unwrap();
    let s: Value = serde_json::from_str(
        status["mergePatch"]["metadata"]["annotations"]["ccops.io/ccloud-topic-status"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(s["failed"], 2, "both refusals are reported: {s}");
}

#[test]
fn a_broken_configmap_freezes_every_deletion() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(u, json!({"topic_name": "old"}));
    let tombstone = configmap("team-a", json!([{"name": "old", "delete": true}]));
    let mut broken = configmap("team-b", json!([]));
    broken["data"]["environments"] = json!("not json");
    let mut t = hook(u, vec![tombstone, broken]).env("ALLOW_DELETE", "topic");
    let r = t.run();
    assert_eq!(r.exit, 0);
    assert!(topic(u, "old").is_some(), "team-b may declare it: frozen while it is broken");
    t.delete("ConfigMap", "team-b");
    assert!(t.run().succeeded());
    assert!(topic(u, "old").is_none(), "deleted once nothing may declare it");
}

#[test]
fn deletions_are_admitted_once_for_the_whole_run() {
    let emu = emulator();
    let u = &emu.url;
    for name in ["a", "b", "c", "kept"] {
        create_topic(u, json!({"topic_name": name}));
    }
    let tombstones = configmap(
        "specs",
        json!([{"name": "a", "delete": true}, {"name": "b", "delete": true}, {"name": "c", "delete": true}]),
    );
    let mut t = hook(u, vec![tombstones]).envs(&[("ALLOW_DELETE", "true"), ("MAX_DELETIONS_PER_RUN", "2")]);
    let h = t.hand_run(&["--output", "json"]);
    assert!(["a", "b", "c"].iter().all(|n| topic(u, n).is_some()), "3 > 2: none is deleted");
    assert!(h.json()["result"]["clusters"][0]["held"].to_string().contains("MAX_DELETIONS_PER_RUN"), "{}", h.stdout);
    t.set_env("MAX_DELETIONS_PER_RUN", "3");
    t.set_env("PROTECTED_RESOURCES", "topic:c");
    assert!(t.run().succeeded());
    assert!(topic(u, "a").is_none() && topic(u, "b").is_none());
    assert!(topic(u, "c").is_some(), "PROTECTED_RESOURCES applies to topics");
}

#[test]
fn a_transient_failure_at_start_up_does_not_hold_the_main_queue() {
    let emu = emulator();
    let u = &emu.url;
    fault(u, json!({"method": "GET", "path": "/kafka/**", "action": {"type": "status", "status": 503}}));
    let cm = configmap("specs", json!([{"name": "a"}]));
    let env = with(env(u), &[("HOOK_DEADLINE", "3s")]);
    // hookctl renders the start-up Synchronization (grouped: `type: Group`).
    let startup = run_hook(std::slice::from_ref(&cm), &env);
    assert_eq!(startup.exit, 0, "a Synchronization runs at the head of main: report, do not block every hook");
    let status = startup.operations.iter().find(|o| o["operation"] == "MergePatch").unwrap().to_string();
    assert!(status.contains("503"), "the failure is reported in the status: {status}");
    let tick = run_tick(std::slice::from_ref(&cm), &env);
    assert_eq!(tick.exit, 1, "on the tool's own queue a transient failure is retried");
    test_support::emulator::clear_faults(u);
    assert_eq!(run_tick(&[cm], &env).exit, 0);
    assert!(topic(u, "a").is_some());
}

#[test]
fn the_plan_text_of_a_dry_run() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(
        u,
        json!({"topic_name": "orders", "partitions_count": 3, "configs": [{"name": "retention.ms", "value": "1000"}]}),
    );
    create_topic(u, json!({"topic_name": "big", "partitions_count": 12}));
    create_topic(u, json!({"topic_name": "legacy"}));
    let cm = configmap(
        "specs",
        json!([
            {"name": "orders", "partitions": 6, "config": {"retention.ms": "2000"}},
            {"name": "payments", "partitions": 3, "config": "cleanup.policy=compact"},
            {"name": "big", "partitions": 6},
            {"name": "legacy", "delete": true}
        ]),
    );
    let h = hook(u, vec![cm]).hand_run(&["--dry-run"]);
    // The plan, without the buffered outputs; its last line ends with the run's duration.
    let mut plan = h.stdout.split("--- object operations").next().unwrap_or_default().to_owned();
    if let Some(i) = plan.rfind(" request(s), ") {
        plan.truncate(i + " request(s)".len());
    }
    insta::assert_snapshot!(plan);
}

#[test]
fn a_slow_api_ends_the_run_at_its_deadline_as_a_transient_failure() {
    let emu = emulator();
    let u = &emu.url;
    fault(u, json!({"method": "GET", "path": "/kafka/**", "action": {"type": "delay", "ms": 20000}}));
    let cm = configmap("specs", json!([{"name": "a"}]));
    let run = run_tick(&[cm], &with(env(u), &[("HOOK_DEADLINE", "2s")]));
    assert_eq!(run.exit, 1, "transient: retried");
    // Each request's timeout is what remains of the run: the run ends by itself, reports,
    // and the watchdog (which would have fired with the old fixed 30 s timeout) never does.
    assert!(!run.stderr_text.contains("exceeded its deadline"), "{}", run.stderr_text);
    assert!(
        run.metrics
            .iter()
            .any(|m| m["name"] == "ccloud_topic_errors" && m["labels"]["reason"] == "transient" && m["value"] == 1.0)
    );
}
