//! Settings through the real binary: ordinary values (empty, `1`, bare seconds) never
//! break `--config`, and a bad value is a clear error of the run that changes nothing.

use crate::common::*;
use serde_json::{Value, json};
use test_support::hook_test::HookTest;

fn config_with(env: &[(&str, &str)]) -> (i32, Value, String) {
    let out = std::process::Command::new(bin())
        .arg("--config")
        .env_remove("BINDING_CONTEXT_PATH")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let config = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), config, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn config_accepts_empty_and_unusual_values() {
    let cases: &[&[(&str, &str)]] = &[
        &[("DRY_RUN", "")],
        &[("DRY_RUN", "1")],
        &[("DRY_RUN", "maybe")],
        &[("HOOK_DEADLINE", "")],
        &[("HOOK_DEADLINE", "5")],
        &[("HOOK_DEADLINE", "soon")],
        &[("CCLOUD_SPEC_SELECTOR", "")],
        &[("CCLOUD_SPEC_SELECTOR", "destination")],
        &[("WATCH_NAMESPACES", ""), ("RESYNC_SCHEDULE", "")],
        &[("WATCH_NAMESPACES", "Not A Namespace"), ("RESYNC_SCHEDULE", "every minute")],
        &[("MAX_DELETIONS_PER_RUN", "lots"), ("ALLOW_DELETE", "perhaps"), ("CONCURRENCY", "")],
    ];
    for env in cases {
        let (exit, config, stderr) = config_with(env);
        assert_eq!(exit, 0, "{env:?}: {stderr}");
        let specs = &config["kubernetes"][0];
        assert_eq!(
            specs["labelSelector"]["matchLabels"],
            json!({"destination": "ccloud"}),
            "{env:?}: the default selector"
        );
        assert_eq!(config["schedule"][0]["crontab"], "*/5 * * * *", "{env:?}");
        assert_eq!(specs["namespace"]["nameSelector"]["matchNames"], json!(["default"]), "{env:?}");
    }
    let (_, config, _) =
        config_with(&[("CCLOUD_SPEC_SELECTOR", "destination=ccloud,team=a"), ("WATCH_NAMESPACES", "a,b")]);
    assert_eq!(config["kubernetes"][0]["labelSelector"]["matchLabels"], json!({"destination": "ccloud", "team": "a"}));
    assert_eq!(config["kubernetes"][0]["namespace"]["nameSelector"]["matchNames"], json!(["a", "b"]));
}

#[test]
fn ordinary_values_run() {
    let emu = emulator();
    let u = &emu.url;
    let cm = configmap("specs", json!([{"name": "a"}]));
    let mut t =
        HookTest::new(bin()).manifests(vec![cm]).envs(&env(u)).envs(&[("DRY_RUN", "1"), ("HOOK_DEADLINE", "30")]);
    assert!(t.run().succeeded());
    assert!(topic(u, "a").is_none(), "DRY_RUN=1 is a dry run");
    t.set_env("DRY_RUN", "");
    assert!(t.run().succeeded());
    assert!(topic(u, "a").is_some(), "DRY_RUN= is unset");
}

#[test]
fn a_bad_value_is_an_error_of_the_run_that_changes_nothing() {
    let emu = emulator();
    let u = &emu.url;
    create_topic(u, json!({"topic_name": "old"}));
    let cm = configmap("specs", json!([{"name": "a"}, {"name": "old", "delete": true}]));
    for (name, value) in [
        ("DRY_RUN", "maybe"),
        ("HOOK_DEADLINE", "soon"),
        ("CCLOUD_SPEC_SELECTOR", "destination"),
        ("MAX_DELETIONS_PER_RUN", "lots"),
        ("KAFKA_API_SECRET", ""),
    ] {
        let mut t = HookTest::new(bin()).manifests(vec![cm.clone()]).envs(&env(u)).env("ALLOW_DELETE", "true");
        t.set_env(name, value);
        let r = t.run();
        assert_eq!(r.exit, 0, "{name}={value}: a retry cannot fix it (reported, see the log)");
        assert!(r.stderr.contains(name) && r.stderr.contains("configuration"), "{name}={value}: {}", r.stderr);
        assert!(topic(u, "a").is_none() && topic(u, "old").is_some(), "{name}={value}: nothing changed");
        let h = t.hand_run(&["--detailed-exitcode"]);
        assert_eq!(h.exit, 1, "{name}={value}: a CI plan fails");
    }
}
