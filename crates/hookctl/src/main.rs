// hookctl's output is its stdout: contexts, run results, discovery listings.
#![allow(clippy::print_stdout)]

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use hookctl::cluster::{Objects, PretendCluster};
use hookctl::queues::{PlannedRun, event_runs, startup_runs};
use hookctl::render::Renderer;
use hookctl::session::HookRunner;
use hookctl::{discover, manifests, report, runner};
use std::path::{Path, PathBuf};

mod simulate_cmd;

/// Render shell-operator binding contexts from manifests and run hooks as shell-operator does.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the binding contexts the hook would receive.
    Context(Inputs),
    /// Run the hook with those contexts, validate and print what it wrote.
    Run(RunArgs),
    /// List what shell-operator would treat as hooks in DIR and check their --config.
    Discover { dir: PathBuf },
    /// Play a timeline: the hooks of a directory against a pretend cluster, with edits and faults.
    Simulate(simulate_cmd::SimulateArgs),
}

#[derive(Args)]
struct Inputs {
    /// The hook executable.
    #[arg(long)]
    hook: PathBuf,
    /// Manifest files or directories (YAML or JSON, multi-document, List kinds); `-` is stdin.
    #[arg(long, num_args = 1.., required = true)]
    manifests: Vec<PathBuf>,
    /// Render the watch events from this earlier state to --manifests instead of start-up.
    #[arg(long, num_args = 1.., conflicts_with = "schedule")]
    before: Vec<PathBuf>,
    /// Render a tick of this schedule binding instead of start-up.
    #[arg(long)]
    schedule: Option<String>,
    /// Namespace of manifests that name none.
    #[arg(long, default_value = "default")]
    namespace: String,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    inputs: Inputs,
    /// Extra environment for the hook, on top of hookctl's own.
    #[arg(long = "env", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Also save the raw object-operations file here (it may contain Secret data).
    #[arg(long)]
    patch_file: Option<PathBuf>,
    /// Also save the raw metrics file here.
    #[arg(long)]
    metrics_file: Option<PathBuf>,
    /// Retry a failed run up to N times, as shell-operator does (its delays are reported, not slept).
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// The snapshots of a run lag the objects written by earlier runs by N runs.
    #[arg(long, default_value_t = 0)]
    informer_lag: usize,
}

pub(crate) fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

fn main() {
    shell_hook::log::init(shell_hook::log::LogFormat::detect());
    let code = match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("hookctl: {err:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Context(inputs) => {
            let contexts = render(&inputs)?;
            println!("{}", serde_json::to_string_pretty(&contexts)?);
            Ok(0)
        }
        Command::Run(args) => run_hook(&args),
        Command::Discover { dir } => discover_hooks(&dir),
        Command::Simulate(args) => simulate_cmd::simulate(&args),
    }
}

/// The runs shell-operator would make of the inputs, each in its queue.
fn plan(inputs: &Inputs, config: &hookctl::HookConfig) -> Result<Vec<PlannedRun>> {
    let renderer = Renderer::new(config)?;
    let objects = manifests::load(&inputs.manifests, &inputs.namespace)?;
    let runs = if let Some(name) = &inputs.schedule {
        event_runs(config, renderer.schedule(name, &objects)?)
    } else if !inputs.before.is_empty() {
        let before = manifests::load(&inputs.before, &inputs.namespace)?;
        event_runs(config, renderer.events(&before, &objects)?)
    } else {
        startup_runs(renderer.startup(&objects)?)
    };
    Ok(runs)
}

/// What `context` prints: the contexts of every run, in run order.
fn render(inputs: &Inputs) -> Result<Vec<serde_json::Value>> {
    let config = runner::read_v1_config(&inputs.hook)?;
    Ok(plan(inputs, &config)?.into_iter().flat_map(|r| r.contexts).collect())
}

fn run_hook(args: &RunArgs) -> Result<i32> {
    let config = runner::read_v1_config_with_env(&args.inputs.hook, &args.env)?;
    let runs = plan(&args.inputs, &config)?;
    if runs.is_empty() {
        eprintln!("hookctl: no binding context to deliver; the hook would not run");
        return Ok(0);
    }
    let objects = manifests::load(&args.inputs.manifests, &args.inputs.namespace)?;
    let mut cluster = PretendCluster::new(Objects(objects)).with_informer_lag(args.informer_lag);
    let runner = HookRunner { hook: &args.inputs.hook, config: &config, env: &args.env, capture: false };
    let mut patch_out = String::new();
    let mut metrics_out = String::new();
    for (i, planned) in runs.iter().enumerate() {
        let tries = runner.execute(&mut cluster, planned, args.retries, 0)?;
        for (n, t) in tries.iter().enumerate() {
            let a = &t.attempt;
            patch_out.push_str(&a.run.patch_text);
            metrics_out.push_str(&a.run.metrics_text);
            let label = if n == 0 { format!("run {}", i + 1) } else { format!("run {} retry {n}", i + 1) };
            print!("{}", report::attempt_text(&label, &planned.queue, t));
            if let Ok(m) = &a.run.metrics {
                m.warnings.iter().for_each(|w| eprintln!("hookctl: warning: {w}"));
            }
            if let Some(failure) = &a.failure {
                eprintln!("hookctl: {failure} (shell-operator fails the run)");
            }
        }
        // A failure stays visible in the exit code even when allowFailure drops the task.
        let last = &tries.last().expect("execute makes at least one attempt").attempt;
        if !last.succeeded() {
            save(args, &patch_out, &metrics_out)?;
            return Ok(report::exit_code(last));
        }
    }
    save(args, &patch_out, &metrics_out)?;
    Ok(0)
}

fn save(args: &RunArgs, patch: &str, metrics: &str) -> Result<()> {
    for (dest, text) in [(&args.patch_file, patch), (&args.metrics_file, metrics)] {
        if let Some(path) = dest {
            // Patch files carry Secret data: owner-only (0600).
            shell_hook::outputs::write_private(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

fn discover_hooks(dir: &Path) -> Result<i32> {
    let hooks = discover::discover(dir).with_context(|| format!("reading {}", dir.display()))?;
    if hooks.is_empty() {
        bail!("no hooks found in {}", dir.display());
    }
    let mut failed = 0;
    for hook in &hooks {
        let name = hook.strip_prefix(dir).unwrap_or(hook).display().to_string();
        match runner::read_config(hook, dir) {
            Ok(_) => println!("ok      {name}"),
            Err(e) => {
                failed += 1;
                println!("INVALID {name}: {e}");
            }
        }
    }
    Ok(i32::from(failed > 0))
}
