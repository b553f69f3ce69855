//! Object operations for `$KUBERNETES_PATCH_PATH`: typed constructors for hooks,
//! and a parser that reaches shell-operator's verdict on any file (for `hookctl`).

use serde::Serialize;
use serde_json::{Map, Value, json};

/// One object operation, serialised as one compact JSON line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "operation")]
pub enum ObjectOperation {
    Create(CreateSpec),
    CreateOrUpdate(CreateSpec),
    CreateIfNotExists(CreateSpec),
    Delete(ObjectRef),
    DeleteInBackground(ObjectRef),
    DeleteNonCascading(ObjectRef),
    #[serde(rename = "JQPatch")]
    JqPatch(PatchSpec),
    MergePatch(PatchSpec),
    #[serde(rename = "JSONPatch")]
    JsonPatch(PatchSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSpec {
    pub object: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

/// Names an object: `apiVersion` may be empty (preferred version), `namespace`
/// empty for cluster-scoped objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(api_version: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self { api_version: api_version.into(), kind: kind.into(), namespace: namespace.into(), name: name.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchSpec {
    #[serde(flatten)]
    pub target: ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jq_filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_patch: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_patch: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore_missing_object: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ignore_hook_error: bool,
}

impl PatchSpec {
    fn new(target: ObjectRef) -> Self {
        Self {
            target,
            subresource: None,
            jq_filter: None,
            merge_patch: None,
            json_patch: None,
            ignore_missing_object: false,
            ignore_hook_error: false,
        }
    }
}

impl ObjectOperation {
    pub fn create_or_update(object: Value) -> Self {
        Self::CreateOrUpdate(CreateSpec { object, subresource: None })
    }

    pub fn create(object: Value) -> Self {
        Self::Create(CreateSpec { object, subresource: None })
    }

    pub fn create_if_not_exists(object: Value) -> Self {
        Self::CreateIfNotExists(CreateSpec { object, subresource: None })
    }

    pub fn delete(target: ObjectRef) -> Self {
        Self::Delete(target)
    }

    /// A merge patch; with `ignore_missing_object` a vanished target is not an error.
    pub fn merge_patch(target: ObjectRef, patch: Value, ignore_missing_object: bool) -> Self {
        Self::MergePatch(PatchSpec { merge_patch: Some(patch), ignore_missing_object, ..PatchSpec::new(target) })
    }

    pub fn json_patch(target: ObjectRef, patch: Value) -> Self {
        Self::JsonPatch(PatchSpec { json_patch: Some(patch), ..PatchSpec::new(target) })
    }

    pub fn jq_patch(target: ObjectRef, filter: &str) -> Self {
        Self::JqPatch(PatchSpec { jq_filter: Some(filter.to_owned()), ..PatchSpec::new(target) })
    }

    /// Applies to a subresource such as `/status`.
    pub fn with_subresource(mut self, subresource: &str) -> Self {
        match &mut self {
            Self::Create(s) | Self::CreateOrUpdate(s) | Self::CreateIfNotExists(s) => {
                s.subresource = Some(subresource.into())
            }
            Self::JqPatch(p) | Self::MergePatch(p) | Self::JsonPatch(p) => p.subresource = Some(subresource.into()),
            Self::Delete(_) | Self::DeleteInBackground(_) | Self::DeleteNonCascading(_) => {}
        }
        self
    }

    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("operations always serialise"))
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| unreachable!("operations always serialise"))
    }

    /// Whether this operation writes a Secret (its data must never be shown).
    pub fn writes_secret(&self) -> bool {
        match self {
            Self::Create(s) | Self::CreateOrUpdate(s) | Self::CreateIfNotExists(s) => is_secret(&s.object),
            Self::JqPatch(p) | Self::MergePatch(p) | Self::JsonPatch(p) => p.target.kind == "Secret",
            _ => false,
        }
    }
}

fn is_secret(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("Secret")
}

/// Replaces every value under `data`/`stringData` of Secrets (and every Secret patch body)
/// with a marker, keeping the keys so that a reader sees what would be written.
pub fn redact_operation(op: &Value) -> Value {
    let mut op = op.clone();
    let secret_target = op.get("kind").and_then(Value::as_str) == Some("Secret");
    if let Some(object) = op.get_mut("object")
        && is_secret(object)
    {
        for key in ["data", "stringData"] {
            if let Some(Value::Object(map)) = object.get_mut(key) {
                map.values_mut().for_each(|v| *v = json!("<redacted>"));
            }
        }
    }
    if secret_target {
        for key in ["mergePatch", "jsonPatch", "jqFilter"] {
            if let Some(v) = op.get_mut(key) {
                *v = json!("<redacted>");
            }
        }
    }
    op
}

/// Why a patch file would make shell-operator fail the run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatchError {
    #[error("object operations are neither a JSON stream nor YAML documents: {0}")]
    Syntax(String),
    #[error("operation {index}: {message}")]
    Invalid { index: usize, message: String },
}

