//! The memory budget shared by all the instances of one sandbox.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of memory (linear memories and tables) held by the live instances
/// of a sandbox, against [`Limits::total_memory`](crate::Limits::total_memory).
/// Clones share the count, and the count of instances alive.
#[derive(Debug, Clone)]
pub(crate) struct MemoryBudget {
    used: Arc<AtomicUsize>,
    live: Arc<AtomicUsize>,
    limit: usize,
}

impl MemoryBudget {
    /// An empty budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        MemoryBudget {
            used: Arc::new(AtomicUsize::new(0)),
            live: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// The budget in bytes.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes held now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// Instances alive now.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// Counts an instance made (its store's limiter, one per instance).
    pub(crate) fn instance_made(&self) {
        self.live.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts an instance dropped.
    pub(crate) fn instance_dropped(&self) {
        let _ = self
            .live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Takes `bytes` from the budget; `false` (and nothing taken) when that
    /// would exceed it.
    pub(crate) fn try_take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.limit)
            })
            .is_ok()
    }

    /// Gives back `bytes` taken earlier.
    pub(crate) fn give_back(&self, bytes: usize) {
        let _ = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(bytes))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_up_to_the_limit_and_gives_back() {
        let b = MemoryBudget::new(100);
        let c = b.clone();
        assert!(b.try_take(60));
        assert!(!c.try_take(41));
        assert!(c.try_take(40));
        assert_eq!(b.used(), 100);
        b.give_back(60);
        assert_eq!(c.used(), 40);
        assert!(!b.try_take(usize::MAX));
    }
}
