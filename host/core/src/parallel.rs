//! Thread pools, one per thread count, kept for the life of the process so
//! that each worker keeps its plugin instances warm across calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::ThreadPool;

static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();

/// The shared pool with `nthreads` workers (`nthreads` >= 2).
pub(crate) fn pool(nthreads: usize) -> Option<Arc<ThreadPool>> {
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut pools = pools
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = pools.get(&nthreads) {
        return Some(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(nthreads)
        .thread_name(move |i| format!("sandpress-{nthreads}-{i}"))
        .build()
        .ok()
        .map(Arc::new)?;
    pools.insert(nthreads, p.clone());
    Some(p)
}

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
