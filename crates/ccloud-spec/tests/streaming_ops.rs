#![allow(clippy::unwrap_used)]
//! The parsers against the original streaming-ops ConfigMaps in ../shared.

use ccloud_spec::{ConfigMapView, KeyResource, identities, topics};
use serde_json::Value;
use std::collections::BTreeMap;

/// The dev ConfigMap as the operator sees it: the base merged with the dev patch.
fn dev_configmap(overlay: &str) -> Option<ConfigMapView> {
    let base =
        test_support::shared("streaming-ops-data/environments/base/ccloud/microservices-ccloud-environment.yaml")?;
    let patch = test_support::shared(&format!(
        "streaming-ops-data/environments/{overlay}/ccloud/microservices-ccloud-environment.yaml"
    ))?;
    let mut data = BTreeMap::new();
    for path in [base, patch] {
        let doc: Value = yaml_io::from_str(&test_support::read(&path)).unwrap();
        for (k, v) in doc["data"].as_object().unwrap() {
            data.insert(k.clone(), v.as_str().unwrap().to_owned());
        }
    }
    Some(ConfigMapView {
        namespace: "default".into(),
        name: "streaming-ops-ccloud-environment".into(),
        data,
        ..Default::default()
    })
}

#[test]
fn dev_topics() {
    let Some(cm) = dev_configmap("dev") else { return };
    let t = topics(&cm).unwrap();
    assert_eq!(t.len(), 16);
    assert!(t.iter().all(|t| t.cluster.name == "microservices-orders"
        && t.cluster.cloud == "gcp"
        && t.cluster.region == "us-central1"));
    let offsets = t.iter().find(|t| t.name == "connect-offsets").unwrap();
    assert_eq!((offsets.partitions, offsets.config["cleanup.policy"].as_str()), (Some(6), "compact"));
    assert_eq!(t.iter().find(|t| t.name == "_confluent-monitoring").unwrap().partitions, None);
    assert_eq!(topics(&dev_configmap("prd").unwrap()).unwrap().len(), 15);
}

#[test]
fn dev_identities() {
    let Some(cm) = dev_configmap("dev") else { return };
    let ids = identities(&cm).unwrap();
    assert_eq!(ids.service_accounts.len(), 3);
    let kafka_keys = ids.keys.iter().filter(|k| matches!(k.resource, KeyResource::Kafka(_))).count();
    let sr_keys = ids.keys.iter().filter(|k| matches!(k.resource, KeyResource::SchemaRegistry { .. })).count();
    assert_eq!((kafka_keys, sr_keys), (2, 1));
    let controls: Vec<_> = ids.grants.iter().flat_map(|g| g.controls.iter()).collect();
    assert!(controls.iter().any(|c| c.resource_type == "TRANSACTIONAL_ID" && c.operation == "WRITE"));
    // The seed's `"name": "*", "prefix": "true"` is Kafka's LITERAL wildcard, with a notice.
    assert!(controls.iter().any(|c| c.pattern_type == "LITERAL" && c.resource_name == "*"));
    assert!(!controls.iter().any(|c| c.pattern_type == "PREFIXED" && c.resource_name == "*"));
    assert!(ids.notices.iter().any(|n| n.contains(&cm.id()) && n.contains("LITERAL wildcard")), "{:?}", ids.notices);
    assert!(controls.iter().any(|c| c.resource_type == "CLUSTER"
        && c.resource_name == "kafka-cluster"
        && c.operation == "IDEMPOTENT_WRITE"));
    // 6 + 3*6 + 2 + 1 for microservices-orders-client, 6 + 1 + 1 for connect-worker-client
    assert_eq!(controls.len(), 6 + 18 + 2 + 1 + 6 + 1 + 1);
}

fn cm(key: &str, value: &str) -> ConfigMapView {
    let data = [(key.to_owned(), value.to_owned())].into();
    ConfigMapView { namespace: "team".into(), name: "specs".into(), data, ..Default::default() }
}

