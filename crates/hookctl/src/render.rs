//! Binding contexts exactly as shell-operator would write them for a set of objects:
//! start-up (onStartup, Synchronization, Group), watch events between two sets of
//! objects, and schedule ticks. Keys come out sorted, like shell-operator's encoder.

use crate::manifests::namespace_and_name;
use crate::select;
use jq_eval::Program;
use serde_json::{Map, Value, json};
use shell_hook::config::WatchEvent;
use shell_hook::{HookConfig, KubernetesBinding};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("binding {binding}: jqFilter: {source}")]
    Filter { binding: String, source: jq_eval::JqError },
    #[error("no schedule binding named {0:?}")]
    UnknownSchedule(String),
}

/// Renders contexts for one hook configuration.
pub struct Renderer<'a> {
    config: &'a HookConfig,
    filters: Vec<Option<Program>>,
}

type Objects<'o> = [Value];

impl<'a> Renderer<'a> {
    pub fn new(config: &'a HookConfig) -> Result<Self, RenderError> {
        let filters = config
            .kubernetes_bindings()
            .iter()
            .map(|b| {
                b.jq_filter
                    .as_deref()
                    .map(Program::compile)
                    .transpose()
                    .map_err(|source| RenderError::Filter { binding: b.binding_name().into(), source })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { config, filters })
    }

    /// What the hook receives at start-up, in shell-operator's order.
    pub fn startup(&self, objects: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        let mut out = Vec::new();
        if self.config.on_startup.is_some() {
            out.push(json!({"binding": "onStartup"}));
        }
        for (index, binding) in self.config.kubernetes_bindings().iter().enumerate() {
            if !binding.runs_on_synchronization() {
                continue;
            }
            let mut ctx = self.base(
                binding.binding_name(),
                binding.group.as_deref(),
                objects,
                binding.include_snapshots_from.as_deref(),
            )?;
            if binding.group.is_none() {
                ctx.insert("type".into(), json!("Synchronization"));
                ctx.insert("objects".into(), Value::Array(self.items(index, objects)?));
            }
            out.push(Value::Object(ctx));
        }
        Ok(compact(out))
    }

    /// The watch events that turn `before` into `after`: Added, Deleted, and Modified
    /// only when the filter result (or, without a filter, the object) changed.
    pub fn events(&self, before: &Objects<'_>, after: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        let mut out = Vec::new();
        for (index, binding) in self.config.kubernetes_bindings().iter().enumerate() {
            let wanted = binding.effective_events();
            let old = self.keyed(index, before);
            let new = self.keyed(index, after);
            let mut keys: Vec<&(String, String, String)> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let change = match (old.get(key), new.get(key)) {
                    (None, Some(obj)) => Some((WatchEvent::Added, *obj)),
                    (Some(obj), None) => Some((WatchEvent::Deleted, *obj)),
                    (Some(a), Some(b)) if self.view(index, a)? != self.view(index, b)? => {
                        Some((WatchEvent::Modified, *b))
                    }
                    _ => None,
                };
                let Some((event, object)) = change else { continue };
                if !wanted.contains(&event) {
                    continue;
                }
                let mut ctx = self.base(
                    binding.binding_name(),
                    binding.group.as_deref(),
                    after,
                    binding.include_snapshots_from.as_deref(),
                )?;
                if binding.group.is_none() {
                    ctx.insert("type".into(), json!("Event"));
                    ctx.insert("watchEvent".into(), serde_json::to_value(event).unwrap_or_default());
                    if let Value::Object(item) = self.item(index, object)? {
                        ctx.extend(item);
                    }
                }
                out.push(Value::Object(ctx));
            }
        }
        Ok(out)
    }

    /// A tick of the schedule binding `name`.
    pub fn schedule(&self, name: &str, objects: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        let binding = self
            .config
            .schedule_bindings()
            .iter()
            .find(|s| s.binding_name() == name)
            .ok_or_else(|| RenderError::UnknownSchedule(name.into()))?;
        let mut ctx = self.base(name, binding.group.as_deref(), objects, binding.include_snapshots_from.as_deref())?;
        if binding.group.is_none() {
            ctx.insert("type".into(), json!("Schedule"));
        }
        Ok(vec![Value::Object(ctx)])
    }

    /// The contexts of a run about to start (again), with fresh `snapshots` and, for a
    /// Synchronization, fresh `objects`: shell-operator refreshes both before every run
    /// and retry (`HookController.UpdateSnapshots`); an Event keeps its object.
    pub fn refresh(&self, contexts: &[Value], objects: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        let mut out = contexts.to_vec();
        for ctx in &mut out {
            if let Some(Value::Object(snapshots)) = ctx.get_mut("snapshots") {
                for (name, items) in snapshots.iter_mut() {
                    *items = Value::Array(self.items_named(name, objects)?);
                }
            }
            if ctx["type"] == "Synchronization" {
                let name = ctx["binding"].as_str().unwrap_or_default().to_owned();
                ctx["objects"] = Value::Array(self.items_named(&name, objects)?);
            }
        }
        Ok(out)
    }

