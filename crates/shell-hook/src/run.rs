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
    /// Under shell-operator, this run may be at the head of its `main` queue (see
    /// [`may_run_in_main`]): a failing exit would block every other hook.
    pub in_main_queue: bool,
}

/// Whether shell-operator may be running these contexts from its `main` queue.
///
/// shell-operator v1.20 puts every Synchronization at the head of `main`, whatever queue
/// the binding names (`pkg/shell-operator/hook_task_factory.go`, `NewSyncHookRunTask`),
/// and retries a failed task there forever, blocking every other hook behind it. A
/// grouped binding's Synchronization is delivered as `type: Group`, exactly like its
/// watch events (`pkg/hook/binding_context/binding_context.go`, `MapV1`: "Group is always
/// has type: Group, even for Synchronization"; no `watchEvent`, no `objects`), so a hook
/// cannot tell the two apart: a Group context of a kubernetes binding counts as
/// possibly in `main`. onStartup runs in `main`; events and schedules run on their
/// binding's queue (`main` when it names none).
pub fn may_run_in_main(contexts: &[BindingContext], config: &HookConfig) -> bool {
    use crate::context::ContextType;
    let queue_is_main = |queue: &Option<String>| queue.as_deref().is_none_or(|q| q == "main");
    let schedule = |name: &str| config.schedule_bindings().iter().find(|b| b.binding_name() == name);
    let kubernetes = |name: &str| config.kubernetes_bindings().iter().find(|b| b.binding_name() == name);
    contexts.iter().any(|c| match c.kind {
        None | Some(ContextType::Synchronization) => true,
        Some(ContextType::Group) => schedule(&c.binding).is_none_or(|b| queue_is_main(&b.queue)),
        Some(ContextType::Schedule) => schedule(&c.binding).is_none_or(|b| queue_is_main(&b.queue)),
        Some(ContextType::Event) => kubernetes(&c.binding).is_none_or(|b| queue_is_main(&b.queue)),
        Some(ContextType::Validating | ContextType::Mutating | ContextType::Conversion) => false,
    })
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
/// `exit_zero`: a non-zero exit would do more harm than the retry it buys, and a hook run
/// then exits 0 whatever happened (the errors are reported in status, metrics and logs):
/// - it has written a minted secret: shell-operator drops the files of a failing run,
///   and the secret exists nowhere else;
/// - it may be at the head of shell-operator's `main` queue ([`may_run_in_main`]): a
///   retried failure there blocks every other hook (one hook's Cloud outage at start-up
///   would stop them all); the resync schedule, on the tool's own queue, retries instead.
pub fn exit_code(outcome: &Outcome, options: &RunOptions, exit_zero: bool) -> i32 {
    if options.detailed_exitcode {
        return if outcome.errors != Errors::None {
            1
        } else if outcome.changed {
            2
        } else {
            0
        };
    }
    if outcome.errors == Errors::Transient && !exit_zero { 1 } else { 0 }
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
    match prepare(invocation, options, config) {
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

fn prepare(invocation: &Invocation, options: RunOptions, config: &HookConfig) -> Result<HookRun, String> {
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
    let in_main_queue = !hand_run && may_run_in_main(&contexts, config);
    let run = HookRun { contexts, outputs: Arc::new(outputs), options, deadline, hand_run, in_main_queue };
    start_watchdog(&run);
    Ok(run)
}

/// How long after the deadline the watchdog ends the process: a quarter of the deadline,
/// between 1 and 10 seconds (a 4-minute run gets 10 s).
fn watchdog_grace(deadline: Duration) -> Duration {
    (deadline / 4).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// The last line of defence against a hung run: the body is expected to respect the
/// deadline itself, this only fires well after it.
fn start_watchdog(run: &HookRun) {
    let outputs = Arc::clone(&run.outputs);
    let fire_at = run.deadline.instant() + watchdog_grace(run.options.deadline);
    let (detailed, in_main_queue) = (run.options.detailed_exitcode, run.in_main_queue);
    std::thread::spawn(move || {
        std::thread::sleep(fire_at.saturating_duration_since(Instant::now()));
        watchdog_exit(&outputs, detailed, in_main_queue);
    });
}

/// Ends the process between two output lines, never inside one: shell-operator rejects
/// a whole patch file for one torn line, minted Secrets included. Holding the outputs
/// lets a write in flight (a minted secret among them) finish and be flushed first, and
/// keeps every later one out. The exit status is the table's for a transient failure.
fn watchdog_exit(outputs: &Outputs, detailed_exitcode: bool, in_main_queue: bool) -> ! {
    let _held = outputs.hold();
    let options = RunOptions { detailed_exitcode, ..RunOptions::default() };
    let outcome = Outcome { errors: Errors::Transient, ..Outcome::default() };
    let code = exit_code(&outcome, &options, outputs.must_succeed() || in_main_queue);
    tracing::error!(exit_code = code, "run exceeded its deadline; exiting");
    std::process::exit(code);
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
    let code = exit_code(&outcome, &run.options, must_succeed || run.in_main_queue);
    if outcome.errors == Errors::Transient && code == 0 {
        if must_succeed {
            tracing::warn!(
                "failures remain, but new secrets were written: exiting 0 so they are applied; the schedule retries"
            );
        } else {
            tracing::warn!(
                "transient failures remain; this run may hold shell-operator's main queue (a Synchronization), \
                 so it exits 0 instead of blocking every other hook: the resync schedule retries"
            );
        }
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

    fn contexts(json: serde_json::Value) -> Vec<BindingContext> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn synchronization_and_grouped_kubernetes_runs_may_hold_the_main_queue() {
        use crate::config::{KubernetesBinding, ScheduleBinding};
        let mut specs = KubernetesBinding::new("specs", "v1", "ConfigMap");
        specs.group = Some("g".into());
        specs.queue = Some("g".into());
        let mut resync = ScheduleBinding::new("resync", "*/5 * * * *");
        resync.group = Some("g".into());
        resync.queue = Some("g".into());
        let mut own = KubernetesBinding::new("own", "v1", "Secret");
        own.queue = Some("q".into());
        let config = HookConfig::v1().with_kubernetes(specs).with_kubernetes(own).with_schedule(resync);
        let main = |c| may_run_in_main(&contexts(c), &config);
        assert!(main(serde_json::json!([{"binding": "onStartup"}])));
        assert!(main(serde_json::json!([{"binding": "own", "type": "Synchronization", "objects": []}])));
        // A grouped Synchronization looks exactly like a grouped event.
        assert!(main(serde_json::json!([{"binding": "specs", "type": "Group", "groupName": "g"}])));
        assert!(!main(serde_json::json!([{"binding": "resync", "type": "Group", "groupName": "g"}])));
        assert!(!main(serde_json::json!([{"binding": "own", "type": "Event", "watchEvent": "Added"}])));
        let o = RunOptions::default();
        let transient = Outcome { errors: Errors::Transient, ..Outcome::default() };
        assert_eq!(exit_code(&transient, &o, true), 0, "main-queue runs report and exit 0");
        let ci = RunOptions { detailed_exitcode: true, ..RunOptions::default() };
        assert_eq!(exit_code(&transient, &ci, true), 1, "a CI plan still fails");
    }

    #[test]
    fn the_watchdog_grace_scales_with_short_deadlines() {
        assert_eq!(watchdog_grace(DEFAULT_DEADLINE), Duration::from_secs(10));
        assert_eq!(watchdog_grace(Duration::ZERO), Duration::from_secs(1));
    }

    #[test]
    fn deadline_counts_down() {
        let d = Deadline::after(Duration::from_secs(60));
        assert!(!d.expired() && d.remaining() > Duration::from_secs(50));
        assert!(Deadline::after(Duration::ZERO).expired());
    }
}
