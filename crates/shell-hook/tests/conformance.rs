#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The SDK against upstream shell-operator data in ../shared/shell-operator-data.

use serde_json::{Value, json};
use shell_hook::config_check::{ParsedConfig, parse_config};
use shell_hook::metrics::parse_metrics;
use shell_hook::patch::{ObjectOperation, ObjectRef, parse_operations};
use shell_hook::{HookConfig, KubernetesBinding, LabelSelector, MetricOperation, NamespaceSelector, ScheduleBinding};
use test_support::{read, shared, shared_files};

fn schema(name: &str) -> Option<jsonschema::Validator> {
    let path = shared(&format!("shell-operator-data/schemas/{name}"))?;
    let schema: Value = yaml_io::from_str(&read(&path)).expect("schema is YAML");
    Some(jsonschema::draft4::new(&schema).expect("schema compiles"))
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn config_vectors_get_upstream_verdicts() {
    for path in shared_files("shell-operator-data/config-vectors/valid") {
        let result = parse_config(&read(&path));
        assert!(result.is_ok(), "{} should be valid: {:?}", file_name(&path), result.err());
    }
    for path in shared_files("shell-operator-data/config-vectors/invalid") {
        let result = parse_config(&read(&path));
        assert!(result.is_err(), "{} should be invalid, got {:?}", file_name(&path), result);
    }
}

#[test]
fn schema_and_sdk_agree_on_structurally_invalid_vectors() {
    // Vectors that upstream rejects by schema must be rejected by the schema here too:
    // this proves the jsonschema harness itself, which the other tests rely on.
    let Some(v1) = schema("hook-config-v1.schema.yaml") else { return };
    for name in [
        "bad-watch-event.json",
        "nameselector-error.json",
        "many-errors-at-once.json",
        "v1-bad-executehookonsynchronization.yaml",
        "v1-kubernetes-error-on-missing-kind.json",
    ] {
        let path = shared(&format!("shell-operator-data/config-vectors/invalid/{name}")).unwrap();
        let doc: Value = yaml_io::from_json_or_yaml(&read(&path)).unwrap();
        assert!(!v1.is_valid(&doc), "{name} must fail the upstream schema");
    }
}

#[test]
fn example_hook_configs_parse_and_round_trip() {
    let Some(v1) = schema("hook-config-v1.schema.yaml") else { return };
    for path in shared_files("shell-operator-data/example-hook-configs") {
        let original: Value = yaml_io::from_json_or_yaml(&read(&path)).unwrap();
        match parse_config(&read(&path)) {
            Ok(ParsedConfig::V1(config)) => {
                let again: Value = serde_json::from_str(&config.to_json()).unwrap();
                assert_eq!(again, original, "{} does not round-trip", file_name(&path));
                assert!(v1.is_valid(&again), "{}", file_name(&path));
            }
            Ok(ParsedConfig::V0(_)) => {}
            Err(e) => panic!("{}: {e}", file_name(&path)),
        }
    }
}

#[test]
fn configs_built_with_the_sdk_validate_against_the_upstream_schema() {
    let Some(v1) = schema("hook-config-v1.schema.yaml") else { return };
    let mut binding = KubernetesBinding::new("specs", "v1", "ConfigMap");
    binding.label_selector = Some(LabelSelector::labels([("destination", "ccloud")]));
    binding.namespace = Some(NamespaceSelector::names(&["default"]));
    binding.jq_filter = Some("{name: .metadata.name, data: .data}".into());
    binding.keep_full_objects_in_memory = Some(false);
    binding.group = Some("reconcile".into());
    let mut schedule = ScheduleBinding::new("resync", "*/10 * * * *");
    schedule.group = Some("reconcile".into());
    let config = HookConfig::v1().with_kubernetes(binding).with_schedule(schedule).with_on_startup(10);
    let doc: Value = serde_json::from_str(&config.to_json()).unwrap();
    let errors: Vec<String> = v1.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(matches!(parse_config(&config.to_json()), Ok(ParsedConfig::V1(_))));
}

#[test]
fn object_patch_files_get_upstream_verdicts() {
    for path in shared_files("shell-operator-data/object-patch") {
        let name = file_name(&path);
        let result = parse_operations(&read(&path));
        if name.starts_with("invalid") {
            assert!(result.is_err(), "{name} should be rejected");
        } else {
            let ops = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!ops.is_empty(), "{name}");
        }
    }
}

