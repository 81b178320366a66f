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
use std::sync::{Arc, Mutex as StdMutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::storage::guard::Guard;
use crate::storage::{Storage, StorageError};
use crate::tenant::source::{Stamp, TenantsSource, TenantsSourceError};
use crate::tenant::{Shared, Tenant, file};

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
    /// The storage deadline, circuit breaker and probe period
    /// ([`Guard`]): no request waits on the store longer than its
    /// deadline, and a store that keeps failing is not asked again until
    /// a probe finds it answering.
    pub storage_guard: Guard,
    /// The sha256 (hex) of the operator token that opens `/v1/admin/`;
    /// `None`: no admin API.
    pub admin_token_sha256: Option<String>,
}

impl Config {
    /// Default of [`max_tenant_labels`](Self::max_tenant_labels).
    pub const DEFAULT_MAX_TENANT_LABELS: usize = 100;
    /// Default of [`body_timeout`](Self::body_timeout).
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default of [`refresh`](Self::refresh).
    pub const DEFAULT_REFRESH: Duration = Duration::from_secs(2);
    /// Default of [`usage_refresh`](Self::usage_refresh).
    pub const DEFAULT_USAGE_REFRESH: Duration = Duration::from_secs(10);

    /// Defaults for the data directory `data_dir`: the `DEFAULT_*`
    /// constants, and the compile cache on.
    ///
    /// ```
    /// let c = sandpress_service::Config::new("sp-data");
    /// assert_eq!(c.max_tenant_labels, 100);
    /// assert_eq!(c.refresh.as_secs(), 2);
    /// ```
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            max_tenant_labels: Self::DEFAULT_MAX_TENANT_LABELS,
            compile_cache: true,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            refresh: Self::DEFAULT_REFRESH,
            usage_refresh: Self::DEFAULT_USAGE_REFRESH,
            storage_guard: Guard::default(),
            admin_token_sha256: None,
        }
    }
}