#[test]
fn errors_name_configmap_key_and_field() {
    let env = |topic: &str| {
        format!(r#"[{{"name":"e","kafka":[{{"name":"c","cloud":"gcp","region":"r","topic":[{topic}]}}]}}]"#)
    };
    let err = topics(&cm("environments", &env(r#"{"name":"a","partitions":"three"}"#))).unwrap_err();
    assert_eq!(
        (err.configmap.as_str(), err.key.as_str(), err.field.as_str()),
        ("team/specs", "environments", "[0].kafka[0].topic[0].partitions")
    );
    assert!(topics(&cm("environments", "[{")).unwrap_err().message.contains("invalid JSON"));
    assert_eq!(
        topics(&cm("environments", &env(r#"{"partitions":3}"#))).unwrap_err().field,
        "[0].kafka[0].topic[0].name"
    );
    assert_eq!(
        topics(&cm("environments", &env(r#"{"name":"a","partition":3}"#))).unwrap_err().field,
        "[0].kafka[0].topic[0].partition"
    );
    assert!(topics(&cm("environments", &env(r#"{"name":"bad name"}"#))).is_err());
    let ok = topics(&cm(
        "environments",
        &env(r#"{"name":"a","config":{"cleanup.policy":"compact,delete"},"replication_factor":3,"delete":"true"}"#),
    ))
    .unwrap();
    assert_eq!(
        (ok[0].config["cleanup.policy"].as_str(), ok[0].replication_factor, ok[0].tombstone),
        ("compact,delete", Some(3), true)
    );
    assert!(topics(&cm("service-accounts", "not json")).unwrap().is_empty(), "topics ignore other keys");
}

#[test]
fn acl_parsing_is_strict() {
    let acl = |control: &str| {
        format!(
            r#"[{{"name":"e","kafka":[{{"name":"c","cloud":"gcp","region":"r","acl":[{{"service-account":"sa","controls":[{control}]}}]}}]}}]"#
        )
    };
    let parse = |control: &str| identities(&cm("environments", &acl(control)));
    assert!(
        parse(r#"{"operation":"read","permission":"allowed","resource":"topic","name":"t"}"#)
            .unwrap_err()
            .field
            .ends_with("permission")
    );
    assert!(
        parse(r#"{"operation":"read,fly","permission":"allow","resource":"topic","name":"t"}"#)
            .unwrap_err()
            .message
            .contains("fly")
    );
    assert!(parse(r#"{"operation":"read","permission":"allow","resource":"queue","name":"t"}"#).is_err());
    assert!(
        parse(r#"{"operation":"read","permission":"allow","resource":"topic"}"#).unwrap_err().field.ends_with("name")
    );
    let ok = parse(
        r#"{"operation":"READ, describe","permission":"deny","resource":"consumer-group","name":"g","prefix":true}"#,
    )
    .unwrap();
    let c = &ok.grants[0].controls;
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].operation.as_str(), c[0].permission.as_str(), c[0].resource_type.as_str(), c[0].pattern_type.as_str()),
        ("READ", "DENY", "GROUP", "PREFIXED")
    );
}

#[test]
fn views_come_from_filter_results_or_objects() {
    let filter: Value = serde_json::json!({"name": "a", "namespace": "ns", "data": {"k": "v"}});
    let object: Value = serde_json::json!({"metadata": {"name": "a", "namespace": "ns", "resourceVersion": "42", "annotations": {"x": "y"}}, "data": {"k": "other"}});
    let v = ConfigMapView::from_item(Some(&filter.to_string()), Some(&object.to_string())).unwrap();
    assert_eq!(
        (v.id().as_str(), v.data["k"].as_str(), v.resource_version.as_deref(), v.annotations["x"].as_str()),
        ("ns/a", "v", Some("42"), "y")
    );
    let only_object = ConfigMapView::from_item(None, Some(&object.to_string())).unwrap();
    assert_eq!(only_object.data["k"], "other");
    assert!(ConfigMapView::from_item(Some("null"), None).is_none());
}
