#![allow(clippy::unwrap_used)]
//! Bounds on what one response may cost: time (the run's deadline) and memory (error bodies).

use api_http::{Client, Credentials, Retry};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use test_support::emulator::{KAFKA, example as emulator, fault};

const TOPICS: &str = "/kafka/v3/clusters/lkc-orders1/topics";

/// A server that answers every request with a 500 whose body is `body`.
fn erroring_server(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            // The client stops reading early and closes: write errors are expected.
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    url
}

#[test]
fn a_huge_error_body_is_read_only_up_to_its_cap() {
    let huge = format!("{{\"message\": \"{}\"}}", "x".repeat(8 * 1024 * 1024)).into_bytes();
    let client = Client::new(&erroring_server(huge), None, Instant::now() + Duration::from_secs(60));
    let err = client.request("GET", "/anything", None, Retry::Never).unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.is_transient());
    assert!(err.to_string().len() < 2048, "the message holds {} bytes", err.to_string().len());
}

#[test]
fn a_long_error_message_is_truncated() {
    let long = json!({"message": "y".repeat(500 * 1024)}).to_string().into_bytes();
    let client = Client::new(&erroring_server(long), None, Instant::now() + Duration::from_secs(60));
    let err = client.request("GET", "/anything", None, Retry::Never).unwrap_err();
    assert!(err.api_message().ends_with("(truncated)"), "{} bytes", err.api_message().len());
    assert!(err.api_message().len() < 2048);
}

fn kafka(url: &str, deadline: Duration) -> Client {
    Client::new(url, Some(&Credentials::new(KAFKA.0, KAFKA.1)), Instant::now() + deadline)
}

#[test]
fn a_slow_response_ends_at_the_runs_deadline_not_at_the_fixed_timeout() {
    let emu = emulator();
    fault(&emu.url, json!({"path": "/kafka/**", "action": {"type": "delay", "ms": 12000}}));
    // The answer comes after 12 s, inside the old fixed 30 s timeout but after the run's
    // 2 s deadline: the request must give up, as a transient failure.
    let err = kafka(&emu.url, Duration::from_secs(2)).get(TOPICS).unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[test]
fn a_slow_streamed_listing_ends_at_the_runs_deadline() {
    let emu = emulator();
    fault(&emu.url, json!({"path": "/kafka/**", "action": {"type": "delay", "ms": 12000}}));
    let client = kafka(&emu.url, Duration::from_secs(2));
    let err = client.get_streamed(TOPICS, |r| serde_json::from_reader::<_, serde_json::Value>(r)).unwrap_err();
    assert!(err.is_transient(), "{err}");
}
