#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Conformance: every endpoint family goes through Stoplight Prism (`--errors`),
//! one proxy per official spec, with zero request or response violations.

mod common;
use test_support::prism as harness;

use common::{CLOUD, KAFKA, call};
use serde_json::{Value, json};

/// Sends requests through Prism and collects every deviation.
struct Check {
    url: String,
    emulator: String,
    failures: Vec<String>,
    sent: usize,
}

impl Check {
    fn send(&mut self, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>, want: u16) -> Value {
        self.sent += 1;
        let reply = match call(&self.url, method, path, auth, body) {
            Ok(r) => r,
            Err(e) => {
                self.failures.push(format!("{method} {path}: transport error {e}"));
                return Value::Null;
            }
        };
        let problem = reply.header("content-type").is_some_and(|c| c.contains("problem+json"));
        let violations = reply.header("sl-violations");
        if reply.status != want || problem || violations.is_some() {
            self.failures.push(format!(
                "{method} {path}: status {} (want {want}){}{} body {}",
                reply.status,
                if problem { " [prism problem]" } else { "" },
                violations.map(|v| format!(" violations {v}")).unwrap_or_default(),
                reply.body
            ));
        }
        reply.body
    }

    /// Sends up to ten times until the status is `want` (a per-second rate window may
    /// roll over between two requests); every reply must still conform.
    fn send_until(&mut self, method: &str, path: &str, auth: Option<(&str, &str)>, want: u16) {
        for _ in 0..10 {
            let before = self.failures.len();
            self.send(method, path, auth, None, want);
            if self.failures.len() == before {
                return;
            }
            let last = self.failures.pop().unwrap_or_default();
            if last.contains("violations") || last.contains("prism problem") || last.contains("transport") {
                self.failures.push(last);
                return;
            }
        }
        self.failures.push(format!("{method} {path}: never answered {want}"));
    }

    fn control(&self, method: &str, path: &str, body: Value) {
        let r = call(&self.emulator, method, path, None, Some(body)).unwrap();
        assert!(r.status < 300, "{path}: {}", r.status);
    }

    fn finish(self, prism: &harness::Prism) {
        assert!(self.sent > 0);
        assert!(
            self.failures.is_empty(),
            "{} of {} requests failed Prism:\n{}\n--- prism log ---\n{}",
            self.failures.len(),
            self.sent,
            self.failures.join("\n"),
            prism.log()
        );
    }
}

/// Starts an emulator and a Prism proxy for one spec, runs `scenario`.
fn conformance(spec: &str, overlays: &[&str], upstream_suffix: &str, scenario: impl FnOnce(&mut Check)) {
    let Some(bin) = harness::prism_bin() else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(spec) = harness::prepared_spec(dir.path(), spec, overlays) else { return };
    let emu = common::start();
    let prism = harness::start(&bin, &spec, &format!("{}{upstream_suffix}", emu.url), dir.path());
    let mut check = Check { url: prism.url.clone(), emulator: emu.url.clone(), failures: Vec::new(), sent: 0 };
    scenario(&mut check);
    check.finish(&prism);
}

