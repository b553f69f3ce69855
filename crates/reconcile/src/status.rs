//! The status annotation a hook leaves on each source ConfigMap.
//!
//! The tools' jqFilter keeps name, namespace and data, so writing an annotation
//! never re-triggers the hook. The patch is skipped when the annotation already says
//! the same thing, so periodic runs do not rewrite ConfigMaps.

use serde_json::{Value, json};
use shell_hook::ConfigMapView;
use shell_hook::{ObjectOperation, ObjectRef};

/// What happened to the declarations of one ConfigMap in this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStatus {
    /// Declarations in the desired state (changed or already right).
    pub applied: usize,
    pub failed: usize,
    pub last_error: Option<String>,
}

pub fn annotation_key(tool: &str) -> String {
    format!("ccops.io/{tool}-status")
}

/// A MergePatch recording `status`, or `None` when nothing would change.
pub fn status_patch(tool: &str, view: &ConfigMapView, status: &SourceStatus) -> Option<ObjectOperation> {
    let key = annotation_key(tool);
    let mut value = json!({
        "applied": status.applied,
        "failed": status.failed,
        "lastError": status.last_error,
        "observedDataHash": data_hash(view),
    });
    let unchanged =
        view.annotations.get(&key).and_then(|text| serde_json::from_str::<Value>(text).ok()).is_some_and(|mut old| {
            old.as_object_mut().map(|m| m.remove("observedResourceVersion"));
            old == value
        });
    if unchanged {
        return None;
    }
    if let Some(rv) = &view.resource_version {
        value["observedResourceVersion"] = json!(rv);
    }
    let patch = json!({"metadata": {"annotations": {key: value.to_string()}}});
    Some(ObjectOperation::merge_patch(ObjectRef::new("v1", "ConfigMap", &view.namespace, &view.name), patch, true))
}

/// FNV-1a over the data: identifies the version of the spec a status describes. It is
/// stored on the same ConfigMap as the data itself, so it reveals nothing new.
fn data_hash(view: &ConfigMapView) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in &view.data {
        for b in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> ConfigMapView {
        ConfigMapView {
            namespace: "ns".into(),
            name: "cm".into(),
            resource_version: Some("7".into()),
            data: [("environments".to_owned(), "[]".to_owned())].into(),
            ..Default::default()
        }
    }

    #[test]
    fn patch_then_skip_when_unchanged() {
        let status = SourceStatus { applied: 3, failed: 1, last_error: Some("topic x: refused".into()) };
        let op = status_patch("ccloud-topic", &view(), &status).unwrap().to_value();
        let text =
            op["mergePatch"]["metadata"]["annotations"]["ccops.io/ccloud-topic-status"].as_str().unwrap().to_owned();
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!((written["applied"].clone(), written["observedResourceVersion"].clone()), (json!(3), json!("7")));
        assert_eq!(op["ignoreMissingObject"], true);
        let mut after = view();
        after.resource_version = Some("8".into());
        after.annotations.insert("ccops.io/ccloud-topic-status".into(), text);
        assert!(
            status_patch("ccloud-topic", &after, &status).is_none(),
            "our own patch bumped the version; nothing to write"
        );
        after.data.insert("environments".into(), "[{}]".into());
        assert!(status_patch("ccloud-topic", &after, &status).is_some(), "new data is recorded");
    }
}
