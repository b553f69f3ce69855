use clap::Parser;
use hook_cli::HookArgs;

/// shell-operator hook: Kafka Connect connectors from streaming-ops `destination=connect` ConfigMaps.
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
    let binding = hook_reconcile::binding::BindingSettings::from_env(env, &namespace, "destination=connect");
    let config = connect_apply::config::hook_config(&binding);
    hook_cli::run_hook(&cli.hook, &config, |run| {
        // KAFKA_* are template inputs here (env.KAFKA_API_KEY in the original definitions),
        // not Kafka REST credentials: only the Cloud settings are read.
        let settings =
            hook_reconcile::settings::Settings::from_env(
                |k: &str| if k.starts_with("KAFKA_") { None } else { env(k) },
            )?;
        let options = connect_apply::Options::from_env(env, &namespace)?;
        Ok(connect_apply::run(run, &settings, &options)?)
    })
}
