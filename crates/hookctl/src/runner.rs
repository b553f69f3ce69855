//! Runs a hook the way shell-operator does, and judges what it wrote.

use serde_json::Value;
use shell_hook::HookConfig;
use shell_hook::config_check::{ParsedConfig, parse_config};
use shell_hook::metrics::{ParsedMetrics, parse_metrics};
use shell_hook::patch::parse_operations;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot run {hook}: {source}")]
    Spawn { hook: String, source: std::io::Error },
    #[error("{hook} --config exited with {code:?}: {stderr}")]
    ConfigFailed { hook: String, code: Option<i32>, stderr: String },
    #[error("{hook} --config: {source}")]
    InvalidConfig { hook: String, source: shell_hook::config_check::ConfigError },
    #[error("{hook} prints a v0 config; hookctl renders v1 contexts only")]
    LegacyConfig { hook: String },
    #[error("temporary files: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs `hook --config` (cwd = `workdir`, no env contract) and validates the output.
pub fn read_config(hook: &Path, workdir: &Path) -> Result<ParsedConfig, RunError> {
    read_config_with_env(hook, workdir, &[])
}

/// [`read_config`] with extra environment: shell-operator's own environment reaches
/// `--config` too, and some hooks derive their bindings from it.
pub fn read_config_with_env(hook: &Path, workdir: &Path, env: &[(String, String)]) -> Result<ParsedConfig, RunError> {
    let name = hook.display().to_string();
    let output = Command::new(absolute(hook))
        .arg("--config")
        .current_dir(workdir)
        .stdin(Stdio::null())
        .env_remove("BINDING_CONTEXT_PATH")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .map_err(|source| RunError::Spawn { hook: name.clone(), source })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(RunError::ConfigFailed { hook: name, code: output.status.code(), stderr });
    }
    parse_config(&String::from_utf8_lossy(&output.stdout))
        .map_err(|source| RunError::InvalidConfig { hook: name, source })
}

/// Reads a v1 config from the hook, with the hook's directory as working directory.
pub fn read_v1_config(hook: &Path) -> Result<HookConfig, RunError> {
    read_v1_config_with_env(hook, &[])
}

/// [`read_v1_config`] with extra environment for `--config`.
pub fn read_v1_config_with_env(hook: &Path, env: &[(String, String)]) -> Result<HookConfig, RunError> {
    match read_config_with_env(hook, &parent_dir(hook), env)? {
        ParsedConfig::V1(config) => Ok(*config),
        ParsedConfig::V0(_) => Err(RunError::LegacyConfig { hook: hook.display().to_string() }),
    }
}

/// The result of one run.
#[derive(Debug)]
pub struct RunResult {
    pub exit_code: i32,
    /// Raw file contents (may hold Secret data: never print these as they are).
    pub patch_text: String,
    pub metrics_text: String,
    /// Verdicts on the two files, as shell-operator would reach them.
    pub operations: Result<Vec<Value>, shell_hook::patch::PatchError>,
    pub metrics: Result<ParsedMetrics, shell_hook::metrics::MetricsError>,
    /// The hook's stdout and stderr when the run captured them ([`run_captured`]);
    /// empty otherwise.
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    /// shell-operator's notion of success: exit 0 and valid output files.
    pub fn succeeded(&self) -> bool {
        self.exit_code == 0 && self.operations.is_ok() && self.metrics.is_ok()
    }
}

/// Runs the hook once with `contexts`: no arguments, cwd = the hook's directory, the six
/// file variables pointing at fresh files, stdin closed, the caller's env plus `env`.
pub fn run_once(hook: &Path, contexts: &[Value], env: &[(String, String)]) -> Result<RunResult, RunError> {
    execute(hook, contexts, env, false)
}

/// [`run_once`], but the hook's stdout and stderr are kept in the result instead of
/// passed through (shell-operator logs them; tests and the simulator inspect them).
pub fn run_captured(hook: &Path, contexts: &[Value], env: &[(String, String)]) -> Result<RunResult, RunError> {
    execute(hook, contexts, env, true)
}

fn execute(hook: &Path, contexts: &[Value], env: &[(String, String)], capture: bool) -> Result<RunResult, RunError> {
    let dir = tempfile::Builder::new().prefix("hookctl-").tempdir()?;
    let path = |name: &str| dir.path().join(name);
    shell_hook::outputs::write_private(
        &path("binding-context.json"),
        &serde_json::to_vec(contexts).unwrap_or_default(),
    )?;
    for name in ["metrics.json", "object-patch", "validating-response.json", "conversion-response.json"] {
        shell_hook::outputs::create_empty(&path(name))?;
    }
    let mut command = Command::new(absolute(hook));
    command
        .current_dir(parent_dir(hook))
        .stdin(Stdio::null())
        .env("BINDING_CONTEXT_PATH", path("binding-context.json"))
        .env("METRICS_PATH", path("metrics.json"))
        .env("KUBERNETES_PATCH_PATH", path("object-patch"))
        .env("VALIDATING_RESPONSE_PATH", path("validating-response.json"))
        .env("ADMISSION_RESPONSE_PATH", path("validating-response.json"))
        .env("CONVERSION_RESPONSE_PATH", path("conversion-response.json"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(if capture { Stdio::piped() } else { Stdio::inherit() })
        .stderr(if capture { Stdio::piped() } else { Stdio::inherit() });
    let spawn_error = |source| RunError::Spawn { hook: hook.display().to_string(), source };
    let output = command.spawn().and_then(|child| child.wait_with_output()).map_err(spawn_error)?;
    let status = output.status;
    let patch_text = std::fs::read_to_string(path("object-patch"))?;
    let metrics_text = std::fs::read_to_string(path("metrics.json"))?;
    Ok(RunResult {
        exit_code: status.code().unwrap_or(128),
        operations: parse_operations(&patch_text),
        metrics: parse_metrics(&metrics_text),
        patch_text,
        metrics_text,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn parent_dir(hook: &Path) -> PathBuf {
    absolute(hook).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}
