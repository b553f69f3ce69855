//! The flags every hook binary accepts, so that `ccloud-topic`, `ccloud-api-key` and
//! `connect-apply` behave the same in hook, hand and CI runs. Only binaries depend
//! on this crate; libraries see plain [`shell_hook::RunOptions`].

use clap::{Args, ValueEnum};
use shell_hook::duration::parse_go_duration;
use shell_hook::{HookConfig, HookRun, Invocation, Outcome, OutputFormat, RunOptions};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct HookArgs {
    /// Print the shell-operator binding configuration and exit.
    #[arg(long)]
    pub config: bool,
    /// Run by hand with this binding-context file (`-` for stdin) instead of $BINDING_CONTEXT_PATH.
    #[arg(long, value_name = "FILE")]
    pub binding_context: Option<PathBuf>,
    /// Write object operations here (default in hand runs: stdout, Secret data redacted).
    #[arg(long, value_name = "FILE")]
    pub patch_file: Option<PathBuf>,
    /// Write metrics here (default in hand runs: stdout).
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
    /// Plan and validate on the server, change nothing.
    #[arg(long, env = "DRY_RUN")]
    pub dry_run: bool,
    /// How hand runs print the result.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Exit 0 when nothing changed, 2 when something changed (or would), 1 on errors.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Bound on the whole run (Go duration), so a hook never hangs its queue.
    #[arg(long, env = "HOOK_DEADLINE", default_value = "4m", value_parser = parse_deadline)]
    pub deadline: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

fn parse_deadline(s: &str) -> Result<Duration, String> {
    parse_go_duration(s)
}

impl HookArgs {
    pub fn invocation(&self) -> Invocation {
        Invocation {
            print_config: self.config,
            binding_context: self.binding_context.clone(),
            patch_file: self.patch_file.clone(),
            metrics_file: self.metrics_file.clone(),
        }
    }

    pub fn options(&self) -> RunOptions {
        RunOptions {
            dry_run: self.dry_run,
            output: match self.output {
                Output::Text => OutputFormat::Text,
                Output::Json => OutputFormat::Json,
            },
            detailed_exitcode: self.detailed_exitcode,
            deadline: self.deadline,
        }
    }
}

/// Runs a hook binary: logging, `--config`, the run, and the exit status. Never returns.
pub fn run_hook(args: &HookArgs, config: &HookConfig, body: impl FnOnce(&mut HookRun) -> anyhow::Result<Outcome>) -> ! {
    if !args.config {
        shell_hook::log::init(shell_hook::log::LogFormat::detect());
    }
    let code = shell_hook::execute(config, &args.invocation(), args.options(), |run| body(run).map_err(Into::into));
    std::process::exit(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        hook: HookArgs,
    }

    #[test]
    fn defaults_and_flags() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(cli.hook.deadline, Duration::from_secs(240));
        assert!(!cli.hook.config && !cli.hook.detailed_exitcode);
        let cli = Cli::try_parse_from([
            "x",
            "--binding-context",
            "b.json",
            "--output",
            "json",
            "--deadline",
            "90s",
            "--dry-run",
        ])
        .unwrap();
        let opts = cli.hook.options();
        assert!(opts.dry_run);
        assert_eq!(opts.output, OutputFormat::Json);
        assert_eq!(opts.deadline, Duration::from_secs(90));
        assert_eq!(cli.hook.invocation().binding_context, Some(PathBuf::from("b.json")));
        assert!(Cli::try_parse_from(["x", "--deadline", "soon"]).is_err());
    }

    #[test]
    fn hand_run_writes_the_given_files() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx.json");
        std::fs::write(&ctx, r#"[{"binding":"onStartup"}]"#).unwrap();
        let invocation = Invocation {
            binding_context: Some(ctx),
            patch_file: Some(dir.path().join("patch")),
            metrics_file: Some(dir.path().join("metrics")),
            ..Invocation::default()
        };
        let config = HookConfig::v1().with_on_startup(1);
        let code = shell_hook::execute(&config, &invocation, RunOptions::default(), |run| {
            assert!(run.hand_run);
            assert_eq!(run.contexts.len(), 1);
            run.outputs.metric(&shell_hook::MetricOperation::set("m", 1.0))?;
            Ok(Outcome { changed: true, ..Outcome::default() })
        });
        assert_eq!(code, 0);
        let metrics = std::fs::read_to_string(dir.path().join("metrics")).unwrap();
        assert_eq!(metrics, "{\"name\":\"m\",\"action\":\"set\",\"value\":1.0}\n");
        let code = shell_hook::execute(&config, &invocation, RunOptions::default(), |_| Err("boom".into()));
        assert_eq!(code, 1, "an error asks shell-operator to retry");
    }
}
