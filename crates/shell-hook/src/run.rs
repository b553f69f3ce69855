//! The run model every hook binary shares: `--config`, hook mode (the env contract),
//! hand runs (`--binding-context FILE`), the global deadline, and exit codes.

use crate::config::HookConfig;
use crate::context::{BindingContext, parse_contexts, read_contexts};
use crate::outputs::{Destination, Outputs};
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the binary was invoked, before any file is read.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub print_config: bool,
    /// A hand run's context file (`-` for stdin); hook mode reads `$BINDING_CONTEXT_PATH`.
    pub binding_context: Option<PathBuf>,
    pub patch_file: Option<PathBuf>,
    pub metrics_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Options that mean the same in hook, hand and CI runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub dry_run: bool,
    pub output: OutputFormat,
    /// 0 no changes, 2 changes, 1 error (for CI plans).
    pub detailed_exitcode: bool,
    /// The whole run, so that a hook can never hang its shell-operator queue.
    pub deadline: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { dry_run: false, output: OutputFormat::Text, detailed_exitcode: false, deadline: DEFAULT_DEADLINE }
    }
}

pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(240);

/// A point in time after which no new work starts.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(d: Duration) -> Self {
        Self(Instant::now() + d)
    }
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }
    pub fn instant(&self) -> Instant {
        self.0
    }
}

/// What a hook body sees.
pub struct HookRun {
    pub contexts: Vec<BindingContext>,
    pub outputs: Arc<Outputs>,
    pub options: RunOptions,
    pub deadline: Deadline,
    /// True for `--binding-context` runs, false under shell-operator.
    pub hand_run: bool,
}

/// A run's account of itself, rendered only when a hand run prints it: under
/// shell-operator nobody reads it, and with 40,000 planned actions the JSON form alone
/// took 50 MB.
pub trait Report {
    /// Human summary (the plan and what happened), printed on stdout in hand runs.
    fn text(&self) -> String;
    /// The same as data, for `--output json`.
    fn json(&self) -> Value;
}

/// A run with nothing to report but a sentence.
impl Report for String {
    fn text(&self) -> String {
        self.clone()
    }

    fn json(&self) -> Value {
        serde_json::json!({"message": self.trim_end()})
    }
}

/// The errors a run ended with, worst first: what the exit-code table needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Errors {
    #[default]
    None,
    /// Errors a retry cannot fix (invalid, refused, conflicting, validation failed):
    /// reported in status and metrics.
    Permanent,
    /// At least one error a retry may fix.
    Transient,
}

/// What a hook body reports.
#[derive(Default)]
pub struct Outcome {
    /// Something was (or, in a dry run, would be) changed.
    pub changed: bool,
    pub errors: Errors,
    pub report: Option<Box<dyn Report>>,
}

impl Outcome {
    /// Nothing changed, no error, one sentence for the hand run.
    pub fn message(text: impl Into<String>) -> Self {
        Self { report: Some(Box::new(text.into())), ..Self::default() }
    }
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome").field("changed", &self.changed).field("errors", &self.errors).finish_non_exhaustive()
    }
}

/// Maps an outcome to the process exit status. This is the only exit-code table:
///
/// | mode | no error | changes | permanent errors | transient errors |
/// |---|---|---|---|---|
/// | `--detailed-exitcode` (CI plans) | 0 | 2 | 1 | 1 |
/// | hook and hand runs | 0 | 0 | 0 (reported in status and metrics) | 1 (shell-operator retries) |
///
/// A hook run that has written a minted secret exits 0 whatever happened: shell-operator
/// drops the files of a failing run, and the secret exists nowhere else.
pub fn exit_code(outcome: &Outcome, options: &RunOptions, must_succeed: bool) -> i32 {
    if options.detailed_exitcode {
        return if outcome.errors != Errors::None {
            1
        } else if outcome.changed {
            2
        } else {
            0
        };
    }
    if outcome.errors == Errors::Transient && !must_succeed { 1 } else { 0 }
}

type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// Runs a hook binary end to end and returns its exit status.
pub fn execute(
    config: &HookConfig,
    invocation: &Invocation,
    options: RunOptions,
    body: impl FnOnce(&mut HookRun) -> Result<Outcome, BodyError>,
) -> i32 {
    if invocation.print_config {
        emit(&format!("{}\n", config.to_json()));
        return 0;
    }
    match prepare(invocation, options) {
        Ok(mut run) => {
            let result = body(&mut run);
            finish(&run, result)
        }
        Err(message) => {
            tracing::error!("{message}");
            1
        }
    }
}

