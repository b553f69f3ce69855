//! Topic `config`: the original `"k=v,k=v"` string, or (extension) a JSON object,
//! which allows values with commas such as `cleanup.policy: "compact,delete"`.

use serde_json::Value;
use std::collections::BTreeMap;

/// Parses `"k=v,k2=v2"`: pairs split on `,`, key and value on the first `=`.
pub fn parse_config_string(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| format!("{pair:?} is not key=value"))?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err(format!("{pair:?} has an empty key"));
        }
        if out.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(format!("{k:?} is given twice"));
        }
    }
    Ok(out)
}

/// A `config` field in either form; values compare as strings, as Kafka stores them.
pub(crate) fn parse_config_value(value: &Value) -> Result<BTreeMap<String, String>, String> {
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::String(s) => parse_config_string(s),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(format!("{k}: values must be strings, numbers or booleans")),
                };
                Ok((k.clone(), v))
            })
            .collect(),
        _ => Err("must be a \"k=v,k=v\" string or an object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn original_form() {
        let c = parse_config_string("cleanup.policy=compact, retention.ms=1000,").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c["retention.ms"], "1000");
        assert_eq!(parse_config_string("a=b=c").unwrap()["a"], "b=c", "split at the first =");
        assert!(parse_config_string("novalue").is_err());
        assert!(parse_config_string("a=1,a=2").is_err());
        assert!(parse_config_string("").unwrap().is_empty());
    }

    #[test]
    fn object_form_allows_commas() {
        let c =
            parse_config_value(&json!({"cleanup.policy": "compact,delete", "retention.ms": 1000, "x": true})).unwrap();
        assert_eq!(
            (c["cleanup.policy"].as_str(), c["retention.ms"].as_str(), c["x"].as_str()),
            ("compact,delete", "1000", "true")
        );
        assert!(parse_config_value(&json!({"a": [1]})).is_err());
        assert!(parse_config_value(&json!(3)).is_err());
    }
}
