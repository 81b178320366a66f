//! One tenant as the server holds it: its limits, its storage, its own
//! sandbox and the plugins loaded into it (see `plugins.rs`), and its
//! request slots and work turns (see `permit.rs`).
//!
//! A tenant's plugin instances live in its own [`Sandbox`]: two tenants
//! that upload the same component share at most its compiled code (the
//! disk cache, keyed by sha256), never an instance or its memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sandpress_sandbox::Sandbox;
use tokio::sync::Semaphore;

use super::limits::TenantLimits;
use super::permit::{Permit, Turns};
use super::plugins::Plugin;
use crate::problem::Problem;
use crate::storage::TenantStore;

/// What all tenants of a server share: where compiled plugins are cached,
/// and the count of requests in progress over all tenants.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// Compiled plugins' cache directory (none: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Requests in progress, all tenants together.
    pub busy: Arc<AtomicUsize>,
}

/// A long plugin call (past one epoch tick) of a tenant sleeps this long
/// at each further tick while another tenant has a request in progress:
/// it then gets about half of a core, the rest going to the others.
const YIELD: Duration = Duration::from_millis(10);

/// A tenant of the running server.
pub struct Tenant {
    pub(super) name: String,
    limits: TenantLimits,
    pub(super) store: TenantStore,
    shared: Shared,
    /// Requests of this tenant in progress.
    busy: Arc<AtomicUsize>,
    /// Made on first use (see [`Tenant::sandbox`]).
    sandbox: Mutex<Option<Sandbox>>,
    /// Its registered plugins, loaded, by id.
    pub(super) plugins: RwLock<BTreeMap<u8, Plugin>>,
    /// One sync of the plugins with the store at a time.
    pub(super) syncing: tokio::sync::Mutex<()>,
    /// Request slots (see [`crate::tenant::permit`]).
    slots: Arc<Semaphore>,
    /// Work turns (see [`crate::tenant::permit`]).
    workers: Arc<Semaphore>,
    /// Bytes stored, as last listed and counted since.
    usage: AtomicU64,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant").field("name", &self.name).finish()
    }
}

impl Tenant {
    /// Tenant `name` under `limits`, storing in `store`, sharing `shared`
    /// with the other tenants. Reads its plugins and usage back from
    /// storage.
    pub async fn open(
        name: String,
        limits: TenantLimits,
        store: TenantStore,
        shared: Shared,
    ) -> Result<Arc<Tenant>, Problem> {
        let tenant = Arc::new(Tenant {
            slots: Arc::new(Semaphore::new(limits.concurrency as usize)),
            workers: Arc::new(Semaphore::new(limits.workers as usize)),
            usage: AtomicU64::new(store.usage().await?),
            name,
            limits,
            store,
            shared,
            busy: Arc::new(AtomicUsize::new(0)),
            sandbox: Mutex::new(None),
            plugins: RwLock::new(BTreeMap::new()),
            syncing: tokio::sync::Mutex::new(()),
        });
        tenant.sync_plugins().await?;
        Ok(tenant)
    }

    /// Lists the tenant's stored bytes again (other replicas store too).
    pub async fn relist_usage(&self) -> Result<(), Problem> {
        let listed = self.store.usage().await?;
        self.usage.store(listed, Ordering::Release);
        Ok(())
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its limits.
    pub fn limits(&self) -> &TenantLimits {
        &self.limits
    }

    /// Its storage.
    pub fn store(&self) -> &TenantStore {
        &self.store
    }

    /// A request slot, held for the request's life; 429 when all are taken.
    pub fn acquire(&self) -> Result<Permit, Problem> {
        let permit =
            self.slots
                .clone()
                .try_acquire_owned()
                .map_err(|_| Problem::TooManyRequests {
                    limit: self.limits.concurrency,
                })?;
        Ok(Permit::new(
            permit,
            vec![self.busy.clone(), self.shared.busy.clone()],
        ))
    }

    /// A turn to do pipeline work on a worker thread, waited for; held
    /// until the work is done.
    pub async fn work_turn(&self) -> Result<Permit, Problem> {
        let permit = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Problem::Unavailable("the tenant is being removed".into()))?;
        Ok(Permit::new(permit, Vec::new()))
    }

    /// Its turns, taken from worker threads.
    pub fn turns(self: &Arc<Self>) -> Turns {
        Turns::new(self.clone(), tokio::runtime::Handle::current())
    }

    /// Plugin instances of the tenant alive now, and the bytes of memory
    /// they hold.
    pub fn instances(&self) -> (usize, usize) {
        let sandbox = self.sandbox.lock().unwrap_or_else(|p| p.into_inner());
        sandbox
            .as_ref()
            .map_or((0, 0), |s| (s.live_instances(), s.memory_in_use()))
    }

    /// Refuses to store `adding` more bytes (in place of `removing`) past
    /// the quota.
    pub fn check_quota(&self, adding: u64, removing: u64) -> Result<(), Problem> {
        let after = self
            .usage
            .load(Ordering::Acquire)
            .saturating_sub(removing)
            .saturating_add(adding);
        if after > self.limits.storage_quota {
            return Err(Problem::InsufficientStorage {
                quota: self.limits.storage_quota,
            });
        }
        Ok(())
    }

    /// Counts `adding` bytes stored in place of `removing`.
    pub fn account(&self, adding: u64, removing: u64) {
        let _ = self
            .usage
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                Some(u.saturating_sub(removing).saturating_add(adding))
            });
    }

    /// Bytes stored now.
    pub fn usage(&self) -> u64 {
        self.usage.load(Ordering::Acquire)
    }

    /// The tenant's sandbox, made on first use (the components a frame
    /// embeds load into it too).
    pub(crate) fn sandbox(&self) -> Result<Sandbox, Problem> {
        let mut slot = self.sandbox.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        // A call of this tenant's plugins that runs past a tick yields to
        // the other tenants' requests while there are some.
        let (mine, all) = (self.busy.clone(), self.shared.busy.clone());
        let builder = Sandbox::builder()
            .limits(self.limits.sandbox())
            .on_long_call(move || {
                if all.load(Ordering::Acquire) > mine.load(Ordering::Acquire) {
                    std::thread::sleep(YIELD);
                }
            });
        let builder = match &self.shared.cache_dir {
            Some(dir) => builder.cache_dir(dir),
            None => builder.no_cache(),
        };
        let sandbox = builder
            .build()
            .map_err(|e| Problem::Internal(format!("sandbox: {e}")))?;
        *slot = Some(sandbox.clone());
        Ok(sandbox)
    }
}
