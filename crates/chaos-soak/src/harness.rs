//! The three hooks against ONE pretend cluster: each hook has its own `HookTest` (binary,
//! environment), and the shared cluster is swapped into the one that runs. Every hook is
//! started through a small wrapper so that a run can be killed mid-flight (SIGKILL after
//! `CHAOS_KILL_AFTER` seconds, as the kubelet kills a container).

use hookctl::cluster::PretendCluster;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use test_support::hook_test::{HookRunResult, HookTest};

pub const HOOKS: [&str; 3] = ["ccloud-api-key", "ccloud-topic", "connect-apply"];

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(
        "hook binary {0} not found (build it: cargo build --bin ccloud-topic --bin ccloud-api-key --bin connect-apply)"
    )]
    Missing(PathBuf),
    #[error("writing the hook wrapper: {0}")]
    Io(#[from] std::io::Error),
}

/// The deployment's settings, fixed per seed.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// `ALLOW_DELETE` of the ccloud hooks (connect-apply always gets `connector` at least).
    pub allow_delete: Option<&'static str>,
    pub max_deletions: Option<&'static str>,
    /// `INSTANCE_ID` (unset: the namespace, `default`).
    pub instance: Option<&'static str>,
}

impl Deployment {
    pub fn pick(rng: &mut fastrand::Rng) -> Self {
        let allow = [None, Some("true"), Some("topic,acl,api-key,service-account,connector"), Some("connector")];
        let max = [None, Some("1"), Some("5")];
        let instance = [None, Some("soak")];
        Self {
            allow_delete: allow[rng.usize(..allow.len())],
            max_deletions: max[rng.usize(..max.len())],
            instance: instance[rng.usize(..instance.len())],
        }
    }

    /// The owner token of the keys this deployment mints.
    pub fn owner_token(&self) -> String {
        format!("ccops/ccloud-api-key/{}", self.instance.unwrap_or("default"))
    }

    pub fn allows(&self, kind: &str) -> bool {
        self.allow_delete.is_some_and(|a| a == "true" || a.split(',').any(|k| k == kind))
    }
}

pub struct Hooks {
    tests: Vec<HookTest>,
    pub cluster: PretendCluster,
    _dir: tempfile::TempDir,
}

/// What one run gave, or the harness panic it caused (a patch file shell-operator rejects).
pub struct Run {
    pub hook: &'static str,
    pub result: Result<HookRunResult, String>,
}

fn wrapper(dir: &Path, bin: &Path, name: &str) -> Result<PathBuf, HarnessError> {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\nif [ -n \"$CHAOS_KILL_AFTER\" ] && [ \"$1\" != \"--config\" ]; then exec timeout -s KILL \"$CHAOS_KILL_AFTER\" '{b}' \"$@\"; fi\nexec '{b}' \"$@\"\n",
        b = bin.display()
    );
    std::fs::write(&path, script)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}

impl Hooks {
    pub fn new(bin_dir: &Path, envs: [Vec<(String, String)>; 3]) -> Result<Self, HarnessError> {
        let dir = tempfile::tempdir()?;
        let mut tests = Vec::new();
        for (name, env) in HOOKS.iter().zip(envs) {
            let bin = bin_dir.join(name);
            if !bin.is_file() {
                return Err(HarnessError::Missing(bin));
            }
            tests.push(HookTest::new(wrapper(dir.path(), &bin, name)?).envs(&env));
        }
        Ok(Self { tests, cluster: PretendCluster::default(), _dir: dir })
    }

    pub fn set_env(&mut self, hook: usize, key: &str, value: &str) {
        self.tests[hook].set_env(key, value);
    }

    pub fn unset_env(&mut self, hook: usize, key: &str) {
        self.tests[hook].unset_env(key);
    }

    pub fn run(&mut self, hook: usize) -> Run {
        let t = &mut self.tests[hook];
        std::mem::swap(t.cluster_mut(), &mut self.cluster);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.run())).map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic".into())
        });
        std::mem::swap(t.cluster_mut(), &mut self.cluster);
        Run { hook: HOOKS[hook], result }
    }
}
