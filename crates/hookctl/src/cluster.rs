//! A set of objects that object operations are applied to, the way shell-operator
//! applies a hook's patch file: what the cluster would hold after a run. Used to run a
//! hook several times in a row without a cluster.

use serde_json::{Value, json};

mod informer;
mod validate;

pub use informer::{PretendCluster, RefuseRule};
pub use validate::{check_create, check_object, check_update};

/// Objects keyed by kind, namespace and name.
#[derive(Debug, Clone, Default)]
pub struct Objects(pub Vec<Value>);

fn key(o: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (s(&o["kind"]), s(&o["metadata"]["namespace"]), s(&o["metadata"]["name"]))
}

/// An operation the API server (or the patcher before it) refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// Position of the operation in the patch file, from 0.
    pub index: usize,
    /// `<operation> <kind> <namespace>/<name>`: never the object itself (Secret data).
    pub operation: String,
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "operation {} ({}): {}", self.index + 1, self.operation, self.reason)
    }
}

impl Objects {
    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.0.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }

    pub fn get_mut(&mut self, kind: &str, name: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }

    pub fn remove(&mut self, kind: &str, name: &str) {
        self.0.retain(|o| !(o["kind"] == kind && o["metadata"]["name"] == name));
    }

    /// An informer that lags `runs` hook runs behind these objects (see [`PretendCluster`]).
    pub fn with_informer_lag(self, runs: usize) -> PretendCluster {
        PretendCluster::new(self).with_informer_lag(runs)
    }

    /// One shell-operator cycle: start-up contexts for these objects, one run of `hook`,
    /// and, when the run succeeded, its object operations applied here. A rejected
    /// operation is an `Err` (the operations before and after it were applied).
    pub fn run_hook(
        &mut self,
        hook: &std::path::Path,
        env: &[(String, String)],
    ) -> Result<crate::runner::RunResult, String> {
        let config = crate::runner::read_v1_config(hook).map_err(|e| e.to_string())?;
        let contexts = crate::render::Renderer::new(&config)
            .map_err(|e| e.to_string())?
            .startup(&self.0)
            .map_err(|e| e.to_string())?;
        let result = crate::runner::run_once(hook, &contexts, env).map_err(|e| e.to_string())?;
        if result.succeeded() {
            let ops = result.operations.clone().map_err(|e| e.to_string())?;
            self.apply(&ops)?;
        }
        Ok(result)
    }

    /// Applies operations as shell-operator's patcher does: every one is attempted, in
    /// order, and the refused ones are reported together (`Err`), the others stay applied.
    pub fn apply(&mut self, operations: &[Value]) -> Result<(), String> {
        let rejected = self.apply_each(operations);
        if rejected.is_empty() {
            return Ok(());
        }
        Err(rejected.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    }

    /// [`Objects::apply`], returning each refused operation. `Create*` add or replace
    /// objects, `MergePatch` merges (RFC 7386), `Delete*` remove; `JQPatch` and
    /// `JSONPatch` are not simulated and come back refused.
    pub fn apply_each(&mut self, operations: &[Value]) -> Vec<Rejection> {
        let mut rejected = Vec::new();
        for (index, op) in operations.iter().enumerate() {
            if let Err(reason) = self.apply_one(op) {
                rejected.push(Rejection { index, operation: describe_operation(op), reason });
            }
        }
        rejected
    }

    fn apply_one(&mut self, op: &Value) -> Result<(), String> {
        let target = (
            op["kind"].as_str().unwrap_or_default().to_owned(),
            op["namespace"].as_str().unwrap_or_default().to_owned(),
            op["name"].as_str().unwrap_or_default().to_owned(),
        );
        match op["operation"].as_str().unwrap_or_default() {
            operation @ ("Create" | "CreateOrUpdate" | "CreateIfNotExists") => {
                let object = embedded(&op["object"])?;
                let existing = self.0.iter().position(|o| key(o) == key(&object));
                match (existing, operation) {
                    (None, _) => {
                        validate::check_create(&object)?;
                        self.0.push(object);
                    }
                    (Some(_), "CreateIfNotExists") => {}
                    (Some(_), "Create") => {
                        return Err(format!("{} {:?} already exists", plural(&object), key(&object).2));
                    }
                    (Some(i), _) => {
                        validate::check_create(&object)?;
                        validate::check_update(&self.0[i], &object)?;
                        self.0[i] = object;
                    }
                }
            }
            "MergePatch" => {
                let patch = embedded(&op["mergePatch"])?;
                match self.0.iter_mut().find(|o| key(o) == target) {
                    Some(o) => {
                        let mut patched = o.clone();
                        merge(&mut patched, &patch);
                        validate::check_update(o, &patched)?;
                        *o = patched;
                    }
                    None if op["ignoreMissingObject"] == true => {}
                    None => return Err(format!("{} {:?} not found", plural(&json!({"kind": target.0})), target.2)),
                }
            }
            "Delete" | "DeleteInBackground" | "DeleteNonCascading" => self.0.retain(|o| key(o) != target),
            other => return Err(format!("{other} is not simulated by hookctl")),
        }
        Ok(())
    }
}

