//! The process of `sandpress serve`: a runtime whose blocking pool is the
//! worker threads, a listener, and a graceful shutdown on Ctrl-C or
//! SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use crate::app::{App, AppError, Config};
use crate::routes::{metrics_router, router, router_without_metrics};

/// How `sandpress serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Most worker threads for pipeline work at once (over all tenants).
    pub workers: usize,
    /// A worker idle this long exits, and its plugin instances with it.
    pub idle_worker: Duration,
    /// On SIGTERM or Ctrl-C: how long requests in flight may take to
    /// finish before they are cut off (no new connection is accepted
    /// meanwhile). A write cut off leaves no frame.
    pub drain: Duration,
    /// Where `/metrics` is served: `None`, on [`listen`](Self::listen)
    /// with the API (open to anyone who reaches it); else on this address
    /// alone (a port the operator's network keeps private), and the API's
    /// own `/metrics` is 404.
    pub metrics_listen: Option<SocketAddr>,
}

/// Where a started server listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listening {
    /// The API.
    pub api: SocketAddr,
    /// `/metrics`, when it has an address of its own.
    pub metrics: Option<SocketAddr>,
}

impl ServeOptions {
    /// Default of [`workers`](Self::workers).
    pub const DEFAULT_WORKERS: usize = 64;
    /// Default of [`idle_worker`](Self::idle_worker).
    pub const DEFAULT_IDLE_WORKER: Duration = Duration::from_secs(30);
    /// Default of [`drain`](Self::drain).
    pub const DEFAULT_DRAIN: Duration = Duration::from_secs(30);

    /// Defaults for listening on `listen`: [`Self::DEFAULT_WORKERS`]
    /// workers (64), idle after [`Self::DEFAULT_IDLE_WORKER`] (30 s).
    ///
    /// ```
    /// let o = sandpress_service::ServeOptions::new("127.0.0.1:0".parse().unwrap());
    /// assert_eq!(o.workers, 64);
    /// assert_eq!(o.idle_worker.as_secs(), 30);
    /// ```
    pub fn new(listen: SocketAddr) -> Self {
        ServeOptions {
            listen,
            workers: Self::DEFAULT_WORKERS,
            idle_worker: Self::DEFAULT_IDLE_WORKER,
            drain: Self::DEFAULT_DRAIN,
            metrics_listen: None,
        }
    }
}

/// Why the service could not start, or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The async runtime could not be started.
    #[error("starting the runtime: {source}")]
    Runtime {
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The service could not be opened on its data directory.
    #[error(transparent)]
    Open(#[from] AppError),
    /// The address could not be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving: {source}")]
    Serve {
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the service until Ctrl-C or SIGTERM; `ready` is told the
/// addresses once it listens.
pub fn run(
    config: Config,
    options: ServeOptions,
    ready: impl FnOnce(Listening),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(options.workers.max(1))
        .thread_keep_alive(options.idle_worker)
        .thread_name("sandpress-serve")
        .build()
        .map_err(|source| ServeError::Runtime { source })?;
    runtime.block_on(async {
        let app = App::open(config).await?;
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: options.listen,
                source,
            })?;
        let serving = |source| ServeError::Serve { source };
        let (api, metrics) = match options.metrics_listen {
            None => (router(app), None),
            Some(addr) => {
                let metrics = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| ServeError::Listen { addr, source })?;
                (
                    router_without_metrics(app.clone()),
                    Some((metrics, metrics_router(app))),
                )
            }
        };
        ready(Listening {
            api: listener.local_addr().map_err(serving)?,
            metrics: match &metrics {
                Some((l, _)) => Some(l.local_addr().map_err(serving)?),
                None => None,
            },
        });
        if let Some((l, r)) = metrics {
            // Ends with the process; it holds no request worth draining.
            tokio::spawn(async move { axum::serve(l, r).await });
        }
        let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
        let told = stopping.clone();
        let serve = axum::serve(listener, api).with_graceful_shutdown(async move {
            shutdown().await;
            told.notify_one();
        });
        tokio::select! {
            served = serve => served.map_err(serving),
            () = async {
                stopping.notified().await;
                tokio::time::sleep(options.drain).await;
            } => {
                tracing::warn!(
                    drain_seconds = options.drain.as_secs_f64(),
                    "requests still running after the drain are cut off"
                );
                Ok(())
            }
        }
    })?;
    // Pipeline work of requests cut off may still run on worker threads:
    // the process does not wait for it.
    runtime.shutdown_timeout(Duration::ZERO);
    Ok(())
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
