//! Conversions between `serde_json::Value` and jaq's value type.

use jaq_json::{Map, Val};
use serde_json::{Number, Value};

/// Converts a JSON value into a jaq value.
pub fn to_val(value: &Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => number_to_val(n),
        Value::String(s) => Val::utf8_str(s.clone().into_bytes()),
        Value::Array(items) => items.iter().map(to_val).collect(),
        Value::Object(map) => {
            let mut out = Map::default();
            for (k, v) in map {
                out.insert(Val::utf8_str(k.clone().into_bytes()), to_val(v));
            }
            Val::obj(out)
        }
    }
}

fn number_to_val(n: &Number) -> Val {
    if let Some(i) = n.as_i64().and_then(|i| isize::try_from(i).ok()) {
        Val::from(i)
    } else if let Some(u) = n.as_u64().and_then(|u| usize::try_from(u).ok()) {
        Val::from(u)
    } else {
        Val::from(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Outputs nested deeper than this are refused: converting and later dropping them
/// recurses on the caller's stack, which is not the evaluation thread's large one.
pub const MAX_OUTPUT_DEPTH: usize = 1000;

/// Converts a jaq value back into JSON. Non-finite numbers become `null`, as in jq.
/// `None` when the value nests deeper than [`MAX_OUTPUT_DEPTH`].
pub fn from_val(val: &Val) -> Option<Value> {
    from_val_at(val, 0)
}

fn from_val_at(val: &Val, depth: usize) -> Option<Value> {
    if depth > MAX_OUTPUT_DEPTH {
        return None;
    }
    Some(match val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(_) => serde_json::from_str(&val.to_string()).unwrap_or(Value::Null),
        Val::TStr(b) | Val::BStr(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().map(|v| from_val_at(v, depth + 1)).collect::<Option<_>>()?),
        Val::Obj(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Val::TStr(b) | Val::BStr(b) => String::from_utf8_lossy(b).into_owned(),
                        other => other.to_string(),
                    };
                    Some((key, from_val_at(v, depth + 1)?))
                })
                .collect::<Option<_>>()?,
        ),
    })
}
