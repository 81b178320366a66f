//! Where tenants' frames and plugins are kept: any `object_store` (a
//! local directory by default), each tenant under its own prefix.
//!
//! ```text
//! tenants/NAME/frames/FRAME        a stored frame, as python-blosc2 reads it
//! tenants/NAME/plugins/ID.wasm     a plugin's component
//! tenants/NAME/plugins/ID.json     its kind, name and sha256 (written last)
//! ```
//!
//! An object appears only once complete: frames are uploaded in parts
//! and published by the store's multipart completion (a rename on a local
//! disk), so a server killed mid-upload leaves no partial frame.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};

use crate::problem::Problem;

/// Size of the parts a frame is uploaded in.
const PART_SIZE: usize = 8 << 20;

/// All tenants' storage.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// Storage in the local directory `dir` (made if missing), with every
    /// write synced to disk before it is acknowledged.
    pub fn local(dir: &FsPath) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let fs = LocalFileSystem::new_with_prefix(dir)?
            .with_fsync(true)
            .with_automatic_cleanup(true);
        Ok(Storage::new(Arc::new(fs)))
    }

    /// Storage in any object store.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Storage { store }
    }

    /// Tenant `name`'s part of it.
    pub fn tenant(&self, name: &str) -> TenantStore {
        TenantStore {
            store: Arc::new(PrefixStore::new(
                self.store.clone(),
                Path::from_iter(["tenants", name]),
            )),
        }
    }
}

/// One tenant's objects; nothing outside its prefix can be named.
#[derive(Clone, Debug)]
pub struct TenantStore {
    store: Arc<dyn ObjectStore>,
}

/// A storage failure as an answer: a missing object is 404, the rest 503.
pub(crate) fn problem(e: object_store::Error) -> Problem {
    match e {
        object_store::Error::NotFound { .. } => Problem::NotFound("no such object".into()),
        other => Problem::Unavailable(format!("storage: {other}")),
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

    /// Bytes `range` of the object.
    pub async fn get_range(&self, path: &Path, range: Range<u64>) -> Result<Bytes, Problem> {
        self.store.get_range(path, range).await.map_err(problem)
    }

    /// Stores small `bytes` under `path` at once.
    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<(), Problem> {
        self.store
            .put(path, PutPayload::from(bytes))
            .await
            .map(drop)
            .map_err(problem)
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

pub mod commit;
pub mod metered;
mod remote;
pub mod upload;

pub use remote::RemoteSource;
