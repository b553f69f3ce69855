//! What the API server refuses when shell-operator's object patcher writes an object:
//! invalid names and labels, objects over the size limit, changes to immutable fields.
//! The messages follow the API server's wording so a rejection reads like the log line
//! an operator would find.

use reconcile::names::{MAX_OBJECT_BYTES, check_label_key, check_label_value, check_object_name};
use serde_json::Value;

/// `<Kind> "<name>" is invalid: <why>`, as the API server words validation failures.
fn invalid(object: &Value, why: &str) -> String {
    format!("{} {:?} is invalid: {why}", text(&object["kind"]), text(&object["metadata"]["name"]))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The checks every written object passes, new or updated.
pub fn check_object(object: &Value) -> Result<(), String> {
    if text(&object["kind"]).is_empty() {
        return Err("Object 'Kind' is missing".into());
    }
    let meta = &object["metadata"];
    check_object_name(text(&meta["name"])).map_err(|e| invalid(object, &format!("metadata.name: {e}")))?;
    let namespace = text(&meta["namespace"]);
    if !namespace.is_empty() {
        check_object_name(namespace).map_err(|e| invalid(object, &format!("metadata.namespace: {e}")))?;
    }
    if let Some(labels) = meta["labels"].as_object() {
        for (key, value) in labels {
            check_label_key(key).map_err(|e| invalid(object, &format!("metadata.labels: {e}")))?;
            let value =
                value.as_str().ok_or_else(|| invalid(object, &format!("metadata.labels: {key} is no string")))?;
            check_label_value(value).map_err(|e| invalid(object, &format!("metadata.labels: {e}")))?;
        }
    }
    let size = serde_json::to_vec(object).map_or(0, |bytes| bytes.len());
    if size > MAX_OBJECT_BYTES {
        return Err(invalid(object, &format!("[]: Too long: must have at most {MAX_OBJECT_BYTES} bytes (is {size})")));
    }
    Ok(())
}

/// A create: the object's own checks, and no `resourceVersion` (the API server refuses
/// a create that carries one, which is also why CreateOrUpdate with one fails:
/// flant/shell-operator#346). A namespaced kind without a namespace goes to the
/// cluster-wide path, where the API server has no such resource to create.
pub fn check_create(object: &Value) -> Result<(), String> {
    if !object["metadata"]["resourceVersion"].is_null() {
        return Err(invalid(object, "metadata.resourceVersion: Invalid value: must be empty on create"));
    }
    let kind = text(&object["kind"]);
    if text(&object["metadata"]["namespace"]).is_empty() && !crate::manifests::CLUSTER_SCOPED.contains(&kind) {
        return Err(format!("the server could not find the requested resource ({kind} without a namespace)"));
    }
    check_object(object)
}

/// An update of `old` to `new`: identity fixed, immutable data kept, and `new` valid.
pub fn check_update(old: &Value, new: &Value) -> Result<(), String> {
    for (field, a, b) in [
        ("kind", &old["kind"], &new["kind"]),
        ("metadata.name", &old["metadata"]["name"], &new["metadata"]["name"]),
        ("metadata.namespace", &old["metadata"]["namespace"], &new["metadata"]["namespace"]),
    ] {
        if text(a) != text(b) {
            return Err(invalid(old, &format!("{field}: Invalid value: {:?}: field is immutable", text(b))));
        }
    }
    if old["immutable"] == true {
        if new["immutable"] != true {
            return Err(invalid(old, "immutable: Forbidden: field is immutable when `immutable` is set"));
        }
        for field in ["data", "binaryData", "stringData"] {
            if old[field] != new[field] {
                return Err(invalid(old, &format!("{field}: Forbidden: field is immutable when `immutable` is set")));
            }
        }
    }
    check_object(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> Value {
        json!({"kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"a": "1"}})
    }

    #[test]
    fn names_labels_and_size() {
        assert!(check_create(&cm("ok.name-1")).is_ok());
        assert!(check_create(&cm("Bad_Name")).unwrap_err().contains("metadata.name"));
        let mut labelled = cm("a");
        labelled["metadata"]["labels"] = json!({"example.com/ok": "v", "bad key!": "v"});
        assert!(check_create(&labelled).unwrap_err().contains("label key"));
        labelled["metadata"]["labels"] = json!({"k": "-edge"});
        assert!(check_create(&labelled).unwrap_err().contains("label value"));
        let mut big = cm("big");
        big["data"]["a"] = json!("x".repeat(MAX_OBJECT_BYTES));
        assert!(check_create(&big).unwrap_err().contains("Too long"));
        let mut versioned = cm("v");
        versioned["metadata"]["resourceVersion"] = json!("12");
        assert!(check_create(&versioned).is_err());
        let mut nowhere = cm("n");
        nowhere["metadata"]["namespace"] = Value::Null;
        assert!(check_create(&nowhere).unwrap_err().contains("without a namespace"));
        assert!(check_create(&json!({"kind": "Namespace", "metadata": {"name": "ns"}})).is_ok());
    }

    #[test]
    fn immutable_data_and_identity() {
        let mut old = cm("a");
        old["immutable"] = json!(true);
        let mut changed = old.clone();
        changed["data"]["a"] = json!("2");
        assert!(check_update(&old, &changed).unwrap_err().contains("immutable"));
        let mut unset = old.clone();
        unset["immutable"] = json!(false);
        assert!(check_update(&old, &unset).is_err());
        let mut labelled = old.clone();
        labelled["metadata"]["labels"] = json!({"k": "v"});
        assert!(check_update(&old, &labelled).is_ok(), "metadata of an immutable object may change");
        let mut renamed = cm("a");
        renamed["metadata"]["name"] = json!("b");
        assert!(check_update(&cm("a"), &renamed).unwrap_err().contains("metadata.name"));
    }
}
