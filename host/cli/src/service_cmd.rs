//! `sandpress serve` and `sandpress tenant`: the multi-tenant service and
//! its tenants.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use sandpress_service::storage::config::StorageConfig;
use sandpress_service::storage::guard::Guard;
use sandpress_service::tenant::TenantsSource;
use sandpress_service::{Config, ServeOptions};

/// Options of `sandpress serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Data directory: tenants.toml, stored frames and plugins (or
    /// storage.toml naming an S3 bucket that holds them), compile cache.
    #[arg(long, default_value = "./sp-data")]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Most worker threads doing pipeline work at once, over all tenants.
    #[arg(long, default_value_t = ServeOptions::DEFAULT_WORKERS)]
    pub workers: usize,
    /// Seconds an idle worker (and its plugin instances) is kept.
    #[arg(long, default_value_t = ServeOptions::DEFAULT_IDLE_WORKER.as_secs())]
    pub idle_seconds: u64,
    /// Distinct tenant labels in /metrics; later tenants share "_other".
    #[arg(long, default_value_t = Config::DEFAULT_MAX_TENANT_LABELS)]
    pub max_tenant_labels: usize,
    /// With a shared bucket (DATA/storage.toml): seconds the tenants as
    /// this replica knows them may be old (a rotated token stops working
    /// within this).
    #[arg(long, default_value_t = Config::DEFAULT_REFRESH.as_secs())]
    pub refresh_seconds: u64,
    /// With a shared bucket: seconds between listings of each tenant's
    /// stored bytes (quotas hold over replicas to within this).
    #[arg(long, default_value_t = Config::DEFAULT_USAGE_REFRESH.as_secs())]
    pub usage_refresh_seconds: u64,
    /// Seconds a request waits for the store at most (each call to it);
    /// after repeated failures the store is not asked until a probe finds
    /// it answering, and requests that need it get 503 at once.
    #[arg(long, default_value_t = Guard::default().deadline.as_secs())]
    pub storage_timeout_seconds: u64,
    /// On SIGTERM or Ctrl-C: seconds requests in flight may take to finish
    /// (no new connection is accepted) before they are cut off; a write
    /// cut off leaves no frame.
    #[arg(long, default_value_t = ServeOptions::DEFAULT_DRAIN.as_secs())]
    pub drain_seconds: u64,
    /// Log lines on stderr as `text` or `json` (one object a line); which
    /// events is set by RUST_LOG (default `info`: an access-log event per
    /// request, warnings and errors).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The operator token that opens the admin API (/v1/admin/); else
    /// the environment's SANDPRESS_ADMIN_TOKEN (which `ps` does not show).
    /// Only its sha256 is kept. Without either, there is no admin API.
    #[arg(long)]
    pub admin_token: Option<String>,
    /// Serve /metrics on this address alone (one the network keeps
    /// private) instead of on --listen with the API, where anyone who
    /// reaches the port can read it.
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
}

/// How `sandpress serve` writes its log.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Sends the service's log events to stderr in `format`, filtered by
/// RUST_LOG (default `info`).
fn init_log(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    // A second `serve` in the same process (tests) keeps the first's log.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// `sandpress tenant …`.
#[derive(Subcommand, Debug, Clone)]
pub enum TenantCommand {
    /// Add a tenant and print its API token (shown once, stored as a hash).
    Add(TenantArgs),
    /// List the tenants and their limits.
    List {
        /// Data directory.
        #[arg(long, default_value = "./sp-data")]
        data: PathBuf,
    },
    /// Remove a tenant (its stored frames and plugins stay in storage).
    Remove(TenantArgs),
    /// Give a tenant a new token; the old one stops working.
    RotateToken(TenantArgs),
}

/// A tenant and the data directory.
#[derive(Args, Debug, Clone)]
pub struct TenantArgs {
    /// The tenant's name (a-z, 0-9, _ and -).
    pub name: String,
    /// Data directory.
    #[arg(long, default_value = "./sp-data")]
    pub data: PathBuf,
}

/// Runs `sandpress serve` until Ctrl-C or SIGTERM.
pub fn serve(a: &ServeArgs, err: &mut dyn Write) -> Result<()> {
    let config = Config {
        max_tenant_labels: a.max_tenant_labels,
        refresh: std::time::Duration::from_secs(a.refresh_seconds),
        usage_refresh: std::time::Duration::from_secs(a.usage_refresh_seconds.max(1)),
        storage_guard: Guard {
            deadline: std::time::Duration::from_secs(a.storage_timeout_seconds.max(1)),
            ..Guard::default()
        },
        admin_token_sha256: a
            .admin_token
            .clone()
            .or_else(|| std::env::var("SANDPRESS_ADMIN_TOKEN").ok())
            .filter(|t| !t.trim().is_empty())
            .map(|t| sandpress_service::tenant::file::token_hash(t.trim())),
        ..Config::new(&a.data)
    };
    let options = ServeOptions {
        workers: a.workers,
        idle_worker: std::time::Duration::from_secs(a.idle_seconds),
        drain: std::time::Duration::from_secs(a.drain_seconds),
        metrics_listen: a.metrics_listen,
        ..ServeOptions::new(a.listen)
    };
    init_log(a.log_format);
    let store = match StorageConfig::load(&a.data)?.s3 {
        Some(s3) => s3.describe(),
        None => a.data.join("store").display().to_string(),
    };
    sandpress_service::run(config, options, |at| {
        let metrics = at
            .metrics
            .map_or_else(String::new, |m| format!(", /metrics on http://{m}"));
        let _ = writeln!(
            err,
            "sandpress serve: listening on http://{} (data in {}, objects in {store}{metrics})",
            at.api,
            a.data.display()
        );
        let _ = err.flush();
    })?;
    Ok(())
}

/// Runs `sandpress tenant …` on the tenants of the data directory (in
/// the bucket its `storage.toml` names, else `DATA/tenants.toml`).
pub fn tenant(cmd: &TenantCommand, out: &mut dyn Write) -> Result<()> {
    let data = match cmd {
        TenantCommand::Add(a) | TenantCommand::Remove(a) | TenantCommand::RotateToken(a) => &a.data,
        TenantCommand::List { data } => data,
    };
    let source = TenantsSource::for_data_dir(data)?;
    match cmd {
        TenantCommand::Add(a) => {
            let token = source.update_blocking(|f| f.add(&a.name))?;
            writeln!(out, "{token}")?;
        }
        TenantCommand::RotateToken(a) => {
            let token = source.update_blocking(|f| f.rotate(&a.name))?;
            writeln!(out, "{token}")?;
        }
        TenantCommand::Remove(a) => source.update_blocking(|f| f.remove(&a.name))?,
        TenantCommand::List { .. } => {
            for c in source.read_blocking()?.configs()? {
                let l = c.limits;
                writeln!(
                    out,
                    "{}  concurrency {}, body {} B, quota {} B, plugins {}, cpu {} ms/call, memory {} B/instance, {} B total",
                    c.name,
                    l.concurrency,
                    l.max_body,
                    l.storage_quota,
                    l.max_plugins,
                    l.cpu_ms_per_call,
                    l.memory_per_instance,
                    l.total_memory
                )?;
            }
        }
    }
    Ok(())
}
