use anyhow::{Context as _, Result};
use ccloud_emulator::faults::Latency;
use ccloud_emulator::server::{Shared, serve};
use ccloud_emulator::statefile::{StateFile, empty_world};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A local emulator of Confluent Cloud (control plane, Kafka REST v3, managed Connect)
/// and of a self-managed Kafka Connect worker.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Initial state (YAML or JSON); empty when omitted.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Latency added to every API request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Seed for ids, secrets and probabilistic faults (overrides the state file's).
    #[arg(long)]
    seed: Option<u64>,
    /// Do not log requests on stderr.
    #[arg(long)]
    quiet: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut file = match &cli.state {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            StateFile::parse(&text)?
        }
        None => StateFile::default(),
    };
    if cli.seed.is_some() {
        file.seed = cli.seed;
    }
    let seed = file.seed.unwrap_or(7);
    let mut world = if cli.state.is_some() { file.into_world()? } else { empty_world(seed) };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli.threads {
        builder.worker_threads(n);
    }
    let runtime = builder.enable_all().build()?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(cli.listen).await.with_context(|| format!("binding {}", cli.listen))?;
        let addr = listener.local_addr()?;
        world.base_url = format!("http://{addr}");
        eprintln!(
            "{}",
            serde_json::json!({"level": "info", "msg": "ccloud-emulator listening", "url": world.base_url})
        );
        let shared = Arc::new(Shared::new(world, seed, Latency { ms: cli.latency_ms, routes: Vec::new() }, cli.quiet));
        serve(listener, shared, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        Ok(())
    })
}
