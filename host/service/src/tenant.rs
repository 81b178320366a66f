//! One tenant as the server holds it: its limits, its storage, its own
//! sandbox and the plugins loaded into it, and its request slots.
//!
//! A tenant's plugin instances live in its own [`Sandbox`]: two tenants
//! that upload the same component share at most its compiled code (the
//! disk cache, keyed by sha256), never an instance or its memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use object_store::path::Path;
use sandpress_core::Registry;
use sandpress_core::plugin::PluginKind;
use sandpress_sandbox::{Loaded, Sandbox};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use utoipa::ToSchema;

use crate::limits::TenantLimits;
use crate::problem::{Problem, one_line};
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

/// A held slot of a tenant (a request slot or a work turn), given back
/// when dropped. A request slot is also counted in the tenant's and the
/// server's busy counts while held.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    counts: Vec<Arc<AtomicUsize>>,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, counts: Vec<Arc<AtomicUsize>>) -> Slot {
        for c in &counts {
            c.fetch_add(1, Ordering::AcqRel);
        }
        Slot {
            _permit: permit,
            counts,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        for c in &self.counts {
            c.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// A tenant's turns to do pipeline work, taken from a worker thread one
/// chunk at a time: a request that waits for its client (body pieces, or
/// room to send) holds none.
pub struct Turns {
    tenant: Arc<Tenant>,
    runtime: tokio::runtime::Handle,
}

impl Turns {
    /// Waits for a turn (from a worker thread, never the async runtime);
    /// it ends when the permit is dropped.
    pub fn take(&self) -> Result<Slot, Problem> {
        self.runtime.block_on(self.tenant.work_turn())
    }
}

/// What the API tells of a registered plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PluginInfo {
    /// Its id, 160-255, in this tenant's namespace.
    pub id: u8,
    /// `codec` or `filter`.
    pub kind: String,
    /// Its name (codecs: as given at upload, else `codec-ID`).
    pub name: String,
    /// The sha256 of its component, in hex.
    pub sha256: String,
    /// The component's size in bytes.
    pub size: u64,
}

struct Plugin {
    info: PluginInfo,
    loaded: Loaded,
}

/// A tenant of the running server.
pub struct Tenant {
    name: String,
    limits: TenantLimits,
    store: TenantStore,
    shared: Shared,
    /// Requests of this tenant in progress.
    busy: Arc<AtomicUsize>,
    sandbox: Mutex<Option<Sandbox>>,
    plugins: RwLock<BTreeMap<u8, Plugin>>,
    slots: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    usage: AtomicU64,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant").field("name", &self.name).finish()
    }
}

/// Parses `codec` or `filter`.
pub fn parse_kind(s: &str) -> Result<PluginKind, Problem> {
    match s {
        "codec" => Ok(PluginKind::Codec),
        "filter" => Ok(PluginKind::Filter),
        other => Err(Problem::BadParameter(format!(
            "kind {other:?}: use codec or filter"
        ))),
    }
}

fn kind_name(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Filter => "filter",
        _ => "codec",
    }
}

fn wasm_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.wasm"))
}

