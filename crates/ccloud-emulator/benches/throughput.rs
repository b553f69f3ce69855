//! Requests per second the emulator serves on loopback.
//!
//! `cargo bench -p ccloud-emulator --bench throughput`
//! Prints the median of 5 rounds (and min–max) for a read-heavy and a write mix,
//! with 8 keep-alive client threads.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use base64::Engine as _;
use std::time::{Duration, Instant};

const ROUND: Duration = Duration::from_secs(2);
const CLIENTS: usize = 8;

fn world() -> ccloud_emulator::model::World {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/emulator/streaming-ops.yaml");
    ccloud_emulator::statefile::StateFile::parse(&std::fs::read_to_string(path).unwrap()).unwrap().into_world().unwrap()
}

fn round(url: &str, write_every: usize) -> f64 {
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("DEMOKAFKAKEY0001:demo-kafka-secret-not-real")
    );
    let started = Instant::now();
    let counts: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let auth = auth.clone();
                s.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                    let mut n = 0;
                    while started.elapsed() < ROUND {
                        if write_every > 0 && n % write_every == 0 {
                            let body = serde_json::json!({"data": [{"name": "retention.ms", "value": (1000 + n).to_string()}]});
                            agent.post(format!("{url}/kafka/v3/clusters/lkc-orders1/topics/t{client}/configs:alter"))
                                .header("Authorization", &auth).send_json(&body).unwrap();
                        } else {
                            agent.get(format!("{url}/kafka/v3/clusters/lkc-orders1/topics/t{client}")).header("Authorization", &auth).call().unwrap();
                        }
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    counts.iter().sum::<usize>() as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let emu = ccloud_emulator::spawn(world(), true).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("DEMOKAFKAKEY0001:demo-kafka-secret-not-real")
    );
    for client in 0..CLIENTS {
        agent
            .post(format!("{}/kafka/v3/clusters/lkc-orders1/topics", emu.url))
            .header("Authorization", &auth)
            .send_json(serde_json::json!({"topic_name": format!("t{client}")}))
            .unwrap();
    }
    for (label, write_every) in [("GET topic", 0), ("GET topic + 1 in 4 configs:alter", 4)] {
        let mut rates: Vec<f64> = (0..5).map(|_| round(&emu.url, write_every)).collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "{label:<34} {CLIENTS} clients: median {:>8.0} req/s (min {:.0}, max {:.0})",
            rates[2], rates[0], rates[4]
        );
    }
}
