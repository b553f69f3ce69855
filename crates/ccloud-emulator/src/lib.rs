//! `ccloud-emulator`: a stateful local emulator of the slice of Confluent Cloud that
//! the hooks use (Kafka REST v3, org/cmk/iam/api-keys/srcm, managed Connect) plus a
//! self-managed Kafka Connect worker, with a control API for faults and latency.

pub mod acls;
pub mod cloud;
pub mod connect;
pub mod control;
pub mod faults;
pub mod http;
pub mod kafka;
pub mod model;
pub mod routes;
pub mod server;
pub mod statefile;
pub mod topic_configs;

use faults::Latency;
use server::Shared;
use std::net::SocketAddr;
use std::sync::Arc;

/// A running emulator (for tests and benchmarks); stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts an emulator on `127.0.0.1` with an ephemeral port, in its own thread.
pub fn spawn(mut world: model::World, quiet: bool) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    world.base_url.clone_from(&url);
    let shared = Arc::new(Shared::new(world, 7, Latency::default(), quiet));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let server_shared = Arc::clone(&shared);
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            server::serve(listener, server_shared, async {
                let _ = stopped.await;
            })
            .await;
        });
    });
    Ok(Running { addr, url, shared, stop: Some(stop), thread: Some(thread) })
}
