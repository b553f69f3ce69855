//! The timeline file of `hookctl simulate` (YAML or JSON):
//!
//! ```yaml
//! hooks: hooks/                 # the hooks directory (discovered like shell-operator); --hooks overrides
//! manifests: [cluster.yaml]     # the initial objects; --manifests overrides
//! namespace: default            # for manifests that name none
//! env: {DRY_RUN: "false"}       # extra environment of every hook (and its --config)
//! informerLag: 0                # snapshots lag writes by N runs
//! maxRetries: 3                 # retries of a failed run per step (shell-operator: forever)
//! settleRounds: 5               # rounds of watch events after a step before giving up
//! steps:
//!   - startup                   # shell-operator starts: onStartup, then every Synchronization
//!   - apply: [edit.yaml, {kind: ConfigMap, metadata: {name: x}}]   # files or inline objects
//!   - delete: [{kind: ConfigMap, name: x}]
//!   - edit: {kind: ConfigMap, name: x, replace: {"retention.ms=1": "retention.ms=2"}}
//!   - schedule: resync          # a tick of every hook's schedule binding of that name
//!   - wait                      # time passes: failed runs are retried, events delivered
//!   - informerLag: 1            # fault, from this step on
//!   - refuse: {operation: CreateOrUpdate, kind: Secret, name: x, reason: quota, times: 1}
//!   - exec: "ccloud-topic --binding-context ..."   # a shell command; $HOOKCTL_OBJECTS holds the objects
//!     title: "plan CI-style"    # any step may carry a title
//! ```
//!
//! Paths are relative to the timeline file.

use crate::cluster::RefuseRule;
use crate::manifests;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("timeline: {0}")]
    Invalid(String),
    #[error(transparent)]
    Manifests(#[from] manifests::ManifestError),
}

fn invalid<T>(message: impl Into<String>) -> Result<T, TimelineError> {
    Err(TimelineError::Invalid(message.into()))
}

/// An object named by kind, name and (optionally) namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Startup,
    Apply(Vec<Value>),
    Delete(Vec<ObjectRef>),
    Edit { target: ObjectRef, replace: Vec<(String, String)> },
    Schedule(String),
    Wait,
    InformerLag(usize),
    Refuse(RefuseRule),
    Exec(String),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub title: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    /// The directory of the timeline file: paths and `exec` are relative to it.
    pub base: PathBuf,
    pub hooks: Option<PathBuf>,
    pub manifests: Vec<PathBuf>,
    pub namespace: String,
    pub env: Vec<(String, String)>,
    pub informer_lag: usize,
    pub max_retries: u32,
    pub settle_rounds: u32,
    pub steps: Vec<Step>,
}

impl Timeline {
    pub fn load(path: &Path) -> Result<Self, TimelineError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TimelineError::Read { path: path.display().to_string(), source })?;
        let doc = yaml_io::from_json_or_yaml(&text).map_err(|e| TimelineError::Invalid(e.to_string()))?;
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Self::parse(&doc, base)
    }

    pub fn parse(doc: &Value, base: &Path) -> Result<Self, TimelineError> {
        let Some(top) = doc.as_object() else { return invalid("the document is not a map") };
        let known = ["hooks", "manifests", "namespace", "env", "informerLag", "maxRetries", "settleRounds", "steps"];
        if let Some(key) = top.keys().find(|k| !known.contains(&k.as_str())) {
            return invalid(format!("unknown key {key:?}"));
        }
        let namespace = top.get("namespace").and_then(Value::as_str).unwrap_or("default").to_owned();
        let number = |key: &str, default: u64| top.get(key).map_or(Some(default), Value::as_u64);
        let (Some(lag), Some(retries), Some(rounds)) =
            (number("informerLag", 0), number("maxRetries", 3), number("settleRounds", 5))
        else {
            return invalid("informerLag, maxRetries and settleRounds are non-negative integers");
        };
        let env = match top.get("env") {
            None => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect(),
            Some(_) => return invalid("env is a map of names to values"),
        };
        let steps = match top.get("steps") {
            Some(Value::Array(steps)) => {
                steps.iter().map(|s| parse_step(s, base, &namespace)).collect::<Result<_, _>>()?
            }
            _ => return invalid("steps is a list"),
        };
        Ok(Self {
            base: base.to_path_buf(),
            hooks: top.get("hooks").and_then(Value::as_str).map(|p| base.join(p)),
            manifests: strings(top.get("manifests"))?.iter().map(|p| base.join(p)).collect(),
            namespace,
            env,
            informer_lag: usize::try_from(lag).unwrap_or(usize::MAX),
            max_retries: u32::try_from(retries).unwrap_or(u32::MAX),
            settle_rounds: u32::try_from(rounds).unwrap_or(u32::MAX),
            steps,
        })
    }
}

