//! The one place that reads and writes YAML.
//!
//! Every crate goes through these functions so that the YAML implementation
//! (serde-saphyr: pure Rust, panic-free, maintained) can be changed in one file.
//! Kubernetes tooling accepts JSON wherever it accepts YAML, including JSON that
//! strict YAML parsers reject (TAB indentation), so [`from_json_or_yaml`] tries
//! JSON first, as shell-operator's Go decoder effectively does.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A YAML or JSON document that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Parses one YAML document.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_saphyr::from_str(text).map_err(|e| Error::Yaml(e.to_string()))
}

/// Parses a multi-document YAML stream; empty and `null` documents are skipped.
pub fn documents(text: &str) -> Result<Vec<Value>, Error> {
    serde_saphyr::from_multiple(text).map_err(|e| Error::Yaml(e.to_string()))
}

/// Parses JSON when the text is JSON, otherwise one YAML document.
pub fn from_json_or_yaml<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(json_err) if looks_like_json(text) => {
            from_str(text).map_err(|yaml_err| Error::Yaml(format!("{yaml_err} (as JSON: {json_err})")))
        }
        Err(_) => from_str(text),
    }
}

/// Parses a stream of documents: a JSON value sequence when it is one, else multi-document YAML.
pub fn stream(text: &str) -> Result<Vec<Value>, Error> {
    let json: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text).into_iter().collect();
    match json {
        Ok(values) => Ok(values),
        Err(_) => documents(text),
    }
}

/// Serialises a value as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_saphyr::to_string(value).map_err(|e| Error::Yaml(e.to_string()))
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_with_tabs_is_accepted() {
        let v: Value = from_json_or_yaml("{\n\t\"a\": 1\n}").unwrap();
        assert_eq!(v, json!({"a": 1}));
    }

    #[test]
    fn yaml_document() {
        let v: Value = from_json_or_yaml("a: [1, two]\nb: {c: true}\n").unwrap();
        assert_eq!(v, json!({"a": [1, "two"], "b": {"c": true}}));
    }

    #[test]
    fn multi_document_stream_skips_empty() {
        let docs = stream("---\na: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
    }

    #[test]
    fn json_value_sequence() {
        let docs = stream("{\"a\":1}\n{\"b\":2}\n").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!({"b": 2})]);
    }

    #[test]
    fn broken_json_reports_both_errors() {
        // `{"a": }` would be valid YAML (a null value); this is broken in both syntaxes.
        let err = from_json_or_yaml::<Value>("{\"a\": [}").unwrap_err().to_string();
        assert!(err.contains("as JSON"), "{err}");
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let v: Value = from_str("enabled: \"true\"\nport: \"8080\"\n").unwrap();
        assert_eq!(v, json!({"enabled": "true", "port": "8080"}));
    }
}
