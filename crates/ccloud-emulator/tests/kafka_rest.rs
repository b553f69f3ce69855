#![allow(clippy::unwrap_used)]
//! Kafka REST v3 behaviour of the emulator.

mod common;
use common::{CLOUD, KAFKA, req, start};
use serde_json::json;

const T: &str = "/kafka/v3/clusters/lkc-orders1/topics";

#[test]
fn topic_lifecycle_and_errors() {
    let emu = start();
    let u = &emu.url;
    let create = json!({"topic_name": "orders", "partitions_count": 3, "configs": [{"name": "cleanup.policy", "value": "compact"}]});
    let dry = req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "orders", "validate_only": true})));
    assert_eq!(dry.status, 200);
    assert_eq!(req(u, "GET", &format!("{T}/orders"), Some(KAFKA), None).status, 404, "validate_only creates nothing");
    let created = req(u, "POST", T, Some(KAFKA), Some(create.clone()));
    assert_eq!(created.status, 201);
    assert_eq!(created.body["partitions_count"], 3);
    assert!(created.header("Location").unwrap().ends_with("/topics/orders"));
    let dup = req(u, "POST", T, Some(KAFKA), Some(create));
    assert_eq!((dup.status, dup.body["error_code"].clone()), (400, json!(40002)));
    assert!(dup.body["message"].as_str().unwrap().contains("already exists"));
    let missing = req(u, "GET", &format!("{T}/nope"), Some(KAFKA), None);
    assert_eq!((missing.status, missing.body["error_code"].clone()), (404, json!(40403)));

    let grow = req(u, "PATCH", &format!("{T}/orders"), Some(KAFKA), Some(json!({"partitions_count": 6})));
    assert_eq!((grow.status, grow.body["partitions_count"].clone()), (200, json!(6)));
    let shrink = req(u, "PATCH", &format!("{T}/orders"), Some(KAFKA), Some(json!({"partitions_count": 2})));
    assert_eq!((shrink.status, shrink.body["error_code"].clone()), (400, json!(40002)));
    let parts = req(u, "GET", &format!("{T}/orders/partitions"), Some(KAFKA), None);
    assert_eq!(parts.body["data"].as_array().unwrap().len(), 6);

    assert_eq!(req(u, "DELETE", &format!("{T}/orders"), Some(KAFKA), None).status, 204);
    assert_eq!(req(u, "DELETE", &format!("{T}/orders"), Some(KAFKA), None).status, 404);
}

#[test]
fn configs_have_defaults_sources_and_batch_alter() {
    let emu = start();
    let u = &emu.url;
    req(
        u,
        "POST",
        T,
        Some(KAFKA),
        Some(json!({"topic_name": "a", "configs": [{"name": "retention.ms", "value": "1000"}]})),
    );
    req(u, "POST", T, Some(KAFKA), Some(json!({"topic_name": "b"})));
    let all = req(u, "GET", &format!("{T}/-/configs"), Some(KAFKA), None);
    let data = all.body["data"].as_array().unwrap();
    let find = |t: &str, n: &str| data.iter().find(|c| c["topic_name"] == t && c["name"] == n).unwrap().clone();
    let a = find("a", "retention.ms");
    assert_eq!(
        (a["value"].clone(), a["source"].clone(), a["is_default"].clone()),
        (json!("1000"), json!("DYNAMIC_TOPIC_CONFIG"), json!(false))
    );
    let b = find("b", "retention.ms");
    assert_eq!(
        (b["value"].clone(), b["source"].clone(), b["is_default"].clone()),
        (json!("604800000"), json!("DEFAULT_CONFIG"), json!(true))
    );
    assert_eq!(find("b", "compression.type")["is_read_only"], false, "Cloud refuses it by policy instead");

    let alter = |body| req(u, "POST", &format!("{T}/a/configs:alter"), Some(KAFKA), Some(body));
    let dry = alter(json!({"data": [{"name": "retention.ms", "value": "5"}], "validate_only": true}));
    assert_eq!(dry.status, 204);
    assert_eq!(req(u, "GET", &format!("{T}/a/configs/retention.ms"), Some(KAFKA), None).body["value"], "1000");
    assert_eq!(alter(json!({"data": [{"name": "retention.ms", "operation": "DELETE"}, {"name": "cleanup.policy", "value": "compact"}]})).status, 204);
    let one = req(u, "GET", &format!("{T}/a/configs/retention.ms"), Some(KAFKA), None);
    assert_eq!((one.body["value"].clone(), one.body["source"].clone()), (json!("604800000"), json!("DEFAULT_CONFIG")));
    for bad in [
        json!({"name": "no.such.config", "value": "1"}),
        json!({"name": "compression.type", "value": "gzip"}),
        json!({"name": "cleanup.policy", "value": "sometimes"}),
    ] {
        let r = alter(json!({"data": [bad.clone()]}));
        assert_eq!((r.status, r.body["error_code"].clone()), (400, json!(40002)), "{bad}");
    }
    assert_eq!(
        req(u, "PUT", &format!("{T}/a/configs/segment.ms"), Some(KAFKA), Some(json!({"value": "100"}))).status,
        204
    );
    assert_eq!(req(u, "DELETE", &format!("{T}/a/configs/segment.ms"), Some(KAFKA), None).status, 204);
    assert_eq!(
        req(u, "GET", &format!("{T}/a/configs"), Some(KAFKA), None).body["data"].as_array().unwrap().len(),
        data.len() / 2
    );
}

