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
    /// Its registration object's version as listed (e_tag, or time and
    /// size): another replica's change shows as a new one.
    tag: String,
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
    /// One sync of the plugins with the store at a time.
    syncing: tokio::sync::Mutex<()>,
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

/// A component, stored once by its sha256 (immutable).
fn blob_path(sha256: &str) -> Path {
    Path::from(format!("plugins/sha256/{sha256}.wasm"))
}

/// Where components were kept before they were stored by sha256.
fn legacy_wasm_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.wasm"))
}

/// Plugin `id`'s registration: its kind, name and component's sha256.
fn info_path(id: u8) -> Path {
    Path::from(format!("plugins/{id}.json"))
}

/// The id a registration object is for.
fn info_id(location: &Path) -> Option<u8> {
    let name = location.filename()?.strip_suffix(".json")?;
    name.parse().ok()
}

/// An object's version as the store lists it.
fn tag_of(meta: &object_store::ObjectMeta) -> String {
    match &meta.e_tag {
        Some(e) => e.clone(),
        None => format!(
            "{}:{}",
            meta.last_modified.timestamp_nanos_opt().unwrap_or(0),
            meta.size
        ),
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

    /// Makes the loaded plugins those the store registers now (another
    /// replica may have added, replaced or removed some): one listing of
    /// `plugins/`, and a load of each registration that changed. A
    /// plugin that does not load is left out and logged.
    pub async fn sync_plugins(&self) -> Result<(), Problem> {
        let _one = self.syncing.lock().await;
        let mut listed = BTreeMap::new();
        for meta in self.store.list_dir("plugins").await? {
            if let Some(id) = info_id(&meta.location) {
                listed.insert(id, tag_of(&meta));
            }
        }
        self.plugins_mut().retain(|id, _| listed.contains_key(id));
        for (id, tag) in listed {
            if self.plugins_ref().get(&id).is_some_and(|p| p.tag == tag) {
                continue;
            }
            if let Err(p) = self.reload(id, tag).await {
                eprintln!(
                    "sandpress serve: tenant {}: plugin {id} not loaded: {p}",
                    self.name
                );
                self.plugins_mut().remove(&id);
            }
        }
        Ok(())
    }

    async fn reload(&self, id: u8, tag: String) -> Result<(), Problem> {
        let info_at = info_path(id);
        let json = self
            .store
            .get(&info_at)
            .await?
            .ok_or_else(|| Problem::NotFound(info_at.to_string()))?;
        let info: PluginInfo = serde_json::from_slice(&json)
            .map_err(|e| Problem::Internal(format!("{info_at}: {e}")))?;
        let bytes = match self.store.get(&blob_path(&info.sha256)).await? {
            Some(b) => b,
            None => self
                .store
                .get(&legacy_wasm_path(info.id))
                .await?
                .ok_or_else(|| Problem::NotFound(format!("the component of plugin {id}")))?,
        };
        let kind = parse_kind(&info.kind)?;
        let loaded = self.load(kind, info.id, info.name.clone(), bytes).await?;
        let sha256 = loaded.meta().sha256_hex();
        if sha256 != info.sha256 {
            return Err(Problem::Internal(format!(
                "plugin {id}: its component's sha256 is {sha256}, its registration says {}",
                info.sha256
            )));
        }
        self.plugins_mut().insert(id, Plugin { info, loaded, tag });
        Ok(())
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
    /// checked and compiled like the CLI's, then stored: the component
    /// once by its sha256, then its registration `plugins/ID.json`.
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
        self.sync_plugins().await?;
        let replaced = self.plugins_ref().get(&id).map(|p| p.info.clone());
        let replaced_size = replaced.as_ref().map_or(0, |i| i.size);
        if replaced.is_none() && self.plugins_ref().len() >= self.limits.max_plugins as usize {
            return Err(Problem::BadParameter(format!(
                "this tenant has its {} plugins already; delete one first",
                self.limits.max_plugins
            )));
        }
        let size = bytes.len() as u64;
        self.check_quota(size, replaced_size)?;
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
        let added = if self.store.put_new(&blob_path(&info.sha256), bytes).await? {
            size
        } else {
            0
        };
        let tag = self.store.put(&info_path(id), json.into()).await?;
        let mut freed = 0;
        if let Some(old) = replaced.filter(|old| old.sha256 != info.sha256) {
            freed = self.drop_blob_unless_used(&old, Some(id)).await?;
        }
        self.account(added, freed);
        self.plugins_mut().insert(
            id,
            Plugin {
                info: info.clone(),
                loaded,
                tag,
            },
        );
        Ok(info)
    }

    /// Deletes the component of `old` unless another of the tenant's
    /// plugins (other than `except`) uses it; the bytes freed.
    async fn drop_blob_unless_used(
        &self,
        old: &PluginInfo,
        except: Option<u8>,
    ) -> Result<u64, Problem> {
        let used = self
            .plugins_ref()
            .iter()
            .any(|(id, p)| Some(*id) != except && p.info.sha256 == old.sha256);
        if used {
            return Ok(0);
        }
        let blob = self.store.delete(&blob_path(&old.sha256)).await?;
        let legacy = self.store.delete(&legacy_wasm_path(old.id)).await?;
        Ok(if blob || legacy { old.size } else { 0 })
    }

    /// The registered plugins, by id (as last synced with the store).
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.plugins_ref()
            .values()
            .map(|p| p.info.clone())
            .collect()
    }

    /// Removes plugin `id`; its instances go with it, and its component
    /// unless another of the tenant's plugins uses it.
    pub async fn delete_plugin(&self, id: u8) -> Result<(), Problem> {
        self.sync_plugins().await?;
        let Some(old) = self.plugins_ref().get(&id).map(|p| p.info.clone()) else {
            return Err(Problem::NotFound(format!("no plugin {id}")));
        };
        self.store.delete(&info_path(id)).await?;
        self.plugins_mut().remove(&id);
        let freed = self.drop_blob_unless_used(&old, None).await?;
        self.account(0, freed);
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