/// `object` and `mergePatch` may be a map or a string holding YAML or JSON.
fn embedded(field: &Value) -> Result<Value, String> {
    match field {
        Value::String(text) => yaml_io::from_json_or_yaml(text).map_err(|e| e.to_string()),
        other => Ok(other.clone()),
    }
}

/// The API server names a resource by its lower-case plural in NotFound/AlreadyExists.
fn plural(object: &Value) -> String {
    format!("{}s", object["kind"].as_str().unwrap_or_default().to_lowercase())
}

/// `CreateOrUpdate Secret default/name`, from the operation's own fields or its object
/// (never its data: safe to print for Secrets).
pub fn describe_operation(op: &Value) -> String {
    let object = embedded(&op["object"]).unwrap_or(Value::Null);
    let field = |direct: &Value, inner: &Value| direct.as_str().or(inner.as_str()).unwrap_or_default().to_owned();
    format!(
        "{} {} {}/{}",
        op["operation"].as_str().unwrap_or_default(),
        field(&op["kind"], &object["kind"]),
        field(&op["namespace"], &object["metadata"]["namespace"]),
        field(&op["name"], &object["metadata"]["name"]),
    )
}

fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let map = target.as_object_mut().expect("made an object above");
    for (k, v) in fields {
        if v.is_null() {
            map.remove(k);
        } else {
            merge(map.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_change_the_objects() {
        let mut o = Objects(vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "n", "annotations": {"x": "1"}}}),
        ]);
        o.apply(&[
            json!({"operation": "MergePatch", "kind": "ConfigMap", "namespace": "n", "name": "a", "mergePatch": {"metadata": {"annotations": {"y": "2", "x": null}}}}),
            json!({"operation": "CreateOrUpdate", "object": {"kind": "Secret", "metadata": {"name": "s", "namespace": "n"}}}),
            json!({"operation": "MergePatch", "kind": "ConfigMap", "namespace": "n", "name": "gone", "mergePatch": {"a": 1}, "ignoreMissingObject": true}),
        ])
        .unwrap();
        assert_eq!(o.get("ConfigMap", "a").unwrap()["metadata"]["annotations"], json!({"y": "2"}));
        assert!(o.get("Secret", "s").is_some());
        o.apply(&[json!({"operation": "Delete", "kind": "Secret", "namespace": "n", "name": "s"})]).unwrap();
        assert!(o.get("Secret", "s").is_none());
        assert!(o.apply(&[json!({"operation": "MergePatch", "kind": "ConfigMap", "namespace": "n", "name": "gone", "mergePatch": {"a": 1}})]).is_err());
    }
}
