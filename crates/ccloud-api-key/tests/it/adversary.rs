//! The adversarial review's findings, each reproduced through the real binary: a
//! declaration that fails is frozen, never deleted; only what this deployment provably
//! owns is deleted; what is out of sight, unreadable or ambiguous is left alone.

use crate::common::*;
use serde_json::{Value, json};

const DEV: &str = "streaming-ops-dev";

fn kafka(acl: Value, keys: Value) -> Value {
    json!({"name": "microservices-orders", "cloud": "gcp", "region": "us-central1", "acl": acl, "api-key": keys})
}

fn read(account: &str, topics: &[&str]) -> Value {
    let controls: Vec<Value> = topics
        .iter()
        .map(|t| json!({"operation": "read", "permission": "allow", "resource": "topic", "name": t}))
        .collect();
    json!([{"service-account": account, "controls": controls}])
}

/// A ConfigMap `name` in `namespace` with `labels`, declaring `account` and `environments`.
fn spec(name: &str, namespace: &str, labels: Value, account: &str, environments: Value) -> Value {
    let mut cm = configmap(name, json!([{"name": account}]), environments);
    cm["metadata"]["namespace"] = json!(namespace);
    cm["metadata"]["labels"] = labels;
    cm
}

fn acl_spec(name: &str, namespace: &str, labels: Value, account: &str, topics: &[&str]) -> Value {
    spec(name, namespace, labels, account, json!([{"name": DEV, "kafka": [kafka(read(account, topics), json!([]))]}]))
}

