//! A blocking JSON client for tests: any status is an answer, not an error.

use base64::Engine as _;
use serde_json::Value;

/// Sends a request and returns the status and the JSON body (`Null` when empty).
///
/// # Panics
/// When the request cannot be sent at all (tests want to stop there).
pub fn call(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut b = ureq::http::Request::builder().method(method).uri(format!("{url}{path}"));
    if let Some((k, s)) = auth {
        b = b.header(
            "Authorization",
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"))),
        );
    }
    let sent = match body {
        Some(v) => agent.run(
            b.header("Content-Type", "application/json").body(serde_json::to_vec(&v).expect("JSON")).expect("request"),
        ),
        None => agent.run(b.body(()).expect("request")),
    };
    let mut r = sent.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
