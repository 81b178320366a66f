use std::sync::atomic::AtomicUsize;

use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;

use super::*;

/// An in-memory store that never answers while `hang` is set, counting
/// the calls it gets.
#[derive(Debug, Default)]
struct Hanging {
    inner: InMemory,
    hang: AtomicBool,
    calls: AtomicUsize,
}

impl Hanging {
    async fn wait(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            futures::future::pending::<()>().await;
        }
    }
}

impl fmt::Display for Hanging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hanging")
    }
}

#[async_trait]
impl ObjectStore for Hanging {
    async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
        self.wait().await;
        self.inner.put_opts(l, p, o).await
    }

    async fn put_multipart_opts(
        &self,
        l: &Path,
        o: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.wait().await;
        self.inner.put_multipart_opts(l, o).await
    }

    async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
        self.wait().await;
        self.inner.get_opts(l, o).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang.load(Ordering::SeqCst) {
            return futures::stream::pending().boxed();
        }
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.wait().await;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, o: CopyOptions) -> Result<()> {
        self.wait().await;
        self.inner.copy_opts(from, to, o).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, o: RenameOptions) -> Result<()> {
        self.wait().await;
        self.inner.rename_opts(from, to, o).await
    }
}

fn guarded() -> (Arc<Hanging>, Guarded) {
    let store = Arc::new(Hanging::default());
    let guard = Guard {
        deadline: Duration::from_millis(50),
        threshold: 3,
        probe_every: Duration::from_millis(50),
    };
    (store.clone(), Guarded::new(store, guard))
}

fn guard_error_of(e: &object_store::Error) -> Option<GuardError> {
    match e {
        object_store::Error::Generic { source, .. } => source.downcast_ref().cloned(),
        _ => None,
    }
}

#[tokio::test]
async fn a_hanging_store_fails_at_the_deadline_then_at_once_until_it_answers_a_probe() {
    let (store, g) = guarded();
    let path = Path::from("a");
    g.put(&path, PutPayload::from_static(b"x")).await.unwrap();
    store.hang.store(true, Ordering::SeqCst);

    for _ in 0..3 {
        let e = g.get(&path).await.unwrap_err();
        assert_eq!(
            guard_error_of(&e),
            Some(GuardError::Deadline(Duration::from_millis(50)))
        );
    }
    assert!(g.health().is_open());
    let asked = store.calls.load(Ordering::SeqCst);
    let e = g.get(&path).await.unwrap_err();
    assert_eq!(guard_error_of(&e), Some(GuardError::Open(3)));
    assert_eq!(
        store.calls.load(Ordering::SeqCst),
        asked,
        "an open breaker does not ask the store"
    );
    assert!(!g.probe().await, "a hanging store fails the probe");
    assert!(!g.health().is_ready());

    store.hang.store(false, Ordering::SeqCst);
    assert!(g.probe().await);
    assert!(g.health().is_ready());
    assert_eq!(g.get(&path).await.unwrap().bytes().await.unwrap(), "x");
}

#[tokio::test]
async fn answers_about_objects_do_not_open_the_breaker() {
    let (_store, g) = guarded();
    for _ in 0..10 {
        let e = g.get(&Path::from("missing")).await.unwrap_err();
        assert!(matches!(e, object_store::Error::NotFound { .. }), "{e}");
    }
    assert!(!g.health().is_open());
    assert!(g.probe().await, "a missing probe object is an answer");
}

#[tokio::test]
async fn a_listing_that_hangs_ends_with_the_deadline() {
    let (store, g) = guarded();
    store.hang.store(true, Ordering::SeqCst);
    let e = g.list(None).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(
        guard_error_of(&e),
        Some(GuardError::Deadline(Duration::from_millis(50)))
    );
}
