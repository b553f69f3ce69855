//! The example ccloud-emulator every tool's tests and benches run against
//! (`testdata/emulator/streaming-ops.yaml`), its demo credentials and its fault rules.

use serde_json::Value;

/// The Cloud API key of the example state (org admin).
pub const CLOUD: (&str, &str) = ("DEMOCLOUDKEY0001", "demo-cloud-secret-not-real");
/// The Kafka API key of the example state, valid on its clusters.
pub const KAFKA: (&str, &str) = ("DEMOKAFKAKEY0001", "demo-kafka-secret-not-real");

/// The example state with `extra` YAML appended (more resources for one test).
///
/// # Panics
/// When the state does not parse: a broken fixture should stop the test.
pub fn example_world_with(extra: &str) -> ccloud_emulator::model::World {
    let text = std::fs::read_to_string(crate::testdata("emulator/streaming-ops.yaml")).expect("example state") + extra;
    let state = ccloud_emulator::statefile::StateFile::parse(&text).expect("state file parses");
    state.into_world().expect("state file is consistent")
}

pub fn example_world() -> ccloud_emulator::model::World {
    example_world_with("")
}

/// The example state on a free loopback port, quiet.
///
/// # Panics
/// When the emulator cannot start.
pub fn example() -> ccloud_emulator::Running {
    ccloud_emulator::spawn(example_world(), true).expect("emulator starts")
}

/// Adds a fault rule (`POST /_emulator/faults`).
///
/// # Panics
/// When the emulator refuses the rule.
pub fn fault(url: &str, rule: Value) {
    let (status, body) = crate::http::call(url, "POST", "/_emulator/faults", None, Some(rule));
    assert_eq!(status, 200, "fault rule refused: {body}");
}

/// Removes every fault rule.
pub fn clear_faults(url: &str) {
    crate::http::call(url, "DELETE", "/_emulator/faults", None, None);
}

/// How often the first fault rule struck.
pub fn first_fault_hits(url: &str) -> u64 {
    crate::http::call(url, "GET", "/_emulator/faults", None, None).1[0]["hits"].as_u64().unwrap_or(0)
}

/// The environment a deployment gives `ccloud-topic` and `ccloud-api-key`, pointing at
/// the emulator at `url` (Cloud mode, one Kafka key for every cluster), plus `extra`.
pub fn hook_env(url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let base = [
        ("CONFLUENT_CLOUD_ENDPOINT", url),
        ("CONFLUENT_CLOUD_API_KEY", CLOUD.0),
        ("CONFLUENT_CLOUD_API_SECRET", CLOUD.1),
        ("KAFKA_API_KEY", KAFKA.0),
        ("KAFKA_API_SECRET", KAFKA.1),
        ("POD_NAMESPACE", "default"),
        ("LOG_TYPE", "json"),
    ];
    base.iter().chain(extra).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// Median, min and max of a few samples, in seconds.
fn spread(mut samples: Vec<std::time::Duration>) -> (f64, f64, f64) {
    samples.sort();
    let secs = |d: &std::time::Duration| d.as_secs_f64();
    (secs(&samples[samples.len() / 2]), secs(&samples[0]), secs(&samples[samples.len() - 1]))
}

/// What [`first_and_noop`] measured: (median, min, max) seconds and request counts.
pub struct FirstAndNoop {
    pub first: (f64, f64, f64),
    pub first_requests: u64,
    pub noop: (f64, f64, f64),
    pub noop_requests: u64,
    pub noop_writes: u64,
}

/// The scale benches' measurement: `rounds` times, on a fresh example emulator with
/// `latency_ms` added to every request, times a first run and then a run that should
/// find nothing to do, and counts their requests. `setup` gets the emulator's URL and
/// builds a round's state; `run` runs the hook once on it.
///
/// # Panics
/// When the emulator cannot start or answer.
pub fn first_and_noop<S>(
    latency_ms: u64,
    rounds: usize,
    mut setup: impl FnMut(&str) -> S,
    mut run: impl FnMut(&mut S),
) -> FirstAndNoop {
    let call =
        |url: &str, method: &str, path: &str, body: Option<Value>| crate::http::call(url, method, path, None, body).1;
    let (mut first, mut noop) = (Vec::new(), Vec::new());
    let mut out = FirstAndNoop {
        first: (0.0, 0.0, 0.0),
        first_requests: 0,
        noop: (0.0, 0.0, 0.0),
        noop_requests: 0,
        noop_writes: 0,
    };
    for _ in 0..rounds {
        let emu = ccloud_emulator::spawn(example_world(), true).expect("emulator starts");
        call(&emu.url, "PUT", "/_emulator/latency", Some(serde_json::json!({"ms": latency_ms})));
        let mut state = setup(&emu.url);
        let t = std::time::Instant::now();
        run(&mut state);
        first.push(t.elapsed());
        out.first_requests = call(&emu.url, "GET", "/_emulator/counters", None)["total"].as_u64().unwrap_or(0);
        call(&emu.url, "DELETE", "/_emulator/requests", None);
        let t = std::time::Instant::now();
        run(&mut state);
        noop.push(t.elapsed());
        let counters = call(&emu.url, "GET", "/_emulator/counters", None);
        out.noop_requests = counters["total"].as_u64().unwrap_or(0);
        out.noop_writes = counters["writes"].as_u64().unwrap_or(0);
    }
    out.first = spread(first);
    out.noop = spread(noop);
    out
}
