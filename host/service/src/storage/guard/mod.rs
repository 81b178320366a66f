//! A store that never holds a request longer than a deadline and stops
//! asking a store that keeps failing: what keeps one hanging bucket from
//! freezing every tenant of a replica.
//!
//! - **Deadline**: every call to the store (and every item of a listing or
//!   a read's body) must answer within [`Guard::deadline`], else it fails
//!   with [`GuardError::Deadline`]. The store's own timeouts and retries
//!   may be longer: this bounds what a request waits in all.
//! - **Circuit breaker**: after [`Guard::threshold`] failures in a row
//!   (deadlines, unreachable, server errors; not a missing object or a lost
//!   race), the breaker opens and every call fails at once with
//!   [`GuardError::Open`] until a probe finds the store answering again.
//! - **Probe**: [`Guarded::probe`] asks the store one cheap question (a
//!   `HEAD` of an object that need not exist), under the deadline but
//!   whatever the breaker says; the service runs it every
//!   [`Guard::probe_every`] and `/readyz` answers from its verdict.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
    UploadPart,
};

/// The object [`Guarded::probe`] asks about (it need not exist).
const PROBE_OBJECT: &str = ".sandpress-probe";

/// Why a guarded call failed without an answer from the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The store did not answer within the deadline.
    #[error("the store did not answer within {0:?}")]
    Deadline(Duration),
    /// The breaker is open: the store failed repeatedly and has not
    /// answered a probe since.
    #[error("the store failed {0} times in a row; not asking it until it answers again")]
    Open(u32),
}

/// The policy: deadline, breaker threshold and probe period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    /// Longest wait for one answer of the store. Default 10 s.
    pub deadline: Duration,
    /// Failures in a row that open the breaker. Default 3.
    pub threshold: u32,
    /// How often the store is probed. Default 2 s.
    pub probe_every: Duration,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            deadline: Duration::from_secs(10),
            threshold: 3,
            probe_every: Duration::from_secs(2),
        }
    }
}

/// What the guarded calls have seen of the store, shared by all of them.
#[derive(Debug, Default)]
pub struct Health {
    /// Failures in a row.
    failures: AtomicU32,
    /// Whether the breaker is open.
    open: AtomicBool,
    /// Whether the last probe was answered.
    last_probe_ok: AtomicBool,
    /// When the breaker last opened.
    opened_at: Mutex<Option<Instant>>,
}

impl Health {
    /// Whether calls are refused at once.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// Whether the store is fit to serve: the breaker is closed and the
    /// last probe, if any, was answered.
    pub fn is_ready(&self) -> bool {
        !self.is_open() && self.last_probe_ok.load(Ordering::Acquire)
    }

    /// Store failures in a row (0 after any answer).
    pub fn failures_in_a_row(&self) -> u32 {
        self.failures.load(Ordering::Acquire)
    }

    /// How long the breaker has been open, if it is.
    pub fn open_for(&self) -> Option<Duration> {
        let at = *self.opened_at.lock().unwrap_or_else(|p| p.into_inner());
        self.is_open()
            .then(|| at.map_or(Duration::ZERO, |t| t.elapsed()))
    }

    fn success(&self) {
        self.failures.store(0, Ordering::Release);
        self.open.store(false, Ordering::Release);
    }

    fn failure(&self, threshold: u32) {
        let n = self
            .failures
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if n >= threshold && !self.open.swap(true, Ordering::AcqRel) {
            *self.opened_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
    }
}

/// Whether `e` says the store is unreachable or failing (what counts
/// toward opening the breaker), rather than answering about an object.
fn is_store_failure(e: &object_store::Error) -> bool {
    matches!(
        e,
        object_store::Error::Generic { .. } | object_store::Error::JoinError { .. }
    ) && !crate::storage::is_storage_full(e)
}

fn guard_error(e: GuardError) -> object_store::Error {
    object_store::Error::Generic {
        store: "sandpress",
        source: Box::new(e),
    }
}

/// `inner` behind a deadline and a circuit breaker.
pub struct Guarded {
    inner: Arc<dyn ObjectStore>,
    guard: Guard,
    health: Arc<Health>,
}

impl Guarded {
    /// `inner` guarded by `guard`, with a fresh [`Health`] (ready until a
    /// probe or a call says otherwise).
    pub fn new(inner: Arc<dyn ObjectStore>, guard: Guard) -> Self {
        let health = Arc::new(Health::default());
        health.last_probe_ok.store(true, Ordering::Release);
        Guarded {
            inner,
            guard,
            health,
        }
    }

    /// The policy it applies.
    pub fn guard(&self) -> Guard {
        self.guard
    }

