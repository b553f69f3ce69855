//! Which rendered values came from a template's inputs, found in the one real evaluation.
//!
//! Inputs are of two kinds. A *secret* input is every `env.X` (the allowlist exists for
//! passwords, users and key files) and every `$VAR` whose name mentions a password,
//! secret, key, token, JAAS, credentials, user info or key file, or whose value looks
//! like one (it mentions a password, secret or token, or is a URL with a user and
//! password). Any other `$VAR` is *plain*: Schema Registry URLs, bootstrap servers,
//! project names.
//!
//! Rule for a secret input: a value counts as templated when, ignoring ASCII case, it
//! equals the input or one of its forms, or shares a run of characters with one: 8
//! characters, or the whole of the shorter of the two when that is 4 to 7 characters
//! long. The forms are the input, its standard and URL-safe base64, its base64 decoding,
//! its JSON-escaped and percent-encoded spellings, and every string inside it when it is
//! JSON. So any output that carries a secret (or 8 characters of it) verbatim or in those
//! encodings is redacted; these values are only ever redacted too often.
//!
//! Rule for a plain input: a value counts as templated when it equals a form of the
//! input or contains a whole form of 4 characters or more. Runs of 8 characters would
//! redact benign values: `connector.class=io.confluent.connect…` shares `confluent`
//! with a `https://psrc-….confluent.cloud` registry URL, and plans are read in CI.
//! A plain input is not secret, so redacting it when it appears whole is enough.
//!
//! Connector names and config keys are shown in plans, logs and the status annotation
//! unredacted, so [`Sources::carries_secret`] refuses them when they carry a secret input
//! whole or 8 characters of one.
//!
//! What matching cannot see: a template may transform a secret (`explode | map(. + 1)`,
//! 3-character slices) so that no form of it appears. Its author can read the connector's
//! config from Connect anyway; redaction keeps secrets out of plans by accident, it is
//! not a barrier against the template's own author.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::collections::HashSet;

/// The length of a shared run that marks a value as templated.
const RUN: usize = 8;
/// Inputs and values shorter than this are compared whole only.
const SHORTEST: usize = 4;

/// The lower-cased forms of every input, with the 8-character windows of the secret ones.
pub struct Sources {
    secret: Vec<String>,
    windows: HashSet<[u8; RUN]>,
    plain: Vec<String>,
    /// The forms of plain inputs that hold a secret one (a JAAS line and its password):
    /// a name or key holding one of them whole holds the secret too.
    bearing: Vec<String>,
}

/// Whether an input named `name` (an upper-cased `$VAR` name) with `value` is secret.
pub fn secret_input(name: &str, value: &str) -> bool {
    const NAMES: &[&str] = &["PASSWORD", "SECRET", "KEY", "TOKEN", "JAAS", "CREDENTIALS", "USER_INFO", "KEYFILE"];
    const VALUES: &[&str] = &["password", "secret", "token"];
    let name = name.to_ascii_uppercase();
    let v = value.to_ascii_lowercase();
    let userinfo = v.split_once("://").is_some_and(|(_, rest)| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority.split_once('@').is_some_and(|(info, _)| info.contains(':'))
    });
    NAMES.iter().any(|n| name.contains(n)) || VALUES.iter().any(|w| v.contains(w)) || userinfo
}

/// The values of the `name="value"` fields of a JAAS line (empty for anything else), as
/// written and with `\"` and `\\` unescaped.
pub fn quoted_fields(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(at) = rest.find("=\"") {
        let named = rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let after = &rest[at + 2..];
        let (mut end, mut escaped) = (None, false);
        for (i, c) in after.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        if named {
            let raw = &after[..end];
            out.push(raw.to_owned());
            out.push(raw.replace("\\\"", "\"").replace("\\\\", "\\"));
            // What a reader that cuts at the first quote (the original, `jaas_credentials`) sees.
            out.push(raw.split('"').next().unwrap_or_default().to_owned());
        }
        rest = &after[end + 1..];
    }
    out.sort();
    out.dedup();
    out
}

impl Sources {
    pub fn new<'a>(secret: impl IntoIterator<Item = &'a str>, plain: impl IntoIterator<Item = &'a str>) -> Self {
        let secret: Vec<&str> = secret.into_iter().collect();
        let plain: Vec<&str> = plain.into_iter().collect();
        let bearing_inputs: Vec<&str> =
            plain.iter().copied().filter(|p| secret.iter().any(|s| !s.is_empty() && p.contains(s))).collect();
        let forms = |inputs: &mut dyn Iterator<Item = &'a str>| {
            let mut forms = Vec::new();
            for input in inputs.filter(|i| !i.is_empty()) {
                add_forms(input, &mut forms, 0);
            }
            forms.retain(|f| !f.is_empty());
            forms.sort();
            forms.dedup();
            forms
        };
        let bearing = forms(&mut bearing_inputs.into_iter());
        let secret = forms(&mut secret.into_iter());
        let plain = forms(&mut plain.into_iter());
        let windows = secret.iter().flat_map(|f| windows(f.as_bytes())).collect();
        Self { secret, windows, plain, bearing }
    }

    /// Whether `value` carries an input, by the rules of this module.
    pub fn derived(&self, value: &str) -> bool {
        let v = value.to_ascii_lowercase();
        self.shares_secret(&v)
            || self.secret.iter().any(|f| v.len() >= SHORTEST && v.len() < RUN && f.contains(v.as_str()))
            || self.plain.iter().any(|f| v == *f || (f.len() >= SHORTEST && v.contains(f.as_str())))
    }

    /// Whether a name or key holds a secret input: is one (or one of its forms), contains
    /// one whole that is at least 8 characters long, or shares a run of 12 characters
    /// with one (`n-` + the secret half of a `key:secret` user-info). Unlike values, names
    /// and keys are never redacted, so a match refuses the definition; the values' 8-character
    /// rule would refuse ordinary keys (`connection.password` beside a password ending in
    /// `password`, a name `root-sink` beside the user `root`).
    pub fn carries_secret(&self, text: &str) -> bool {
        const KEY_RUN: usize = 12;
        let v = text.to_ascii_lowercase();
        let runs = |f: &str| {
            f.len() >= KEY_RUN && (0..=f.len() - KEY_RUN).any(|i| f.get(i..i + KEY_RUN).is_some_and(|w| v.contains(w)))
        };
        self.secret
            .iter()
            .chain(&self.bearing)
            .any(|f| v == *f || (f.len() >= RUN && v.contains(f.as_str())) || runs(f))
    }

    fn shares_secret(&self, v: &str) -> bool {
        (v.len() >= RUN && windows(v.as_bytes()).any(|w| self.windows.contains(&w)))
            || self.secret.iter().any(|f| v == f || (f.len() >= SHORTEST && f.len() < RUN && v.contains(f.as_str())))
    }
}