fn prepare(invocation: &Invocation, options: RunOptions) -> Result<HookRun, String> {
    let env_path = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let (contexts, hand_run) = match &invocation.binding_context {
        Some(path) if path.as_os_str() == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read stdin: {e}"))?;
            (parse_contexts(&bytes).map_err(|e| e.to_string())?, true)
        }
        Some(path) => (read_contexts(path).map_err(|e| e.to_string())?, true),
        None => match env_path("BINDING_CONTEXT_PATH") {
            Some(path) => (read_contexts(&path).map_err(|e| e.to_string())?, false),
            None => return Err("no binding context: run under shell-operator, or pass --binding-context FILE".into()),
        },
    };
    let destination = |flag: &Option<PathBuf>, env: &str| match (flag, hand_run) {
        (Some(path), _) => Destination::File(path.clone()),
        (None, false) => env_path(env).map_or(Destination::Stdout, Destination::File),
        (None, true) => Destination::Stdout,
    };
    let patches = destination(&invocation.patch_file, "KUBERNETES_PATCH_PATH");
    let metrics = destination(&invocation.metrics_file, "METRICS_PATH");
    let outputs = Outputs::open(&patches, &metrics).map_err(|e| format!("cannot open output files: {e}"))?;
    let deadline = Deadline::after(options.deadline);
    let run = HookRun { contexts, outputs: Arc::new(outputs), options, deadline, hand_run };
    start_watchdog(&run);
    Ok(run)
}

/// The last line of defence against a hung run: the body is expected to respect the
/// deadline itself, this only fires well after it.
fn start_watchdog(run: &HookRun) {
    let outputs = Arc::clone(&run.outputs);
    let fire_at = run.deadline.instant() + Duration::from_secs(10);
    std::thread::spawn(move || {
        std::thread::sleep(fire_at.saturating_duration_since(Instant::now()));
        let code = i32::from(!outputs.must_succeed());
        tracing::error!(exit_code = code, "run exceeded its deadline; exiting");
        std::process::exit(code);
    });
}

fn finish(run: &HookRun, result: Result<Outcome, BodyError>) -> i32 {
    let must_succeed = run.outputs.must_succeed();
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(err) => {
            let mut message = err.to_string();
            let mut source = err.source();
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            tracing::error!(retry = !must_succeed, "{message}");
            Outcome { errors: Errors::Transient, ..Outcome::default() }
        }
    };
    if run.hand_run {
        print_hand_run(run, &outcome);
    }
    let code = exit_code(&outcome, &run.options, must_succeed);
    if outcome.errors == Errors::Transient && must_succeed && code == 0 {
        tracing::warn!(
            "failures remain, but new secrets were written: exiting 0 so they are applied; the schedule retries"
        );
    }
    code
}

fn print_hand_run(run: &HookRun, outcome: &Outcome) {
    let buffered = run.outputs.take_buffered();
    match run.options.output {
        OutputFormat::Json => {
            let mut doc = serde_json::Map::new();
            doc.insert("result".into(), outcome.report.as_ref().map_or(Value::Null, |r| r.json()));
            if let Some(ops) = buffered.operations {
                doc.insert("objectOperations".into(), Value::Array(ops));
            }
            if let Some(metrics) = buffered.metrics {
                doc.insert("metrics".into(), Value::Array(metrics));
            }
            emit(&format!("{}\n", serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default()));
        }
        OutputFormat::Text => {
            emit(&outcome.report.as_ref().map(|r| r.text()).unwrap_or_default());
            if !buffered.is_empty() {
                emit(&buffered.to_text());
            }
        }
    }
}

/// The only writer of stdout in hook binaries: protocol output and requested plans.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(changed: bool, retry: bool) -> Outcome {
        Outcome { changed, errors: if retry { Errors::Transient } else { Errors::None }, ..Outcome::default() }
    }

    #[test]
    fn detailed_exit_codes() {
        let o = RunOptions { detailed_exitcode: true, ..RunOptions::default() };
        assert_eq!(exit_code(&outcome(false, false), &o, false), 0);
        assert_eq!(exit_code(&outcome(true, false), &o, false), 2);
        assert_eq!(exit_code(&outcome(true, true), &o, false), 1);
        let permanent = Outcome { errors: Errors::Permanent, ..Outcome::default() };
        assert_eq!(exit_code(&permanent, &o, false), 1, "any error fails a CI plan");
        assert_eq!(exit_code(&permanent, &RunOptions::default(), false), 0, "hooks report permanent errors");
    }

    #[test]
    fn hook_exit_codes_keep_secrets() {
        let o = RunOptions::default();
        assert_eq!(exit_code(&outcome(true, false), &o, false), 0);
        assert_eq!(exit_code(&outcome(true, true), &o, false), 1);
        assert_eq!(exit_code(&outcome(true, true), &o, true), 0);
    }

    #[test]
    fn deadline_counts_down() {
        let d = Deadline::after(Duration::from_secs(60));
        assert!(!d.expired() && d.remaining() > Duration::from_secs(50));
        assert!(Deadline::after(Duration::ZERO).expired());
    }
}
