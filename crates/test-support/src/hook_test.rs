//! Drives a real hook binary the way shell-operator v1.20 does, against a pretend
//! cluster (`hookctl::cluster::PretendCluster`): start-up contexts from the informer's
//! (possibly lagging) snapshot, the six `*_PATH` files, and, when the run succeeds, its
//! object operations applied with the API server's validation. A refused operation fails
//! the run like a non-zero exit does, and a failed run records no metrics.
//!
//! ```ignore
//! let mut t = HookTest::new(env!("CARGO_BIN_EXE_ccloud-topic")).manifests(vec![cm]).envs(&env);
//! let r = t.run();
//! assert!(r.succeeded(), "{}", r.stderr);
//! ```

use hookctl::cluster::{Objects, PretendCluster};
use hookctl::cycle::{Attempt, Failure};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A hook binary, its environment and the cluster it runs against.
pub struct HookTest {
    bin: PathBuf,
    env: Vec<(String, String)>,
    cluster: PretendCluster,
    config: Option<hookctl::HookConfig>,
    /// Failed runs since the last success: which retry the next run would be.
    failures: u32,
}

/// One run and what shell-operator made of it.
#[derive(Debug, Clone)]
pub struct HookRunResult {
    pub exit: i32,
    /// The operations the hook wrote (applied only when the run succeeded).
    pub operations: Vec<Value>,
    /// The operations that reached the cluster.
    pub applied: Vec<Value>,
    /// The metric operations shell-operator recorded: none when the run failed.
    pub metrics: Vec<Value>,
    /// The metric operations the hook wrote, recorded or not.
    pub metrics_written: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
    /// The raw patch file (may hold Secret data).
    pub patch_text: String,
    /// Every operation the API server refused, `; `-separated, or `None`.
    pub rejected: Option<String>,
    /// Why shell-operator counts the run as failed, or `None` on success.
    pub failure: Option<String>,
    /// When the run failed: the back-off before shell-operator retries it (no jitter).
    pub retry_in: Option<Duration>,
    /// The binding contexts the run received.
    pub contexts: Vec<Value>,
}

impl HookRunResult {
    /// Exit 0, valid files, every operation applied: what shell-operator calls success.
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }
}

/// A hand run (`BIN --binding-context FILE ARGS`), outside shell-operator.
#[derive(Debug, Clone)]
pub struct HandRun {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
}

impl HandRun {
    /// stdout as JSON (`--output json`), `Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or(Value::Null)
    }
}

