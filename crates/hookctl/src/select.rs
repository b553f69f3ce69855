//! Which objects a kubernetes binding watches: kind and apiVersion, name, label,
//! field and namespace selectors, as the Kubernetes API server would filter them.

use serde_json::Value;
use shell_hook::KubernetesBinding;
use shell_hook::config::{LabelOperator, LabelSelector};
use std::collections::BTreeMap;

/// Whether `object` is in the binding's scope. `namespaces` are the Namespace objects
/// known from the manifests (for `namespace.labelSelector`).
pub fn matches(binding: &KubernetesBinding, object: &Value, namespaces: &[Value]) -> bool {
    let meta = &object["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    let namespace = meta["namespace"].as_str().unwrap_or_default();
    kind_matches(&binding.kind, object["kind"].as_str().unwrap_or_default())
        && binding.api_version.as_deref().is_none_or(|v| v.is_empty() || Some(v) == object["apiVersion"].as_str())
        && binding.name_selector.as_ref().is_none_or(|s| s.match_names.iter().any(|n| n == name))
        && binding.label_selector.as_ref().is_none_or(|s| labels_match(s, &meta["labels"]))
        && binding.field_selector.as_ref().is_none_or(|s| {
            s.match_expressions.iter().all(|e| (field(object, &e.field) == e.value) == e.operator.is_equality())
        })
        && binding.namespace.as_ref().is_none_or(|ns| {
            ns.name_selector.as_ref().is_none_or(|s| s.match_names.iter().any(|n| n == namespace))
                && ns.label_selector.as_ref().is_none_or(|s| {
                    namespaces
                        .iter()
                        .any(|n| n["metadata"]["name"] == namespace && labels_match(s, &n["metadata"]["labels"]))
                })
        })
}

/// `kind` in a binding may be the kind, its plural or a short name, in any case.
fn kind_matches(wanted: &str, kind: &str) -> bool {
    const SHORT: &[(&str, &str)] = &[
        ("cm", "configmap"),
        ("po", "pod"),
        ("ns", "namespace"),
        ("svc", "service"),
        ("deploy", "deployment"),
        ("ds", "daemonset"),
        ("sts", "statefulset"),
        ("rs", "replicaset"),
        ("sa", "serviceaccount"),
        ("crd", "customresourcedefinition"),
        ("no", "node"),
        ("pv", "persistentvolume"),
        ("pvc", "persistentvolumeclaim"),
    ];
    let wanted = wanted.to_ascii_lowercase();
    let kind = kind.to_ascii_lowercase();
    let plural = if kind.ends_with('s') || kind.ends_with('x') || kind.ends_with("ch") {
        format!("{kind}es")
    } else if let Some(stem) = kind.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{kind}s")
    };
    wanted == kind || wanted == plural || SHORT.iter().any(|(short, full)| *short == wanted && *full == kind)
}

fn labels_match(selector: &LabelSelector, labels: &Value) -> bool {
    let labels: BTreeMap<&str, &str> = labels
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect())
        .unwrap_or_default();
    let by_label = selector
        .match_labels
        .as_ref()
        .is_none_or(|want| want.iter().all(|(k, v)| labels.get(k.as_str()) == Some(&v.as_str())));
    let by_expression = selector.match_expressions.iter().flatten().all(|e| {
        let value = labels.get(e.key.as_str());
        let listed = || e.values.iter().flatten().any(|v| Some(&v.as_str()) == value);
        match e.operator {
            LabelOperator::In => listed(),
            LabelOperator::NotIn => !listed(),
            LabelOperator::Exists => value.is_some(),
            LabelOperator::DoesNotExist => value.is_none(),
        }
    });
    by_label && by_expression
}

/// The string value of a dotted field path (`metadata.name`, `status.phase`).
fn field(object: &Value, path: &str) -> String {
    let value = path.split('.').fold(object, |v, key| &v[key]);
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shell_hook::config::{FieldExpression, FieldOperator, LabelExpression, NameSelector};

    fn cm(name: &str, ns: &str, labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": labels}})
    }

    #[test]
    fn kind_plural_and_short_names() {
        assert!(kind_matches("ConfigMap", "ConfigMap"));
        assert!(kind_matches("configmaps", "ConfigMap"));
        assert!(kind_matches("cm", "ConfigMap"));
        assert!(kind_matches("ingresses", "Ingress"));
        assert!(kind_matches("networkpolicies", "NetworkPolicy"));
        assert!(!kind_matches("Secret", "ConfigMap"));
    }

    #[test]
    fn selectors_combine() {
        let mut b = KubernetesBinding::new("b", "v1", "ConfigMap");
        b.label_selector = Some(LabelSelector {
            match_labels: Some([("destination".to_owned(), "ccloud".to_owned())].into()),
            match_expressions: Some(vec![LabelExpression {
                key: "skip".into(),
                operator: LabelOperator::DoesNotExist,
                values: None,
            }]),
        });
        b.namespace = Some(shell_hook::NamespaceSelector::names(&["default"]));
        assert!(matches(&b, &cm("a", "default", json!({"destination": "ccloud"})), &[]));
        assert!(!matches(&b, &cm("a", "other", json!({"destination": "ccloud"})), &[]));
        assert!(!matches(&b, &cm("a", "default", json!({"destination": "connect"})), &[]));
        assert!(!matches(&b, &cm("a", "default", json!({"destination": "ccloud", "skip": "1"})), &[]));
        b.name_selector = Some(NameSelector { match_names: vec!["b".into()] });
        assert!(!matches(&b, &cm("a", "default", json!({"destination": "ccloud"})), &[]));
    }

    #[test]
    fn field_and_namespace_label_selectors() {
        let mut b = KubernetesBinding::new("b", "", "ConfigMap");
        b.field_selector = Some(shell_hook::config::FieldSelector {
            match_expressions: vec![FieldExpression {
                field: "metadata.name".into(),
                operator: FieldOperator::NotEquals,
                value: "x".into(),
            }],
        });
        b.namespace = Some(shell_hook::NamespaceSelector {
            name_selector: None,
            label_selector: Some(LabelSelector::labels([("team", "data")])),
        });
        let namespaces = [json!({"kind": "Namespace", "metadata": {"name": "kafka", "labels": {"team": "data"}}})];
        assert!(matches(&b, &cm("a", "kafka", json!({})), &namespaces));
        assert!(!matches(&b, &cm("x", "kafka", json!({})), &namespaces));
        assert!(!matches(&b, &cm("a", "default", json!({})), &namespaces));
    }
}
