//! `ccloud-topic --config` prints a valid v1 config and nothing else.

use serde_json::Value;

fn config_output(env: &[(&str, &str)]) -> (Vec<u8>, Vec<u8>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccloud-topic"))
        .arg("--config")
        .env_remove("BINDING_CONTEXT_PATH")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success());
    (out.stdout, out.stderr)
}

#[test]
fn config_validates_against_the_upstream_schema() {
    let Some(path) = test_support::shared("shell-operator-data/schemas/hook-config-v1.schema.yaml") else { return };
    let schema: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    for env in [
        vec![],
        vec![
            ("WATCH_NAMESPACES", "kafka, apps"),
            ("CCLOUD_SPEC_SELECTOR", "destination=ccloud,team=data"),
            ("RESYNC_SCHEDULE", "@every 10m"),
        ],
    ] {
        let (stdout, stderr) = config_output(&env);
        assert!(stderr.is_empty(), "nothing but the config is printed");
        let doc: Value = serde_json::from_slice(&stdout).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let hook = std::path::Path::new(env!("CARGO_BIN_EXE_ccloud-topic"));
        assert!(hookctl::runner::read_config(hook, std::path::Path::new("/")).is_ok(), "the SDK's validator agrees");
    }
    let (stdout, _) = config_output(&[("WATCH_NAMESPACES", "kafka, apps")]);
    let doc: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(doc["kubernetes"][0]["namespace"]["nameSelector"]["matchNames"], serde_json::json!(["kafka", "apps"]));
}

#[test]
fn the_shipped_jq_filter_works_under_jaq() {
    let program = jq_eval_filter();
    let cm = serde_json::json!({"metadata": {"name": "a", "namespace": "ns", "labels": {"x": "y"}, "annotations": {"s": "t"}}, "data": {"environments": "[]"}});
    let out = program.filter_result(&cm).unwrap();
    assert_eq!(out, serde_json::json!({"name": "a", "namespace": "ns", "data": {"environments": "[]"}}));
}

fn jq_eval_filter() -> jq_eval::Program {
    jq_eval::Program::compile(ccloud_topic::config::JQ_FILTER).unwrap()
}
