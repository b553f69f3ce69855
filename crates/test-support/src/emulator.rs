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
