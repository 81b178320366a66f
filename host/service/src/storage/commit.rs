//! Publishing a frame safely when several replicas share one store.
//!
//! A frame's parts are uploaded first ([`crate::storage::upload`]), outside any
//! lock. The commit then takes a short lock on the frame, the object
//!
//! ```text
//! locks/frames/NAME     {"holder": "<random id>", "until_ms": <unix ms>}
//! ```
//!
//! (under the tenant's prefix, outside `frames/` so listings never see
//! it), created with `PutMode::Create`: of two replicas, one creates it,
//! the other finds it there. Under the lock the commit reads the frame's
//! metadata, checks the caller's expectation (absent, an ETag, anything),
//! completes the multipart upload and deletes the lock. Only the commit
//! is under the lock's lease, never the upload: a replica killed
//! mid-upload holds nothing, and one killed mid-commit holds it at most
//! [`LEASE`].
//!
//! A lock found held is waited for, with backoff, up to [`WAIT`]; then the
//! answer is 409. A lock whose lease has run out is taken over: replaced
//! with `PutMode::Update` on its ETag where the store offers it (S3,
//! memory), else (a local disk) deleted and created anew. That last path
//! has a narrow race (two replicas both finding the same dead lock) that
//! only a replica dying mid-commit opens.
//!
//! Multipart completion cannot be made conditional in object_store 0.14
//! (no If-Match on completion), which is why the check and the completion
//! are serialised by the lock rather than by the store.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::storage::upload::Staged;
use crate::storage::{TenantStore, problem};

/// How long a commit may hold a frame's lock.
pub const LEASE: Duration = Duration::from_secs(30);

/// How long a commit waits for a lock another request holds before
/// answering 409.
pub const WAIT: Duration = Duration::from_secs(5);

/// The first wait between two tries at a held lock; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_millis(400);

/// The lock object of `path`.
pub fn lock_path(path: &Path) -> Path {
    Path::from(format!("locks/{path}"))
}

/// A lock's body.
#[derive(Debug, Serialize, Deserialize)]
pub struct LockBody {
    /// Who holds it: a random id per commit.
    pub holder: String,
    /// Until when, in milliseconds since the Unix epoch.
    pub until_ms: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the object must be like for the commit to go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// There is none (`If-None-Match: *`).
    Absent,
    /// There is one (`If-Match: *`).
    Present,
    /// There is one with one of these ETags (`If-Match`).
    ETagIn(Vec<String>),
    /// There is none, or it has none of these ETags (`If-None-Match`).
    ETagNotIn(Vec<String>),
}

/// The caller's expectations, and the problem answered when one fails.
#[derive(Debug, Clone)]
pub struct Expect {
    wants: Vec<Want>,
    refuse: fn(String) -> Problem,
}

impl Expect {
    /// The request's conditions (`If-Match`, `If-None-Match`; none: a
    /// plain replace, the last writer wins); a failed one is 412.
    pub fn conditions(wants: Vec<Want>) -> Expect {
        Expect {
            wants,
            refuse: Problem::PreconditionFailed,
        }
    }

    /// The object as it was at ETag `e_tag` (an append's read of it); a
    /// change is 409.
    pub fn unchanged(e_tag: String) -> Expect {
        Expect {
            wants: vec![Want::ETagIn(vec![e_tag])],
            refuse: Problem::Conflict,
        }
    }

    /// Refuses `found` (the object's metadata, if there is one) unless it
    /// is as expected; `what` names it in the answer.
    pub fn check(&self, found: Option<&ObjectMeta>, what: &str) -> Result<(), Problem> {
        let tag = found.map(|m| m.e_tag.as_deref().map_or("", bare));
        for want in &self.wants {
            let failed = match (want, tag) {
                (Want::Absent, Some(_)) => Some(format!("{what} exists")),
                (Want::Present, None) | (Want::ETagIn(_), None) => {
                    Some(format!("{what} does not exist"))
                }
                (Want::ETagIn(tags), Some(t)) if !tags.iter().any(|x| bare(x) == t) => {
                    Some(format!("{what} changed since it was read"))
                }
                (Want::ETagNotIn(tags), Some(t)) if tags.iter().any(|x| bare(x) == t) => {
                    Some(format!("{what} has a version the request excludes"))
                }
                _ => None,
            };
            if let Some(detail) = failed {
                return Err((self.refuse)(detail));
            }
        }
        Ok(())
    }
}

