//! A store that fails on demand, for tests of what the service does when
//! its store hangs or fills: any store behind a [`Faults`] switch.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::Ordering;
//! use object_store::memory::InMemory;
//! use sandpress_service::storage::faulty::{Faults, Faulty};
//!
//! let faults = Arc::new(Faults::default());
//! let store = Faulty::new(Arc::new(InMemory::new()), faults.clone());
//! faults.full.store(true, Ordering::SeqCst); // writes now fail with ENOSPC
//! # drop(store);
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// What a [`Faulty`] store does with the calls it gets.
#[derive(Debug, Default)]
pub struct Faults {
    /// Accept every call and never answer.
    pub hang: AtomicBool,
    /// Refuse writes as a full disk does (`ENOSPC`).
    pub full: AtomicBool,
    /// Calls received so far.
    pub calls: AtomicUsize,
}

/// `inner` behind a [`Faults`] switch.
pub struct Faulty {
    inner: Arc<dyn ObjectStore>,
    faults: Arc<Faults>,
}

impl Faulty {
    /// `inner`, failing as `faults` says.
    pub fn new(inner: Arc<dyn ObjectStore>, faults: Arc<Faults>) -> Self {
        Faulty { inner, faults }
    }

    /// Counts the call and, while told to hang, never returns.
    async fn arrive(&self) {
        self.faults.calls.fetch_add(1, Ordering::SeqCst);
        if self.faults.hang.load(Ordering::SeqCst) {
            futures::future::pending::<()>().await;
        }
    }

    /// A write: refused while the store is full.
    async fn write(&self) -> Result<()> {
        self.arrive().await;
        if self.faults.full.load(Ordering::SeqCst) {
            return Err(object_store::Error::Generic {
                store: "Faulty",
                source: Box::new(std::io::Error::from_raw_os_error(28)),
            });
        }
        Ok(())
    }

    /// A listing: empty and endless while told to hang.
    fn listing(
        &self,
        list: impl FnOnce() -> BoxStream<'static, Result<ObjectMeta>>,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.faults.calls.fetch_add(1, Ordering::SeqCst);
        if self.faults.hang.load(Ordering::SeqCst) {
            return futures::stream::pending().boxed();
        }
        list()
    }
}

impl fmt::Debug for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faulty")
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Faulty({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
        self.write().await?;
        self.inner.put_opts(l, p, o).await
    }

    async fn put_multipart_opts(
        &self,
        l: &Path,
        o: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.write().await?;
        self.inner.put_multipart_opts(l, o).await
    }

    async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
        self.arrive().await;
        self.inner.get_opts(l, o).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.listing(|| self.inner.list(prefix))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.listing(|| self.inner.list_with_offset(prefix, offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.arrive().await;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, o: CopyOptions) -> Result<()> {
        self.write().await?;
        self.inner.copy_opts(from, to, o).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, o: RenameOptions) -> Result<()> {
        self.write().await?;
        self.inner.rename_opts(from, to, o).await
    }
}