const KNOWN_KEYS: [&str; 12] = [
    "operation",
    "namespace",
    "subresource",
    "apiVersion",
    "kind",
    "name",
    "object",
    "jsonPatch",
    "jqFilter",
    "mergePatch",
    "ignoreMissingObject",
    "ignoreHookError",
];

/// Parses a patch file as shell-operator does: a JSON value stream, else a YAML
/// multi-document stream; unknown keys are dropped (case-insensitive for JSON); each
/// operation is validated. Returns the operations as shell-operator sees them.
pub fn parse_operations(text: &str) -> Result<Vec<Value>, PatchError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let json: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text).into_iter().collect();
    let (docs, case_insensitive) = match json {
        Ok(docs) => (docs, true),
        Err(_) => (yaml_io::documents(text).map_err(|e| PatchError::Syntax(e.to_string()))?, false),
    };
    docs.into_iter()
        .enumerate()
        .map(|(index, doc)| {
            let op = known_fields(doc, case_insensitive).map_err(|message| PatchError::Invalid { index, message })?;
            validate_operation(&op).map_err(|message| PatchError::Invalid { index, message })?;
            Ok(op)
        })
        .collect()
}

fn known_fields(doc: Value, case_insensitive: bool) -> Result<Value, String> {
    let Value::Object(map) = doc else { return Err("an operation must be an object".into()) };
    let mut out = Map::new();
    for (key, value) in map {
        let known =
            KNOWN_KEYS.iter().find(|k| if case_insensitive { k.eq_ignore_ascii_case(&key) } else { **k == key });
        // Go decodes into a struct with omitempty fields: null and "" read as absent.
        if let Some(k) = known
            && !(value.is_null() || value.as_str() == Some(""))
        {
            out.insert((*k).to_owned(), value);
        }
    }
    Ok(Value::Object(out))
}

/// Checks one operation against shell-operator's object-patch schema.
pub fn validate_operation(op: &Value) -> Result<(), String> {
    let get = |k: &str| op.get(k);
    let string = |k: &str| -> Result<(), String> {
        match get(k) {
            None | Some(Value::String(_)) => Ok(()),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    let boolean = |k: &str| -> Result<(), String> {
        match get(k) {
            None | Some(Value::Bool(_)) => Ok(()),
            Some(_) => Err(format!("{k} must be a boolean")),
        }
    };
    let required = |k: &str| get(k).map(|_| ()).ok_or_else(|| format!("{k} is required"));
    let operation = get("operation").and_then(Value::as_str).ok_or("operation is required")?;
    string("subresource")?;
    match operation {
        "Create" | "CreateOrUpdate" | "CreateIfNotExists" => match get("object") {
            Some(Value::Object(m)) if !m.is_empty() => Ok(()),
            Some(Value::String(_)) => Ok(()),
            Some(_) => Err("object must be a non-empty object or a string".into()),
            None => Err("object is required".into()),
        },
        "Delete" | "DeleteInBackground" | "DeleteNonCascading" => {
            required("kind")?;
            required("name")?;
            ["apiVersion", "kind", "name"].into_iter().try_for_each(string)
        }
        "JQPatch" | "MergePatch" | "JSONPatch" => {
            required("kind")?;
            required("name")?;
            ["apiVersion", "kind", "name"].into_iter().try_for_each(string)?;
            ["ignoreMissingObject", "ignoreHookError"].into_iter().try_for_each(boolean)?;
            match operation {
                "JQPatch" => get("jqFilter")
                    .and_then(Value::as_str)
                    .map(|_| ())
                    .ok_or_else(|| "jqFilter (a string) is required".into()),
                "MergePatch" => match get("mergePatch") {
                    Some(Value::Object(m)) if !m.is_empty() => Ok(()),
                    Some(Value::String(_)) => Ok(()),
                    _ => Err("mergePatch (a non-empty object or a string) is required".into()),
                },
                _ => match get("jsonPatch") {
                    Some(Value::String(_)) => Ok(()),
                    Some(Value::Array(items)) => validate_first_json_patch(items.first()),
                    _ => Err("jsonPatch (an array or a string) is required".into()),
                },
            }
        }
        other => Err(format!("unknown operation {other:?}")),
    }
}

fn validate_first_json_patch(first: Option<&Value>) -> Result<(), String> {
    let Some(first) = first else { return Err("jsonPatch must have at least one item".into()) };
    let Value::Object(m) = first else { return Err("jsonPatch[0] must be an object".into()) };
    for key in ["op", "path"] {
        match m.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => return Err(format!("jsonPatch[0].{key} must be a non-empty string")),
        }
    }
    if !m.contains_key("value") {
        return Err("jsonPatch[0].value is required (null for remove)".into());
    }
    Ok(())
}