fn windows(bytes: &[u8]) -> impl Iterator<Item = [u8; RUN]> + '_ {
    bytes.windows(RUN).filter_map(|w| w.try_into().ok())
}

fn add_forms(input: &str, out: &mut Vec<String>, depth: usize) {
    let lower = |s: &str| s.to_ascii_lowercase();
    out.push(lower(input));
    out.push(lower(&STANDARD.encode(input)));
    out.push(lower(&URL_SAFE_NO_PAD.encode(input)));
    let json = serde_json::to_string(input).unwrap_or_default();
    out.push(lower(json.trim_matches('"')));
    out.push(lower(&api_http::encode_component(input)));
    for engine in [&STANDARD, &URL_SAFE_NO_PAD] {
        if let Some(decoded) = engine.decode(input.trim()).ok().and_then(|b| String::from_utf8(b).ok()) {
            out.push(lower(&decoded));
        }
    }
    if depth < 4
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(input)
    {
        for s in strings_in(&value) {
            add_forms(&s, out, depth + 1);
        }
    }
}

fn strings_in(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Number(n) => vec![n.to_string()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings_in).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(strings_in).collect(),
        serde_json::Value::Bool(_) | serde_json::Value::Null => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_their_encodings_are_found() {
        let s = Sources::new(["p4ssw0rd-long-secret", "root", "{\"key\":\"embedded-json-key\"}", "1"], []);
        for v in [
            "p4ssw0rd-long-secret",
            "P4SSW0RD-LONG-SECRET",
            "user=admin;password=p4ssw0rd-long-secret",
            "p4ssw0rd",
            &STANDARD.encode("p4ssw0rd-long-secret"),
            "root",
            "embedded-json-key",
            "1",
        ] {
            assert!(s.derived(v), "{v}");
        }
        for v in ["jdbc:mysql://mysql:3306", "2", "tasks", "roo", "AVRO"] {
            assert!(!s.derived(v), "{v}");
        }
    }

    #[test]
    fn plain_inputs_are_redacted_only_whole() {
        let s = Sources::new(["p4ssw0rd-long-secret"], ["https://psrc-abc12.us-east-2.aws.confluent.cloud", "orders"]);
        for v in [
            "https://psrc-abc12.us-east-2.aws.confluent.cloud",
            "x=https://psrc-abc12.us-east-2.aws.confluent.cloud",
            "orders",
            "orders-v2",
        ] {
            assert!(s.derived(v), "{v}");
        }
        for v in ["io.confluent.connect.jdbc.JdbcSourceConnector", "us-east-2", "order"] {
            assert!(!s.derived(v), "{v}");
        }
    }

    #[test]
    fn names_and_keys_carrying_a_secret_are_found() {
        let s = Sources::new(["p4ssw0rd-long-secret", "root", "GoKafka-test-password"], ["https://sr.example"]);
        for v in ["p4ssw0rd-long-secret", "x.p4ssw0rd-long-secret.y", "root", &STANDARD.encode("p4ssw0rd-long-secret")]
        {
            assert!(s.carries_secret(v), "{v}");
        }
        // Ordinary keys and names that merely share a word with a secret input.
        for v in ["connection.url", "sr.example", "p4ss", "jdbc-sink", "connection.password", "root-sink", "x.p4ssw0rd"]
        {
            assert!(!s.carries_secret(v), "{v}");
        }
    }

    #[test]
    fn jaas_fields_are_found() {
        let jaas =
            r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="K1" password="p=\"q";"#;
        assert_eq!(quoted_fields(jaas), ["K1", "p=\"q", "p=\\", "p=\\\"q"]);
        assert!(quoted_fields("a=b").is_empty());
    }

    #[test]
    fn secret_inputs_by_name_or_value() {
        for (n, v) in [
            ("SASL_JAAS_CONFIG", "x"),
            ("KAFKA_API_KEY", "x"),
            ("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "k:s"),
            ("DB_TOKEN", "x"),
            ("DB", "jdbc:mysql://u:p@db/x"),
            ("DB", "user=a password=b"),
        ] {
            assert!(secret_input(n, v), "{n}={v}");
        }
        for (n, v) in [
            ("SCHEMA_REGISTRY_URL", "https://psrc.confluent.cloud"),
            ("BOOTSTRAP_SERVERS", "pkc:9092"),
            ("DB", "jdbc:mysql://db@x/y"),
        ] {
            assert!(!secret_input(n, v), "{n}={v}");
        }
    }
}