fn info_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.json"))
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
        });
        for meta in tenant.store.list("plugins").await? {
            if meta.location.extension() != Some("json") {
                continue;
            }
            let loaded = tenant.reload(&meta.location).await;
            if let Err(p) = loaded {
                eprintln!(
                    "sandpress serve: tenant {}: plugin {} not loaded: {p}",
                    tenant.name, meta.location
                );
            }
        }
        Ok(tenant)
    }

    async fn reload(self: &Arc<Self>, info_at: &Path) -> Result<(), Problem> {
        let json = self
            .store
            .get(info_at)
            .await?
            .ok_or_else(|| Problem::NotFound(info_at.to_string()))?;
        let info: PluginInfo = serde_json::from_slice(&json)
            .map_err(|e| Problem::Internal(format!("{info_at}: {e}")))?;
        let bytes = self
            .store
            .get(&wasm_path(info.id))
            .await?
            .ok_or_else(|| Problem::NotFound(format!("plugins/{}.wasm", info.id)))?;
        let kind = parse_kind(&info.kind)?;
        let loaded = self.load(kind, info.id, info.name.clone(), bytes).await?;
        self.plugins_mut().insert(info.id, Plugin { info, loaded });
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
    pub fn acquire(&self) -> Result<Slot, Problem> {
        let permit =
            self.slots
                .clone()
                .try_acquire_owned()
                .map_err(|_| Problem::TooManyRequests {
                    limit: self.limits.concurrency,
                })?;
        Ok(Slot::new(
            permit,
            vec![self.busy.clone(), self.shared.busy.clone()],
        ))
    }

    /// A turn to do pipeline work on a worker thread, waited for; held
    /// until the work is done.
    pub async fn work_turn(&self) -> Result<Slot, Problem> {
        let permit = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Problem::Unavailable("the tenant is being removed".into()))?;
        Ok(Slot::new(permit, Vec::new()))
    }

    /// Its turns, taken from worker threads.
    pub fn turns(self: &Arc<Self>) -> Turns {
        Turns {
            tenant: self.clone(),
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Plugin instances of the tenant alive now, and the bytes of memory
    /// they hold.
    pub fn instances(&self) -> (usize, usize) {
        let slot = self.sandbox.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref()
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

    fn plugins_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<u8, Plugin>> {
        self.plugins.write().unwrap_or_else(|p| p.into_inner())
    }

    fn plugins_ref(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u8, Plugin>> {
        self.plugins.read().unwrap_or_else(|p| p.into_inner())
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

    /// Checks and compiles a component in the tenant's sandbox, off the
    /// async runtime.
    async fn load(
        &self,
        kind: PluginKind,
        id: u8,
        name: String,
        bytes: Bytes,
    ) -> Result<Loaded, Problem> {
        let sandbox = self.sandbox()?;
        tokio::task::spawn_blocking(move || match kind {
            PluginKind::Filter => sandbox.load_filter(id, &bytes).map(|f| Loaded::Filter(f)),
            _ => sandbox
                .load_codec(&name, id, &bytes)
                .map(|c| Loaded::Codec(c)),
        })
        .await
        .map_err(|e| Problem::Internal(format!("plugin loader: {e}")))?
        .map_err(|e| Problem::BadPlugin(one_line(&e)))
    }

    /// Registers `bytes` as plugin `id` of `kind`, replacing the one there:
    /// checked and compiled like the CLI's, then stored.
    pub async fn put_plugin(
        &self,
        id: u8,
        kind: PluginKind,
        name: Option<String>,
        bytes: Bytes,
    ) -> Result<PluginInfo, Problem> {
        if id < sandpress_core::format::ids::USER_START {
            return Err(Problem::BadParameter(format!(
                "plugin id {id} is outside the user range 160..=255"
            )));
        }
        let replaced = self.plugins_ref().get(&id).map(|p| p.info.size);
        if replaced.is_none() && self.plugins_ref().len() >= self.limits.max_plugins as usize {
            return Err(Problem::BadParameter(format!(
                "this tenant has its {} plugins already; delete one first",
                self.limits.max_plugins
            )));
        }
        let size = bytes.len() as u64;
        self.check_quota(size, replaced.unwrap_or(0))?;
        let name = match (kind, name) {
            (PluginKind::Filter, _) => format!("filter-{id}"),
            (_, Some(n)) if !n.is_empty() => n,
            _ => format!("codec-{id}"),
        };
        let loaded = self.load(kind, id, name.clone(), bytes.clone()).await?;
        let info = PluginInfo {
            id,
            kind: kind_name(kind).to_owned(),
            name,
            sha256: loaded.meta().sha256_hex(),
            size,
        };
        let json = serde_json::to_vec(&info).map_err(|e| Problem::Internal(e.to_string()))?;
        self.store.put(&wasm_path(id), bytes).await?;
        self.store.put(&info_path(id), json.into()).await?;
        self.account(size, replaced.unwrap_or(0));
        self.plugins_mut().insert(
            id,
            Plugin {
                info: info.clone(),
                loaded,
            },
        );
        Ok(info)
    }

    /// The registered plugins, by id.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.plugins_ref()
            .values()
            .map(|p| p.info.clone())
            .collect()
    }

    /// Removes plugin `id`; its instances go with it.
    pub async fn delete_plugin(&self, id: u8) -> Result<(), Problem> {
        let Some(size) = self.plugins_ref().get(&id).map(|p| p.info.size) else {
            return Err(Problem::NotFound(format!("no plugin {id}")));
        };
        self.store.delete(&info_path(id)).await?;
        self.store.delete(&wasm_path(id)).await?;
        self.plugins_mut().remove(&id);
        self.account(0, size);
        Ok(())
    }

    /// A registry with every plugin of the tenant, for one request.
    pub fn registry(&self) -> Result<Registry, Problem> {
        let mut registry = Registry::new();
        for p in self.plugins_ref().values() {
            p.loaded
                .register(&mut registry)
                .map_err(|e| Problem::Internal(e.to_string()))?;
        }
        Ok(registry)
    }
}
