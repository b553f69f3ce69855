//! Binding contexts: the JSON array shell-operator writes to `$BINDING_CONTEXT_PATH`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

pub use crate::config::WatchEvent;

/// The `type` of a context; onStartup contexts carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContextType {
    Synchronization,
    Event,
    Schedule,
    Group,
    Validating,
    Mutating,
    Conversion,
}

/// One element of the binding-context array. Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingContext {
    pub binding: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ContextType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_event: Option<WatchEvent>,
    /// `Some(Null)` is the corner case of an Event without an object.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub object: Option<Value>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub filter_result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objects: Option<Vec<ObjectItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<BTreeMap<String, Vec<ObjectItem>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_version: Option<String>,
}

/// An item of `objects` or of a snapshot. Both parts are kept as the JSON text
/// shell-operator wrote: a snapshot of 10,000 ConfigMaps as `Value` trees took 2.8×
/// the file's size, and most hooks decode only a few fields of each item.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectItem {
    #[serde(default, deserialize_with = "present_raw", skip_serializing_if = "Option::is_none")]
    object: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "present_raw", skip_serializing_if = "Option::is_none")]
    filter_result: Option<Box<RawValue>>,
}

/// Like [`latest_objects`], but moves the items out, and drops every older copy of
/// `binding`'s objects from the array too: a hook that converts a large snapshot into
/// its own types then holds one of the two, never both.
pub fn take_latest_objects(contexts: &mut [BindingContext], binding: &str) -> Option<Vec<ObjectItem>> {
    let mut newest = None;
    for ctx in contexts.iter_mut().rev() {
        let taken = ctx.take_current_objects(binding);
        if newest.is_none() {
            newest = taken;
        }
    }
    newest
}

impl BindingContext {
    fn take_current_objects(&mut self, binding: &str) -> Option<Vec<ObjectItem>> {
        let snapshot = self.snapshots.as_mut().and_then(|s| s.remove(binding));
        let own = match self.kind {
            Some(ContextType::Synchronization) if self.binding == binding => self.objects.take(),
            _ => None,
        };
        snapshot.or(own)
    }
}

impl ObjectItem {
    pub fn new(object: Option<&Value>, filter_result: Option<&Value>) -> Self {
        let raw = |v: Option<&Value>| v.and_then(|v| serde_json::value::to_raw_value(v).ok());
        Self { object: raw(object), filter_result: raw(filter_result) }
    }

    /// The object's JSON text (`null` when shell-operator wrote null).
    pub fn object_json(&self) -> Option<&str> {
        self.object.as_deref().map(RawValue::get)
    }

    /// The jqFilter result's JSON text, when the binding has a jqFilter.
    pub fn filter_result_json(&self) -> Option<&str> {
        self.filter_result.as_deref().map(RawValue::get)
    }

    pub fn object(&self) -> Option<Value> {
        decode(self.object_json())
    }

    pub fn filter_result(&self) -> Option<Value> {
        decode(self.filter_result_json())
    }

    /// The filter result when the binding has a jqFilter, else the object.
    pub fn view(&self) -> Option<Value> {
        self.filter_result().or_else(|| self.object())
    }
}

/// Text that parsed as JSON once always parses into a `Value`.
fn decode(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

impl PartialEq for ObjectItem {
    fn eq(&self, other: &Self) -> bool {
        self.object() == other.object() && self.filter_result() == other.filter_result()
    }
}

/// Keeps an explicit `null` as `Some(Value::Null)` so that absent and null stay distinct.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn present_raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

/// A context array that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("binding context: {0}")]
    Syntax(String),
    #[error("binding context [{index}]: field `{field}`: {message}")]
    Field { index: usize, field: String, message: String },
    #[error("cannot read binding context file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Parses the whole array. Errors name the array index and the field.
pub fn parse_contexts(bytes: &[u8]) -> Result<Vec<BindingContext>, ContextError> {
    finish(serde_json::Deserializer::from_slice(bytes))
}

fn finish<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<Vec<BindingContext>, ContextError> {
    let contexts: Vec<BindingContext> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        match split_index(&path) {
            Some((index, field)) => ContextError::Field { index, field, message },
            None => ContextError::Syntax(if path == "." { message } else { format!("{path}: {message}") }),
        }
    })?;
    de.end().map_err(|e| ContextError::Syntax(e.to_string()))?;
    for (index, ctx) in contexts.iter().enumerate() {
        check_required(ctx).map_err(|(field, message)| ContextError::Field {
            index,
            field: field.to_owned(),
            message,
        })?;
    }
    Ok(contexts)
}

/// Reads and parses a context file.
pub fn read_contexts(path: &std::path::Path) -> Result<Vec<BindingContext>, ContextError> {
    // Streamed rather than read whole: a 20 MB snapshot then never sits in memory twice.
    let file =
        std::fs::File::open(path).map_err(|source| ContextError::Io { path: path.display().to_string(), source })?;
    finish(serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, file)))
}

fn split_index(path: &str) -> Option<(usize, String)> {
    let rest = path.strip_prefix('[')?;
    let (index, field) = rest.split_once(']')?;
    let field = field.trim_start_matches('.');
    Some((index.parse().ok()?, if field.is_empty() { "(element)".to_owned() } else { field.to_owned() }))
}

fn check_required(ctx: &BindingContext) -> Result<(), (&'static str, String)> {
    let missing = |field| Err((field, "required for this context type".to_owned()));
    match ctx.kind {
        Some(ContextType::Event) if ctx.watch_event.is_none() => missing("watchEvent"),
        Some(ContextType::Group) if ctx.group_name.is_none() => missing("groupName"),
        Some(ContextType::Validating | ContextType::Mutating | ContextType::Conversion) if ctx.review.is_none() => {
            missing("review")
        }
        _ => Ok(()),
    }
}

impl BindingContext {
    pub fn is_on_startup(&self) -> bool {
        self.kind.is_none()
    }

    /// The objects this context says are current for `binding`: its snapshot if it has
    /// one, or its own `objects` when it is that binding's Synchronization.
    pub fn current_objects(&self, binding: &str) -> Option<&[ObjectItem]> {
        if let Some(items) = self.snapshots.as_ref().and_then(|s| s.get(binding)) {
            return Some(items);
        }
        match self.kind {
            Some(ContextType::Synchronization) if self.binding == binding => self.objects.as_deref(),
            _ => None,
        }
    }
}

/// The newest full view of `binding` in a (possibly combined) array: later elements are
/// newer, and all contexts of one run see the same snapshot state.
pub fn latest_objects<'a>(contexts: &'a [BindingContext], binding: &str) -> Option<&'a [ObjectItem]> {
    contexts.iter().rev().find_map(|c| c.current_objects(binding))
}
