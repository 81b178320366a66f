//! sandpress service: `sandpress serve`, Blosc2 compression over HTTP for
//! tenants that bring their own WebAssembly codecs and filters.
//!
//! Each tenant has a bearer token (stored as a hash in
//! `DATA/tenants.toml`), its own limits, its own [`Sandbox`] (so no plugin
//! instance ever serves two tenants), and its own prefix in an
//! `object_store` (a local directory by default). Pipeline work runs on
//! worker threads, never on the async runtime; a worker keeps its plugin
//! instances while it lives and drops them when it has been idle for
//! [`ServeOptions::idle_worker`].
//!
//! [`Sandbox`]: sandpress_sandbox::Sandbox

mod app;
mod body;
mod limits;
mod metrics;
mod params;
mod problem;
mod range;
mod routes;
mod storage;
pub mod storage_config;
mod tenant;
pub mod tenants;
pub mod tenants_source;
mod work;

use std::net::SocketAddr;
use std::time::Duration;

pub use app::{App, Config};
pub use limits::TenantLimits;
pub use problem::{Problem, ProblemBody};
pub use routes::{openapi, router};
pub use storage::{Storage, StoreWrapper};
pub use tenant::PluginInfo;

/// How `sandpress serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Most worker threads for pipeline work at once (over all tenants).
    pub workers: usize,
    /// A worker idle this long exits, and its plugin instances with it.
    pub idle_worker: Duration,
}

impl ServeOptions {
    /// Defaults for listening on `listen`: 64 workers, idle after 30 s.
    pub fn new(listen: SocketAddr) -> Self {
        ServeOptions {
            listen,
            workers: 64,
            idle_worker: Duration::from_secs(30),
        }
    }
}

/// Runs the service until Ctrl-C or SIGTERM; `ready` is told the address
/// once it listens.
pub fn run(
    config: Config,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(options.workers.max(1))
        .thread_keep_alive(options.idle_worker)
        .thread_name("sandpress-serve")
        .build()?;
    runtime.block_on(async move {
        let app = App::open(config).await?;
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", options.listen))?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(app))
            .with_graceful_shutdown(shutdown())
            .await?;
        Ok(())
    })
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
