use ccloud_api_key::config;
use clap::Parser;
use hook_cli::HookArgs;
use hook_reconcile::binding::BindingSettings;
use reconcile::settings::{Env, Tool, defs};

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
    let env = Env::process(Tool::ApiKey);
    let namespace = hook_reconcile::own_namespace();
    let instance = env.text(&defs::INSTANCE_ID);
    // `--config` never fails on a bad setting: it prints the default binding, and the run
    // reports the error and changes nothing (a namespace or selector silently replaced by
    // its default would make another namespace's declarations look removed).
    let binding = BindingSettings::ccloud(&env, &namespace);
    let shown = BindingSettings::ccloud_or_default(&env, &namespace);
    let config = config::hook_config(&shown, &config::record_owner(&shown, instance.as_deref()));
    hook_cli::run_hook(&cli.hook, &config, |run| {
        let binding = match &binding {
            Ok(b) => b,
            Err(e) => return Ok(hook_cli::setting_error(e)),
        };
        let settings = match hook_reconcile::settings::Settings::from_table(&env) {
            Ok(s) => s,
            Err(e) => return Ok(hook_cli::setting_error(&e)),
        };
        let options = match ccloud_api_key::Options::from_env(&env, &namespace) {
            Ok(o) => o,
            Err(e) => return Ok(hook_cli::setting_error(&e)),
        };
        let record = config::record_owner(binding, instance.as_deref());
        Ok(ccloud_api_key::run(run, &settings, &options, &record)?)
    })
}
