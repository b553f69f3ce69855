//! `cargo bench -p ccloud-topic --bench reconcile`
//!
//! 1,000 topics with 10 declared configs each, spread over 10 ConfigMaps, against the
//! emulator with 0 ms and 20 ms injected latency per request: the first run (creation),
//! then a no-op run. Prints medians of 5 rounds (min–max) and the ideal N/C·RTT, and what
//! a no-op run of the same spec costs the original bash operator (`original_cli_calls`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use test_support::emulator::{CLOUD, KAFKA, example_world};

const TOPICS: usize = 1000;
const CONFIGMAPS: usize = 10;
const CONCURRENCY: usize = 8;
const ROUNDS: usize = 5;

/// A Group context with the snapshot shell-operator would deliver.
fn contexts() -> Value {
    let items: Vec<Value> = (0..CONFIGMAPS)
        .map(|c| {
            let topics: Vec<Value> = (0..TOPICS / CONFIGMAPS)
                .map(|t| {
                    let config: serde_json::Map<String, Value> = [
                        ("cleanup.policy", "delete"), ("retention.ms", "86400000"), ("segment.ms", "3600000"), ("segment.bytes", "52428800"),
                        ("min.insync.replicas", "2"), ("max.message.bytes", "1048576"), ("delete.retention.ms", "3600000"),
                        ("retention.bytes", "1073741824"), ("message.timestamp.type", "LogAppendTime"), ("min.compaction.lag.ms", "1000"),
                    ]
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect();
                    json!({"name": format!("t{c:02}-{t:03}"), "partitions": 3, "config": config})
                })
                .collect();
            let envs = json!([{"name": "streaming-ops-dev", "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1", "topic": topics}]}]);
            let data = json!({"environments": envs.to_string()});
            json!({"filterResult": {"name": format!("specs-{c}"), "namespace": "default", "data": data},
                   "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("specs-{c}"), "namespace": "default", "resourceVersion": "1"}, "data": data}})
        })
        .collect();
    json!([{"binding": "specs", "type": "Group", "groupName": "ccloud-topic", "snapshots": {"specs": items, "records": []}}])
}

fn run(url: &str, ctx: &std::path::Path) -> Duration {
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccloud-topic"))
        .arg("--binding-context")
        .arg(ctx)
        .args(["--patch-file", "/dev/null", "--metrics-file", "/dev/null"])
        .env("CONFLUENT_CLOUD_ENDPOINT", url)
        .env("CONFLUENT_CLOUD_API_KEY", CLOUD.0)
        .env("CONFLUENT_CLOUD_API_SECRET", CLOUD.1)
        .env("KAFKA_API_KEY", KAFKA.0)
        .env("KAFKA_API_SECRET", KAFKA.1)
        .env("CONCURRENCY", CONCURRENCY.to_string())
        .env("LOG_LEVEL", "error")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    elapsed
}

fn counters(url: &str) -> (u64, u64) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let c: Value = agent.get(format!("{url}/_emulator/counters")).call().unwrap().body_mut().read_json().unwrap();
    agent.delete(format!("{url}/_emulator/requests")).call().unwrap();
    (c["total"].as_u64().unwrap(), c["writes"].as_u64().unwrap())
}

/// CLI calls the original ccloud-operator makes for the topics of one full pass over the same
/// ConfigMaps (streaming-ops-baseline.md §2.4): per environment `create` (fails: already in
/// use), `list`, `use`; per cluster `kafka cluster list`, `describe -o json`, `use`, and at least
/// one readiness `topic list`; per topic `create --if-not-exists`, at least one `describe`
/// (retried until it works), `describe -o json`. Each CLI call is at least one HTTP request.
fn original_cli_calls(contexts: &Value) -> usize {
    let mut contexts: Vec<shell_hook::BindingContext> = serde_json::from_value(contexts.clone()).unwrap();
    let views = hook_reconcile::views(&mut contexts, "specs").unwrap();
    views
        .iter()
        .map(|view| {
            let topics = ccloud_spec::topics(view).unwrap();
            let clusters: std::collections::BTreeSet<_> = topics.iter().map(|t| &t.cluster).collect();
            let environments: std::collections::BTreeSet<_> = clusters.iter().map(|c| &c.environment).collect();
            3 * environments.len() + 4 * clusters.len() + 3 * topics.len()
        })
        .sum()
}

fn stats(mut d: Vec<Duration>) -> (f64, f64, f64) {
    d.sort();
    (d[d.len() / 2].as_secs_f64(), d[0].as_secs_f64(), d[d.len() - 1].as_secs_f64())
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx.json");
    let contexts = contexts();
    std::fs::write(&ctx, serde_json::to_vec(&contexts).unwrap()).unwrap();
    let mut ours = 0;
    for latency in [0u64, 20] {
        let (mut create, mut noop) = (Vec::new(), Vec::new());
        let (mut create_requests, mut noop_requests, mut noop_writes) = (0, 0, 0);
        for _ in 0..ROUNDS {
            let emu = ccloud_emulator::spawn(example_world(), true).unwrap();
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            agent.put(format!("{}/_emulator/latency", emu.url)).send_json(json!({"ms": latency})).unwrap();
            create.push(run(&emu.url, &ctx));
            create_requests = counters(&emu.url).0;
            noop.push(run(&emu.url, &ctx));
            (noop_requests, noop_writes) = counters(&emu.url);
        }
        ours = noop_requests;
        let ideal = (TOPICS as f64 / CONCURRENCY as f64) * latency as f64 / 1000.0;
        let (cm, cmin, cmax) = stats(create);
        let (nm, nmin, nmax) = stats(noop);
        println!(
            "latency {latency:>2} ms | create {TOPICS} topics: median {cm:.3}s ({cmin:.3}-{cmax:.3}), {create_requests} requests, ideal N/C*RTT {ideal:.3}s, ratio {}",
            if ideal > 0.0 { format!("{:.2}x", cm / ideal) } else { "n/a".into() }
        );
        println!(
            "latency {latency:>2} ms | no-op reconcile:      median {nm:.3}s ({nmin:.3}-{nmax:.3}), {noop_requests} requests, {noop_writes} writes"
        );
    }
    let original = original_cli_calls(&contexts);
    println!(
        "original ccloud-operator, same spec, one pass: {original} CLI calls (each >= 1 request) vs our {ours} requests: {:.0}x",
        original as f64 / ours.max(1) as f64
    );
}
