//! Runtime error text that never quotes an input value.
//!
//! jaq's messages embed the values involved (`cannot parse "<value>" as JSON`), and
//! those values may be secrets. A message is rebuilt here from three kinds of text only:
//! jaq's static phrases (the `&'static str` parts of its structured errors, and a fixed
//! list of its formatted ones), the type of each value (`a string`), and strings that
//! appear literally in the program's own source. Anything else is withheld.

use jaq_json::Val;

/// The message of a runtime error, with every value replaced by its type unless the
/// program's source holds it as a literal.
pub fn describe(error: &jaq_core::Error<Val>, code: &str) -> String {
    // The Debug form is the only public view of the error's parts: `Error(Val(v))` for
    // `error(v)` and formatted messages, `Error(Str([Str("…"), Val(v), …]))` for the
    // structured type, index, math and path errors.
    let debug = format!("{error:?}");
    if debug.starts_with("Error(Val(") {
        return value_message(&error.clone().into_val(), code);
    }
    let Some(list) = debug.strip_prefix("Error(Str([").and_then(|d| d.strip_suffix("]))")) else {
        return WITHHELD.to_owned();
    };
    let mut out = String::new();
    for item in split_top_level(list) {
        if let Some(s) = item.strip_prefix("Str(").and_then(|s| s.strip_suffix(')')) {
            out.push_str(&unescape_debug(s.trim_matches('"')));
        } else if let Some(v) = item.strip_prefix("Val(").and_then(|s| s.strip_suffix(')')) {
            out.push_str(&debug_value(v, code));
        } else {
            return WITHHELD.to_owned();
        }
    }
    out
}

const WITHHELD: &str = "the program failed; its error message is withheld because it may contain input values";

/// `error(v)`, or a native filter's formatted message.
fn value_message(v: &Val, code: &str) -> String {
    let Val::TStr(bytes) = v else {
        return format!("the program raised an error with {} (withheld)", type_name(v));
    };
    let text = String::from_utf8_lossy(bytes);
    if in_source(&text, code) || OWN.contains(&text.as_ref()) {
        return text.into_owned();
    }
    native_message(&text).unwrap_or_else(|| WITHHELD.to_owned())
}

/// Messages of this crate's own filters.
const OWN: &[&str] = &["halt is not allowed in this program", "evaluation limit exceeded"];

/// The static shape of jaq's formatted messages (`format_args!` in jaq-std and jaq-json).
fn native_message(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("cannot parse ") {
        let format = after_value(rest)
            .and_then(|r| r.strip_prefix(" as "))
            .map(|r| r.chars().take_while(char::is_ascii_alphanumeric).collect::<String>());
        return Some(match format.filter(|f| !f.is_empty()) {
            Some(f) => format!("cannot parse {} as {f}", leading_type(rest)),
            None => "cannot parse a value".to_owned(),
        });
    }
    let fixed = [
        ("invalid regex flag", "invalid regex flag"),
        ("invalid regex", "invalid regular expression"),
        ("index ", "index out of bounds"),
    ];
    if let Some((_, shown)) = fixed.iter().find(|(p, _)| text.starts_with(p)) {
        return Some((*shown).to_owned());
    }
    for suffix in [" to time", " to bytes"] {
        if text.starts_with("cannot convert ") && text.ends_with(suffix) {
            return Some(format!("cannot convert {}{suffix}", leading_type(&text["cannot convert ".len()..])));
        }
    }
    if text.ends_with(" has no length") {
        return Some("a boolean has no length".to_owned());
    }
    if text.starts_with("cannot use ") && text.ends_with(" as character") {
        return Some("cannot use a number as a character".to_owned());
    }
    None
}

/// What follows the JSON value at the start of `text` (a value as jaq displays it).
fn after_value(text: &str) -> Option<&str> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(_)) => Some(&text[stream.byte_offset()..]),
        _ => None,
    }
}

/// The type of the value jaq displayed at the start of `text`.
fn leading_type(text: &str) -> &'static str {
    match text.chars().next() {
        Some('"') => "a string",
        Some('[') => "an array",
        Some('{') => "an object",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        _ => "a value",
    }
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "a boolean",
        Val::Num(_) => "a number",
        Val::TStr(_) | Val::BStr(_) => "a string",
        Val::Arr(_) => "an array",
        Val::Obj(_) => "an object",
    }
}

/// A string counts as the program's own when its source spells it as a string literal
/// or as a field name (`.name`).
fn in_source(s: &str, code: &str) -> bool {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    let field = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    code.contains(&quoted) || (field && code.contains(&format!(".{s}")))
}

/// A value of a structured error, from its Debug form (`TStr(b"…")`, `Num(…)`, …).
fn debug_value(v: &str, code: &str) -> String {
    let variant: String = v.chars().take_while(char::is_ascii_alphabetic).collect();
    match variant.as_str() {
        "TStr" | "BStr" => {
            let inner = v[variant.len()..].trim_start_matches('(').trim_end_matches(')');
            let text = inner.strip_prefix("b\"").and_then(|s| s.strip_suffix('"')).map(unescape_debug);
            match text {
                Some(t) if in_source(&t, code) => serde_json::to_string(&t).unwrap_or_default(),
                _ => "a string".to_owned(),
            }
        }
        "Null" => "null".to_owned(),
        "Bool" => "a boolean".to_owned(),
        "Num" => "a number".to_owned(),
        "Arr" => "an array".to_owned(),
        "Obj" => "an object".to_owned(),
        _ => "a value".to_owned(),
    }
}

/// Splits `a, b(c, d), "e, f"` at the commas outside brackets and string literals.
fn split_top_level(list: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start, mut in_str, mut escaped) = (Vec::new(), 0i32, 0, false, false);
    for (i, c) in list.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(list[start..].trim());
    items
}

/// Undoes Rust's Debug escaping of a string or byte string body.
fn unescape_debug(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('0') => out.push(0),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
            }
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('?');
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Some(other) => {
                let mut buf = [0; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => {}
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