    fn items_named(&self, binding: &str, objects: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        match self.config.kubernetes_bindings().iter().position(|b| b.binding_name() == binding) {
            Some(index) => self.items(index, objects),
            None => Ok(Vec::new()),
        }
    }

    /// `binding`, plus `type: Group`/`groupName` for grouped bindings, plus `snapshots`
    /// when the effective includeSnapshotsFrom (after group merging) is non-empty.
    fn base(
        &self,
        name: &str,
        group: Option<&str>,
        objects: &Objects<'_>,
        own: Option<&[String]>,
    ) -> Result<Map<String, Value>, RenderError> {
        let mut ctx = Map::new();
        ctx.insert("binding".into(), json!(name));
        let mut snapshot_names: Vec<&str> = own.unwrap_or_default().iter().map(String::as_str).collect();
        if let Some(group) = group {
            ctx.insert("type".into(), json!("Group"));
            ctx.insert("groupName".into(), json!(group));
            for b in self.config.kubernetes_bindings().iter().filter(|b| b.group.as_deref() == Some(group)) {
                snapshot_names.push(b.binding_name());
            }
        }
        let mut seen = Vec::new();
        snapshot_names.retain(|n| {
            !seen.contains(n) && {
                seen.push(*n);
                true
            }
        });
        if !snapshot_names.is_empty() {
            let mut snapshots = Map::new();
            for snapshot in snapshot_names {
                snapshots.insert(snapshot.into(), Value::Array(self.items_named(snapshot, objects)?));
            }
            ctx.insert("snapshots".into(), Value::Object(snapshots));
        }
        Ok(ctx)
    }

    fn binding(&self, index: usize) -> &KubernetesBinding {
        &self.config.kubernetes_bindings()[index]
    }

    /// Objects in scope of a binding, sorted by namespace then name.
    fn items(&self, index: usize, objects: &Objects<'_>) -> Result<Vec<Value>, RenderError> {
        let mut in_scope: Vec<&Value> = self.keyed(index, objects).into_values().collect();
        in_scope.sort_by_key(|o| namespace_and_name(o));
        in_scope.into_iter().map(|o| self.item(index, o)).collect()
    }

    fn keyed<'o>(&self, index: usize, objects: &'o Objects<'_>) -> BTreeMap<(String, String, String), &'o Value> {
        let namespaces: Vec<Value> = objects.iter().filter(|o| o["kind"] == "Namespace").cloned().collect();
        objects
            .iter()
            .filter(|o| select::matches(self.binding(index), o, &namespaces))
            .map(|o| {
                let (ns, name) = namespace_and_name(o);
                ((o["kind"].as_str().unwrap_or_default().to_owned(), ns, name), o)
            })
            .collect()
    }

    fn item(&self, index: usize, object: &Value) -> Result<Value, RenderError> {
        let mut item = Map::new();
        if self.binding(index).keeps_full_objects() {
            item.insert("object".into(), object.clone());
        }
        if let Some(result) = self.filter_result(index, object)? {
            item.insert("filterResult".into(), result);
        }
        Ok(Value::Object(item))
    }

    fn filter_result(&self, index: usize, object: &Value) -> Result<Option<Value>, RenderError> {
        let Some(program) = &self.filters[index] else { return Ok(None) };
        program
            .filter_result(object)
            .map(Some)
            .map_err(|source| RenderError::Filter { binding: self.binding(index).binding_name().into(), source })
    }

    /// What change detection compares: the filter result, or the whole object.
    fn view(&self, index: usize, object: &Value) -> Result<Value, RenderError> {
        Ok(self.filter_result(index, object)?.unwrap_or_else(|| object.clone()))
    }
}

/// shell-operator's compaction: a grouped context directly followed by a context of
/// the same group is dropped (the later one carries the newer snapshots).
pub fn compact(contexts: Vec<Value>) -> Vec<Value> {
    let group = |c: &Value| c.get("groupName").and_then(Value::as_str).map(str::to_owned);
    let mut out: Vec<Value> = Vec::with_capacity(contexts.len());
    for ctx in contexts {
        if let (Some(last), Some(g)) = (out.last(), group(&ctx))
            && group(last).as_deref() == Some(g.as_str())
        {
            out.pop();
        }
        out.push(ctx);
    }
    out
}
