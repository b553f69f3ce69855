//! A tiny HTTP client for the emulator tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use serde_json::Value;

pub const CLOUD: (&str, &str) = ("DEMOCLOUDKEY0001", "demo-cloud-secret-not-real");
pub const KAFKA: (&str, &str) = ("DEMOKAFKAKEY0001", "demo-kafka-secret-not-real");

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

pub fn call(
    url: &str,
    method: &str,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<Value>,
) -> Result<Reply, ureq::Error> {
    let mut builder = ureq::http::Request::builder().method(method).uri(format!("{url}{path}"));
    if let Some((k, s)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"));
        builder = builder.header("Authorization", format!("Basic {token}"));
    }
    let mut response = match body {
        Some(b) => agent()
            .run(builder.header("Content-Type", "application/json").body(serde_json::to_vec(&b).unwrap()).unwrap())?,
        None => agent().run(builder.body(()).unwrap())?,
    };
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned())).collect();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Ok(Reply { status, body, headers })
}

pub fn req(url: &str, method: &str, path: &str, auth: Option<(&str, &str)>, body: Option<Value>) -> Reply {
    call(url, method, path, auth, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// The streaming-ops example state from testdata, with the strict default behaviour
/// (the file relaxes the key listing lag for the demo only).
pub fn example_world() -> ccloud_emulator::model::World {
    let text = std::fs::read_to_string(test_support::testdata("emulator/streaming-ops.yaml")).unwrap();
    let mut world = ccloud_emulator::statefile::StateFile::parse(&text).unwrap().into_world().unwrap();
    world.behaviour = ccloud_emulator::model::Behaviour::default();
    world
}

pub fn start() -> ccloud_emulator::Running {
    ccloud_emulator::spawn(example_world(), true).unwrap()
}
