//! What a tenant's requests hold while they run. A tenant has two
//! budgets, each a semaphore (sizes in [`TenantLimits`]):
//!
//! - **request slots** (`concurrency`): one per request in progress,
//!   taken when the request is authenticated and held until its answer
//!   is sent; when none is free the answer is 429;
//! - **work turns** (`workers`): one per worker thread doing pipeline
//!   work for the tenant right now. A request waits for a turn, and
//!   takes one per chunk: while it waits for its client (the next piece
//!   of body, or room to send) it holds none.
//!
//! Either is held as a [`Permit`]; [`Turns`] is how a worker thread,
//! which cannot `.await`, waits for a work turn.
//!
//! [`TenantLimits`]: crate::tenant::TenantLimits

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::OwnedSemaphorePermit;

use crate::problem::Problem;
use crate::tenant::Tenant;

/// A request slot or a work turn of a tenant, given back when dropped.
/// A request slot is also counted, while held, in the tenant's and the
/// server's counts of requests in progress (which decide when a long
/// plugin call yields to other tenants).
pub struct Permit {
    _permit: OwnedSemaphorePermit,
    counts: Vec<Arc<AtomicUsize>>,
}

impl Permit {
    /// Holds `permit`, counted in each of `counts` until dropped.
    pub(crate) fn new(permit: OwnedSemaphorePermit, counts: Vec<Arc<AtomicUsize>>) -> Permit {
        for c in &counts {
            c.fetch_add(1, Ordering::AcqRel);
        }
        Permit {
            _permit: permit,
            counts,
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        for c in &self.counts {
            c.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// A tenant's work turns, as a worker thread takes them: one per chunk
/// of pipeline work, so that a request that waits for its client (body
/// pieces, or room to send) holds none.
pub struct Turns {
    tenant: Arc<Tenant>,
    runtime: tokio::runtime::Handle,
}

impl Turns {
    /// The work turns of `tenant`, waited for on `runtime`.
    pub(crate) fn new(tenant: Arc<Tenant>, runtime: tokio::runtime::Handle) -> Turns {
        Turns { tenant, runtime }
    }

    /// Waits for a work turn (from a worker thread, never the async
    /// runtime); the turn ends when the returned permit is dropped.
    pub fn take(&self) -> Result<Permit, Problem> {
        self.runtime.block_on(self.tenant.work_turn())
    }
}