impl HookTest {
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        Self { bin: bin.into(), env: Vec::new(), cluster: PretendCluster::default(), config: None, failures: 0 }
    }

    /// The initial objects; those naming no namespace land in `default`, as with kubectl.
    pub fn manifests(mut self, objects: Vec<Value>) -> Self {
        let informer_lag = self.cluster.informer_lag();
        self.cluster = PretendCluster::new(Objects(Vec::new())).with_informer_lag(informer_lag);
        objects.into_iter().for_each(|o| self.apply(o));
        self
    }

    /// One variable of the hook's environment (for runs and for `--config`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_env(key, value);
        self
    }

    pub fn envs<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        for (k, v) in pairs {
            self.set_env(k.as_ref(), v.as_ref());
        }
        self
    }

    /// `DRY_RUN=true`.
    pub fn dry_run(self) -> Self {
        self.env("DRY_RUN", "true")
    }

    /// Snapshots lag the applied objects by `runs` runs (see `PretendCluster`).
    pub fn informer_lag(mut self, runs: usize) -> Self {
        self.cluster.set_informer_lag(runs);
        self
    }

    /// Sets or replaces a variable between runs.
    pub fn set_env(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self.config = None;
    }

    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
        self.config = None;
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn env_pairs(&self) -> &[(String, String)] {
        &self.env
    }

    pub fn cluster(&self) -> &PretendCluster {
        &self.cluster
    }

    pub fn cluster_mut(&mut self) -> &mut PretendCluster {
        &mut self.cluster
    }

    /// One run as shell-operator makes it, see the module documentation.
    ///
    /// # Panics
    /// When the hook cannot be started, its `--config` is invalid, or it writes a patch or
    /// metrics file shell-operator cannot parse (a hook bug, never a test's intent here).
    pub fn run(&mut self) -> HookRunResult {
        let snapshot = self.cluster.snapshot_for_run();
        let contexts = self.startup_contexts(&snapshot);
        let attempt = hookctl::cycle::run_with(&mut self.cluster, &self.bin, contexts, &self.env, true)
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bin.display()));
        if let Some(f @ (Failure::InvalidMetrics(_) | Failure::InvalidOperations(_))) = &attempt.failure {
            panic!("{} wrote a file shell-operator rejects: {f}\nstderr:\n{}", self.bin.display(), attempt.run.stderr);
        }
        let retry_in = (!attempt.succeeded()).then(|| hookctl::cycle::retry_delay(self.failures));
        self.failures = if attempt.succeeded() { 0 } else { self.failures + 1 };
        result(attempt, retry_in)
    }

    /// The start-up contexts the next run would receive.
    pub fn contexts(&mut self) -> Vec<Value> {
        let snapshot = self.cluster.peek_snapshot();
        self.startup_contexts(&snapshot)
    }

    /// Renders [`HookTest::contexts`] to a file and runs `BIN --binding-context FILE ARGS`
    /// with the hook's environment; the cluster is left as it is.
    ///
    /// # Panics
    /// When the file cannot be written or the hook cannot be started.
    pub fn hand_run(&mut self, args: &[&str]) -> HandRun {
        let contexts = self.contexts();
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("binding-context.json");
        std::fs::write(&file, serde_json::to_vec(&contexts).expect("contexts serialize")).expect("writing contexts");
        let out = std::process::Command::new(&self.bin)
            .arg("--binding-context")
            .arg(&file)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bin.display()));
        HandRun {
            exit: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Creates or replaces an object (as `kubectl apply` would), bypassing the hook.
    pub fn apply(&mut self, mut object: Value) {
        if object["metadata"]["namespace"].is_null() {
            object["metadata"]["namespace"] = json!("default");
        }
        let truth = self.cluster.truth_mut();
        let same = |o: &Value| {
            o["kind"] == object["kind"]
                && o["metadata"]["name"] == object["metadata"]["name"]
                && o["metadata"]["namespace"] == object["metadata"]["namespace"]
        };
        truth.0.retain(|o| !same(o));
        truth.0.push(object);
    }

    pub fn delete(&mut self, kind: &str, name: &str) {
        self.cluster.truth_mut().remove(kind, name);
    }

    /// An object as the API server holds it now (not as the lagging informer sees it).
    pub fn get(&self, kind: &str, name: &str) -> Option<&Value> {
        self.cluster.truth().get(kind, name)
    }

    pub fn objects(&self) -> &[Value] {
        &self.cluster.truth().0
    }

    fn startup_contexts(&mut self, snapshot: &[Value]) -> Vec<Value> {
        let config = self.config.get_or_insert_with(|| {
            hookctl::runner::read_v1_config_with_env(&self.bin, &self.env)
                .unwrap_or_else(|e| panic!("{} --config: {e}", self.bin.display()))
        });
        hookctl::render::Renderer::new(config)
            .and_then(|r| r.startup(snapshot))
            .unwrap_or_else(|e| panic!("rendering contexts: {e}"))
    }
}

