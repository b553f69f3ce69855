//! Which rendered values came from a template's inputs, found in the one real evaluation.
//!
//! Rule: a value counts as templated when, ignoring ASCII case, it equals an input or
//! one of the input's forms, or shares a run of characters with one: 8 characters, or the
//! whole of the shorter of the two when that is 4 to 7 characters long. The forms are the
//! input, its standard and URL-safe base64, its base64 decoding, its JSON-escaped and
//! percent-encoded spellings, and every string inside it when it is JSON. So any output
//! that carries an input (or 8 characters of it) verbatim or in those encodings is
//! redacted; values are only ever redacted too often, never too rarely for these forms.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::collections::HashSet;

/// The length of a shared run that marks a value as templated.
const RUN: usize = 8;
/// Inputs and values shorter than this are compared whole only.
const SHORTEST: usize = 4;

/// The lower-cased forms of every input, with their 8-character windows.
pub struct Sources {
    forms: Vec<String>,
    windows: HashSet<[u8; RUN]>,
}

impl Sources {
    pub fn new<'a>(inputs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut forms = Vec::new();
        for input in inputs.into_iter().filter(|i| !i.is_empty()) {
            add_forms(input, &mut forms, 0);
        }
        forms.retain(|f| !f.is_empty());
        forms.sort();
        forms.dedup();
        let windows = forms.iter().flat_map(|f| windows(f.as_bytes())).collect();
        Self { forms, windows }
    }

    /// Whether `value` carries an input, by the rule of this module.
    pub fn derived(&self, value: &str) -> bool {
        let v = value.to_ascii_lowercase();
        if v.len() >= RUN && windows(v.as_bytes()).any(|w| self.windows.contains(&w)) {
            return true;
        }
        self.forms.iter().any(|f| {
            v == *f
                || (f.len() >= SHORTEST && f.len() < RUN && v.contains(f.as_str()))
                || (v.len() >= SHORTEST && v.len() < RUN && f.contains(v.as_str()))
        })
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
        let s = Sources::new(["p4ssw0rd-long-secret", "root", "{\"key\":\"embedded-json-key\"}", "1"]);
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
}
