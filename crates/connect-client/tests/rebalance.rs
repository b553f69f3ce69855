#![allow(clippy::unwrap_used)]
//! Rebalances against the emulator (`POST /_emulator/connect/rebalance`).

use api_http::{Client, RetryPolicy};
use connect_client::{ConnectApi, Target};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn worker(url: &str) -> ConnectApi {
    let policy = RetryPolicy { max_attempts: 3, base: Duration::from_millis(5), cap: Duration::from_millis(20) };
    let client = Client::new(url, None, Instant::now() + Duration::from_secs(60)).with_policy(policy);
    ConnectApi::new(client, Target::SelfManaged)
}

fn rebalance(url: &str, requests: u32) {
    let (status, _) = test_support::http::call(
        url,
        "POST",
        "/_emulator/connect/rebalance",
        None,
        Some(json!({"requests": requests})),
    );
    assert_eq!(status, 200);
}

fn config() -> BTreeMap<String, String> {
    [("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"), ("connection.url", "jdbc:x")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn a_short_rebalance_is_retried_through() {
    let emu = test_support::emulator::example();
    rebalance(&emu.url, 2);
    worker(&emu.url).put_config("sink", &config()).unwrap();
}

#[test]
fn a_rebalance_that_outlasts_the_retries_is_transient() {
    let emu = test_support::emulator::example();
    rebalance(&emu.url, 100);
    let api = worker(&emu.url);
    let err = api.put_config("sink", &config()).unwrap_err();
    assert!(err.is_transient(), "a rebalance is retried by running the hook again: {err}");
    assert!(err.to_string().contains("409") && err.to_string().contains("rebalance"), "{err}");
    assert_eq!(api.requests_sent(), 3, "every attempt was made");
    let err = api.delete("sink").unwrap_err();
    assert!(err.is_transient(), "{err}");
}
