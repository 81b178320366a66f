//! What each instance's `Store` holds: the memory limiter and, for plugins
//! that import WASI, a deny-all WASI context.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::Limits;
use crate::memory_budget::MemoryBudget;
use crate::wasi::deny_all_wasi;

/// Bytes a table element is counted for (a function reference is a
/// pointer).
const TABLE_ELEMENT_BYTES: usize = 8;

/// Which limit refused a growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    /// [`Limits::memory`]: this instance's own.
    Instance,
    /// [`Limits::total_memory`]: all instances of the sandbox.
    Sandbox,
}

/// Refuses growth of an instance's memories and tables past the limits, by
/// trapping, and remembers which limit refused so the call can be reported
/// as a memory-limit stop rather than a generic trap.
///
/// wasmtime asks the limiter about each memory and table separately (when
/// it is created, with `current` 0, and at each growth), so the limiter
/// keeps the sum for the instance and takes each growth from the
/// sandbox-wide [`MemoryBudget`] too; everything taken is given back when
/// the store is dropped.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    limit: usize,
    /// Bytes of all the instance's memories and tables.
    used: usize,
    /// The last growth allowed, given back if the allocation then fails.
    pending: usize,
    budget: MemoryBudget,
    hit: Option<LimitHit>,
}

impl MemoryLimiter {
    fn new(limit: usize, budget: MemoryBudget) -> Self {
        budget.instance_made();
        MemoryLimiter {
            limit,
            used: 0,
            pending: 0,
            budget,
            hit: None,
        }
    }

    /// Which limit refused a growth since the last [`MemoryLimiter::reset`].
    pub(crate) fn hit(&self) -> Option<LimitHit> {
        self.hit
    }

    /// Forgets earlier refusals (called before each call).
    pub(crate) fn reset(&mut self) {
        self.hit = None;
    }

    /// Allows growing by `current` → `desired` bytes if both limits have
    /// room; traps otherwise.
    fn grow(&mut self, current: usize, desired: usize) -> wasmtime::Result<bool> {
        let delta = desired.saturating_sub(current);
        let total = self.used.saturating_add(delta);
        if total > self.limit {
            self.hit = Some(LimitHit::Instance);
            wasmtime::bail!(
                "growth to {total} bytes of memories and tables refused: the limit is {} bytes",
                self.limit
            );
        }
        if !self.budget.try_take(delta) {
            self.hit = Some(LimitHit::Sandbox);
            wasmtime::bail!(
                "growth by {delta} bytes refused: the sandbox's memory budget of {} bytes is in use",
                self.budget.limit()
            );
        }
        self.used = total;
        self.pending = delta;
        Ok(true)
    }

    /// Gives back the last growth, which the allocator could not provide.
    fn undo(&mut self) {
        self.used = self.used.saturating_sub(self.pending);
        self.budget.give_back(self.pending);
        self.pending = 0;
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        self.budget.instance_dropped();
        self.budget.give_back(self.used);
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Past the guest's own declared maximum, `memory.grow` returns -1 as
        // the Wasm spec says; that is the guest's business, not a limit of ours.
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        self.grow(current, desired)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // The allocator could not provide memory the limiter allowed (the
        // pool's slot is the same size as the limit, so this is the limit).
        self.undo();
        self.hit = Some(LimitHit::Instance);
        Err(error.context("memory growth failed"))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        self.grow(
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        )
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.undo();
        Err(error.context("table growth failed"))
    }
}

/// The data of every plugin store.
pub(crate) struct StoreState {
    /// The memory limiter, installed with `Store::limiter`.
    pub(crate) limiter: MemoryLimiter,
    /// Epoch ticks the current call may still run, when its deadline is
    /// counted tick by tick (a sandbox with a long-call hook).
    pub(crate) ticks_left: u64,
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    log_capacity: usize,
}

impl StoreState {
    /// State for a new instance, whose memory is taken from `budget`;
    /// `wasi` says whether the plugin imports WASI.
    pub(crate) fn new(limits: &Limits, budget: &MemoryBudget, wasi: bool) -> Self {
        let log_capacity = limits.get_log_capacity();
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.get_wasi_resources());
        StoreState {
            limiter: MemoryLimiter::new(limits.get_memory(), budget.clone()),
            ticks_left: 0,
            wasi: wasi.then(|| deny_all_wasi(log_capacity)),
            table,
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

    fn limiter(limit: usize, budget: &MemoryBudget) -> MemoryLimiter {
        MemoryLimiter::new(limit, budget.clone())
    }

    #[test]
    fn limiter_traps_and_records_past_the_limit() {
        let budget = MemoryBudget::new(usize::MAX);
        let mut l = limiter(1 << 20, &budget);
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert_eq!(l.hit(), None);
        assert!(l.memory_growing(1 << 20, (1 << 20) + 65536, None).is_err());
        assert_eq!(l.hit(), Some(LimitHit::Instance));
        l.reset();
        assert_eq!(l.hit(), None);
    }

    #[test]
    fn limiter_lets_the_guest_maximum_return_minus_one() {
        let budget = MemoryBudget::new(usize::MAX);
        let mut l = limiter(1 << 20, &budget);
        assert!(!l.memory_growing(65536, 131072, Some(65536)).unwrap());
        assert_eq!(l.hit(), None);
    }

    #[test]
    fn limiter_sums_memories_and_tables() {
        let budget = MemoryBudget::new(usize::MAX);
        let mut l = limiter(3 << 20, &budget);
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(l.table_growing(0, 1000, None).unwrap());
        assert!(l.memory_growing(0, 1 << 20, None).is_err());
        assert_eq!(l.hit(), Some(LimitHit::Instance));
    }

    #[test]
    fn instances_share_the_sandbox_budget_until_dropped() {
        let budget = MemoryBudget::new(3 << 20);
        let mut a = limiter(2 << 20, &budget);
        let mut b = limiter(2 << 20, &budget);
        assert!(a.memory_growing(0, 2 << 20, None).unwrap());
        assert!(b.memory_growing(0, 2 << 20, None).is_err());
        assert_eq!(b.hit(), Some(LimitHit::Sandbox));
        drop(a);
        assert_eq!(budget.used(), 0);
        assert!(b.memory_growing(0, 2 << 20, None).unwrap());
    }
}
