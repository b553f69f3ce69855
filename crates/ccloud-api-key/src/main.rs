use clap::Parser;
use hook_cli::HookArgs;

/// shell-operator hook: service accounts, API keys delivered as Secrets, and ACLs from
/// streaming-ops `destination=ccloud` ConfigMaps.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    hook: HookArgs,
}

fn main() {
    let cli = Cli::parse();
    let env = |k: &str| std::env::var(k).ok();
    let namespace = hook_reconcile::own_namespace();
    let binding = hook_reconcile::binding::BindingSettings::from_env(env, &namespace, "destination=ccloud");
    let config = ccloud_api_key::config::hook_config(&binding);
    hook_cli::run_hook(&cli.hook, &config, |run| {
        let settings = hook_reconcile::settings::Settings::from_env(env)?;
        let settings_env = reconcile::settings::Env::process(reconcile::settings::Tool::ApiKey);
        let options = ccloud_api_key::Options::from_env(&settings_env, &namespace)?;
        Ok(ccloud_api_key::run(run, &settings, &options)?)
    })
}
