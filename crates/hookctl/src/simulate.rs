//! `hookctl simulate`: the hooks of a directory against a pretend cluster over a timeline
//! of edits and faults, the way shell-operator would run them.
//!
//! Each step does its action, then delivers what the informers saw change (the hooks'
//! own writes included) as watch events, for up to `settleRounds` rounds. Runs wait in
//! their queue like shell-operator's tasks: a new run of the same hook in the same queue
//! is combined into the one waiting there, and a run that still fails after `maxRetries`
//! retries stays at the head of its queue, blocking it, until a later step.

pub mod timeline;

use crate::cluster::{Objects, PretendCluster};
use crate::queues::{PlannedRun, event_runs, startup_runs};
use crate::render::{RenderError, Renderer, compact};
use crate::runner::RunError;
use crate::session::{HookRunner, SessionError, Try};
use serde_json::Value;
use shell_hook::HookConfig;
use std::path::{Path, PathBuf};
use timeline::{Action, ObjectRef, Step, Timeline};

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("reading hooks in {dir}: {source}")]
    Discover { dir: String, source: std::io::Error },
    #[error("no hooks found in {0}")]
    NoHooks(String),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("exec {command:?}: {source}")]
    Exec { command: String, source: std::io::Error },
    #[error("exec {command:?} exited with {code:?}")]
    ExecFailed { command: String, code: Option<i32> },
}

/// A hook as the simulation knows it.
pub struct SimHook {
    /// The path relative to the hooks directory, as shell-operator names hooks.
    pub name: String,
    pub path: PathBuf,
    pub config: HookConfig,
    /// What its informers last delivered; `None` until shell-operator started.
    seen: Option<Vec<Value>>,
}

struct Waiting {
    hook: usize,
    run: PlannedRun,
    /// An ungrouped Synchronization at the head of a queue takes nothing along.
    combinable: bool,
    /// Failed attempts so far: the back-off continues from here.
    failures: u32,
}

/// One run (with its retries) in a step.
pub struct RunReport {
    pub hook: String,
    pub queue: String,
    /// Failed attempts of this task in earlier steps.
    pub failed_before: u32,
    pub tries: Vec<Try>,
}

/// What a step did.
pub struct StepReport {
    pub runs: Vec<RunReport>,
    /// `hook (queue q)` of runs still failing at the end of the step.
    pub blocked: Vec<String>,
    /// Watch events were still arriving after the last settle round.
    pub unsettled: bool,
}

pub struct Simulation {
    pub hooks: Vec<SimHook>,
    pub cluster: PretendCluster,
    waiting: Vec<Waiting>,
    env: Vec<(String, String)>,
    max_retries: u32,
    settle_rounds: u32,
    base: PathBuf,
    /// Where `exec` output goes: stdout, or stderr when stdout is reserved for JSON.
    pub exec_to_stderr: bool,
    pub capture_hook_output: bool,
}

impl Simulation {
    /// Discovers the hooks of `dir` and reads their configuration (with `env`).
    pub fn new(dir: &Path, objects: Vec<Value>, timeline: &Timeline) -> Result<Self, SimulateError> {
        let paths = crate::discover::discover(dir)
            .map_err(|source| SimulateError::Discover { dir: dir.display().to_string(), source })?;
        if paths.is_empty() {
            return Err(SimulateError::NoHooks(dir.display().to_string()));
        }
        let hooks = paths
            .into_iter()
            .map(|path| {
                let config = crate::runner::read_v1_config_with_env(&path, &timeline.env)?;
                let name = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
                Ok(SimHook { name, path, config, seen: None })
            })
            .collect::<Result<_, RunError>>()?;
        Ok(Self {
            hooks,
            cluster: PretendCluster::new(Objects(objects)).with_informer_lag(timeline.informer_lag),
            waiting: Vec::new(),
            env: timeline.env.clone(),
            max_retries: timeline.max_retries,
            settle_rounds: timeline.settle_rounds,
            base: timeline.base.clone(),
            exec_to_stderr: false,
            capture_hook_output: true,
        })
    }