fn kafka_scenario(c: &mut Check, prefix: &str) {
    let k = Some(KAFKA);
    let t = format!("{prefix}/clusters/lkc-orders1/topics");
    c.send("GET", &t, k, None, 200);
    c.send("POST", &t, k, Some(json!({"topic_name": "orders", "partitions_count": 3, "configs": [{"name": "cleanup.policy", "value": "compact"}]})), 201);
    c.send("POST", &t, k, Some(json!({"topic_name": "dry", "validate_only": true})), 200);
    c.send("POST", &t, k, Some(json!({"topic_name": "orders"})), 400);
    c.send("GET", &format!("{t}/orders"), k, None, 200);
    c.send("GET", &format!("{t}/missing"), k, None, 404);
    c.send("PATCH", &format!("{t}/orders"), k, Some(json!({"partitions_count": 6})), 200);
    c.send("PATCH", &format!("{t}/orders"), k, Some(json!({"partitions_count": 1})), 400);
    c.send("GET", &format!("{t}/orders/configs"), k, None, 200);
    c.send("GET", &format!("{t}/-/configs"), k, None, 200);
    c.send(
        "POST",
        &format!("{t}/orders/configs:alter"),
        k,
        Some(json!({"data": [{"name": "retention.ms", "value": "1000"}]})),
        204,
    );
    c.send(
        "POST",
        &format!("{t}/orders/configs:alter"),
        k,
        Some(json!({"data": [{"name": "retention.ms", "operation": "DELETE"}], "validate_only": true})),
        204,
    );
    c.send(
        "POST",
        &format!("{t}/orders/configs:alter"),
        k,
        Some(json!({"data": [{"name": "no.such", "value": "1"}]})),
        400,
    );
    c.send("GET", &format!("{t}/orders/configs/retention.ms"), k, None, 200);
    c.send("PUT", &format!("{t}/orders/configs/segment.ms"), k, Some(json!({"value": "3600000"})), 204);
    c.send("DELETE", &format!("{t}/orders/configs/segment.ms"), k, None, 204);
    c.send("GET", &format!("{t}/orders/partitions"), k, None, 200);
    c.send("GET", &format!("{t}/orders/partitions/0"), k, None, 200);
    let acls = format!("{prefix}/clusters/lkc-orders1/acls");
    let acl = |name: &str, op: &str| json!({"resource_type": "TOPIC", "resource_name": name, "pattern_type": "LITERAL", "principal": "User:sa-platform", "host": "*", "operation": op, "permission": "ALLOW"});
    c.send("POST", &acls, k, Some(acl("orders", "READ")), 201);
    c.send(
        "POST",
        &format!("{acls}:batch"),
        k,
        Some(json!({"data": [acl("orders", "WRITE"), acl("payments", "READ")]})),
        204,
    );
    c.send("GET", &format!("{acls}?principal=UserV2:*"), k, None, 200);
    c.send("GET", &format!("{acls}?resource_type=TOPIC&pattern_type=LITERAL&resource_name=orders"), k, None, 200);
    c.send("DELETE", &format!("{acls}?resource_type=TOPIC&pattern_type=LITERAL&operation=READ&permission=ALLOW&resource_name=orders&principal=User:sa-platform&host=*"), k, None, 200);
    c.send("DELETE", &format!("{t}/orders"), k, None, 204);
    c.send("POST", &t, k, Some(json!({"topic_name": "orders"})), 400); // marked for deletion
    c.send("POST", &t, k, Some(json!({"topic_name": "pay.ments"})), 201);
    c.send("POST", &t, k, Some(json!({"topic_name": "pay_ments"})), 400); // collides
    c.send(
        "POST",
        &format!("{t}/pay.ments/configs:alter"),
        k,
        Some(json!({"data": [{"name": "compression.type", "value": "gzip"}]})),
        400,
    );
    c.send("GET", &format!("{t}/pay.ments/configs/min.insync.replicas"), k, None, 200);
    c.send("GET", &t, Some((KAFKA.0, "wrong")), None, 401);
    c.control("POST", "/_emulator/faults", json!([
        {"method": "GET", "path": "/kafka/**", "times": 1, "action": {"type": "status", "status": 429, "retry_after": 1}},
    ]));
    c.send("GET", &t, k, None, 429);
    c.control(
        "POST",
        "/_emulator/faults",
        json!({"method": "GET", "path": "/kafka/**", "times": 1, "action": {"type": "status", "status": 503}}),
    );
    c.send("GET", &t, k, None, 503);
    c.control("PUT", "/_emulator/behaviour", json!({"kafka_rate_limit_per_second": 1}));
    c.send_until("GET", &t, k, 429);
}

#[test]
fn kafka_rest_v3_confluent_cloud_spec() {
    conformance("kafka-rest-v3/confluent-cloud-kafkarest-v3.openapi.yaml", &["kafka-rest-cloud.json"], "", |c| {
        kafka_scenario(c, "/kafka/v3")
    });
}

#[test]
fn kafka_rest_v3_confluent_platform_spec() {
    conformance(
        "kafka-rest-v3/confluent-platform-kafka-rest-v3.openapi.yaml",
        &["kafka-rest-platform.json"],
        "/kafka/v3",
        |c| kafka_scenario(c, ""),
    );
}

