//! Where tenants' frames and plugins are kept: any `object_store` (a
//! local directory by default), each tenant under its own prefix.
//!
//! ```text
//! tenants.toml                     the tenants (a bucket shared by replicas)
//! tenants/NAME/frames/FRAME        a stored frame, as python-blosc2 reads it
//! tenants/NAME/plugins/sha256/HEX.wasm   a component, by its sha256 (immutable)
//! tenants/NAME/plugins/ID.json     plugin ID: its kind, name and sha256
//! ```
//!
//! An object appears only once complete: frames are uploaded in parts
//! and published by the store's multipart completion (a rename on a local
//! disk), so a server killed mid-upload leaves no partial frame.
//!
//! Submodules: [`config`] (`DATA/storage.toml`), `upload` (a frame's parts,
//! staged), `commit` (publishing under a per-frame lock), [`metered`]
//! (a store that counts its requests) and `remote` (a stored frame read at
//! offsets).

use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::problem::Problem;
use crate::tenant::source::TenantsSource;

pub(crate) mod commit;
pub mod config;
pub mod faulty;
mod full;
pub mod guard;
pub mod metered;
mod remote;
pub(crate) mod upload;

pub(crate) use full::is_storage_full;
pub(crate) use remote::RemoteSource;

use config::{StorageConfig, StorageConfigError};
use guard::{Guard, Guarded, Health};

/// Size of the parts a frame is uploaded in.
const PART_SIZE: usize = 8 << 20;

/// Wraps a tenant's store (named by the tenant): fault injection in tests.
pub type StoreWrapper =
    Arc<dyn Fn(&str, Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> + Send + Sync>;

/// All tenants' storage.
#[derive(Clone)]
pub struct Storage {
    /// The store as given.
    raw: Arc<dyn ObjectStore>,
    /// The same behind the storage deadline and the circuit breaker
    /// ([`guard`]): what every request goes through.
    guarded: Arc<Guarded>,
    /// `guarded`, as a store.
    store: Arc<dyn ObjectStore>,
    /// Whether replicas share it: then the tenants file is in it too.
    shared: bool,
    wrap: Option<StoreWrapper>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("store", &self.store.to_string())
            .field("shared", &self.shared)
            .finish()
    }
}

/// Why the storage could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// `DATA/storage.toml` could not be read, or names a bucket that
    /// cannot be used.
    #[error(transparent)]
    Config(#[from] StorageConfigError),
    /// The local store's directory could not be made.
    #[error("cannot create {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The local store could not be opened on its directory.
    #[error("{source}")]
    Local {
        /// The directory.
        dir: PathBuf,
        /// What object_store said.
        #[source]
        source: object_store::Error,
    },
}

impl Storage {
    /// The storage `DATA/storage.toml` names: a bucket shared by replicas,
    /// else the local directory `DATA/store`.
    pub fn open(data_dir: &FsPath) -> Result<Self, StorageError> {
        match StorageConfig::load(data_dir)?.s3 {
            Some(s3) => Ok(Storage::shared(s3.build()?)),
            None => Storage::local(&data_dir.join("store")),
        }
    }

    /// Storage in the local directory `dir` (made if missing), with every
    /// write synced to disk before it is acknowledged.
    pub fn local(dir: &FsPath) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
            dir: dir.to_owned(),
            source,
        })?;
        let fs = LocalFileSystem::new_with_prefix(dir)
            .map_err(|source| StorageError::Local {
                dir: dir.to_owned(),
                source,
            })?
            .with_fsync(true)
            .with_automatic_cleanup(true);
        Ok(Storage::new(Arc::new(fs)))
    }

    /// Storage in any object store, for this server alone: the tenants
    /// file stays in the data directory.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        let guarded = Arc::new(Guarded::new(store.clone(), Guard::default()));
        Storage {
            raw: store,
            store: guarded.clone(),
            guarded,
            shared: false,
            wrap: None,
        }
    }

    /// The same storage behind `guard`'s deadline, breaker and probe
    /// period (a fresh breaker).
    pub fn guarded_by(self, guard: Guard) -> Self {
        let guarded = Arc::new(Guarded::new(self.raw.clone(), guard));
        Storage {
            store: guarded.clone(),
            guarded,
            ..self
        }
    }

    /// The deadline, breaker and probe period requests go through.
    pub fn guard(&self) -> Guard {
        self.guarded.guard()
    }

    /// What the requests and probes have seen of the store.
    pub fn health(&self) -> &Arc<Health> {
        self.guarded.health()
    }

    /// Asks the store one cheap question within the deadline, whatever
    /// the breaker says; an answer closes the breaker.
    pub async fn probe(&self) -> bool {
        self.guarded.probe().await
    }

    /// Storage in an object store that several replicas share: the
    /// tenants file is its object `tenants.toml`.
    pub fn shared(store: Arc<dyn ObjectStore>) -> Self {
        Storage {
            shared: true,
            ..Storage::new(store)
        }
    }

    /// Puts every tenant's store behind `wrap` (fault injection: a slow
    /// or failing store for one tenant).
    pub fn wrap_tenants(self, wrap: StoreWrapper) -> Self {
        Storage {
            wrap: Some(wrap),
            ..self
        }
    }

    /// Where the tenants file of a server with data directory `data_dir`
    /// is.
    pub fn tenants_source(&self, data_dir: &FsPath) -> TenantsSource {
        if self.shared {
            TenantsSource::Object(self.store.clone())
        } else {
            TenantsSource::File(data_dir.join(crate::tenant::file::FILE_NAME))
        }
    }

    /// Tenant `name`'s part of it.
    pub fn tenant(&self, name: &str) -> TenantStore {
        let store: Arc<dyn ObjectStore> = Arc::new(PrefixStore::new(
            self.store.clone(),
            Path::from_iter(["tenants", name]),
        ));
        TenantStore {
            store: match &self.wrap {
                Some(w) => w(name, store),
                None => store,
            },
        }
    }
}

