//! Kubernetes manifests from files, directories or stdin: multi-document YAML,
//! JSON, and `List` kinds (what `kubectl kustomize` or `kubectl get -o yaml` print).

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
}

/// Kinds that live outside namespaces; everything else gets the default namespace.
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "VolumeAttachment",
];

/// Loads every object from `sources` (`-` is stdin), defaulting the namespace.
pub fn load(sources: &[PathBuf], default_namespace: &str) -> Result<Vec<Value>, ManifestError> {
    let mut objects = Vec::new();
    for source in sources {
        if source.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| ManifestError::Io { path: "<stdin>".into(), source })?;
            parse_into(&text, "<stdin>", &mut objects)?;
        } else {
            for file in files_under(source)? {
                let text = std::fs::read_to_string(&file)
                    .map_err(|source| ManifestError::Io { path: file.display().to_string(), source })?;
                parse_into(&text, &file.display().to_string(), &mut objects)?;
            }
        }
    }
    for object in &mut objects {
        default_namespace_of(object, default_namespace);
    }
    Ok(objects)
}

/// Parses one text (YAML stream or JSON) into objects, expanding `List`s.
pub fn parse_into(text: &str, origin: &str, out: &mut Vec<Value>) -> Result<(), ManifestError> {
    let docs =
        yaml_io::stream(text).map_err(|e| ManifestError::Parse { path: origin.into(), message: e.to_string() })?;
    for doc in docs {
        expand(doc, origin, out)?;
    }
    Ok(())
}

fn expand(doc: Value, origin: &str, out: &mut Vec<Value>) -> Result<(), ManifestError> {
    match doc {
        Value::Null => Ok(()),
        Value::Array(items) => items.into_iter().try_for_each(|item| expand(item, origin, out)),
        Value::Object(ref map) => {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
            if kind.ends_with("List") && map.get("items").is_some_and(Value::is_array) {
                let Some(Value::Array(items)) = doc.get("items").cloned() else { unreachable!() };
                return items.into_iter().try_for_each(|item| expand(item, origin, out));
            }
            if kind.is_empty() {
                return Err(ManifestError::Parse { path: origin.into(), message: "a document has no kind".into() });
            }
            out.push(doc);
            Ok(())
        }
        _ => Err(ManifestError::Parse { path: origin.into(), message: "a document is not an object".into() }),
    }
}

fn default_namespace_of(object: &mut Value, namespace: &str) {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
    if CLUSTER_SCOPED.contains(&kind) {
        return;
    }
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if meta.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty) {
        meta.insert("namespace".into(), Value::String(namespace.into()));
    }
}

fn files_under(path: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let io = |source| ManifestError::Io { path: path.display().to_string(), source };
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry_path = entry.map_err(io)?.path();
        let name = entry_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if entry_path.is_dir() {
            files.extend(files_under(&entry_path)?);
        } else if [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext)) {
            files.push(entry_path);
        }
    }
    files.sort();
    Ok(files)
}

/// `namespace/name` of an object, for sorting and messages.
pub fn namespace_and_name(object: &Value) -> (String, String) {
    let meta = &object["metadata"];
    let get = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    (get("namespace"), get("name"))
}