    /// Plays one step.
    pub fn step(&mut self, step: &Step) -> Result<StepReport, SimulateError> {
        let mut report = StepReport { runs: Vec::new(), blocked: Vec::new(), unsettled: false };
        match &step.action {
            Action::Startup => self.start()?,
            Action::Apply(objects) => objects.iter().for_each(|o| replace(self.cluster.truth_mut(), o.clone())),
            Action::Delete(refs) => refs.iter().for_each(|r| self.cluster.truth_mut().0.retain(|o| !r.names(o))),
            Action::Edit { target, replace } => {
                self.cluster.truth_mut().0.iter_mut().filter(|o| target.names(o)).for_each(|o| edit(o, replace));
            }
            Action::Schedule(binding) => self.tick(binding)?,
            Action::Wait => {}
            Action::InformerLag(runs) => self.cluster.set_informer_lag(*runs),
            Action::Refuse(rule) => self.cluster.refuse(rule.clone()),
            Action::Exec(command) => self.exec(command)?,
        }
        // The action's own events join their queues first: a failed run waiting at the head
        // of one takes them along when it is retried, as upstream combines at every run.
        self.deliver_events()?;
        self.process(&mut report)?;
        let mut rounds = 0;
        while self.deliver_events()? {
            if rounds == self.settle_rounds {
                report.unsettled = true;
                break;
            }
            rounds += 1;
            self.process(&mut report)?;
        }
        report.blocked =
            self.waiting.iter().map(|w| format!("{} (queue {})", self.hooks[w.hook].name, w.run.queue)).collect();
        Ok(report)
    }

    /// The objects the API server holds now.
    pub fn objects(&self) -> &[Value] {
        &self.cluster.truth().0
    }

    /// `bootstrapMainQueue`: every hook's onStartup first (by order), then each hook's
    /// Synchronization runs, hooks in discovery order.
    fn start(&mut self) -> Result<(), SimulateError> {
        let view = self.cluster.peek_snapshot();
        let mut on_startup = Vec::new();
        let mut synchronization = Vec::new();
        for (index, hook) in self.hooks.iter_mut().enumerate() {
            let runs = startup_runs(Renderer::new(&hook.config)?.startup(&view)?);
            for run in runs {
                let is_on_startup = run.contexts.iter().all(|c| c["binding"] == "onStartup");
                let order = hook.config.on_startup.unwrap_or_default();
                if is_on_startup {
                    on_startup.push((order, index, run));
                } else {
                    synchronization.push((index, run));
                }
            }
            hook.seen = Some(view.clone());
        }
        on_startup.sort_by_key(|(order, ..)| *order);
        for (_, hook, run) in on_startup {
            self.waiting.push(Waiting { hook, run, combinable: false, failures: 0 });
        }
        for (hook, run) in synchronization {
            let combinable = run.contexts.first().is_some_and(|c| c["type"] != "Synchronization");
            self.waiting.push(Waiting { hook, run, combinable, failures: 0 });
        }
        Ok(())
    }

    fn tick(&mut self, binding: &str) -> Result<(), SimulateError> {
        let view = self.cluster.peek_snapshot();
        for index in 0..self.hooks.len() {
            let hook = &self.hooks[index];
            if hook.seen.is_none() || !hook.config.schedule_bindings().iter().any(|s| s.binding_name() == binding) {
                continue;
            }
            let contexts = Renderer::new(&hook.config)?.schedule(binding, &view)?;
            for run in event_runs(&hook.config, contexts) {
                self.enqueue(index, run);
            }
        }
        Ok(())
    }

    /// Queues the watch events each started hook's informers now see; false when none.
    fn deliver_events(&mut self) -> Result<bool, SimulateError> {
        let view = self.cluster.peek_snapshot();
        let mut any = false;
        for index in 0..self.hooks.len() {
            let hook = &mut self.hooks[index];
            let Some(seen) = hook.seen.replace(view.clone()) else { continue };
            let contexts = Renderer::new(&hook.config)?.events(&seen, &view)?;
            let runs = event_runs(&hook.config, contexts);
            any |= !runs.is_empty();
            runs.into_iter().for_each(|run| self.enqueue(index, run));
        }
        Ok(any)
    }

