//! The flags every hook binary accepts, so that `ccloud-topic`, `ccloud-api-key` and
//! `connect-apply` behave the same in hook, hand and CI runs. Only binaries depend
//! on this crate; libraries see plain [`shell_hook::RunOptions`].
//!
//! No flag reads the environment through clap: clap refuses values such as `DRY_RUN=`
//! (an empty Helm value) or `HOOK_DEADLINE=5` before anything runs, `--config` included,
//! and shell-operator then does not start at all. `DRY_RUN` and `HOOK_DEADLINE` come from
//! the settings table (`reconcile::settings::defs`) with its rules, and a bad value is
//! an error of the run, reported when the hook runs, never of `--config`.

use clap::{Args, ValueEnum};
use reconcile::settings::{Env, SettingError, Tool, defs, parse_duration};
use shell_hook::{Errors, HookConfig, HookRun, Invocation, Outcome, OutputFormat, RunOptions};
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
    /// Plan and validate on the server, change nothing (also: `DRY_RUN=true`).
    #[arg(long)]
    pub dry_run: bool,
    /// How hand runs print the result.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Exit 0 when nothing changed, 2 when something changed (or would), 1 on errors.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Bound on the whole run (Go duration or seconds), so a hook never hangs its queue
    /// (default: `HOOK_DEADLINE`, else 4m).
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline)]
    pub deadline: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

fn parse_deadline(s: &str) -> Result<Duration, String> {
    parse_duration(s).ok_or_else(|| format!("{s:?} is not a duration such as 90s, 4m or a number of seconds"))
}

/// The environment as the run model reads it. `DRY_RUN` and `HOOK_DEADLINE` are read by
/// every tool alike, so whichever tool's view reads them gives the same answer.
fn run_model_env() -> Env<'static> {
    Env::process(defs::DRY_RUN.tools.first().copied().unwrap_or(Tool::Topic))
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

    /// The run options: the flags, then `DRY_RUN` and `HOOK_DEADLINE` from `env`.
    pub fn options_from(&self, env: &Env<'_>) -> Result<RunOptions, SettingError> {
        let dry_run = self.dry_run || env.bool(&defs::DRY_RUN)?;
        let deadline = match self.deadline {
            Some(d) => d,
            None => env.duration(&defs::HOOK_DEADLINE)?,
        };
        Ok(RunOptions { deadline, dry_run, ..self.flag_options() })
    }

    /// [`HookArgs::options_from`] the process environment; a bad value gives the default
    /// (the run reports it, see [`run_hook`]).
    pub fn options(&self) -> RunOptions {
        self.options_from(&run_model_env()).unwrap_or_else(|_| self.flag_options())
    }

    fn flag_options(&self) -> RunOptions {
        RunOptions {
            dry_run: self.dry_run,
            output: match self.output {
                Output::Text => OutputFormat::Text,
                Output::Json => OutputFormat::Json,
            },
            detailed_exitcode: self.detailed_exitcode,
            deadline: self.deadline.unwrap_or(shell_hook::run::DEFAULT_DEADLINE),
        }
    }
}

/// The outcome of a run that cannot start because a setting is bad: nothing is read or
/// changed, the error is logged and reported. A retry cannot fix it (exit per the table:
/// 1 for `--detailed-exitcode`, else 0; the log and the hand run's report say why).
pub fn setting_error(error: &dyn std::fmt::Display) -> Outcome {
    tracing::error!("configuration: {error}; nothing is done until it is fixed");
    Outcome {
        errors: Errors::Permanent,
        report: Some(Box::new(format!("configuration: {error}; nothing was done\n"))),
        ..Outcome::default()
    }
}

/// Runs a hook binary: logging, `--config`, the run, and the exit status. Never returns.
pub fn run_hook(args: &HookArgs, config: &HookConfig, body: impl FnOnce(&mut HookRun) -> anyhow::Result<Outcome>) -> ! {
    if !args.config {
        shell_hook::log::init(shell_hook::log::LogFormat::detect());
    }
    let (options, problem) = match args.options_from(&run_model_env()) {
        Ok(options) => (options, None),
        Err(e) => (args.flag_options(), Some(e)),
    };
    let code = shell_hook::execute(config, &args.invocation(), options, |run| match problem {
        Some(e) => Ok(setting_error(&e)),
        None => body(run).map_err(Into::into),
    });
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

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<'static> {
        Env::new(Tool::Topic, move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn run_settings_come_from_the_table() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        let o = cli.hook.options_from(&env(&[("DRY_RUN", ""), ("HOOK_DEADLINE", "")])).unwrap();
        assert_eq!((o.dry_run, o.deadline), (false, Duration::from_secs(240)), "empty is unset");
        let o = cli.hook.options_from(&env(&[("DRY_RUN", "1"), ("HOOK_DEADLINE", "5")])).unwrap();
        assert_eq!((o.dry_run, o.deadline), (true, Duration::from_secs(5)));
        assert!(cli.hook.options_from(&env(&[("DRY_RUN", "perhaps")])).is_err());
        let cli = Cli::try_parse_from(["x", "--deadline", "90s"]).unwrap();
        let o = cli.hook.options_from(&env(&[("HOOK_DEADLINE", "5"), ("DRY_RUN", "no")])).unwrap();
        assert_eq!((o.dry_run, o.deadline), (false, Duration::from_secs(90)), "the flag wins");
    }

    #[test]
    fn defaults_and_flags() {
        let cli = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(cli.hook.flag_options().deadline, Duration::from_secs(240));
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
        let opts = cli.hook.options_from(&env(&[])).unwrap();
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
