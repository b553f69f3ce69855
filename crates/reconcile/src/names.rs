//! The API server's rules for the names and label values of objects a run writes,
//! checked before anything is minted or created: a Secret the API server rejects fails
//! the whole patch file, and with it every other object of the run.

/// The 1 MiB the API server (etcd) accepts for one object, less room for metadata.
pub const MAX_OBJECT_BYTES: usize = 1024 * 1024;

/// A DNS-1123 subdomain (ConfigMap and Secret names): at most 253 characters of
/// lower-case letters, digits, `-` and `.`, each dot-separated part starting and ending
/// with a letter or digit.
pub fn check_object_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{name:?} is not a valid Kubernetes object name: {why}"));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 253 {
        return bad("longer than 253 characters");
    }
    for part in name.split('.') {
        if part.is_empty() {
            return bad("empty part between dots");
        }
        if let Some(c) = part.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            return bad(&format!("character {c:?} (only a-z, 0-9, '-' and '.')"));
        }
        if part.starts_with('-') || part.ends_with('-') {
            return bad("a part starts or ends with '-'");
        }
    }
    Ok(())
}

/// A label value: empty, or at most 63 characters of letters, digits, `-`, `_`, `.`,
/// starting and ending with a letter or digit.
pub fn check_label_value(value: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("label value {value:?} is not valid: {why}"));
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return bad("longer than 63 characters");
    }
    if let Some(c) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return bad(&format!("character {c:?}"));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(value.chars().next()) || !edge(value.chars().last()) {
        return bad("must start and end with a letter or digit");
    }
    Ok(())
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63
/// characters with the rules of a non-empty label value.
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = key.rsplit_once('/').map_or((None, key), |(p, n)| (Some(p), n));
    if let Some(p) = prefix {
        check_object_name(p).map_err(|e| format!("label key {key:?}: prefix {e}"))?;
    }
    if name.is_empty() {
        return Err(format!("label key {key:?} has an empty name"));
    }
    check_label_value(name).map_err(|e| format!("label key {key:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names() {
        assert!(check_object_name("cc.api-key.orders-svc.lkc-1").is_ok());
        assert!(check_object_name(&"a".repeat(253)).is_ok());
        for bad in ["", "cc.api-key.Ops_Team", "a..b", "-a", "a-", "a.-b", &"a".repeat(254), "a b"] {
            assert!(check_object_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels() {
        assert!(check_label_value("").is_ok() && check_label_value("Ops_Team.1").is_ok());
        for bad in ["-a", "a_", "a b", &"a".repeat(64), "a/b"] {
            assert!(check_label_value(bad).is_err(), "{bad:?}");
        }
        assert!(check_label_key("app.kubernetes.io/managed-by").is_ok() && check_label_key("resource_id").is_ok());
        assert!(check_label_key("Bad_/x").is_err() && check_label_key("a/").is_err());
    }
}
