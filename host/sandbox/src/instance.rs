//! Running a loaded plugin: one live instance per plugin per OS thread,
//! reused across calls as the limits' [`InstanceReuse`] allows, and
//! replaced after any failure of the sandbox.
//!
//! A [`Runner`] owns the plugin's `InstancePre`. Each thread keeps, in a
//! thread-local list, one `Store` with an instance of each plugin it has
//! called, keyed by the runner's unique key and holding a `Weak` to it.
//! Entries of dropped runners are pruned the next time the thread calls any
//! plugin (a global counter of drops tells it when to look). When a thread
//! ends, its idle instances go to the sandbox's [`Shelf`], where the next
//! new thread finds one.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sandpress_core::plugin::{PluginError, Stopped};
use wasmtime::component::InstancePre;
use wasmtime::{Store, Trap, UpdateDeadline};

use crate::bindings::{InstantiateError, World};
use crate::memory_budget::MemoryBudget;
use crate::shelf::{Parked, Shelf};
use crate::store::{LimitHit, StoreState};
use crate::text::error_line;
use crate::{InstanceReuse, Limits};

/// How often the epoch ticker advances the engine's epoch.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Source of runner keys; never reused within a process.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// Counts dropped runners, so threads know when to prune their instances.
static DROPS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static INSTANCES: RefCell<ThreadInstances> = RefCell::new(ThreadInstances::default());
}

/// What one thread keeps of one plugin.
struct Entry {
    key: u64,
    /// Alive as long as the runner is.
    owner: Weak<()>,
    /// Where the instance goes when the thread ends.
    shelf: Weak<Shelf>,
    /// A [`Live`] of the runner's world; `None` while a call is using it
    /// (or after a failure dropped it).
    live: Option<Parked>,
}

/// The live instances of one thread.
#[derive(Default)]
struct ThreadInstances {
    entries: Vec<Entry>,
    /// Value of [`DROPS`] when this thread last pruned.
    seen_drops: u64,
}

impl Drop for ThreadInstances {
    /// The thread is ending: its idle instances go on their sandbox's shelf.
    fn drop(&mut self) {
        for entry in self.entries.drain(..) {
            if let (Some(live), Some(shelf)) = (entry.live, entry.shelf.upgrade()) {
                shelf.put(entry.key, &entry.owner, live);
            }
        }
    }
}

impl ThreadInstances {
    fn prune(&mut self) {
        let drops = DROPS.load(Ordering::Acquire);
        if drops != self.seen_drops {
            self.seen_drops = drops;
            self.entries.retain(|e| e.owner.strong_count() > 0);
        }
    }
}

/// A store with an instance of the plugin, and its typed exports.
struct Live<W: World> {
    store: Store<StoreState>,
    exports: W::Instance,
    /// The chunk index of the last call it served.
    chunk: u64,
}

/// A loaded plugin of world `W`, ready to be instantiated on any thread.
pub(crate) struct Runner<W: World> {
    key: u64,
    /// Held only to be counted: threads drop their instances once it dies.
    alive: Arc<()>,
    /// Idle instances of ended threads, shared by the sandbox's runners.
    shelf: Arc<Shelf>,
    pre: W::Pre,
    engine: wasmtime::Engine,
    limits: Limits,
    budget: MemoryBudget,
    wasi: bool,
    ticks: u64,
    long_call: Option<LongCallHook>,
}

/// Called on the calling thread at every epoch tick of a plugin call after
/// its first (see [`SandboxBuilder::on_long_call`](crate::SandboxBuilder::on_long_call)).
pub type LongCallHook = Arc<dyn Fn() + Send + Sync>;

