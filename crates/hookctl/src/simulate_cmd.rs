//! `hookctl simulate TIMELINE`: plays the timeline and prints, per step, which hook ran
//! with which exit code and which operations were applied or refused.

use anyhow::{Context as _, Result};
use clap::Args;
use hookctl::cluster::describe_operation;
use hookctl::report::{attempt_json, describe_context};
use hookctl::simulate::timeline::{Action, Step, Timeline};
use hookctl::simulate::{RunReport, Simulation, StepReport};
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Args)]
pub struct SimulateArgs {
    /// The timeline file (YAML or JSON; format in the README, "hookctl simulate").
    timeline: PathBuf,
    /// The hooks directory (overrides the timeline's `hooks`).
    #[arg(long)]
    hooks: Option<PathBuf>,
    /// The initial objects (override the timeline's `manifests`).
    #[arg(long, num_args = 1..)]
    manifests: Vec<PathBuf>,
    /// Extra environment for every hook, on top of the timeline's `env`.
    #[arg(long = "env", value_parser = crate::parse_env)]
    env: Vec<(String, String)>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Also print what each hook wrote to stderr (its log).
    #[arg(long)]
    hook_output: bool,
    /// Also print each metric operation a run recorded.
    #[arg(long)]
    metrics: bool,
}

/// What the text report shows besides runs and operations.
#[derive(Clone, Copy)]
struct Detail {
    hook_output: bool,
    metrics: bool,
}

pub fn simulate(args: &SimulateArgs) -> Result<i32> {
    let mut timeline = Timeline::load(&args.timeline)?;
    timeline.env.extend(args.env.iter().cloned());
    let manifests = if args.manifests.is_empty() { timeline.manifests.clone() } else { args.manifests.clone() };
    let objects = hookctl::manifests::load(&manifests, &timeline.namespace)?;
    let hooks = args.hooks.clone().or_else(|| timeline.hooks.clone()).context("no hooks directory: pass --hooks")?;
    let mut sim = Simulation::new(&hooks, objects, &timeline)?;
    sim.exec_to_stderr = args.json;
    if !args.json {
        let names: Vec<&str> = sim.hooks.iter().map(|h| h.name.as_str()).collect();
        println!("hooks (discovery order): {}", names.join(", "));
    }
    let mut steps = Vec::new();
    let mut blocked = false;
    for (index, step) in timeline.steps.iter().enumerate() {
        if !args.json {
            println!("\n== step {}: {}", index + 1, title(step));
        }
        let report = sim.step(step).with_context(|| format!("step {}", index + 1))?;
        blocked = !report.blocked.is_empty();
        if args.json {
            steps.push(step_json(index, step, &report));
        } else {
            print!("{}", step_text(&report, Detail { hook_output: args.hook_output, metrics: args.metrics }));
        }
    }
    if args.json {
        let doc = json!({"hooks": sim.hooks.iter().map(|h| h.name.clone()).collect::<Vec<_>>(), "steps": steps,
                         "objects": sim.objects().len()});
        println!("{}", serde_json::to_string_pretty(&doc)?);
    }
    Ok(i32::from(blocked))
}

fn title(step: &Step) -> String {
    if let Some(title) = &step.title {
        return title.clone();
    }
    match &step.action {
        Action::Startup => "startup".into(),
        Action::Apply(objects) => format!("apply {} object(s)", objects.len()),
        Action::Delete(refs) => {
            format!("delete {}", refs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "))
        }
        Action::Edit { target, .. } => format!("edit {} {}", target.kind, target.name),
        Action::Schedule(binding) => format!("schedule tick {binding}"),
        Action::Wait => "time passes".into(),
        Action::InformerLag(n) => format!("informer lag: {n} run(s)"),
        Action::Refuse(rule) => format!("fault: the API server refuses {}", rule_text(rule)),
        Action::Exec(command) => format!("exec {command}"),
    }
}

fn rule_text(rule: &hookctl::cluster::RefuseRule) -> String {
    let any = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
    let times = rule.times.map_or_else(|| "always".to_owned(), |n| format!("{n}x"));
    format!("{} {} {} ({times})", any(&rule.operation), any(&rule.kind), any(&rule.name))
}

fn step_text(report: &StepReport, detail: Detail) -> String {
    let mut out = String::new();
    if report.runs.is_empty() {
        out.push_str("  (no hook runs)\n");
    }
    for run in &report.runs {
        out.push_str(&run_text(run, detail));
    }
    for b in &report.blocked {
        out.push_str(&format!("  still failing: {b}; shell-operator keeps retrying it, its queue is blocked\n"));
    }
    if report.unsettled {
        out.push_str("  watch events still arriving after the last settle round: do the hooks trigger each other?\n");
    }
    out
}

fn run_text(run: &RunReport, detail: Detail) -> String {
    let mut out = String::new();
    for (n, t) in run.tries.iter().enumerate() {
        let a = &t.attempt;
        let what: Vec<String> = a.contexts.iter().map(describe_context).collect();
        let retry = run.failed_before as usize + n;
        let attempt = if retry == 0 { String::new() } else { format!(" retry {retry}") };
        out.push_str(&format!(
            "  {}{attempt} (queue {}; {}): exit {}\n",
            run.hook,
            run.queue,
            what.join(", "),
            a.run.exit_code
        ));
        if detail.hook_output {
            a.run.stderr.lines().filter(|l| !l.trim().is_empty()).for_each(|l| out.push_str(&format!("      | {l}\n")));
        }
        for op in &a.applied {
            out.push_str(&format!("      applied  {}\n", describe_operation(op)));
        }
        for r in &a.rejected {
            out.push_str(&format!("      REFUSED  {r}\n"));
        }
        let metrics = a.run.metrics.as_ref().map_or(0, |m| m.operations.len());
        if metrics > 0 {
            let verdict = if a.succeeded() { "recorded" } else { "discarded (the run failed)" };
            out.push_str(&format!("      metrics  {metrics} {verdict}\n"));
        }
        if detail.metrics {
            a.recorded_metrics().iter().for_each(|m| out.push_str(&format!("      metric   {}\n", metric_text(m))));
        }
        if let (Some(failure), true) = (&a.failure, t.failure_allowed) {
            out.push_str(&format!("      FAILED   {failure}; allowFailure: shell-operator drops the task\n"));
        }
        if let (Some(failure), Some(delay)) = (&a.failure, t.retry_in) {
            out.push_str(&format!("      FAILED   {failure}; shell-operator retries in {}s\n", delay.as_secs()));
        }
    }
    out
}

/// `name{label="v"} value (action)`, close to the Prometheus exposition.
fn metric_text(m: &Value) -> String {
    let labels: Vec<String> =
        m["labels"].as_object().map(|l| l.iter().map(|(k, v)| format!("{k}={}", v)).collect()).unwrap_or_default();
    let labels = if labels.is_empty() { String::new() } else { format!("{{{}}}", labels.join(",")) };
    format!(
        "{}{labels} {} ({})",
        m["name"].as_str().unwrap_or_default(),
        m["value"],
        m["action"].as_str().unwrap_or_default()
    )
}

fn step_json(index: usize, step: &Step, report: &StepReport) -> Value {
    let runs: Vec<Value> = report
        .runs
        .iter()
        .map(|r| json!({"hook": r.hook, "queue": r.queue, "failedBefore": r.failed_before, "attempts": r.tries.iter().map(attempt_json).collect::<Vec<_>>()}))
        .collect();
    json!({"step": index + 1, "title": title(step), "runs": runs, "blocked": report.blocked, "unsettled": report.unsettled})
}
