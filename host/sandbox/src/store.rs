//! What each instance's `Store` holds: the memory limiter and, for plugins
//! that import WASI, a deny-all WASI context.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Limits;
use crate::wasi::deny_all_wasi;

/// Refuses linear-memory growth past the limit, by trapping, and remembers
/// that it did so the call can be reported as a memory-limit stop rather
/// than a generic trap.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    limit: usize,
    hit: bool,
}

impl MemoryLimiter {
    fn new(limit: usize) -> Self {
        MemoryLimiter { limit, hit: false }
    }

    /// Whether a growth was refused since the last [`MemoryLimiter::reset`].
    pub(crate) fn hit(&self) -> bool {
        self.hit
    }

    /// Forgets earlier refusals (called before each call).
    pub(crate) fn reset(&mut self) {
        self.hit = false;
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.hit = true;
            wasmtime::bail!(
                "memory growth to {desired} bytes refused: the limit is {} bytes",
                self.limit
            );
        }
        // Past the guest's own declared maximum, `memory.grow` returns -1 as
        // the Wasm spec says; that is the guest's business, not a limit of ours.
        Ok(maximum.is_none_or(|max| desired <= max))
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // The allocator could not provide memory the limiter allowed (the
        // pool's slot is the same size as the limit, so this is the limit).
        self.hit = true;
        Err(error.context("memory growth failed"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // The pool bounds table sizes; honour the guest's own maximum.
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}

/// The data of every plugin store.
pub(crate) struct StoreState {
    /// The memory limiter, installed with `Store::limiter`.
    pub(crate) limiter: MemoryLimiter,
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    log_capacity: usize,
}

impl StoreState {
    /// State for a new instance; `wasi` says whether the plugin imports WASI.
    pub(crate) fn new(limits: &Limits, wasi: bool) -> Self {
        let log_capacity = limits.get_log_capacity();
        StoreState {
            limiter: MemoryLimiter::new(limits.get_memory()),
            wasi: wasi.then(|| deny_all_wasi(log_capacity)),
            table: ResourceTable::new(),
            log_capacity,
        }
    }

    /// The table of the instance's WASI resources.
    pub(crate) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        // Only plugins that import WASI are linked to WASI, and they get a
        // context when their store is made; the fallback is never used but
        // keeps this total.
        let log_capacity = self.log_capacity;
        let ctx = self.wasi.get_or_insert_with(|| deny_all_wasi(log_capacity));
        WasiCtxView {
            ctx,
            table: &mut self.table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_traps_and_records_past_the_limit() {
        let mut l = MemoryLimiter::new(1 << 20);
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!l.hit());
        assert!(l.memory_growing(1 << 20, (1 << 20) + 65536, None).is_err());
        assert!(l.hit());
        l.reset();
        assert!(!l.hit());
    }

    #[test]
    fn limiter_lets_the_guest_maximum_return_minus_one() {
        let mut l = MemoryLimiter::new(1 << 20);
        assert!(!l.memory_growing(65536, 131072, Some(65536)).unwrap());
        assert!(!l.hit());
    }
}