impl<W: World> Runner<W> {
    /// A runner for `pre` under `limits`, its memory taken from the
    /// sandbox's `budget`; fails if the component's exports do not match
    /// the world.
    pub(crate) fn new(
        pre: InstancePre<StoreState>,
        limits: Limits,
        budget: MemoryBudget,
        shelf: Arc<Shelf>,
        wasi: bool,
        long_call: Option<LongCallHook>,
    ) -> wasmtime::Result<Arc<Self>> {
        let engine = pre.engine().clone();
        Ok(Arc::new(Runner {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            alive: Arc::new(()),
            shelf,
            pre: W::pre(pre)?,
            engine,
            limits,
            budget,
            wasi,
            ticks: deadline_ticks(limits.get_deadline()),
            long_call,
        }))
    }

    /// Runs `call`, for a block of chunk `chunk`, on this thread's
    /// instance, made first if there is none or if the limits'
    /// [`InstanceReuse`] wants a fresh one. Any failure of the sandbox
    /// drops the instance; the guest's own answer is returned as is.
    pub(crate) fn call<R>(
        &self,
        chunk: u64,
        call: impl FnOnce(&W::Instance, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let reusable = |live: &Live<W>| match self.limits.get_instance_reuse() {
            InstanceReuse::PerCall => false,
            InstanceReuse::PerChunk => live.chunk == chunk,
            InstanceReuse::Always => true,
        };
        let mut live = match self.take_live().filter(reusable) {
            Some(live) => live,
            None => self.instantiate_with_room(chunk)?,
        };
        self.arm(&mut live.store)?;
        match call(&live.exports, &mut live.store) {
            Ok(result) => {
                // An instance used once is dropped at once, its memory
                // with it; the others wait for the next call.
                if self.limits.get_instance_reuse() != InstanceReuse::PerCall {
                    self.put_live(live);
                }
                Ok(result)
            }
            Err(error) => Err(self.stopped(&live.store, &error, false).into()),
        }
    }

    /// Makes a fresh instance; if the sandbox has no room for it (instance
    /// slots or memory), empties the shelf of idle instances and tries once
    /// more.
    fn instantiate_with_room(&self, chunk: u64) -> Result<Live<W>, Stopped> {
        match self.instantiate(chunk) {
            Err(Stopped::Instantiate { .. } | Stopped::SandboxMemoryLimit { .. })
                if self.shelf.clear() =>
            {
                self.instantiate(chunk)
            }
            made => made,
        }
    }

    /// Makes a fresh instance in a new store, for chunk `chunk`.
    fn instantiate(&self, chunk: u64) -> Result<Live<W>, Stopped> {
        let mut store = Store::new(
            &self.engine,
            StoreState::new(&self.limits, &self.budget, self.wasi),
        );
        store.limiter(|state| &mut state.limiter);
        if let Some(hook) = &self.long_call {
            // The deadline counted tick by tick, the hook run at each but
            // the call's first: a call shorter than a tick (ticks are at
            // least a tick apart) crosses at most one and is never held.
            let hook = hook.clone();
            let full = self.ticks;
            store.epoch_deadline_callback(move |mut ctx| {
                let left = &mut ctx.data_mut().ticks_left;
                let first = *left == full;
                *left = left.saturating_sub(1);
                if *left == 0 {
                    return Ok(UpdateDeadline::Interrupt);
                }
                if !first {
                    hook();
                }
                Ok(UpdateDeadline::Continue(1))
            });
        }
        self.arm(&mut store)?;
        let exports = W::instantiate(&self.pre, &mut store).map_err(|e| match e {
            InstantiateError::Instantiate(e) => self.stopped(&store, &e, true),
            InstantiateError::Exports(e) => Stopped::ExportTypes {
                message: error_line(&e),
            },
        })?;
        Ok(Live {
            store,
            exports,
            chunk,
        })
    }

    /// Resets the deadline, the fuel and the limiter's record before a call.
    fn arm(&self, store: &mut Store<StoreState>) -> Result<(), Stopped> {
        if self.long_call.is_some() {
            store.data_mut().ticks_left = self.ticks;
            store.set_epoch_deadline(1);
        } else {
            store.set_epoch_deadline(self.ticks);
        }
        if let Some(fuel) = self.limits.get_fuel() {
            store.set_fuel(fuel).map_err(|e| Stopped::Fuel {
                message: error_line(&e),
            })?;
        }
        store.data_mut().limiter.reset();
        Ok(())
    }

    /// Tells why the sandbox stopped a call (or an instantiation), in one
    /// line: the trap or the root cause, never wasmtime's backtrace.
    fn stopped(
        &self,
        store: &Store<StoreState>,
        error: &wasmtime::Error,
        instantiating: bool,
    ) -> Stopped {
        match store.data().limiter.hit() {
            Some(LimitHit::Instance) => {
                return Stopped::MemoryLimit {
                    limit: self.limits.get_memory(),
                };
            }
            Some(LimitHit::Sandbox) => {
                return Stopped::SandboxMemoryLimit {
                    limit: self.budget.limit(),
                };
            }
            None => {}
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Stopped::Deadline {
                limit: self.limits.get_deadline(),
            },
            Some(Trap::OutOfFuel) => Stopped::OutOfFuel {
                limit: self.limits.get_fuel().unwrap_or(0),
            },
            Some(trap) if !instantiating => Stopped::Trap {
                message: trap.to_string(),
            },
            _ if instantiating => Stopped::Instantiate {
                message: error_line(error),
            },
            _ => Stopped::Trap {
                message: error_line(error),
            },
        }
    }

    /// This thread's idle instance of this plugin, or else one that an
    /// ended thread left on the shelf.
    fn take_live(&self) -> Option<Live<W>> {
        let own = INSTANCES
            .try_with(|cell| {
                let mut instances = cell.try_borrow_mut().ok()?;
                instances.prune();
                instances
                    .entries
                    .iter_mut()
                    .find(|e| e.key == self.key)
                    .and_then(|e| e.live.take())
            })
            .ok()
            .flatten();
        let live = own.or_else(|| self.shelf.take(self.key))?;
        live.downcast::<Live<W>>().ok().map(|b| *b)
    }

    /// Keeps `live` as this thread's instance of this plugin.
    fn put_live(&self, live: Live<W>) {
        let _ = INSTANCES.try_with(|cell| {
            let Ok(mut instances) = cell.try_borrow_mut() else {
                return;
            };
            let live: Parked = Box::new(live);
            match instances.entries.iter_mut().find(|e| e.key == self.key) {
                Some(entry) => entry.live = Some(live),
                None => instances.entries.push(Entry {
                    key: self.key,
                    owner: Arc::downgrade(&self.alive),
                    shelf: Arc::downgrade(&self.shelf),
                    live: Some(live),
                }),
            }
        });
    }
}

impl<W: World> Drop for Runner<W> {
    fn drop(&mut self) {
        // Let the token die first, so a thread that sees the new drop count
        // also sees this runner gone.
        self.alive = Arc::new(());
        DROPS.fetch_add(1, Ordering::Release);
        let key = self.key;
        self.shelf.forget(key);
        let _ = INSTANCES.try_with(|cell| {
            if let Ok(mut instances) = cell.try_borrow_mut() {
                instances.entries.retain(|e| e.key != key);
            }
        });
    }
}

/// Most ticks a deadline may last (some 89,000 years at 10 ms): wasmtime
/// adds the deadline to the current epoch, which must not overflow.
const MAX_TICKS: u64 = 1 << 48;

/// Epoch ticks to allow for `deadline`: enough that a call is never stopped
/// before it, at most one tick after.
fn deadline_ticks(deadline: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos();
    let ticks = deadline.as_nanos().div_ceil(tick).max(1);
    u64::try_from(ticks).unwrap_or(MAX_TICKS).min(MAX_TICKS) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_never_undershoot_the_deadline() {
        assert_eq!(deadline_ticks(Duration::ZERO), 2);
        assert_eq!(deadline_ticks(Duration::from_millis(10)), 2);
        assert_eq!(deadline_ticks(Duration::from_millis(11)), 3);
        assert_eq!(deadline_ticks(Duration::from_secs(2)), 201);
        assert_eq!(deadline_ticks(Duration::MAX), MAX_TICKS + 1);
    }
}