fn scalar(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, TimelineError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(items.iter().map(scalar).collect()),
        Some(other) => invalid(format!("expected a path or a list of paths, got {other}")),
    }
}

fn parse_step(step: &Value, base: &Path, namespace: &str) -> Result<Step, TimelineError> {
    let (name, body, title) = match step {
        Value::String(name) => (name.as_str(), &Value::Null, None),
        Value::Object(map) => {
            let title = map.get("title").and_then(Value::as_str).map(str::to_owned);
            let actions: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| *k != "title").collect();
            let [(name, body)] = actions.as_slice() else {
                return invalid(format!("a step has exactly one action besides title: {step}"));
            };
            (name.as_str(), *body, title)
        }
        other => return invalid(format!("a step is a name or a map: {other}")),
    };
    let action = match name {
        "startup" => Action::Startup,
        "wait" => Action::Wait,
        "apply" => Action::Apply(objects(body, base, namespace)?),
        "delete" => Action::Delete(as_list(body).iter().map(object_ref).collect::<Result<_, _>>()?),
        "edit" => Action::Edit { target: object_ref(body)?, replace: replacements(&body["replace"])? },
        "schedule" => match body.as_str() {
            Some(binding) => Action::Schedule(binding.to_owned()),
            None => return invalid("schedule names a schedule binding"),
        },
        "informerLag" => match body.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Action::InformerLag(n),
            None => return invalid("informerLag is a number of runs"),
        },
        "refuse" => Action::Refuse(refuse_rule(body)?),
        "exec" => match body.as_str() {
            Some(command) => Action::Exec(command.to_owned()),
            None => return invalid("exec is a shell command"),
        },
        other => return invalid(format!("unknown step {other:?}")),
    };
    Ok(Step { title, action })
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

/// `apply` items: paths (files or directories) and inline objects.
fn objects(body: &Value, base: &Path, namespace: &str) -> Result<Vec<Value>, TimelineError> {
    let mut out = Vec::new();
    for item in as_list(body) {
        match item {
            Value::String(path) => out.extend(manifests::load(&[base.join(path)], namespace)?),
            Value::Object(_) => {
                let mut object = item;
                if object["metadata"]["namespace"].is_null() && object["kind"] != "Namespace" {
                    object["metadata"]["namespace"] = Value::String(namespace.to_owned());
                }
                out.push(object);
            }
            other => return invalid(format!("apply takes paths and objects, not {other}")),
        }
    }
    Ok(out)
}

fn object_ref(v: &Value) -> Result<ObjectRef, TimelineError> {
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    match (text("kind"), text("name")) {
        (Some(kind), Some(name)) => Ok(ObjectRef { kind, name, namespace: text("namespace") }),
        _ => invalid(format!("an object reference has kind and name: {v}")),
    }
}

fn replacements(v: &Value) -> Result<Vec<(String, String)>, TimelineError> {
    match v {
        Value::Object(map) if !map.is_empty() => Ok(map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect()),
        _ => invalid("edit.replace is a non-empty map of text to its replacement"),
    }
}

fn refuse_rule(v: &Value) -> Result<RefuseRule, TimelineError> {
    let map: &Map<String, Value> = match v.as_object() {
        Some(m) => m,
        None => return invalid("refuse is a map (operation, kind, name, reason, times)"),
    };
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    let times = match map.get("times") {
        None => Some(1),
        Some(Value::String(s)) if s == "always" => None,
        Some(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return invalid("refuse.times is a number or \"always\""),
        },
    };
    Ok(RefuseRule {
        operation: text("operation"),
        kind: text("kind"),
        name: text("name"),
        reason: text("reason").unwrap_or_else(|| "refused by the API server (injected fault)".into()),
        times,
    })
}