#[test]
fn iam_service_accounts_spec() {
    conformance("confluent-cloud/iam-v2.openapi.yaml", &[], "", |c| {
        let a = Some(CLOUD);
        let created = c.send(
            "POST",
            "/iam/v2/service-accounts",
            a,
            Some(json!({"display_name": "orders-app", "description": "orders"})),
            201,
        );
        let id = created["id"].as_str().unwrap_or("sa-missing").to_owned();
        c.send("POST", "/iam/v2/service-accounts", a, Some(json!({"display_name": "orders-app"})), 409);
        c.send("GET", "/iam/v2/service-accounts?display_name=orders-app&page_size=5", a, None, 200);
        c.send("GET", "/iam/v2/service-accounts", a, None, 200);
        c.send("GET", &format!("/iam/v2/service-accounts/{id}"), a, None, 200);
        c.send("PATCH", &format!("/iam/v2/service-accounts/{id}"), a, Some(json!({"description": "changed"})), 200);
        c.send("GET", "/iam/v2/service-accounts/sa-nope00", a, None, 404);
        c.send("DELETE", &format!("/iam/v2/service-accounts/{id}"), a, None, 204);
        c.send("GET", "/iam/v2/service-accounts", Some((CLOUD.0, "wrong")), None, 401);
        c.control("PUT", "/_emulator/behaviour", json!({"rate_limit_per_second": 1}));
        c.send("GET", "/iam/v2/service-accounts", a, None, 200);
        c.send("GET", "/iam/v2/service-accounts", a, None, 429);
    });
}

#[test]
fn api_keys_spec() {
    conformance("confluent-cloud/apikeys-v2.openapi.yaml", &[], "", |c| {
        let a = Some(CLOUD);
        let body = json!({"spec": {"display_name": "orders", "description": "ccops", "owner": {"id": "sa-platform"}, "resource": {"id": "lkc-orders1"}}});
        let created = c.send("POST", "/iam/v2/api-keys", a, Some(body), 202);
        let id = created["id"].as_str().unwrap_or("MISSING").to_owned();
        c.send("GET", "/iam/v2/api-keys?spec.owner=sa-platform&spec.resource=lkc-orders1", a, None, 200);
        c.send("GET", &format!("/iam/v2/api-keys/{id}"), a, None, 200);
        c.send("PATCH", &format!("/iam/v2/api-keys/{id}"), a, Some(json!({"spec": {"description": "rotated"}})), 200);
        c.send("DELETE", &format!("/iam/v2/api-keys/{id}"), a, None, 204);
        c.send("GET", &format!("/iam/v2/api-keys/{id}"), a, None, 404);
        let cloud_key = json!({"spec": {"owner": {"id": "sa-platform"}}});
        c.send("POST", "/iam/v2/api-keys", a, Some(cloud_key), 202);
        c.control("PUT", "/_emulator/behaviour", json!({"max_keys_per_service_account": 2}));
        c.send("POST", "/iam/v2/api-keys", a, Some(json!({"spec": {"owner": {"id": "sa-platform"}}})), 402);
    });
}

#[test]
fn org_environments_spec() {
    conformance("confluent-cloud/org-v2.openapi.yaml", &[], "", |c| {
        let a = Some(CLOUD);
        c.send("GET", "/org/v2/environments", a, None, 200);
        c.send("GET", "/org/v2/environments?page_size=1", a, None, 200);
        c.send("GET", "/org/v2/environments/env-sodev1", a, None, 200);
        c.send("GET", "/org/v2/environments/env-nope00", a, None, 404);
    });
}

#[test]
fn cmk_clusters_spec() {
    conformance("confluent-cloud/cmk-v2.openapi.yaml", &[], "", |c| {
        let a = Some(CLOUD);
        c.send("GET", "/cmk/v2/clusters?environment=env-sodev1", a, None, 200);
        c.send("GET", "/cmk/v2/clusters/lkc-orders1?environment=env-sodev1", a, None, 200);
        c.send("GET", "/cmk/v2/clusters/lkc-nope00?environment=env-sodev1", a, None, 404);
    });
}

