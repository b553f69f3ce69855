use anyhow::Context as _;
use clap::Parser;
use hook_cli::HookArgs;
use reconcile::settings::{Env, Tool};

/// shell-operator hook: Kafka Connect connectors from streaming-ops `destination=connect` ConfigMaps.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    hook: HookArgs,
}

fn main() {
    let cli = Cli::parse();
    let env = Env::process(Tool::Connect);
    let namespace = connect_apply::options::own_namespace(&env);
    // `--config` never fails on a bad setting: it prints the default binding, and the run
    // reports the error (and changes nothing) until the setting is fixed.
    let binding = connect_apply::options::binding(&env, &namespace);
    let watched = connect_apply::options::binding_or_default(&env, &namespace);
    let owner = connect_apply::options::record_owner_or_default(&env, &watched);
    let config = connect_apply::config::hook_config(&watched, &owner);
    hook_cli::run_hook(&cli.hook, &config, |run| {
        binding.context("the connector ConfigMaps cannot be selected")?;
        let options = connect_apply::Options::from_env(&env, &namespace)?;
        Ok(connect_apply::run(run, &options)?)
    })
}
