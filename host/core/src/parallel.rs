//! Thread pools, one per thread count, kept for the life of the process so
//! that each worker keeps its plugin instances warm across calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::ThreadPool;

type Pools = OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>>;

static POOLS: Pools = OnceLock::new();

/// Pools whose threads only ever run verify-on-write decodes.
static VERIFY_POOLS: Pools = OnceLock::new();

/// The shared pool with `nthreads` workers (`nthreads` >= 2).
pub fn pool(nthreads: usize) -> Option<Arc<ThreadPool>> {
    get_or_make(&POOLS, "sandpress", nthreads)
}

fn get_or_make(pools: &Pools, prefix: &'static str, nthreads: usize) -> Option<Arc<ThreadPool>> {
    let pools = pools.get_or_init(|| Mutex::new(HashMap::new()));
    let mut pools = pools
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = pools.get(&nthreads) {
        return Some(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(nthreads)
        .thread_name(move |i| format!("{prefix}-{nthreads}-{i}"))
        .build()
        .ok()
        .map(Arc::new)?;
    pools.insert(nthreads, p.clone());
    Some(p)
}

/// Runs `f` on a thread of the verify pool for `nthreads` workers, waiting
/// for it.
///
/// Threads of the verify pools run nothing but what is given here, and
/// this is only given decodes: a plugin instance kept by such a thread (the
/// sandbox keeps one per plugin per thread) has never encoded, so it never
/// saw the bytes it is asked to give back. Fails, rather than run `f`
/// where it would share an encoder's instance, if no pool can be made.
///
/// The caller blocks on a channel rather than `install`ing into the pool:
/// a worker of the compress pool that waited in `install` would run other
/// blocks of its own pool meanwhile, each of which waits for its own
/// verify in turn, one inside the other, until the thread's stack
/// overflows. A panic of `f` is raised again in the caller.
///
/// With one thread asked for, `f` runs on a new thread of its own
/// instead, which ends with it: callers that compress on one thread each
/// (a service serving many requests side by side) would otherwise all
/// wait on one verify thread, each behind the others' decodes (and behind
/// any plugin that loops in its decode until its deadline).
pub(crate) fn run_verify<R: Send + 'static>(
    nthreads: usize,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, VerifyPoolUnavailable> {
    if nthreads <= 1 {
        let thread = std::thread::Builder::new()
            .name("sandpress-verify".to_owned())
            .spawn(f)
            .map_err(|_| VerifyPoolUnavailable)?;
        return match thread.join() {
            Ok(answer) => Ok(answer),
            Err(panic) => std::panic::resume_unwind(panic),
        };
    }
    let pool = get_or_make(&VERIFY_POOLS, "sandpress-verify", nthreads.max(1))
        .ok_or(VerifyPoolUnavailable)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    pool.spawn(move || {
        // The receiver waits for this answer; it cannot be gone.
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv() {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => Err(VerifyPoolUnavailable),
    }
}

/// The verify pool's threads could not be started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerifyPoolUnavailable;

/// Runs `f` on `nthreads` workers: inline when one thread is asked for (or a
/// pool cannot be made), otherwise inside the shared pool.
pub(crate) fn run<R: Send>(nthreads: usize, f: impl FnOnce() -> R + Send) -> R {
    if nthreads <= 1 {
        return f();
    }
    match pool(nthreads) {
        Some(p) => p.install(f),
        None => f(),
    }
}