/// One tenant's objects; nothing outside its prefix can be named.
#[derive(Clone, Debug)]
pub struct TenantStore {
    store: Arc<dyn ObjectStore>,
}

/// A storage failure as an answer: a missing object is 404, a store with
/// no room 507 `storage-full`, the rest 503 (the store is unreachable or
/// failing, or past its deadline; the client may retry).
pub(crate) fn problem(e: object_store::Error) -> Problem {
    match e {
        object_store::Error::NotFound { .. } => Problem::NotFound("no such object".into()),
        other if is_storage_full(&other) => {
            Problem::StorageFull(sandpress_core::error::one_line(&other))
        }
        other => Problem::StorageUnavailable(sandpress_core::error::one_line(&other)),
    }
}

impl TenantStore {
    /// The object store itself (under the tenant's prefix).
    pub(crate) fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Size of the parts a frame is uploaded in.
    pub(crate) fn part_size(&self) -> usize {
        PART_SIZE
    }

    /// The same objects, each request told to `meter`.
    pub fn metered(&self, meter: metered::Meter) -> TenantStore {
        TenantStore {
            store: Arc::new(metered::Metered::new(self.store.clone(), meter)),
        }
    }

    /// Bytes of everything the tenant stores.
    pub async fn usage(&self) -> Result<u64, Problem> {
        self.store
            .list(None)
            .map_ok(|m| m.size)
            .try_fold(0u64, |a, b| async move { Ok(a.saturating_add(b)) })
            .await
            .map_err(problem)
    }

    /// The objects under `dir`, by name.
    pub async fn list(&self, dir: &str) -> Result<Vec<ObjectMeta>, Problem> {
        let prefix = Path::from(dir);
        let mut all: Vec<ObjectMeta> = self
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(problem)?;
        all.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(all)
    }

    /// The object's size and more; `None` if there is none.
    pub async fn head(&self, path: &Path) -> Result<Option<ObjectMeta>, Problem> {
        match self.store.head(path).await {
            Ok(m) => Ok(Some(m)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(problem(e)),
        }
    }

    /// The whole object; `None` if there is none.
    pub async fn get(&self, path: &Path) -> Result<Option<Bytes>, Problem> {
        match self.store.get(path).await {
            Ok(r) => r.bytes().await.map(Some).map_err(problem),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(problem(e)),
        }
    }

    /// Bytes `range` of the object (one request to the store).
    pub async fn read_range(&self, path: &Path, range: Range<u64>) -> Result<Bytes, Problem> {
        self.store.get_range(path, range).await.map_err(problem)
    }

    /// Stores small `bytes` under `path` at once; the new object's
    /// version (e_tag, else its size).
    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<String, Problem> {
        let size = bytes.len();
        let r = self
            .store
            .put(path, PutPayload::from(bytes))
            .await
            .map_err(problem)?;
        Ok(r.e_tag.unwrap_or_else(|| format!("size:{size}")))
    }

    /// Stores `bytes` under `path` unless an object is there (then it is
    /// left as it is); whether it was stored.
    pub async fn put_new(&self, path: &Path, bytes: Bytes) -> Result<bool, Problem> {
        let put = self
            .store
            .put_opts(
                path,
                PutPayload::from(bytes),
                PutOptions::from(PutMode::Create),
            )
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(problem(e)),
        }
    }

    /// The objects directly in `dir` (not in its subdirectories).
    pub async fn list_dir(&self, dir: &str) -> Result<Vec<ObjectMeta>, Problem> {
        let prefix = Path::from(dir);
        let listed = self
            .store
            .list_with_delimiter(Some(&prefix))
            .await
            .map_err(problem)?;
        Ok(listed.objects)
    }

    /// Deletes the object; whether there was one.
    pub async fn delete(&self, path: &Path) -> Result<bool, Problem> {
        match self.store.delete(path).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(problem(e)),
        }
    }
}