    /// What the calls have seen.
    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    /// Asks the store one cheap question under the deadline, whatever the
    /// breaker says; an answer (even "no such object") closes the breaker.
    pub async fn probe(&self) -> bool {
        let probe = Path::from(PROBE_OBJECT);
        let asked = self.inner.head(&probe);
        let ok = match tokio::time::timeout(self.guard.deadline, asked).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => true,
            Ok(Err(e)) => !is_store_failure(&e),
            Err(_) => false,
        };
        self.health.last_probe_ok.store(ok, Ordering::Release);
        if ok {
            self.health.success();
        } else {
            self.health.failure(self.guard.threshold);
        }
        ok
    }

    /// Refuses at once while the breaker is open.
    fn admit(&self) -> Result<()> {
        admit(&self.health)
    }

    /// Runs `call` under the breaker and the deadline.
    async fn run<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        guarded(self.guard, &self.health, call).await
    }

    /// `stream` with each item under the deadline; the answers recorded.
    fn stream<T: Send + 'static>(
        &self,
        stream: BoxStream<'static, Result<T>>,
    ) -> BoxStream<'static, Result<T>> {
        if let Err(e) = self.admit() {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        guard_stream(stream, self.guard, self.health.clone())
    }
}

fn note<T>(health: &Health, threshold: u32, r: &Result<T>) {
    match r {
        Err(e) if is_store_failure(e) => health.failure(threshold),
        _ => health.success(),
    }
}

/// `stream` with each item under the deadline; a missed deadline ends it
/// with [`GuardError::Deadline`].
fn guard_stream<T: Send + 'static>(
    stream: BoxStream<'static, Result<T>>,
    guard: Guard,
    health: Arc<Health>,
) -> BoxStream<'static, Result<T>> {
    futures::stream::unfold(Some(stream), move |state| {
        let health = health.clone();
        async move {
            let mut stream = state?;
            match tokio::time::timeout(guard.deadline, stream.next()).await {
                Ok(Some(item)) => {
                    note(&health, guard.threshold, &item);
                    Some((item, Some(stream)))
                }
                Ok(None) => None,
                Err(_) => {
                    let e: Result<T> = Err(guard_error(GuardError::Deadline(guard.deadline)));
                    note(&health, guard.threshold, &e);
                    Some((e, None))
                }
            }
        }
    })
    .boxed()
}

impl fmt::Debug for Guarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

impl fmt::Display for Guarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guarded({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for Guarded {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.run(self.inner.put_opts(location, payload, opts)).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let inner = self
            .run(self.inner.put_multipart_opts(location, opts))
            .await?;
        Ok(Box::new(GuardedUpload {
            inner,
            guard: self.guard,
            health: self.health.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let mut got = self.run(self.inner.get_opts(location, options)).await?;
        if let GetResultPayload::Stream(body) = got.payload {
            got.payload =
                GetResultPayload::Stream(guard_stream(body, self.guard, self.health.clone()));
        }
        Ok(got)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let deleted = self.inner.delete_stream(locations);
        self.stream(deleted)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.stream(self.inner.list(prefix))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.stream(self.inner.list_with_offset(prefix, offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.run(self.inner.list_with_delimiter(prefix)).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.run(self.inner.copy_opts(from, to, options)).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.run(self.inner.rename_opts(from, to, options)).await
    }
}

/// A multipart upload whose parts, completion and abort are guarded.
struct GuardedUpload {
    inner: Box<dyn MultipartUpload>,
    guard: Guard,
    health: Arc<Health>,
}

impl fmt::Debug for GuardedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedUpload")
            .field("inner", &self.inner)
            .finish()
    }
}

#[async_trait]
impl MultipartUpload for GuardedUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let part = self.inner.put_part(data);
        let guard = self.guard;
        let health = self.health.clone();
        Box::pin(async move { guarded(guard, &health, part).await })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let call = self.inner.complete();
        guarded(self.guard, &self.health, call).await
    }

    async fn abort(&mut self) -> Result<()> {
        let call = self.inner.abort();
        guarded(self.guard, &self.health, call).await
    }
}

/// Refuses at once while the breaker in `health` is open.
fn admit(health: &Health) -> Result<()> {
    if health.is_open() {
        return Err(guard_error(GuardError::Open(
            health.failures.load(Ordering::Acquire),
        )));
    }
    Ok(())
}

/// `call` under the breaker in `health` and `guard`'s deadline, its answer
/// recorded.
async fn guarded<T>(
    guard: Guard,
    health: &Health,
    call: impl Future<Output = Result<T>>,
) -> Result<T> {
    admit(health)?;
    let r = match tokio::time::timeout(guard.deadline, call).await {
        Ok(r) => r,
        Err(_) => Err(guard_error(GuardError::Deadline(guard.deadline))),
    };
    note(health, guard.threshold, &r);
    r
}

#[cfg(test)]
mod tests;
