//! Request and reply types, and the four error-body shapes of the emulated APIs.

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    /// Percent-decoded path segments.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    /// HTTP basic credentials, when sent.
    pub basic: Option<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn new(method: &str, path_and_query: &str, authorization: Option<&str>, body: Vec<u8>) -> Self {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let segments = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
            })
            .collect();
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            segments,
            query,
            basic: authorization.and_then(parse_basic),
            body,
        }
    }

    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeatable) query parameter.
    pub fn params(&self, key: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.param(key) == Some("true")
    }

    /// The JSON body, or `on_error` describing why it is not acceptable.
    pub fn json<T: DeserializeOwned>(&self, on_error: impl FnOnce(String) -> Reply) -> Result<T, Reply> {
        let body = if self.body.is_empty() { b"null".as_slice() } else { &self.body };
        serde_json::from_slice(body).map_err(|e| on_error(format!("invalid request body: {e}")))
    }
}

fn parse_basic(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ").or_else(|| header.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = hex_byte(&bytes[i + 1..i + 3])
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_byte(digits: &[u8]) -> Result<u8, ()> {
    std::str::from_utf8(digits).ok().and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(())
}

/// A reply before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    /// Pre-serialised JSON, for large lists built without a `Value` tree.
    pub raw: Option<Vec<u8>>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self { status, body: Some(body), raw: None, headers: Vec::new() }
    }
    pub fn raw_json(status: u16, bytes: Vec<u8>) -> Self {
        Self { status, body: None, raw: Some(bytes), headers: Vec::new() }
    }
    pub fn empty(status: u16) -> Self {
        Self { status, body: None, raw: None, headers: Vec::new() }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Which error-body shape a route family uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Kafka REST v3 and Apache Connect: `{error_code, message}`.
    Kafka,
    Connect,
    /// Cloud control plane: `{errors: [{id, status, detail, ...}]}`.
    Cloud,
    /// Confluent Cloud managed Connect: `{error: {code, message}}`.
    CloudConnect,
    Control,
}

impl Family {
    pub fn of(segments: &[String]) -> Self {
        match segments.first().map(String::as_str) {
            Some("kafka") => Self::Kafka,
            Some("connect") => Self::CloudConnect,
            Some("org" | "cmk" | "iam" | "srcm") => Self::Cloud,
            Some("_emulator") => Self::Control,
            _ => Self::Connect,
        }
    }

    /// An error reply in this family's shape. Kafka REST codes may be five-digit.
    pub fn error(self, status: u16, code: u32, message: &str) -> Reply {
        match self {
            Self::Kafka | Self::Connect | Self::Control => {
                Reply::json(status, json!({"error_code": code, "message": message}))
            }
            Self::Cloud => Reply::json(
                status,
                json!({"errors": [{"id": format!("req-{status}-{code}"), "status": status.to_string(), "code": reason(status), "title": reason(status), "detail": message}]}),
            ),
            Self::CloudConnect => Reply::json(status, json!({"error": {"code": status, "message": message}})),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Matches a route pattern (`/a/{x}/b`) against segments and returns the captures.
pub fn capture<'s>(pattern: &str, segments: &'s [String]) -> Option<Vec<&'s str>> {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut captures = Vec::new();
    for (part, seg) in parts.iter().zip(segments) {
        if part.starts_with('{') && part.ends_with('}') {
            captures.push(seg.as_str());
        } else if part != seg {
            return None;
        }
    }
    Some(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queries_segments_and_basic_auth() {
        let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("key:sec:ret"));
        let r = Req::new("GET", "/a/b%2Fc/configs:alter?expand=status&expand=info&x=1%202", Some(&auth), vec![]);
        assert_eq!(r.segments, ["a", "b/c", "configs:alter"]);
        assert_eq!(r.params("expand"), ["status", "info"]);
        assert_eq!(r.param("x"), Some("1 2"));
        assert_eq!(r.basic, Some(("key".into(), "sec:ret".into())));
    }

    #[test]
    fn percent_decoding_never_panics() {
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
        assert_eq!(percent_decode("%é%C3%A9"), "%éé");
    }

    #[test]
    fn captures_route_parameters() {
        let segs: Vec<String> = ["kafka", "v3", "clusters", "lkc-1", "topics"].map(String::from).to_vec();
        assert_eq!(capture("/kafka/v3/clusters/{cluster_id}/topics", &segs), Some(vec!["lkc-1"]));
        assert_eq!(capture("/kafka/v3/clusters/{cluster_id}/acls", &segs), None);
    }
}
