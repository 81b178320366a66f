//! The running service's state: the tenants (re-read when the tenants
//! file changes, so `sandpress tenant add` needs no restart), storage and
//! metrics.
//!
//! With a local store the tenants file is checked at every request. With
//! a bucket shared by replicas it is checked (one HEAD) at most every
//! [`Config::refresh`]: a token rotated through one replica stops working
//! on every other within that interval. Each tenant's stored bytes are
//! listed again every [`Config::usage_refresh`], so a quota holds over
//! all replicas to within what the others stored in that interval.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::storage::Storage;
use crate::tenant::{Shared, Tenant};
use crate::tenants;
use crate::tenants_source::{Stamp, TenantsSource};

/// How the service is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory: `tenants.toml`, `store/` (unless `storage` is
    /// given), `cache/` (compiled plugins) and `tmp/` (frames being
    /// written; emptied when the service starts).
    pub data_dir: PathBuf,
    /// Distinct tenant labels in metrics; tenants past it share one.
    pub max_tenant_labels: usize,
    /// Whether compiled plugins are cached on disk (shared by sha256
    /// between tenants: code only, never an instance).
    pub compile_cache: bool,
    /// A request body that sends nothing for this long is answered 408.
    pub body_timeout: Duration,
    /// With a shared bucket: how old the tenants as this replica knows
    /// them may be (a local tenants file is checked at every request).
    pub refresh: Duration,
    /// With a shared bucket: how often each tenant's stored bytes are
    /// listed again (other replicas store too).
    pub usage_refresh: Duration,
}

impl Config {
    /// Defaults for the data directory `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            max_tenant_labels: 100,
            compile_cache: true,
            body_timeout: Duration::from_secs(30),
            refresh: Duration::from_secs(2),
            usage_refresh: Duration::from_secs(10),
        }
    }
}

/// The tenants as last read from the file.
#[derive(Default)]
struct Tenants {
    /// By token hash.
    by_token: HashMap<String, Arc<Tenant>>,
    /// What the file was when last read.
    stamp: Option<Stamp>,
    /// When it was last checked.
    checked_at: Option<Instant>,
}

/// The service; cheap to clone (one shared state).
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    storage: Storage,
    source: TenantsSource,
    metrics: Metrics,
    tenants: Mutex<Tenants>,
    shared: Shared,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.inner.config.data_dir)
            .finish()
    }
}

impl App {
    /// Opens the service on `config.data_dir`, storing where
    /// `storage.toml` there says (by default in `store/` there).
    pub async fn open(config: Config) -> anyhow::Result<App> {
        let storage = Storage::open(&config.data_dir)?;
        App::with_storage(config, storage).await
    }

    /// Opens the service with its objects in `storage`. Empties `tmp/` of
    /// what a killed server left there.
    pub async fn with_storage(config: Config, storage: Storage) -> anyhow::Result<App> {
        let tmp = config.data_dir.join("tmp");
        match std::fs::remove_dir_all(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot empty {}: {e}", tmp.display()),
        }
        std::fs::create_dir_all(&tmp)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", tmp.display()))?;
        let shared = Shared {
            cache_dir: config.compile_cache.then(|| config.data_dir.join("cache")),
            busy: Default::default(),
        };
        let source = storage.tenants_source(&config.data_dir);
        let app = App {
            inner: Arc::new(Inner {
                shared,
                metrics: Metrics::new(config.max_tenant_labels),
                config,
                storage,
                source,
                tenants: Mutex::new(Tenants::default()),
            }),
        };
        app.refresh().await?;
        if app.inner.source.is_shared() {
            tokio::spawn(relist_usage(Arc::downgrade(&app.inner)));
        }
        Ok(app)
    }

    /// Where the tenants file is.
    pub fn tenants_source(&self) -> &TenantsSource {
        &self.inner.source
    }

    /// Where frames being written are kept.
    pub fn tmp_dir(&self) -> PathBuf {
        self.inner.config.data_dir.join("tmp")
    }

    /// How long a request body may send nothing.
    pub fn body_timeout(&self) -> std::time::Duration {
        self.inner.config.body_timeout
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The tenant whose token this is, after re-reading the tenants file
    /// if it changed.
    pub async fn tenant_for(&self, token: &str) -> Result<Arc<Tenant>, Problem> {
        if let Err(e) = self.refresh().await {
            eprintln!("sandpress serve: keeping the tenants as they were: {e:#}");
        }
        let hash = tenants::token_hash(token);
        let tenants = self.inner.tenants.lock().await;
        tenants
            .by_token
            .get(&hash)
            .cloned()
            .ok_or(Problem::Unauthorized)
    }

    /// Every tenant loaded.
    pub async fn all_tenants(&self) -> Vec<Arc<Tenant>> {
        let t = self.inner.tenants.lock().await;
        t.by_token.values().cloned().collect()
    }

    /// Re-reads the tenants file if it changed (checked at most every
    /// [`Config::refresh`] when shared): new tenants are opened, removed
    /// ones dropped (with their instances), changed tokens and limits take
    /// effect. Tenants that did not change keep their loaded plugins.
    async fn refresh(&self) -> anyhow::Result<()> {
        let source = &self.inner.source;
        let mut tenants = self.inner.tenants.lock().await;
        let interval = if source.is_shared() {
            self.inner.config.refresh
        } else {
            Duration::ZERO
        };
        if let Some(at) = tenants.checked_at
            && at.elapsed() < interval
        {
            return Ok(());
        }
        // Marked checked even if the check fails: a store that is down is
        // asked again after the interval, not at every request.
        tenants.checked_at = Some(Instant::now());
        let stamp = source.stamp().await?;
        if tenants.stamp.as_ref() == Some(&stamp) {
            return Ok(());
        }
        let (file, stamp) = source.read().await?;
        let configs = file.configs()?;
        let mut by_name: HashMap<String, Arc<Tenant>> = tenants
            .by_token
            .drain()
            .map(|(_, t)| (t.name().to_owned(), t))
            .collect();
        let mut fresh = HashMap::new();
        for c in configs {
            let tenant = match by_name.remove(&c.name) {
                Some(t) if *t.limits() == c.limits => t,
                _ => Tenant::open(
                    c.name.clone(),
                    c.limits,
                    self.inner.storage.tenant(&c.name),
                    self.inner.shared.clone(),
                )
                .await
                .map_err(|p| anyhow::anyhow!("tenant {}: {p}", c.name))?,
            };
            fresh.insert(c.token_sha256, tenant);
        }
        tenants.by_token = fresh;
        tenants.stamp = Some(stamp);
        Ok(())
    }
}

/// Lists each loaded tenant's stored bytes again every
/// [`Config::usage_refresh`], while the service lives.
async fn relist_usage(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(period) = inner.upgrade().map(|i| i.config.usage_refresh) else {
            return;
        };
        tokio::time::sleep(period).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let all: Vec<Arc<Tenant>> = inner
            .tenants
            .lock()
            .await
            .by_token
            .values()
            .cloned()
            .collect();
        drop(inner);
        for t in all {
            if let Err(p) = t.relist_usage().await {
                eprintln!(
                    "sandpress serve: tenant {}: usage not listed: {p}",
                    t.name()
                );
            }
        }
    }
}
