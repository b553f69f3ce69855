//! A set of objects that object operations are applied to, the way shell-operator
//! applies a hook's patch file: what the cluster would hold after a run. Used to run a
//! hook several times in a row without a cluster.

use serde_json::{Value, json};

/// Objects keyed by kind, namespace and name.
#[derive(Debug, Clone, Default)]
pub struct Objects(pub Vec<Value>);

fn key(o: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (s(&o["kind"]), s(&o["metadata"]["namespace"]), s(&o["metadata"]["name"]))
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

    /// One shell-operator cycle: start-up contexts for these objects, one run of `hook`,
    /// and, when the run succeeded, its object operations applied here.
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

    /// Applies operations in order. `Create*` replace or add objects, `MergePatch` merges
    /// (RFC 7386), `Delete*` remove; `JQPatch` and `JSONPatch` are not simulated.
    pub fn apply(&mut self, operations: &[Value]) -> Result<(), String> {
        for op in operations {
            let target = || {
                (
                    op["kind"].as_str().unwrap_or_default().to_owned(),
                    op["namespace"].as_str().unwrap_or_default().to_owned(),
                    op["name"].as_str().unwrap_or_default().to_owned(),
                )
            };
            match op["operation"].as_str().unwrap_or_default() {
                "Create" | "CreateOrUpdate" | "CreateIfNotExists" => {
                    let object = match &op["object"] {
                        Value::String(text) => yaml_io::from_json_or_yaml(text).map_err(|e| e.to_string())?,
                        other => other.clone(),
                    };
                    let exists = self.0.iter().any(|o| key(o) == key(&object));
                    if exists && op["operation"] == "CreateIfNotExists" {
                        continue;
                    }
                    self.0.retain(|o| key(o) != key(&object));
                    self.0.push(object);
                }
                "MergePatch" => {
                    let t = target();
                    let patch = match &op["mergePatch"] {
                        Value::String(text) => yaml_io::from_json_or_yaml(text).map_err(|e| e.to_string())?,
                        other => other.clone(),
                    };
                    match self.0.iter_mut().find(|o| key(o) == t) {
                        Some(o) => merge(o, &patch),
                        None if op["ignoreMissingObject"] == true => {}
                        None => return Err(format!("MergePatch: {}/{}/{} not found", t.0, t.1, t.2)),
                    }
                }
                "Delete" | "DeleteInBackground" | "DeleteNonCascading" => {
                    let t = target();
                    self.0.retain(|o| key(o) != t);
                }
                other => return Err(format!("{other} is not simulated")),
            }
        }
        Ok(())
    }
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