/// The READ bindings on lkc-orders1 as (topic, pattern type).
fn reads(u: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = acls(u)
        .iter()
        .filter(|a| a["operation"] == "READ")
        .map(|a| (a["resource_name"].as_str().unwrap().to_owned(), a["pattern_type"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn literal(topics: &[&str]) -> Vec<(String, String)> {
    topics.iter().map(|t| ((*t).to_owned(), "LITERAL".to_owned())).collect()
}

fn status(cluster: &Cluster, namespace: &str, name: &str) -> String {
    cluster
        .objects()
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == name && o["metadata"]["namespace"] == namespace)
        .and_then(|o| o["metadata"]["annotations"]["ccops.io/ccloud-api-key-status"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn age_all_keys(u: &str, seconds: u64) {
    for k in all_keys(u) {
        http(u, "POST", &format!("/_emulator/api-keys/{}/age", k.0), None, Some(json!({"seconds": seconds})));
    }
}

fn alive(u: &str, id: &str) -> bool {
    all_keys(u).iter().any(|k| k.0 == id)
}

/// Finding 1: two deployments in one namespace, each with its own selector and id.
#[test]
fn two_deployments_in_one_namespace_never_revoke_each_others_acls() {
    let emu = emulator();
    let u = &emu.url;
    let team = |t: &str| json!({"destination": "ccloud", "team": t});
    let mut c = Cluster::with(vec![
        acl_spec("team-a", "default", team("a"), "app-a", &["orders"]),
        acl_spec("team-b", "default", team("b"), "app-b", &["payments"]),
    ]);
    let deployment = |t: &str| {
        let selector = format!("destination=ccloud,team={t}");
        env(u, &[("CCLOUD_SPEC_SELECTOR", &selector), ("INSTANCE_ID", t), ("ALLOW_DELETE", "acl")])
    };
    for round in 0..2 {
        for t in ["a", "b"] {
            let r = c.run(&deployment(t));
            assert!(r.succeeded(), "{:?}", r.failure);
            if round > 0 || t == "b" {
                assert_eq!(reads(u), literal(&["orders", "payments"]), "after {t} in round {round}\n{}", r.stderr);
            }
        }
    }
}

/// Edits the `environments` value of a ConfigMap.
type Typo = fn(&mut Value);

/// Finding 3: a typo in a cluster reference, or in a data key, freezes what the
/// ConfigMap declared before.
#[test]
fn a_typo_in_a_cluster_reference_or_a_data_key_revokes_nothing() {
    let typos: [(&str, Typo); 5] = [
        ("region", |e| e[0]["kafka"][0]["region"] = json!("us-centrall")),
        ("cloud", |e| e[0]["kafka"][0]["cloud"] = json!("gpc")),
        ("cluster name", |e| e[0]["kafka"][0]["name"] = json!("microservices-order")),
        ("environment name", |e| e[0]["name"] = json!("streaming-ops-dve")),
        ("data key", |_| {}),
    ];
    for (what, typo) in typos {
        let emu = emulator();
        let u = &emu.url;
        let labels = json!({"destination": "ccloud"});
        let good = acl_spec("ids", "default", labels.clone(), "app", &["orders", "payments"]);
        let mut c = Cluster::with(vec![good.clone()]);
        let e = env(u, &[("ALLOW_DELETE", "acl")]);
        assert_eq!(c.run(&e).exit, 0);
        assert_eq!(reads(u), literal(&["orders", "payments"]));
        let mut bad = good.clone();
        let mut environments: Value = serde_json::from_str(bad["data"]["environments"].as_str().unwrap()).unwrap();
        typo(&mut environments);
        bad["data"]["environments"] = json!(environments.to_string());
        if what == "data key" {
            let value = bad["data"]["environments"].take();
            bad["data"] = json!({"service-accounts": bad["data"]["service-accounts"].clone(), "environment": value});
        }
        c.put(bad);
        for _ in 0..2 {
            let r = c.run(&e);
            assert_eq!(r.exit, 0);
            assert_eq!(reads(u), literal(&["orders", "payments"]), "a typo in the {what} revoked\n{}", r.stderr);
        }
        assert!(!status(&c, "default", "ids").is_empty(), "{what}: the typo is reported on the ConfigMap");
        c.put(good);
        c.run(&e);
        assert_eq!(reads(u), literal(&["orders", "payments"]), "{what}: fixed");
    }
}

/// Finding 4: create before delete holds when the create fails.
#[test]
fn a_binding_is_not_deleted_while_its_replacement_cannot_be_created() {
    let emu = emulator();
    let u = &emu.url;
    let labels = json!({"destination": "ccloud"});
    let mut c = Cluster::with(vec![acl_spec("ids", "default", labels.clone(), "app", &["orders"])]);
    let e = env(u, &[("ALLOW_DELETE", "acl"), ("HOOK_DEADLINE", "4s")]);
    assert_eq!(c.run(&e).exit, 0);
    assert_eq!(reads(u), literal(&["orders"]));
    let mut acl = read("app", &["orders"]);
    acl[0]["controls"][0]["prefix"] = json!(true);
    c.put(spec("ids", "default", labels, "app", json!([{"name": DEV, "kafka": [kafka(acl, json!([]))]}])));
    let batch = json!({"method": "POST", "path": "/kafka/v3/clusters/*/acls:batch", "action": {"type": "status", "status": 503}});
    test_support::emulator::fault(u, batch);
    let r = c.run(&e);
    assert_eq!(reads(u), literal(&["orders"]), "the principal lost its only binding\n{}", r.stderr);
    test_support::emulator::clear_faults(u);
    c.run(&e);
    assert_eq!(reads(u), vec![("orders".to_owned(), "PREFIXED".to_owned())], "converged once the create works");
}

/// Finding 5: an explicit id that equals another deployment's namespace claims none of
/// its keys, nor any key of the first description format.
#[test]
fn an_instance_id_equal_to_a_namespace_deletes_no_key_of_that_namespace() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let declared = || {
        spec(
            "ids",
            "default",
            json!({"destination": "ccloud"}),
            "app",
            json!([{"name": DEV, "kafka": [kafka(json!([]), json!([{"service-account": "app"}]))]}]),
        )
    };
    let mut a = Cluster::with(vec![declared()]);
    assert_eq!(a.run(&env(u, &[])).exit, 0);
    let delivered = key_id(&a, "cc.api-key.app.lkc-orders1").unwrap();
    let owner = all_keys(u).into_iter().find(|k| k.0 == delivered).unwrap().1;
    let body = json!({"spec": {"description": "ccops ccloud-api-key instance=default sa=app resource=lkc-orders1",
        "owner": {"id": owner}, "resource": {"id": "lkc-orders1"}}});
    let (status, first_format) = http(u, "POST", "/iam/v2/api-keys", Some(CLOUD), Some(body));
    assert_eq!(status, 202);
    let first_format = first_format["id"].as_str().unwrap().to_owned();
    age_all_keys(u, 3600);
    let mut b = Cluster::with(vec![declared()]);
    let r = b.run(&env(u, &[("INSTANCE_ID", "default"), ("ALLOW_DELETE", "api-key")]));
    assert_eq!(r.exit, 0);
    assert!(alive(u, &delivered), "the other cluster's delivered key was deleted\n{}", r.stderr);
    assert!(alive(u, &first_format), "a first-format key proves no ownership\n{}", r.stderr);
}

/// Finding 6: in direct mode two references to the one cluster are planned together.
#[test]
fn two_references_to_one_direct_cluster_do_not_delete_each_others_bindings() {
    let emu = emulator();
    let u = &emu.url;
    let cluster = |env: &str, topic: &str| json!({"name": env, "kafka": [kafka(read("app", &[topic]), json!([]))]});
    let envs = json!([cluster(DEV, "orders"), cluster("streaming-ops-prd", "payments")]);
    let mut c = Cluster::with(vec![spec("ids", "default", json!({"destination": "ccloud"}), "app", envs)]);
    let e = env(
        u,
        &[
            ("KAFKA_REST_ENDPOINT", u.as_str()),
            ("KAFKA_ID", "lkc-orders1"),
            ("KAFKA_CLUSTER_NAME", "microservices-orders"),
            ("ALLOW_DELETE", "acl"),
        ],
    );
    for run in 0..3 {
        let r = c.run(&e);
        assert_eq!(reads(u), literal(&["orders", "payments"]), "run {run}\n{}", r.stderr);
    }
}

/// Finding 7: bad binding settings change nothing (never a silently narrower watch).
#[test]
fn a_bad_watch_namespace_or_selector_changes_nothing() {
    let emu = emulator();
    let u = &emu.url;
    let team = json!({"destination": "ccloud", "team": "a"});
    let mut c = Cluster::with(vec![
        acl_spec("ids", "default", team.clone(), "app-d", &["orders"]),
        acl_spec("ids", "team", team, "app-t", &["payments"]),
        acl_spec("other", "default", json!({"destination": "ccloud"}), "app-o", &["other"]),
    ]);
    let with = |namespaces: &str, selector: &str| {
        env(u, &[("WATCH_NAMESPACES", namespaces), ("CCLOUD_SPEC_SELECTOR", selector), ("ALLOW_DELETE", "acl")])
    };
    assert_eq!(c.run(&with("default,team", "destination=ccloud,team=a")).exit, 0);
    assert_eq!(reads(u), literal(&["orders", "payments"]));
    for (namespaces, selector) in
        [("default,team;ops", "destination=ccloud,team=a"), ("default,team", "destination=ccloud,team")]
    {
        let r = c.run(&with(namespaces, selector));
        assert_eq!(reads(u), literal(&["orders", "payments"]), "{namespaces} {selector}\n{}", r.stderr);
        assert!(r.stderr.contains("configuration"), "{}", r.stderr);
    }
}

/// Finding 8: a hand-edited key id label rotates, with the grace, instead of deleting.
#[test]
fn a_hand_edited_key_id_label_keeps_the_delivered_key_through_the_grace() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let declared = spec(
        "ids",
        "default",
        json!({"destination": "ccloud"}),
        "app",
        json!([{"name": DEV, "kafka": [kafka(json!([]), json!([{"service-account": "app"}]))]}]),
    );
    let mut c = Cluster::with(vec![declared]);
    let e = env(u, &[("INSTANCE_ID", "dev"), ("ALLOW_DELETE", "api-key")]);
    assert_eq!(c.run(&e).exit, 0);
    let delivered = key_id(&c, "cc.api-key.app.lkc-orders1").unwrap();
    for o in c
        .objects_mut()
        .iter_mut()
        .filter(|o| o["kind"] == "Secret" && o["metadata"]["labels"]["ccops.io/key-id"] == json!(delivered))
    {
        o["metadata"]["labels"]["ccops.io/key-id"] = json!("TYPO");
    }
    age_all_keys(u, 3600);
    for _ in 0..2 {
        let r = c.run(&e);
        assert_eq!(r.exit, 0);
        assert!(alive(u, &delivered), "a possibly delivered key was deleted without the grace\n{}", r.stderr);
    }
    let new = key_id(&c, "cc.api-key.app.lkc-orders1").unwrap();
    assert!(new != delivered && new != "TYPO" && alive(u, &new), "a new key is delivered");
    let secret = c.get("Secret", "cc.api-key.app.lkc-orders1").unwrap();
    assert_eq!(secret["metadata"]["annotations"]["ccops.io/previous-key-id"], json!(delivered));
}

/// Finding 9: the same pair declared from two namespaces is a conflict, not a move.
#[test]
fn the_same_pair_from_two_namespaces_is_a_conflict_and_mints_nothing() {
    let emu = emulator();
    let u = &emu.url;
    instant_keys(u);
    let declared = |ns: &str| {
        spec(
            "ids",
            ns,
            json!({"destination": "ccloud"}),
            "app",
            json!([{"name": DEV, "kafka": [kafka(json!([]), json!([{"service-account": "app"}]))]}]),
        )
    };
    let mut c = Cluster::with(vec![declared("default")]);
    let e = env(u, &[("WATCH_NAMESPACES", "default,apps"), ("INSTANCE_ID", "dev"), ("ALLOW_DELETE", "api-key")]);
    assert_eq!(c.run(&e).exit, 0);
    assert_eq!(keys(u).len(), 1);
    c.put(declared("apps"));
    for _ in 0..2 {
        let r = c.run(&e);
        assert_eq!(r.exit, 0);
        assert_eq!(keys(u).len(), 1, "a second key was minted\n{}", r.stderr);
    }
    let in_apps = c.objects().iter().any(|o| {
        o["kind"] == "Secret"
            && o["metadata"]["namespace"] == "apps"
            && o["metadata"]["labels"]["ccops.io/key-id"].is_string()
    });
    assert!(!in_apps, "the key's Secrets moved");
    let statuses = format!("{} {}", status(&c, "apps", "ids"), status(&c, "default", "ids"));
    assert!(statuses.contains("declared differently"), "{statuses}");
}
