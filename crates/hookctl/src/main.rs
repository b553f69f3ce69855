// hookctl's output is its stdout: contexts, run results, discovery listings.
#![allow(clippy::print_stdout)]

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use hookctl::render::{Renderer, split_runs};
use hookctl::{discover, manifests, runner};
use serde_json::Value;
use shell_hook::patch::redact_operation;
use std::path::{Path, PathBuf};

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
}

fn parse_env(s: &str) -> Result<(String, String), String> {
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
    }
}

fn render(inputs: &Inputs) -> Result<Vec<Value>> {
    let config = runner::read_v1_config(&inputs.hook)?;
    let renderer = Renderer::new(&config)?;
    let objects = manifests::load(&inputs.manifests, &inputs.namespace)?;
    let contexts = if let Some(name) = &inputs.schedule {
        renderer.schedule(name, &objects)?
    } else if !inputs.before.is_empty() {
        let before = manifests::load(&inputs.before, &inputs.namespace)?;
        renderer.events(&before, &objects)?
    } else {
        renderer.startup(&objects)?
    };
    Ok(contexts)
}

fn run_hook(args: &RunArgs) -> Result<i32> {
    let contexts = render(&args.inputs)?;
    if contexts.is_empty() {
        eprintln!("hookctl: no binding context to deliver; the hook would not run");
        return Ok(0);
    }
    let mut patch_out = String::new();
    let mut metrics_out = String::new();
    for (i, contexts) in split_runs(contexts).into_iter().enumerate() {
        let result = runner::run_once(&args.inputs.hook, &contexts, &args.env)?;
        patch_out.push_str(&result.patch_text);
        metrics_out.push_str(&result.metrics_text);
        println!("--- run {} ({} binding contexts): exit {} ---", i + 1, contexts.len(), result.exit_code);
        match &result.operations {
            Ok(ops) => {
                println!("--- object operations ({}) ---", ops.len());
                ops.iter().for_each(|op| println!("{}", redact_operation(op)));
            }
            Err(e) => eprintln!("hookctl: invalid object operations (shell-operator fails the run): {e}"),
        }
        match &result.metrics {
            Ok(m) => {
                println!("--- metrics ({}) ---", m.operations.len());
                m.operations.iter().for_each(|op| println!("{op}"));
                m.warnings.iter().for_each(|w| eprintln!("hookctl: warning: {w}"));
            }
            Err(e) => eprintln!("hookctl: invalid metrics (shell-operator fails the run): {e}"),
        }
        if !result.succeeded() {
            save(args, &patch_out, &metrics_out)?;
            return Ok(if result.exit_code == 0 { 1 } else { result.exit_code });
        }
    }
    save(args, &patch_out, &metrics_out)?;
    Ok(0)
}

fn save(args: &RunArgs, patch: &str, metrics: &str) -> Result<()> {
    for (dest, text) in [(&args.patch_file, patch), (&args.metrics_file, metrics)] {
        if let Some(path) = dest {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
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
