#![allow(clippy::unwrap_used)]
//! Kafka REST is as strict as Kafka and Confluent Cloud: asynchronous deletion,
//! `.`/`_` collisions, broker-level config sources, policy refusals, rate limits.

mod common;
use common::{KAFKA, req, start};
use serde_json::json;

const T: &str = "/kafka/v3/clusters/lkc-orders1/topics";

fn create(u: &str, name: &str) -> common::Reply {
    req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": name, "partitions_count": 1})))
}

#[test]
fn a_deleted_topic_name_stays_taken_until_the_deletion_finishes() {
    let emu = start();
    let u = &emu.url;
    assert_eq!(create(u, "orders").status, 201);
    assert_eq!(req(u, "DELETE", &format!("{T}/orders"), Some(KAFKA), None).status, 204);
    assert_eq!(req(u, "GET", &format!("{T}/orders"), Some(KAFKA), None).status, 404, "gone from reads at once");
    let again = create(u, "orders");
    assert_eq!((again.status, again.body["error_code"].clone()), (400, json!(40002)));
    assert_eq!(again.body["message"], "Topic 'orders' is marked for deletion.");
    let dry = req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "orders", "validate_only": true})));
    assert_eq!(dry.status, 400, "validate_only checks the same");
    req(u, "POST", "/_emulator/clock", None, Some(json!({"seconds": 6})));
    assert_eq!(create(u, "orders").status, 201, "the default deletion takes 5 s of emulator time");

    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"topic_deletion_ms": 0})));
    req(u, "DELETE", &format!("{T}/orders"), Some(KAFKA), None);
    assert_eq!(create(u, "orders").status, 201, "the lenient form, for tests that need it");
}

#[test]
fn names_colliding_on_dot_and_underscore_are_refused() {
    let emu = start();
    let u = &emu.url;
    assert_eq!(create(u, "orders.v1").status, 201);
    let clash = create(u, "orders_v1");
    assert_eq!((clash.status, clash.body["error_code"].clone()), (400, json!(40002)));
    assert_eq!(clash.body["message"], "Topic 'orders_v1' collides with existing topic: orders.v1");
    assert_eq!(create(u, "orders-v1").status, 201, "'-' never collides");
}

#[test]
fn configs_inherited_from_the_brokers_are_not_defaults() {
    let emu = start();
    let u = &emu.url;
    create(u, "t");
    let all = req(u, "GET", &format!("{T}/t/configs"), Some(KAFKA), None).body;
    let get = |n: &str| all["data"].as_array().unwrap().iter().find(|c| c["name"] == n).unwrap().clone();
    for (name, source) in [
        ("min.insync.replicas", "DYNAMIC_DEFAULT_BROKER_CONFIG"),
        ("delete.retention.ms", "DYNAMIC_BROKER_CONFIG"),
        ("segment.bytes", "STATIC_BROKER_CONFIG"),
    ] {
        let c = get(name);
        assert_eq!((c["source"].clone(), c["is_default"].clone()), (json!(source), json!(false)), "{name}");
        assert_eq!(c["synonyms"][0]["source"], source);
    }
    assert_eq!(get("segment.bytes")["synonyms"][0]["name"], "log.segment.bytes", "the broker's own name");
    assert_eq!(get("retention.ms")["source"], "DEFAULT_CONFIG");
    let set = json!({"data": [{"name": "segment.bytes", "value": "52428800"}]});
    assert_eq!(req(u, "POST", &format!("{T}/t/configs:alter"), Some(KAFKA), Some(set)).status, 204);
    let one = req(u, "GET", &format!("{T}/t/configs/segment.bytes"), Some(KAFKA), None).body;
    assert_eq!(
        (one["source"].clone(), one["synonyms"][1]["source"].clone()),
        (json!("DYNAMIC_TOPIC_CONFIG"), json!("STATIC_BROKER_CONFIG"))
    );
    req(u, "DELETE", &format!("{T}/t/configs/segment.bytes"), Some(KAFKA), None);
    let reset = req(u, "GET", &format!("{T}/t/configs/segment.bytes"), Some(KAFKA), None).body;
    assert_eq!((reset["value"].clone(), reset["source"].clone()), (json!("104857600"), json!("STATIC_BROKER_CONFIG")));
}

#[test]
fn non_editable_configs_are_refused_by_policy_without_a_read_only_flag() {
    let emu = start();
    let u = &emu.url;
    create(u, "t");
    let c = req(u, "GET", &format!("{T}/t/configs/unclean.leader.election.enable"), Some(KAFKA), None).body;
    assert_eq!(c["is_read_only"], false);
    let alter = json!({"data": [{"name": "unclean.leader.election.enable", "value": "true"}]});
    let refused = req(u, "POST", &format!("{T}/t/configs:alter"), Some(KAFKA), Some(alter));
    assert_eq!((refused.status, refused.body["error_code"].clone()), (400, json!(40002)));
    let with_create = json!({"topic_name": "u", "configs": [{"name": "compression.type", "value": "gzip"}]});
    assert_eq!(req(u, "POST", T, Some(KAFKA), Some(with_create)).status, 400);
}

#[test]
fn cleanup_policy_goes_from_delete_to_compact_delete_only_through_compact() {
    let emu = start();
    let u = &emu.url;
    create(u, "t");
    let set = |v: &str| {
        let body = json!({"data": [{"name": "cleanup.policy", "value": v}]});
        req(u, "POST", &format!("{T}/t/configs:alter"), Some(KAFKA), Some(body))
    };
    let direct = set("compact,delete");
    assert_eq!((direct.status, direct.body["error_code"].clone()), (400, json!(40002)));
    assert_eq!(set("compact").status, 204);
    assert_eq!(set("compact,delete").status, 204);
    let created = json!({"topic_name": "u", "configs": [{"name": "cleanup.policy", "value": "delete,compact"}]});
    assert_eq!(req(u, "POST", T, Some(KAFKA), Some(created)).status, 201, "a create may set it at once");
}

#[test]
fn a_prefixed_wildcard_acl_is_kept_literally_as_kafka_does() {
    // Kafka accepts PREFIXED "*" (AclControlManager.validateNewAcl only refuses empty
    // names) and it matches only names starting with '*', i.e. no topic.
    let emu = start();
    let u = &emu.url;
    let a = "/kafka/v3/clusters/lkc-orders1/acls";
    let acl = json!({"resource_type": "TOPIC", "resource_name": "*", "pattern_type": "PREFIXED", "principal": "User:sa-platform", "host": "*", "operation": "READ", "permission": "ALLOW"});
    assert_eq!(req(u, "POST", a, Some(KAFKA), Some(acl)).status, 201);
    let matching = req(u, "GET", &format!("{a}?resource_name=orders&pattern_type=MATCH"), Some(KAFKA), None).body;
    assert_eq!(matching["data"], json!([]), "it grants nothing on a real topic");
}

#[test]
fn kafka_rest_has_its_own_rate_limit() {
    let emu = start();
    let u = &emu.url;
    req(u, "PUT", "/_emulator/behaviour", None, Some(json!({"kafka_rate_limit_per_second": 2})));
    let statuses: Vec<u16> = (0..12).map(|_| req(u, "GET", T, Some(KAFKA), None).status).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let limited = (0..4).map(|_| req(u, "GET", T, Some(KAFKA), None)).find(|r| r.status == 429);
    if let Some(r) = limited {
        assert_eq!((r.header("Retry-After"), r.body["error_code"].clone()), (Some("1"), json!(429)));
    }
}