fn every_operation() -> Vec<ObjectOperation> {
    let target = ObjectRef::new("v1", "ConfigMap", "default", "specs");
    let object = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "stringData": {"k": "v"}});
    vec![
        ObjectOperation::create(object.clone()),
        ObjectOperation::create_or_update(object.clone()),
        ObjectOperation::create_if_not_exists(object).with_subresource("/status"),
        ObjectOperation::delete(target.clone()),
        ObjectOperation::DeleteInBackground(target.clone()),
        ObjectOperation::DeleteNonCascading(ObjectRef::new("", "Namespace", "", "ns")),
        ObjectOperation::jq_patch(target.clone(), ".metadata.labels.a = \"b\""),
        ObjectOperation::merge_patch(target.clone(), json!({"metadata": {"annotations": {"a": "b"}}}), true),
        ObjectOperation::json_patch(target, json!([{"op": "remove", "path": "/data/x", "value": null}]))
            .with_subresource("/status"),
    ]
}

#[test]
fn every_operation_the_sdk_emits_validates_upstream() {
    let Some(patch_schema) = schema("object-patch-v0.schema.yaml") else { return };
    let mut file = String::new();
    for op in every_operation() {
        let value = op.to_value();
        let errors: Vec<String> = patch_schema.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{value}: {errors:?}");
        file.push_str(&op.to_json_line());
        file.push('\n');
    }
    assert_eq!(parse_operations(&file).unwrap().len(), 9);
}

#[test]
fn sdk_parser_agrees_with_the_upstream_schema_on_single_operations() {
    let Some(patch_schema) = schema("object-patch-v0.schema.yaml") else { return };
    let cases = [
        json!({"operation": "Create", "object": {"kind": "ConfigMap"}}),
        json!({"operation": "Create", "object": {}}),
        json!({"operation": "Create", "object": "kind: ConfigMap"}),
        json!({"operation": "Delete", "kind": "Pod"}),
        json!({"operation": "Delete", "kind": "Pod", "name": "p"}),
        json!({"operation": "JQPatch", "kind": "Pod", "name": "p"}),
        json!({"operation": "JQPatch", "kind": "Pod", "name": "p", "jqFilter": "."}),
        json!({"operation": "MergePatch", "kind": "Pod", "name": "p", "mergePatch": {}}),
        json!({"operation": "JSONPatch", "kind": "Pod", "name": "p", "jsonPatch": []}),
        json!({"operation": "JSONPatch", "kind": "Pod", "name": "p", "jsonPatch": [{"op": "add", "path": "/a"}]}),
        json!({"operation": "JSONPatch", "kind": "Pod", "name": "p", "jsonPatch": [{"op": "add", "path": "/a", "value": 1}]}),
        json!({"operation": "Patch", "kind": "Pod", "name": "p"}),
        json!({"operation": "MergePatch", "kind": "Pod", "name": "p", "mergePatch": {"a": 1}, "ignoreMissingObject": "yes"}),
    ];
    for case in cases {
        let upstream = patch_schema.is_valid(&case);
        let ours = parse_operations(&case.to_string()).is_ok();
        assert_eq!(ours, upstream, "verdicts differ on {case}");
    }
}

#[test]
fn metrics_examples_parse_and_round_trip() {
    let Some(docs) = shared("shell-operator-data/metrics/docs-metric-operations.jsonl") else { return };
    let parsed = parse_metrics(&read(&docs)).unwrap();
    assert_eq!(parsed.operations.len(), 21);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let vectors = shared("shell-operator-data/metrics/operation_test-vectors.jsonl").unwrap();
    let parsed = parse_metrics(&read(&vectors)).unwrap();
    assert_eq!(parsed.operations.len(), 3);
    assert_eq!(parsed.warnings.len(), 1, "the `expired` action is skipped with a warning");

    let ours = [
        MetricOperation::set("ccloud_topics_managed", 16.0).label("cluster", "lkc-1"),
        MetricOperation::add("ccloud_changes", 2.0).group("g"),
        MetricOperation::observe("ccloud_duration_seconds", 0.4, &[0.1, 1.0, 10.0]),
        MetricOperation::expire("g"),
    ];
    let text: String = ours.iter().map(|m| format!("{}\n", m.to_json_line())).collect();
    let parsed = parse_metrics(&text).unwrap();
    assert_eq!(parsed.operations.len(), 4);
    assert_eq!(
        parsed.operations[0],
        json!({"name": "ccloud_topics_managed", "action": "set", "value": 16.0, "labels": {"cluster": "lkc-1"}})
    );
}

#[test]
fn invalid_metrics_fail_the_run() {
    for bad in [
        "{\"name\":\"m\",\"action\":\"set\"}",
        "{\"action\":\"set\",\"value\":1}",
        "{\"name\":\"m\",\"action\":\"observe\",\"value\":1}",
        "[1]",
        "{",
    ] {
        assert!(parse_metrics(bad).is_err(), "{bad}");
    }
}

#[test]
fn upstream_binding_context_docs_parse() {
    for name in ["onstartup.json", "schedule.json"] {
        let Some(path) = shared(&format!("shell-operator-data/binding-context-docs/{name}")) else { return };
        let contexts = shell_hook::parse_contexts(read(&path).as_bytes()).unwrap();
        assert_eq!(contexts.len(), 1, "{name}");
    }
}