fn result(attempt: Attempt, retry_in: Option<Duration>) -> HookRunResult {
    let rejected = (!attempt.rejected.is_empty())
        .then(|| attempt.rejected.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
    HookRunResult {
        exit: attempt.run.exit_code,
        operations: attempt.written_operations(),
        metrics: attempt.recorded_metrics(),
        metrics_written: attempt.run.metrics.as_ref().map(|m| m.operations.clone()).unwrap_or_default(),
        failure: attempt.failure.as_ref().map(ToString::to_string),
        applied: attempt.applied,
        stdout: attempt.run.stdout,
        stderr: attempt.run.stderr,
        patch_text: attempt.run.patch_text,
        rejected,
        retry_in,
        contexts: attempt.contexts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A hook watching ConfigMaps that writes `OPS` (one JSON operation per line) and a
    /// metric, and exits with `EXIT` (default 0).
    const HOOK: &str = r#"#!/bin/sh
if [ "$1" = "--config" ]; then
  echo '{"configVersion":"v1","kubernetes":[{"name":"cms","apiVersion":"v1","kind":"ConfigMap","jqFilter":".metadata.name"}]}'
  exit 0
fi
printf '%s\n' "$OPS" > "$KUBERNETES_PATCH_PATH"
echo '{"name":"runs","action":"add","value":1}' > "$METRICS_PATH"
echo "dry_run=${DRY_RUN:-}" >&2
echo "$1" >&2
exit "${EXIT:-0}"
"#;

    fn hook(dir: &Path) -> PathBuf {
        let path = dir.join("hook");
        std::fs::write(&path, HOOK).expect("write hook");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {}})
    }

    fn create(name: &str) -> String {
        json!({"operation": "Create", "object": cm(name)}).to_string()
    }

    #[test]
    fn a_run_applies_its_operations_and_records_metrics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut t = HookTest::new(hook(dir.path())).manifests(vec![cm("a")]).env("OPS", create("b")).dry_run();
        let r = t.run();
        assert!(r.succeeded(), "{r:?}");
        assert_eq!(r.contexts[0]["objects"][0]["filterResult"], "a");
        assert!(r.stderr.contains("dry_run=true"), "{}", r.stderr);
        assert_eq!(r.metrics.len(), 1);
        assert!(t.get("ConfigMap", "b").is_some());
        let mut bare = cm("bare");
        bare["metadata"]["namespace"] = Value::Null;
        t.apply(bare);
        assert_eq!(t.get("ConfigMap", "bare").expect("bare")["metadata"]["namespace"], "default");
        t.delete("ConfigMap", "a");
        assert_eq!(t.objects().len(), 2, "b and bare");
    }

    #[test]
    fn a_refused_operation_fails_the_run_and_drops_its_metrics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ops = format!("{}\n{}", create("Not_Valid"), create("c"));
        let mut t = HookTest::new(hook(dir.path())).env("OPS", ops);
        let r = t.run();
        assert_eq!(r.exit, 0);
        assert!(!r.succeeded());
        assert!(r.rejected.as_deref().is_some_and(|e| e.contains("metadata.name")), "{r:?}");
        assert!(r.metrics.is_empty() && r.metrics_written.len() == 1);
        assert!(t.get("ConfigMap", "c").is_some(), "the operations after the refused one were applied");
        assert_eq!(r.retry_in, Some(Duration::from_secs(5)));
        assert_eq!(t.run().retry_in, Some(Duration::from_secs(6)), "Create of c now also fails: AlreadyExists");
    }

    #[test]
    fn a_failed_exit_applies_nothing_and_lag_hides_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut t = HookTest::new(hook(dir.path())).env("OPS", create("b")).env("EXIT", "2").informer_lag(1);
        assert_eq!(t.run().exit, 2);
        assert!(t.objects().is_empty());
        t.unset_env("EXIT");
        assert!(t.run().succeeded());
        assert!(t.run().contexts[0]["objects"].as_array().is_some_and(Vec::is_empty), "run 3 lags run 2's write");
        assert_eq!(t.run().contexts[0]["objects"][0]["filterResult"], "b");
    }

    #[test]
    fn a_hand_run_passes_the_contexts_file_and_arguments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let owned: Vec<(String, String)> = vec![("OPS".into(), String::new())];
        let mut t = HookTest::new(hook(dir.path())).manifests(vec![cm("a")]).envs(&owned);
        let h = t.hand_run(&["--binding-context"]);
        assert_eq!(h.exit, 0, "{}", h.stderr);
        assert!(h.stderr.contains("--binding-context"), "{}", h.stderr);
        assert!(t.get("ConfigMap", "a").is_some());
    }
}
