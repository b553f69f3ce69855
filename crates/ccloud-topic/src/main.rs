use clap::Parser;
use hook_cli::HookArgs;
use hook_reconcile::binding::BindingSettings;
use reconcile::settings::{Env, Tool, defs};

/// shell-operator hook: Kafka topics from streaming-ops `destination=ccloud` ConfigMaps.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    hook: HookArgs,
}

fn main() {
    let cli = Cli::parse();
    let env = Env::process(Tool::Topic);
    let namespace = env.value(&defs::POD_NAMESPACE).unwrap_or_else(hook_reconcile::own_namespace);
    // `--config` never fails on a bad setting: it prints the default binding, and the run
    // reports the error and changes nothing (in particular, deletes nothing).
    let binding = BindingSettings::ccloud(&env, &namespace);
    let instance = env.value(&defs::INSTANCE_ID);
    let config =
        ccloud_topic::config::hook_config(&BindingSettings::ccloud_or_default(&env, &namespace), instance.as_deref());
    hook_cli::run_hook(&cli.hook, &config, |run| {
        let binding = match &binding {
            Ok(b) => b,
            Err(e) => return Ok(hook_cli::setting_error(e)),
        };
        let settings = match hook_reconcile::settings::Settings::from_table(&env) {
            Ok(s) => s,
            Err(e) => return Ok(hook_cli::setting_error(&e)),
        };
        let options = match ccloud_topic::Options::from_table(&env, binding) {
            Ok(o) => o,
            Err(e) => return Ok(hook_cli::setting_error(&e)),
        };
        Ok(ccloud_topic::run(run, &settings, &options)?)
    })
}
