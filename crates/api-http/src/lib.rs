//! JSON over HTTP for the API clients.
//!
//! Policy (from Confluent's guidance and its Terraform provider): retry 429 and
//! 500/502/503/504 (never 501), honour `Retry-After` (else capped exponential backoff
//! with full jitter), retry dropped connections and timeouts for idempotent calls, and
//! never run past the hook's deadline. Creates that must not be repeated blindly use
//! [`Retry::ThrottleOnly`]: a 429 means nothing happened, anything else may have.

mod secret;
mod transport;

pub use secret::{Credentials, Secret};
pub use transport::insecure_http_allowed;

use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Which failures a request may be retried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Idempotent: 429, 5xx (not 501), dropped connections and timeouts.
    Transient,
    /// Not idempotent: only 429, which guarantees the request was not processed.
    ThrottleOnly,
    /// Kafka Connect: like `Transient`, and also a 409 unless it says "already exists"
    /// (a rebalance or stale configuration, which passes).
    Conflicts,
    /// Exactly one attempt.
    Never,
}

/// Backoff settings.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 6, base: Duration::from_millis(200), cap: Duration::from_secs(10) }
    }
}

type Headers = Vec<(String, String)>;

/// The largest body read whole; bigger lists are decoded as they arrive ([`Client::get_streamed`]).
const BODY_LIMIT: u64 = 512 * 1024 * 1024;

/// How much of an error body is read: API errors are a few hundred bytes, and a proxy or
/// a broken server answering an error with a huge page must not cost the run its memory.
pub const ERROR_BODY_LIMIT: u64 = 1024 * 1024;

/// How much of an API message an error keeps (reports, status annotations and logs).
const ERROR_MESSAGE_CHARS: usize = 1024;

/// Per-request timeouts: a request gets the smaller of what remains of the run's
/// deadline and its cap, so that no request outlives the run (a hook must end before
/// its deadline) and one slow request cannot take the whole run.
const REQUEST_CAP: Duration = Duration::from_secs(30);
/// A streamed listing (every topic's configs of a large cluster) legitimately takes
/// minutes to arrive: its own, larger cap, still cut to the run's deadline.
const STREAM_CAP: Duration = Duration::from_secs(600);