/// An ETag without its weakness mark and quotes.
pub fn bare(tag: &str) -> &str {
    let t = tag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.trim_matches('"')
}

/// An ETag as an HTTP header value (quoted).
pub fn etag_header(tag: &str) -> String {
    format!("\"{}\"", bare(tag))
}

/// A published frame.
#[derive(Debug, Clone)]
pub struct Committed {
    /// Its ETag, where the store gives one.
    pub e_tag: Option<String>,
    /// The size of the object it replaced, if it replaced one.
    pub replaced: Option<u64>,
}

/// Publishes `staged` as `path` if the object there is as `expect` says;
/// otherwise aborts the upload and answers the expectation's problem.
pub async fn commit(
    store: &TenantStore,
    path: &Path,
    staged: Staged,
    expect: &Expect,
    what: &str,
) -> Result<Committed, Problem> {
    let lock = match Lock::acquire(store, path, what).await {
        Ok(l) => l,
        Err(p) => {
            staged.abort().await;
            return Err(p);
        }
    };
    let checked = async {
        let found = store.head(path).await?;
        expect.check(found.as_ref(), what)?;
        lock.check_lease()?;
        Ok::<_, Problem>(found.map(|m| m.size))
    }
    .await;
    let done = match checked {
        Ok(replaced) => staged.complete().await.map(|r| Committed {
            e_tag: r.e_tag,
            replaced,
        }),
        Err(p) => {
            staged.abort().await;
            Err(p)
        }
    };
    lock.release().await;
    done
}

/// Deletes `path` under its lock if it is as `expect` says; the size of
/// what was deleted (`None`: there was nothing).
pub async fn delete(
    store: &TenantStore,
    path: &Path,
    expect: &Expect,
    what: &str,
) -> Result<Option<u64>, Problem> {
    let lock = Lock::acquire(store, path, what).await?;
    let done = async {
        let Some(found) = store.head(path).await? else {
            return Ok(None);
        };
        expect.check(Some(&found), what)?;
        lock.check_lease()?;
        store.delete(path).await?;
        Ok(Some(found.size))
    }
    .await;
    lock.release().await;
    done
}

/// A held lock; released by [`Lock::release`], or in the background if
/// dropped held (the request was cancelled); else it expires.
struct Lock {
    store: TenantStore,
    path: Path,
    until: Instant,
    held: bool,
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.held
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (store, path) = (self.store.clone(), self.path.clone());
            runtime.spawn(async move {
                let _ = store.delete(&path).await;
            });
        }
    }
}

