//! What a hook needs of a ConfigMap delivered in a binding context: where it is, its
//! labels and annotations, and its data, decoded from the item's JSON texts.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// What a tool needs of a ConfigMap: where it is and its data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigMapView {
    pub namespace: String,
    pub name: String,
    /// `metadata.resourceVersion`, when the binding keeps full objects.
    pub resource_version: Option<String>,
    pub annotations: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub data: BTreeMap<String, String>,
}

impl ConfigMapView {
    /// `namespace/name`, as errors and reports show it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Builds a view from a binding item's JSON texts: `filterResult` shaped
    /// `{name, namespace, data}` (the tools' jqFilter), falling back to the full `object`.
    /// The object's `data` is decoded only when the filter result has none: it is most of
    /// an item, and with 10,000 ConfigMaps a second copy cost 10 MB.
    pub fn from_item(filter_result: Option<&str>, object: Option<&str>) -> Option<Self> {
        let mut filter: Option<Value> = filter_result.and_then(|t| serde_json::from_str(t).ok());
        let object: Option<ObjectParts<'_>> = object.and_then(|t| serde_json::from_str(t).ok());
        let meta = object.as_ref().map(|o| &o.metadata);
        let pick = |key: &str| -> Option<String> {
            filter
                .as_ref()
                .and_then(|f| f[key].as_str())
                .or_else(|| meta.and_then(|m| m[key].as_str()))
                .map(str::to_owned)
        };
        let (namespace, name) = (pick("namespace").unwrap_or_else(|| "default".into()), pick("name")?);
        let labels = filter.as_mut().and_then(|f| f.get_mut("labels")).map(Value::take);
        let labels = labels.or_else(|| meta.and_then(|m| m.get("labels")).cloned());
        let data = match filter.as_mut().and_then(|f| f.get_mut("data")).map(Value::take) {
            Some(data) => Some(data),
            None => object.as_ref().and_then(|o| o.data).and_then(|raw| serde_json::from_str(raw.get()).ok()),
        };
        Some(Self {
            namespace,
            name,
            resource_version: meta.and_then(|m| m["resourceVersion"].as_str()).map(str::to_owned),
            annotations: strings(meta.and_then(|m| m.get("annotations")).cloned()),
            labels: strings(labels),
            data: strings(data),
        })
    }
}

/// The parts of a full object a view needs; `data` stays undecoded until it is needed.
#[derive(Deserialize)]
struct ObjectParts<'a> {
    #[serde(default)]
    metadata: Value,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// The string values of a JSON object; other values (and non-objects) are left out.
fn strings(value: Option<Value>) -> BTreeMap<String, String> {
    match value {
        Some(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}