/// A response with a 2xx status.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// `Null` when the body was empty.
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A failed request, after any retries. Never contains credentials.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {path}: HTTP {status}: {message}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        /// The API's own code when it has one (Kafka REST: 40002, 40403, …).
        error_code: Option<i64>,
        message: String,
        retry_after: Option<u64>,
    },
    #[error("{method} {path}: {message}")]
    Transport { method: &'static str, path: String, message: String },
    #[error("{method} {path}: the run's deadline was reached")]
    Deadline { method: &'static str, path: String },
    #[error("{method} {path}: response is not JSON: {message}")]
    Decode { method: &'static str, path: String, message: String },
    /// Not sent: the endpoint would receive credentials over plain http (see the transport module).
    #[error("{method} {path}: {message}")]
    Insecure { method: &'static str, path: String, message: String },
}

impl HttpError {
    pub fn error_code(&self) -> Option<i64> {
        match self {
            Self::Status { error_code, .. } => *error_code,
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether running again later can succeed (shell-operator should retry the hook).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => transient_status(*status),
            Self::Transport { .. } | Self::Deadline { .. } => true,
            Self::Decode { .. } | Self::Insecure { .. } => false,
        }
    }

    /// The API's own message (`message`, `detail` or `error.message`), for reports.
    pub fn api_message(&self) -> String {
        match self {
            Self::Status { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

fn transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A client for one base URL and one set of credentials.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    auth: Option<String>,
    policy: RetryPolicy,
    deadline: Instant,
    allow_insecure_http: bool,
    requests: AtomicU64,
    rng: Mutex<fastrand::Rng>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Client {
    /// `deadline`: no attempt starts, and no backoff sleeps, past it.
    pub fn new(base: &str, credentials: Option<&Credentials>, deadline: Instant) -> Self {
        Self {
            agent: agent(None),
            base: base.trim_end_matches('/').to_owned(),
            auth: credentials.map(Credentials::header),
            policy: RetryPolicy::default(),
            deadline,
            allow_insecure_http: transport::insecure_http_allowed(),
            requests: AtomicU64::new(0),
            rng: Mutex::new(fastrand::Rng::new()),
        }
    }

    /// Whether plain http to a host other than loopback is allowed (default:
    /// `ALLOW_INSECURE_HTTP`), see the transport module.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts the certificates in `pem` (a private CA) in addition to the public roots.
    pub fn with_ca_pem(mut self, pem: &[u8]) -> Result<Self, String> {
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                Ok(_) => None,
                Err(e) => Some(Err(e.to_string())),
            })
            .collect::<Result<_, _>>()?;
        if certs.is_empty() {
            return Err("no certificate in the CA file".into());
        }
        let tls = ureq::tls::TlsConfig::builder().root_certs(transport::roots_with(&certs)).build();
        self.agent = agent(Some(tls));
        Ok(self)
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The next request's timeout: what remains of the run, at most `cap`.
    fn timeout(&self, cap: Duration) -> Duration {
        self.deadline.saturating_duration_since(Instant::now()).min(cap)
    }

    pub fn get(&self, path: &str) -> Result<Response, HttpError> {
        self.request("GET", path, None, Retry::Transient)
    }

    /// Sends a request; non-2xx statuses are errors (after retries where allowed).
    pub fn request(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> Result<Response, HttpError> {
        self.with_retries(method, path, retry, || self.once(method, path, body))
    }

    fn with_retries<T>(
        &self,
        method: &'static str,
        path: &str,
        retry: Retry,
        attempt_once: impl Fn() -> Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        let mut attempt = 0;
        loop {
            if Instant::now() >= self.deadline {
                return Err(HttpError::Deadline { method, path: path.into() });
            }
            attempt += 1;
            let result = attempt_once();
            let retryable = match (&result, retry) {
                (Ok(_), _) | (_, Retry::Never) => false,
                (Err(HttpError::Status { status: 429, .. }), _) => true,
                (Err(e), Retry::Transient) => e.is_transient(),
                (Err(e @ HttpError::Status { status: 409, .. }), Retry::Conflicts) => {
                    !e.api_message().contains("already exists")
                }
                (Err(e), Retry::Conflicts) => e.is_transient(),
                (Err(_), Retry::ThrottleOnly) => false,
            };
            if !retryable || attempt >= self.policy.max_attempts {
                return result;
            }
            let wait = self.backoff(attempt, result.as_ref().err());
            if Instant::now() + wait >= self.deadline {
                return result;
            }
            tracing::debug!(method, path, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            std::thread::sleep(wait);
        }
    }

    fn backoff(&self, attempt: u32, error: Option<&HttpError>) -> Duration {
        if let Some(HttpError::Status { retry_after: Some(secs), .. }) = error {
            return Duration::from_secs(*secs).min(self.policy.cap * 3);
        }
        let ceiling = self.policy.base.saturating_mul(1 << attempt.min(16)).min(self.policy.cap);
        let mut rng = self.rng.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        ceiling.mul_f64(rng.f64())
    }

    fn once(&self, method: &'static str, path: &str, body: Option<&Value>) -> Result<Response, HttpError> {
        let (headers, bytes) = self.once_raw(method, path, body)?;
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| HttpError::Decode {
                method,
                path: path.into(),
                message: e.to_string(),
            })?
        };
        Ok(Response { status: 200, body, headers })
    }

    /// One attempt; a 2xx gives the headers and the raw body, anything else an error.
    fn once_raw(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Headers, Vec<u8>), HttpError> {
        let (headers, mut response) = self.send(method, path, body, REQUEST_CAP)?;
        let bytes = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| HttpError::Transport { method, path: path.into(), message: e.to_string() })?;
        Ok((headers, bytes))
    }

    /// A GET whose body is decoded as it arrives, never held whole: the configs of every
    /// topic of a large cluster are hundreds of megabytes. `decode` runs once per attempt,
    /// from the start of the body; a body cut off midway is a transient failure.
    pub fn get_streamed<T>(
        &self,
        path: &str,
        decode: impl Fn(&mut dyn std::io::Read) -> Result<T, serde_json::Error>,
    ) -> Result<T, HttpError> {
        self.with_retries("GET", path, Retry::Transient, || {
            let (_, mut response) = self.send("GET", path, None, STREAM_CAP)?;
            let mut reader = response.body_mut().as_reader();
            decode(&mut reader).map_err(|e| {
                let (method, path, message) = ("GET", path.to_owned(), e.to_string());
                if e.is_io() || e.is_eof() {
                    HttpError::Transport { method, path, message }
                } else {
                    HttpError::Decode { method, path, message }
                }
            })
        })
    }

    /// Sends one request; a 2xx gives the headers and the unread response, anything else
    /// (read whole, it is small) an error.
    fn send(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
        cap: Duration,
    ) -> Result<(Headers, ureq::http::Response<ureq::Body>), HttpError> {
        let timeout = self.timeout(cap);
        if timeout.is_zero() {
            return Err(HttpError::Deadline { method, path: path.into() });
        }
        transport::check(&self.base, self.allow_insecure_http).map_err(|message| HttpError::Insecure {
            method,
            path: path.into(),
            message,
        })?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{path}", self.base);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url).header("Accept", "application/json");
        if let Some(auth) = &self.auth {
            builder = builder.header("Authorization", auth);
        }
        let transport =
            |e: &dyn std::fmt::Display| HttpError::Transport { method, path: path.into(), message: e.to_string() };
        let sent = match body {
            Some(b) => {
                let bytes = serde_json::to_vec(b).unwrap_or_default();
                let req = builder.header("Content-Type", "application/json").body(bytes).map_err(|e| transport(&e))?;
                self.agent.run(self.agent.configure_request(req).timeout_global(Some(timeout)).build())
            }
            None => {
                let req = builder.body(()).map_err(|e| transport(&e))?;
                self.agent.run(self.agent.configure_request(req).timeout_global(Some(timeout)).build())
            }
        };
        let mut response = sent.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        if (200..300).contains(&status) {
            return Ok((headers, response));
        }
        let bytes = read_capped(response.body_mut().as_reader(), ERROR_BODY_LIMIT).map_err(|e| transport(&e))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let retry_after = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| v.trim().parse().ok());
        let error_code = body["error_code"].as_i64().or_else(|| body["error"]["code"].as_i64());
        Err(HttpError::Status {
            method,
            path: path.into(),
            status,
            error_code,
            message: error_message(&body, status),
            retry_after,
        })
    }
}

fn agent(tls: Option<ureq::tls::TlsConfig>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The whole-request bound is set per request (`Client::timeout`).
        .timeout_connect(Some(Duration::from_secs(10)))
        .max_idle_connections_per_host(64)
        .user_agent(concat!("ccops/", env!("CARGO_PKG_VERSION")));
    if let Some(tls) = tls {
        config = config.tls_config(tls);
    }
    config.build().into()
}

/// Percent-encodes a path segment or query value: everything but RFC 3986's unreserved
/// characters, so names with `/`, `&`, `=`, `:` or spaces reach the API as they are.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The human message of any of the four error shapes.
fn error_message(body: &Value, status: u16) -> String {
    let candidates =
        [&body["message"], &body["errors"][0]["detail"], &body["error"]["message"], &body["errors"][0]["title"]];
    candidates.iter().find_map(|v| v.as_str()).map_or_else(|| format!("status {status}"), truncate)
}

/// At most [`ERROR_MESSAGE_CHARS`] characters, marked when cut.
fn truncate(message: &str) -> String {
    match message.char_indices().nth(ERROR_MESSAGE_CHARS) {
        None => message.to_owned(),
        Some((end, _)) => format!("{}… (truncated)", &message[..end]),
    }
}

/// Reads at most `limit` bytes; the rest of the body is left unread (the connection is
/// then dropped rather than reused).
fn read_capped(reader: impl std::io::Read, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeouts_are_cut_to_the_deadline_and_listings_get_their_own_cap() {
        let far = Client::new("http://x", None, Instant::now() + Duration::from_secs(3600));
        assert_eq!(far.timeout(REQUEST_CAP), REQUEST_CAP);
        assert_eq!(far.timeout(STREAM_CAP), STREAM_CAP, "a listing is not cut to the 30 s of a request");
        let near = Client::new("http://x", None, Instant::now() + Duration::from_secs(5));
        assert!(near.timeout(STREAM_CAP) <= Duration::from_secs(5));
        let past = Client::new("http://x", None, Instant::now());
        assert!(past.timeout(REQUEST_CAP).is_zero());
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = "é".repeat(5000);
        let m = error_message(&serde_json::json!({"message": long}), 500);
        assert!(m.ends_with("… (truncated)") && m.chars().count() < 1100, "{}", m.len());
        assert_eq!(error_message(&serde_json::json!({"message": "short"}), 500), "short");
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(encode_component("User:sa-1 a/b&c=d*~"), "User%3Asa-1%20a%2Fb%26c%3Dd%2A~");
        assert_eq!(encode_component("ünï"), "%C3%BCn%C3%AF");
    }
}
