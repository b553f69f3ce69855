//! Each deployment keeps its own record: two deployments in one namespace (another
//! selector or another instance id) never read or overwrite each other's.

use crate::common::{bin, configmap, emulator, env};
use serde_json::{Value, json};
use test_support::hook_test::HookTest;

fn record_names(ops: &[Value]) -> Vec<String> {
    ops.iter()
        .filter(|o| o["object"]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "ccloud-topic")
        .filter_map(|o| o["object"]["metadata"]["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn two_deployments_in_one_namespace_keep_separate_records() {
    let emu = emulator();
    let mut team_a = configmap("team-a", json!([{"name": "a-topic"}]));
    team_a["metadata"]["labels"]["team"] = json!("a");
    let mut team_b = configmap("team-b", json!([{"name": "b-topic"}]));
    team_b["metadata"]["labels"]["team"] = json!("b");
    let deployment = |selector: &str| {
        HookTest::new(bin())
            .manifests(vec![team_a.clone(), team_b.clone()])
            .envs(&env(&emu.url))
            .env("CCLOUD_SPEC_SELECTOR", selector)
    };
    let mut a = deployment("destination=ccloud,team=a");
    let mut b = deployment("destination=ccloud,team=b");
    let (ra, rb) = (a.run(), b.run());
    assert!(ra.succeeded() && rb.succeeded(), "{}\n{}", ra.stderr, rb.stderr);
    let (names_a, names_b) = (record_names(&ra.operations), record_names(&rb.operations));
    assert_eq!((names_a.len(), names_b.len()), (1, 1), "{names_a:?} {names_b:?}");
    assert_ne!(names_a, names_b, "each deployment writes its own record");
    assert!(names_a[0].starts_with("ccloud-topic.records."), "{names_a:?}");

    let mut default =
        HookTest::new(bin()).manifests(vec![configmap("specs", json!([{"name": "c-topic"}]))]).envs(&env(&emu.url));
    let rd = default.run();
    assert_eq!(
        record_names(&rd.operations),
        ["ccloud-topic.records"],
        "the single default deployment keeps the first round's name"
    );
    let mut with_id = HookTest::new(bin())
        .manifests(vec![configmap("specs", json!([{"name": "c-topic"}]))])
        .envs(&env(&emu.url))
        .env("INSTANCE_ID", "prod-eu");
    let ri = with_id.run();
    assert_ne!(record_names(&ri.operations), ["ccloud-topic.records"], "an instance id names its own record");
}

#[test]
fn a_misspelt_data_key_is_an_invalid_configmap_not_an_empty_one() {
    let emu = emulator();
    let mut typo = configmap("typo", json!([{"name": "t-topic"}]));
    let envs = typo["data"]["environments"].take();
    typo["data"] = json!({"environment": envs});
    let (exit, report, _) = crate::common::hand_run(&[typo], &env(&emu.url), &["--dry-run", "--detailed-exitcode"]);
    assert_eq!(exit, 1, "a typo fails the CI plan: {report}");
    let invalid = report["result"]["invalid_configmaps"][0].as_str().unwrap_or_default();
    assert!(invalid.contains("default/typo") && invalid.contains("unknown data key"), "{report}");
}
