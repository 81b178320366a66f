//! Replicas in-process for the frame commit and range tests: several
//! `App`s (each with its own data directory, for `tmp/`, and the same
//! tenants file there) sharing one object store, an `InMemory` store
//! wrapped to count what is read from it and to inject faults. The
//! tenants file stays out of the store so that it adds nothing to the
//! counts.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result, UploadPart,
};
use sandpress_service::tenant::TenantsFile;
use sandpress_service::{App, Config, Storage};

use super::Service;

/// What the store counts, and the faults it injects.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes of object returned by reads.
    pub fetched: AtomicU64,
    /// Reads (not HEADs).
    pub gets: AtomicU64,
    /// Multipart uploads aborted.
    pub aborts: AtomicU64,
    /// Parts fail while set.
    pub fail_parts: AtomicBool,
    /// Each part takes this many milliseconds more.
    pub part_delay_ms: AtomicU64,
    /// While set, each multipart upload starts only once as many have
    /// arrived as the barrier counts (to make appends overlap).
    pub barrier: Mutex<Option<Arc<tokio::sync::Barrier>>>,
}

impl Counters {
    /// Bytes fetched and reads so far, and counting from zero again.
    pub fn take(&self) -> (u64, u64) {
        (
            self.fetched.swap(0, Ordering::SeqCst),
            self.gets.swap(0, Ordering::SeqCst),
        )
    }
}

/// An `InMemory` store that counts and can fail.
#[derive(Debug, Default)]
pub struct Counting {
    inner: InMemory,
    /// Its counters and switches.
    pub counters: Arc<Counters>,
}

impl fmt::Display for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Counting {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let barrier = self.counters.barrier.lock().unwrap().clone();
        if let Some(b) = barrier {
            let _ = tokio::time::timeout(Duration::from_secs(20), b.wait()).await;
        }
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(Upload {
            inner,
            counters: self.counters.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let head = options.head;
        let r = self.inner.get_opts(location, options).await?;
        if head {
            return Ok(r);
        }
        self.counters.gets.fetch_add(1, Ordering::SeqCst);
        let counters = self.counters.clone();
        let GetResult {
            payload,
            meta,
            range,
            attributes,
            extensions,
        } = r;
        let GetResultPayload::Stream(s) = payload else {
            panic!("InMemory answers with streams")
        };
        let counted = s.inspect(move |piece| {
            if let Ok(b) = piece {
                counters.fetched.fetch_add(b.len() as u64, Ordering::SeqCst);
            }
        });
        Ok(GetResult {
            payload: GetResultPayload::Stream(counted.boxed()),
            meta,
            range,
            attributes,
            extensions,
        })
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let got = self.inner.get_ranges(location, ranges).await?;
        let n: u64 = got.iter().map(|b| b.len() as u64).sum();
        self.counters.gets.fetch_add(1, Ordering::SeqCst);
        self.counters.fetched.fetch_add(n, Ordering::SeqCst);
        Ok(got)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[derive(Debug)]
struct Upload {
    inner: Box<dyn MultipartUpload>,
    counters: Arc<Counters>,
}

#[async_trait]
impl MultipartUpload for Upload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        if self.counters.fail_parts.load(Ordering::SeqCst) {
            return Box::pin(async {
                Err(object_store::Error::Generic {
                    store: "test",
                    source: "a part fails (injected)".into(),
                })
            });
        }
        let part = self.inner.put_part(data);
        let delay = Duration::from_millis(self.counters.part_delay_ms.load(Ordering::SeqCst));
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            part.await
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        self.inner.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        self.counters.aborts.fetch_add(1, Ordering::SeqCst);
        self.inner.abort().await
    }
}

/// `n` replicas of a service with `tenants` (limits from `defaults`, as
/// in [`super::service`]) on one counting store.
pub async fn replicas(n: usize, tenants: &[&str], defaults: &str) -> (Vec<Service>, Arc<Counting>) {
    let store = Arc::new(Counting::default());
    let mut file = TenantsFile::empty("the test");
    file.set_defaults(defaults).unwrap();
    let tokens: Vec<String> = tenants.iter().map(|t| file.add(t).unwrap()).collect();
    let text = file.to_text().unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(sandpress_service::tenant::file::FILE_NAME),
            &text,
        )
        .unwrap();
        let config = Config {
            compile_cache: false,
            ..Config::new(dir.path())
        };
        let app = App::with_storage(config, Storage::new(store.clone()))
            .await
            .unwrap();
        out.push(Service {
            dir,
            router: sandpress_service::router(app),
            tokens: tokens.clone(),
        });
    }
    (out, store)
}

/// Every object's path in the store.
pub async fn objects(store: &Counting) -> Vec<String> {
    let mut all: Vec<String> = store
        .list(None)
        .map(|m| m.unwrap().location.to_string())
        .collect()
        .await;
    all.sort();
    all
}