/// Why the service could not be opened, or its tenants not (re)loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The storage named by `storage.toml` could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// What a killed server left in `tmp/` could not be removed.
    #[error("cannot empty {}: {source}", path.display())]
    EmptyTmp {
        /// The `tmp/` directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The `tmp/` directory could not be made.
    #[error("cannot create {}: {source}", path.display())]
    CreateTmp {
        /// The `tmp/` directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The tenants file could not be read, or says something wrong.
    #[error(transparent)]
    Tenants(#[from] TenantsSourceError),
    /// A tenant could not be opened (its plugins or usage not read back).
    #[error("tenant {tenant}: {problem}")]
    Tenant {
        /// The tenant's name.
        tenant: String,
        /// Why.
        #[source]
        problem: Problem,
    },
}

/// The tenants as last read from the file: a snapshot, replaced whole by
/// a refresh, so that a request reads it without waiting on one.
#[derive(Default)]
struct Tenants {
    /// By token hash.
    by_token: HashMap<String, Arc<Tenant>>,
    /// What the file was when last read.
    stamp: Option<Stamp>,
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
    /// The last good copy of the tenants; its lock is never held across
    /// an `.await`.
    tenants: RwLock<Arc<Tenants>>,
    /// When the tenants file was last checked (even if the check failed).
    checked_at: StdMutex<Option<Instant>>,
    /// Held by the one refresh running (bounded by the storage deadline).
    refreshing: Mutex<()>,
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
    pub async fn open(config: Config) -> Result<App, AppError> {
        let storage = Storage::open(&config.data_dir)?;
        App::with_storage(config, storage).await
    }

    /// Opens the service with its objects in `storage`. Empties `tmp/` of
    /// what a killed server left there.
    pub async fn with_storage(config: Config, storage: Storage) -> Result<App, AppError> {
        let storage = storage.guarded_by(config.storage_guard);
        let tmp = config.data_dir.join("tmp");
        match std::fs::remove_dir_all(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(AppError::EmptyTmp { path: tmp, source }),
        }
        std::fs::create_dir_all(&tmp).map_err(|source| AppError::CreateTmp {
            path: tmp.clone(),
            source,
        })?;
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
                tenants: RwLock::new(Arc::default()),
                checked_at: StdMutex::new(None),
                refreshing: Mutex::new(()),
            }),
        };
        {
            let _one = app.inner.refreshing.lock().await;
            app.refresh_locked().await?;
        }
        if app.inner.source.is_shared() {
            tokio::spawn(relist_usage(Arc::downgrade(&app.inner)));
        }
        tokio::spawn(probe_storage(Arc::downgrade(&app.inner)));
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

    /// The sha256 of the operator token, if the admin API is on.
    pub fn admin_token_sha256(&self) -> Option<&str> {
        self.inner.config.admin_token_sha256.as_deref()
    }

    /// Makes the next request check the tenants file (this replica just
    /// changed it).
    pub fn tenants_changed(&self) {
        *self
            .inner
            .checked_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether the store answers: the breaker is closed and the last
    /// probe was answered (`/readyz`).
    pub fn storage_ready(&self) -> bool {
        self.inner.storage.health().is_ready()
    }

    /// What requests and probes have seen of the store (breaker state).
    pub fn storage_health(&self) -> &crate::storage::guard::Health {
        self.inner.storage.health()
    }

    /// The tenant whose token this is.
    ///
    /// It never waits on the store for a token it knows: when the tenants
    /// file is due for a check, a shared bucket is checked in the
    /// background and the answer comes from the last good copy. A token it
    /// does not know (perhaps a tenant just added through another replica)
    /// and a local tenants file are checked first, within the storage
    /// deadline.
    pub async fn tenant_for(&self, token: &str) -> Result<Arc<Tenant>, Problem> {
        let hash = file::token_hash(token);
        let known = self.lookup(&hash);
        if self.refresh_due() {
            if known.is_some() && self.inner.source.is_shared() {
                self.refresh_in_background();
            } else {
                self.refresh_within_deadline().await;
                return self.lookup(&hash).ok_or(Problem::Unauthorized);
            }
        }
        known.ok_or(Problem::Unauthorized)
    }

    /// Every tenant loaded.
    pub async fn all_tenants(&self) -> Vec<Arc<Tenant>> {
        self.snapshot().by_token.values().cloned().collect()
    }

    fn snapshot(&self) -> Arc<Tenants> {
        self.inner
            .tenants
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lookup(&self, hash: &str) -> Option<Arc<Tenant>> {
        self.snapshot().by_token.get(hash).cloned()
    }

    /// Whether the tenants file is due for a check: always for a local
    /// file, every [`Config::refresh`] for a shared bucket.
    fn refresh_due(&self) -> bool {
        if !self.inner.source.is_shared() {
            return true;
        }
        let at = *self
            .inner
            .checked_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        at.is_none_or(|at| at.elapsed() >= self.inner.config.refresh)
    }

    /// Checks the tenants file now (after any refresh already running),
    /// for at most the storage deadline; on failure the last good copy
    /// stays.
    async fn refresh_within_deadline(&self) {
        let deadline = self.inner.config.storage_guard.deadline;
        let refreshed = tokio::time::timeout(deadline, async {
            let _one = self.inner.refreshing.lock().await;
            if self.refresh_due() {
                self.refresh_locked().await
            } else {
                Ok(())
            }
        })
        .await;
        match refreshed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => keeping_tenants(&e.to_string()),
            Err(_) => keeping_tenants(&format!("the check took over {deadline:?}")),
        }
    }

    /// Starts a check of the tenants file unless one is running.
    fn refresh_in_background(&self) {
        let app = self.clone();
        tokio::spawn(async move {
            let Ok(_one) = app.inner.refreshing.try_lock() else {
                return;
            };
            if !app.refresh_due() {
                return;
            }
            let deadline = app.inner.config.storage_guard.deadline;
            match tokio::time::timeout(deadline, app.refresh_locked()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => keeping_tenants(&e.to_string()),
                Err(_) => keeping_tenants(&format!("the check took over {deadline:?}")),
            }
        });
    }

    /// Re-reads the tenants file if it changed, with [`Inner::refreshing`]
    /// held: new tenants are opened, removed ones dropped (with their
    /// instances), changed tokens and limits take effect. Tenants that did
    /// not change keep their loaded plugins. The new copy replaces the old
    /// one only once complete.
    async fn refresh_locked(&self) -> Result<(), AppError> {
        let source = &self.inner.source;
        // Marked checked even if the check fails: a store that is down is
        // asked again after the interval, not at every request.
        *self
            .inner
            .checked_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let old = self.snapshot();
        let stamp = source.stamp().await?;
        if old.stamp.as_ref() == Some(&stamp) {
            return Ok(());
        }
        let (file, stamp) = source.read().await?;
        let configs = file.configs().map_err(TenantsSourceError::from)?;
        let mut by_name: HashMap<&str, &Arc<Tenant>> =
            old.by_token.values().map(|t| (t.name(), t)).collect();
        let mut fresh = HashMap::new();
        for c in configs {
            let tenant = match by_name.remove(c.name.as_str()) {
                Some(t) if *t.limits() == c.limits => t.clone(),
                _ => Tenant::open(
                    c.name.clone(),
                    c.limits,
                    self.inner.storage.tenant(&c.name),
                    self.inner.shared.clone(),
                )
                .await
                .map_err(|problem| AppError::Tenant {
                    tenant: c.name.clone(),
                    problem,
                })?,
            };
            fresh.insert(c.token_sha256, tenant);
        }
        let new = Arc::new(Tenants {
            by_token: fresh,
            stamp: Some(stamp),
        });
        *self
            .inner
            .tenants
            .write()
            .unwrap_or_else(|p| p.into_inner()) = new;
        Ok(())
    }
}

/// Says that the tenants stay as they were, and why.
fn keeping_tenants(why: &str) {
    tracing::warn!(error = %why, "tenants not refreshed; keeping the last good copy");
}

/// Probes the store every [`Guard::probe_every`] while the service lives:
/// what `/readyz` answers from, and what closes the breaker once the store
/// answers again.
async fn probe_storage(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(storage) = inner.upgrade().map(|i| i.storage.clone()) else {
            return;
        };
        let every = storage.guard().probe_every;
        storage.probe().await;
        drop(storage);
        tokio::time::sleep(every).await;
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
        let all: Vec<Arc<Tenant>> = App {
            inner: inner.clone(),
        }
        .all_tenants()
        .await;
        drop(inner);
        for t in all {
            if let Err(p) = t.relist_usage().await {
                tracing::warn!(tenant = %t.name(), error = %p, "usage not listed");
            }
        }
    }
}