#[test]
fn confluent_cloud_connect_spec() {
    conformance("confluent-cloud/connect-v1.openapi.yaml", &["connect-v1.json"], "", |c| {
        let a = Some(CLOUD);
        let base = "/connect/v1/environments/env-sodev1/clusters/lkc-orders1";
        let config = json!({"connector.class": "DatagenSource", "name": "dg", "kafka.api.key": "K", "kafka.api.secret": "S", "kafka.topic": "pageviews", "output.data.format": "AVRO", "quickstart": "PAGEVIEWS", "tasks.max": "1"});
        c.send("PUT", &format!("{base}/connectors/dg/config"), a, Some(config.clone()), 200);
        c.send("PUT", &format!("{base}/connectors/dg/config"), a, Some(config), 200);
        c.send("GET", &format!("{base}/connectors"), a, None, 200);
        c.send("GET", &format!("{base}/connectors?expand=info,status,id"), a, None, 200);
        c.send("GET", &format!("{base}/connectors/dg"), a, None, 200);
        c.send("GET", &format!("{base}/connectors/dg/config"), a, None, 200);
        c.send("GET", &format!("{base}/connectors/dg/status"), a, None, 200);
        c.send("GET", &format!("{base}/connectors/dg/tasks"), a, None, 200);
        c.send("PUT", &format!("{base}/connectors/dg/pause"), a, None, 202);
        c.send("PUT", &format!("{base}/connectors/dg/resume"), a, None, 202);
        c.send("GET", &format!("{base}/connector-plugins"), a, None, 200);
        c.send(
            "PUT",
            &format!("{base}/connector-plugins/DatagenSource/config/validate"),
            a,
            Some(json!({"connector.class": "DatagenSource", "name": "v", "kafka.topic": "t"})),
            200,
        );
        let create = json!({"name": "dg2", "config": {"connector.class": "DatagenSource", "name": "dg2", "kafka.api.key": "K", "kafka.api.secret": "S", "kafka.topic": "p"}});
        c.send("POST", &format!("{base}/connectors"), a, Some(create), 201);
        c.send("DELETE", &format!("{base}/connectors/dg2"), a, None, 200);
        c.send("GET", &format!("{base}/connectors/nope/status"), a, None, 404);
    });
}

fn apache_connect_scenario(c: &mut Check, stop: bool) {
    let config = json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:mysql://mysql:3306", "tasks.max": "2"});
    c.send("GET", "/", None, None, 200);
    c.send("PUT", "/connectors/jdbc/config", None, Some(config.clone()), 201);
    c.send("PUT", "/connectors/jdbc/config", None, Some(config.clone()), 200);
    c.send("GET", "/connectors", None, None, 200);
    c.send("GET", "/connectors?expand=status&expand=info", None, None, 200);
    c.send("GET", "/connectors/jdbc", None, None, 200);
    c.send("GET", "/connectors/jdbc/config", None, None, 200);
    c.send("GET", "/connectors/jdbc/status", None, None, 200);
    c.send("GET", "/connectors/jdbc/tasks", None, None, 200);
    c.send("PUT", "/connectors/jdbc/pause", None, None, 202);
    c.send("PUT", "/connectors/jdbc/resume", None, None, 202);
    if stop {
        c.send("PUT", "/connectors/jdbc/stop", None, None, 204);
    }
    c.send("POST", "/connectors/jdbc/restart", None, None, 204);
    c.send("POST", "/connectors/jdbc/restart?includeTasks=true&onlyFailed=true", None, None, 202);
    c.send("POST", "/connectors/jdbc/tasks/0/restart", None, None, 204);
    c.send("GET", "/connector-plugins", None, None, 200);
    c.send(
        "PUT",
        "/connector-plugins/JdbcSourceConnector/config/validate",
        None,
        Some(json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "name": "v"})),
        200,
    );
    c.send("POST", "/connectors", None, Some(json!({"name": "jdbc2", "config": config})), 201);
    c.send(
        "POST",
        "/connectors",
        None,
        Some(json!({"name": "jdbc2", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector"}})),
        409,
    );
    c.control("POST", "/_emulator/connect/rebalance", json!({"requests": 1}));
    c.send("DELETE", "/connectors/jdbc2", None, None, 409);
    c.send("DELETE", "/connectors/jdbc2", None, None, 204);
    c.send("GET", "/connectors/jdbc2", None, None, 404);
    c.control(
        "POST",
        "/_emulator/faults",
        json!({"method": "PUT", "path": "/connectors/*/config", "times": 1, "action": {"type": "timeout"}}),
    );
    c.send(
        "PUT",
        "/connectors/jdbc/config",
        None,
        Some(json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": "jdbc:x"})),
        500,
    );
}

#[test]
fn apache_connect_3_9_spec() {
    conformance("kafka-connect/apache-kafka-connect-rest-3.9.0.openapi.yaml", &["apache-connect.json"], "", |c| {
        apache_connect_scenario(c, true)
    });
}

#[test]
fn apache_connect_4_2_spec() {
    conformance("kafka-connect/apache-kafka-connect-rest-4.2.0.openapi.yaml", &["apache-connect.json"], "", |c| {
        apache_connect_scenario(c, true)
    });
}