    /// A task joins its queue: combined into the waiting run of the same hook at the
    /// queue's tail when that one combines, else behind it.
    fn enqueue(&mut self, hook: usize, run: PlannedRun) {
        let tail = self.waiting.iter_mut().rev().find(|w| w.run.queue == run.queue);
        match tail {
            Some(w) if w.hook == hook && w.combinable => {
                w.run.contexts.extend(run.contexts);
                w.run.contexts = compact(std::mem::take(&mut w.run.contexts));
            }
            _ => self.waiting.push(Waiting { hook, run, combinable: true, failures: 0 }),
        }
    }

    /// Runs every waiting task whose queue is not blocked by an earlier failure.
    fn process(&mut self, report: &mut StepReport) -> Result<(), SimulateError> {
        let mut blocked: Vec<String> = Vec::new();
        let mut still_waiting = Vec::new();
        for mut w in std::mem::take(&mut self.waiting) {
            if blocked.contains(&w.run.queue) {
                still_waiting.push(w);
                continue;
            }
            let hook = &self.hooks[w.hook];
            let runner = HookRunner {
                hook: &hook.path,
                config: &hook.config,
                env: &self.env,
                capture: self.capture_hook_output,
            };
            let tries = runner.execute(&mut self.cluster, &w.run, self.max_retries, w.failures)?;
            let failed = tries.last().is_some_and(|t| !t.attempt.succeeded() && !t.failure_allowed);
            let (hook, queue, failed_before) = (hook.name.clone(), w.run.queue.clone(), w.failures);
            w.failures += u32::try_from(tries.len()).unwrap_or(u32::MAX);
            report.runs.push(RunReport { hook, queue, failed_before, tries });
            if failed {
                blocked.push(w.run.queue.clone());
                still_waiting.push(w);
            }
        }
        self.waiting = still_waiting;
        Ok(())
    }

    fn exec(&self, command: &str) -> Result<(), SimulateError> {
        let error = |source| SimulateError::Exec { command: command.to_owned(), source };
        let dir = tempfile::tempdir().map_err(error)?;
        let objects = dir.path().join("objects.json");
        std::fs::write(&objects, serde_json::to_vec_pretty(self.objects()).unwrap_or_default()).map_err(error)?;
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(command).current_dir(&self.base).env("HOOKCTL_OBJECTS", &objects);
        if self.exec_to_stderr {
            use std::os::fd::AsFd;
            cmd.stdout(std::io::stderr().as_fd().try_clone_to_owned().map_err(error)?);
        }
        let status = cmd.status().map_err(error)?;
        if !status.success() {
            return Err(SimulateError::ExecFailed { command: command.to_owned(), code: status.code() });
        }
        Ok(())
    }
}

impl ObjectRef {
    fn names(&self, o: &Value) -> bool {
        o["kind"] == self.kind.as_str()
            && o["metadata"]["name"] == self.name.as_str()
            && self.namespace.as_ref().is_none_or(|ns| o["metadata"]["namespace"] == ns.as_str())
    }
}

/// `kubectl apply` of a whole object: it replaces the one with the same identity.
fn replace(objects: &mut Objects, object: Value) {
    let same = |o: &Value| {
        o["kind"] == object["kind"]
            && o["metadata"]["name"] == object["metadata"]["name"]
            && o["metadata"]["namespace"] == object["metadata"]["namespace"]
    };
    objects.0.retain(|o| !same(o));
    objects.0.push(object);
}

/// Replaces text in every string of the object (names and keys stay).
fn edit(value: &mut Value, replacements: &[(String, String)]) {
    match value {
        Value::String(s) => {
            for (from, to) in replacements {
                *s = s.replace(from.as_str(), to);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| edit(v, replacements)),
        Value::Object(map) => map.values_mut().for_each(|v| edit(v, replacements)),
        _ => {}
    }
}