impl Lock {
    /// Takes the lock of `path`, waiting for a holder up to [`WAIT`] and
    /// taking over an expired one.
    async fn acquire(store: &TenantStore, path: &Path, what: &str) -> Result<Lock, Problem> {
        let lock = lock_path(path);
        let give_up = Instant::now() + WAIT;
        let mut backoff = FIRST_BACKOFF;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| Problem::Internal(format!("lock id: {e}")))?;
        let holder: String = id.iter().map(|b| format!("{b:02x}")).collect();
        loop {
            let started = Instant::now();
            let body = LockBody {
                holder: holder.clone(),
                until_ms: now_ms() + LEASE.as_millis() as u64,
            };
            let body = Bytes::from(
                serde_json::to_vec(&body).map_err(|e| Problem::Internal(e.to_string()))?,
            );
            if try_lock(store, &lock, body).await? {
                return Ok(Lock {
                    store: store.clone(),
                    path: lock,
                    until: started + LEASE,
                    held: true,
                });
            }
            if Instant::now() + backoff > give_up {
                return Err(Problem::Conflict(format!(
                    "{what} is being written by another request; retry"
                )));
            }
            tokio::time::sleep(jitter(backoff)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Refuses to publish when less than half the lease is left: another
    /// replica could take the lock over before the publishing ends.
    fn check_lease(&self) -> Result<(), Problem> {
        if self.until.saturating_duration_since(Instant::now()) < LEASE / 2 {
            return Err(Problem::Unavailable(
                "storage is too slow to commit within the lock's lease; retry".into(),
            ));
        }
        Ok(())
    }

    /// Deletes the lock (best effort: it expires anyway).
    async fn release(mut self) {
        self.held = false;
        if let Err(e) = self.store.delete(&self.path).await {
            tracing::warn!(lock = %self.path, error = %e, "lock not released");
        }
    }
}

/// One try at the lock `lock`: creates it, or takes it over if its lease
/// ran out; whether it is ours now.
async fn try_lock(store: &TenantStore, lock: &Path, body: Bytes) -> Result<bool, Problem> {
    let objects = store.objects();
    let create = PutOptions::from(PutMode::Create);
    match objects
        .put_opts(lock, PutPayload::from(body.clone()), create)
        .await
    {
        Ok(_) => return Ok(true),
        Err(object_store::Error::AlreadyExists { .. }) => {}
        Err(e) => return Err(problem(e)),
    }
    let held = match objects.get(lock).await {
        Ok(r) => r,
        // Released meanwhile: try again at once.
        Err(object_store::Error::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(problem(e)),
    };
    let e_tag = held.meta.e_tag.clone();
    let version = held.meta.version.clone();
    let bytes = held.bytes().await.map_err(problem)?;
    // A lock that does not parse is treated as expired, so that it
    // cannot block the frame for ever.
    let expired =
        serde_json::from_slice::<LockBody>(&bytes).map_or(true, |b| b.until_ms < now_ms());
    if !expired {
        return Ok(false);
    }
    let update = PutOptions::from(PutMode::Update(UpdateVersion { e_tag, version }));
    match objects.put_opts(lock, PutPayload::from(body), update).await {
        Ok(_) => Ok(true),
        // Another request took it over first.
        Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
            Ok(false)
        }
        Err(object_store::Error::NotImplemented { .. }) => {
            store.delete(lock).await?;
            Ok(false)
        }
        Err(e) => Err(problem(e)),
    }
}

/// `d` give or take a quarter, so that waiting replicas spread out.
fn jitter(d: Duration) -> Duration {
    let mut b = [0u8; 1];
    let r = getrandom::fill(&mut b).map_or(128, |()| b[0]);
    d * 3 / 4 + d * u32::from(r) / 512
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(tag: Option<&str>) -> ObjectMeta {
        ObjectMeta {
            location: Path::from("frames/a"),
            last_modified: Default::default(),
            size: 10,
            e_tag: tag.map(str::to_owned),
            version: None,
        }
    }

    #[test]
    fn expectations_compare_bare_etags() {
        let m = meta(Some("\"7\""));
        let if_match = Expect::conditions(vec![Want::ETagIn(vec!["7".into(), "8".into()])]);
        assert!(if_match.check(Some(&m), "frame").is_ok());
        let other = Expect::conditions(vec![Want::ETagIn(vec!["W/\"9\"".into()])]);
        assert!(matches!(
            other.check(Some(&m), "frame"),
            Err(Problem::PreconditionFailed(_))
        ));
        let create = Expect::conditions(vec![Want::Absent]);
        assert!(create.check(None, "frame").is_ok());
        assert!(create.check(Some(&m), "frame").is_err());
        let append = Expect::unchanged("\"6\"".into());
        assert!(matches!(
            append.check(Some(&m), "frame"),
            Err(Problem::Conflict(_))
        ));
        assert!(matches!(
            append.check(None, "frame"),
            Err(Problem::Conflict(_))
        ));
        assert!(Expect::conditions(vec![]).check(None, "frame").is_ok());
        assert_eq!(etag_header("abc"), "\"abc\"");
        assert_eq!(etag_header("\"abc\""), "\"abc\"");
    }
}