#[test]
fn kafka_rest_needs_a_key_for_that_cluster() {
    let emu = start();
    let u = &emu.url;
    assert_eq!(req(u, "GET", T, None, None).status, 401);
    assert_eq!(req(u, "GET", T, Some(CLOUD), None).status, 401, "a Cloud key cannot call Kafka REST");
    assert_eq!(req(u, "GET", T, Some((KAFKA.0, "wrong")), None).status, 401);
    assert_eq!(req(u, "GET", "/kafka/v3/clusters/lkc-other/topics", Some(KAFKA), None).status, 401);
    assert_eq!(
        req(u, "GET", "/iam/v2/service-accounts", Some(KAFKA), None).status,
        401,
        "a cluster key cannot call the control plane"
    );
}

#[test]
fn acls_create_search_and_delete_by_filter() {
    let emu = start();
    let u = &emu.url;
    let acl = |name: &str, pattern: &str, op: &str| json!({"resource_type": "TOPIC", "resource_name": name, "pattern_type": pattern, "principal": "User:sa-platform", "host": "*", "operation": op, "permission": "ALLOW"});
    let a = "/kafka/v3/clusters/lkc-orders1/acls";
    assert_eq!(req(u, "POST", a, Some(KAFKA), Some(acl("orders", "LITERAL", "READ"))).status, 201);
    assert_eq!(
        req(u, "POST", a, Some(KAFKA), Some(acl("orders", "LITERAL", "READ"))).status,
        201,
        "creating an existing ACL succeeds"
    );
    let batch = json!({"data": [acl("ord", "PREFIXED", "WRITE"), acl("*", "LITERAL", "DESCRIBE")]});
    assert_eq!(req(u, "POST", &format!("{a}:batch"), Some(KAFKA), Some(batch)).status, 204);
    let list = |q: &str| req(u, "GET", &format!("{a}{q}"), Some(KAFKA), None).body["data"].as_array().unwrap().len();
    assert_eq!(list(""), 3);
    assert_eq!(list("?principal=UserV2:*"), 3);
    assert_eq!(list("?pattern_type=PREFIXED"), 1);
    assert_eq!(list("?resource_name=orders&pattern_type=MATCH"), 3, "literal, wildcard and matching prefix");
    assert_eq!(list("?operation=WRITE&permission=ALLOW"), 1);
    let no_filter = req(u, "DELETE", a, Some(KAFKA), None);
    assert_eq!(no_filter.status, 400);
    let deleted = req(
        u,
        "DELETE",
        &format!("{a}?resource_type=TOPIC&pattern_type=LITERAL&operation=ANY&permission=ANY&resource_name=orders"),
        Some(KAFKA),
        None,
    );
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["data"][0]["operation"], "READ");
    assert_eq!(list(""), 2);
    let mut bad = acl("x", "LITERAL", "READ");
    bad["permission"] = json!("allow-ish");
    assert_eq!(req(u, "POST", a, Some(KAFKA), Some(bad)).status, 400);
    let mut cluster = acl("x", "LITERAL", "DESCRIBE");
    cluster["resource_type"] = json!("CLUSTER");
    assert_eq!(req(u, "POST", a, Some(KAFKA), Some(cluster)).status, 400, "CLUSTER resources are named kafka-cluster");
}
