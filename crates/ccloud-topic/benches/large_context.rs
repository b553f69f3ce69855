//! `cargo bench -p ccloud-topic --bench large_context`
//!
//! A binding context with 10,000 ConfigMaps (about 20 MB, full objects kept, as the hook's
//! binding delivers them): time to parse it and plan (the hook's path up to the first
//! request, against clusters that hold none of the topics) and the peak RSS of doing so, in a
//! fresh process. Also `jq length` on the same file (the bash hooks' first step), when jq is
//! installed (`apt-get install jq`). With `STAGES=1` the child also prints its peak RSS after
//! parsing, after building the views and after the desired state (to find where memory goes).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use serde_json::{Value, json};
use std::time::Instant;

const CONFIGMAPS: usize = 10_000;

fn generate(path: &std::path::Path) -> u64 {
    let items: Vec<Value> = (0..CONFIGMAPS)
        .map(|c| {
            let topics: Vec<Value> = (0..4)
                .map(|t| json!({"name": format!("team{c:05}.topic-{t}"), "partitions": 6, "config": "cleanup.policy=compact,retention.ms=604800000,min.insync.replicas=2"}))
                .collect();
            let envs = json!([{"name": "streaming-ops-dev", "kafka": [{"name": "microservices-orders", "cloud": "gcp", "region": "us-central1", "topic": topics}]}]);
            let data = json!({"environments": serde_json::to_string_pretty(&envs).unwrap()});
            json!({"filterResult": {"name": format!("team-{c:05}"), "namespace": "default", "data": data},
                   "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("team-{c:05}"), "namespace": "default",
                              "resourceVersion": format!("{}", 1000 + c), "labels": {"destination": "ccloud"}}, "data": data}})
        })
        .collect();
    let ctx = json!([{"binding": "specs", "type": "Group", "groupName": "ccloud-topic", "snapshots": {"specs": items, "records": []}}]);
    std::fs::write(path, serde_json::to_vec(&ctx).unwrap()).unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// Peak resident set size of this process, from /proc.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child(path: &str) {
    let started = Instant::now();
    let mut contexts = shell_hook::read_contexts(std::path::Path::new(path)).unwrap();
    if std::env::var_os("STAGES").is_some() {
        eprintln!("after parse: {} KiB", peak_rss_kib());
    }
    let views = hook_reconcile::views(&mut contexts, "specs").unwrap();
    if std::env::var_os("STAGES").is_some() {
        eprintln!("after views: {} KiB", peak_rss_kib());
    }
    let desired = ccloud_topic::desired::desired(&views);
    if std::env::var_os("STAGES").is_some() {
        eprintln!("after desired: {} KiB", peak_rss_kib());
    }
    let empty = ccloud_topic::observe::Observed::default();
    let actions: usize = desired
        .clusters
        .values()
        .map(|topics| ccloud_topic::plan::plan(topics, &empty, &Default::default()).actions.len())
        .sum();
    let elapsed = started.elapsed().as_secs_f64();
    println!("{elapsed} {} {actions}", peak_rss_kib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        return child(&args[pos + 1]);
    }
    if let Some(pos) = args.iter().position(|a| a == "--generate") {
        generate(std::path::Path::new(&args[pos + 1]));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contexts.json");
    let size = generate(&path);
    let mut samples = Vec::new();
    let mut rss = Vec::new();
    let mut actions = String::new();
    for _ in 0..5 {
        let out =
            std::process::Command::new(std::env::current_exe().unwrap()).arg("--child").arg(&path).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let parts: Vec<&str> = text.split_whitespace().collect();
        samples.push(parts[0].parse::<f64>().unwrap());
        rss.push(parts[1].parse::<u64>().unwrap());
        actions = parts[2].to_owned();
    }
    samples.sort_by(f64::total_cmp);
    rss.sort();
    let mb = size as f64 / 1e6;
    let rss_mb = rss[2] as f64 * 1024.0 / 1e6;
    println!("binding context: {CONFIGMAPS} ConfigMaps, {mb:.1} MB, {actions} planned creates");
    println!(
        "parse + plan: median {:.3}s ({:.3}-{:.3}); peak RSS median {rss_mb:.1} MB = {:.2}x the file (goal 0.5 s, 3x)",
        samples[2],
        samples[0],
        samples[4],
        rss_mb / mb
    );
    let jq = (0..5)
        .filter_map(|_| {
            let t = Instant::now();
            let out = std::process::Command::new("jq").arg("length").arg(&path).output().ok()?;
            out.status.success().then(|| t.elapsed().as_secs_f64())
        })
        .collect::<Vec<_>>();
    if jq.len() == 5 {
        let mut jq = jq;
        jq.sort_by(f64::total_cmp);
        println!(
            "jq length (as the bash hooks start): median {:.3}s ({:.3}-{:.3}); ratio jq / ours {:.1}x",
            jq[2],
            jq[0],
            jq[4],
            jq[2] / samples[2]
        );
    } else {
        println!("jq is not installed: apt-get install jq for the comparison");
    }
}
