//! Running a loaded plugin: one live instance per plugin per OS thread,
//! reused across calls and replaced after any failure of the sandbox.
//!
//! A [`Runner`] owns the plugin's `InstancePre`. Each thread keeps, in a
//! thread-local list, one `Store` with an instance of each plugin it has
//! called, keyed by the runner's unique key and holding a `Weak` to it.
//! Entries of dropped runners are pruned the next time the thread calls any
//! plugin (a global counter of drops tells it when to look).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sandpress_core::plugin::{BlockInfo, PluginError, Stopped};
use wasmtime::component::{ComponentExportIndex, ComponentType, Func, InstancePre, Lift, Lower};
use wasmtime::{Store, Trap};

use crate::Limits;
use crate::store::StoreState;

/// How often the epoch ticker advances the engine's epoch.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Longest trap message kept, in bytes.
const MAX_MESSAGE: usize = 1024;

/// Source of runner keys; never reused within a process.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// Counts dropped runners, so threads know when to prune their instances.
static DROPS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static INSTANCES: RefCell<ThreadInstances> = RefCell::new(ThreadInstances::default());
}

/// `block-info` as the canonical ABI lowers it.
#[derive(ComponentType, Lower, Clone, Copy)]
#[component(record)]
struct InfoRecord {
    typesize: u32,
    blocksize: u32,
    #[component(name = "chunk-index")]
    chunk_index: u64,
    #[component(name = "block-index")]
    block_index: u32,
    offset: u32,
}

impl From<&BlockInfo> for InfoRecord {
    fn from(info: &BlockInfo) -> Self {
        InfoRecord {
            typesize: info.typesize,
            blocksize: info.blocksize,
            chunk_index: info.chunk_index,
            block_index: info.block_index,
            offset: info.offset,
        }
    }
}

/// What one thread keeps of one plugin.
struct Entry {
    key: u64,
    owner: Weak<Runner>,
    /// `None` while a call is using it (or after a failure dropped it).
    live: Option<Live>,
}

/// The live instances of one thread.
#[derive(Default)]
struct ThreadInstances {
    entries: Vec<Entry>,
    /// Value of [`DROPS`] when this thread last pruned.
    seen_drops: u64,
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

/// A store with an instance of the plugin, and its functions.
struct Live {
    store: Store<StoreState>,
    funcs: Vec<Func>,
}

/// A loaded plugin, ready to be instantiated on any thread.
pub(crate) struct Runner {
    key: u64,
    pre: InstancePre<StoreState>,
    funcs: Vec<ComponentExportIndex>,
    limits: Limits,
    wasi: bool,
    ticks: u64,
}

impl Runner {
    /// A runner for `pre`, calling the functions at `funcs` (in the order
    /// the plugin kind defines) under `limits`.
    pub(crate) fn new(
        pre: InstancePre<StoreState>,
        funcs: Vec<ComponentExportIndex>,
        limits: Limits,
        wasi: bool,
    ) -> Arc<Self> {
        Arc::new(Runner {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            pre,
            funcs,
            limits,
            wasi,
            ticks: deadline_ticks(limits.get_deadline()),
        })
    }

    /// Calls function number `func` with one block, in this thread's
    /// instance (made first if there is none). Any failure of the sandbox
    /// drops the instance; the guest's own answer is returned as is.
    pub(crate) fn call<R>(
        self: &Arc<Self>,
        func: usize,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
    ) -> Result<R, PluginError>
    where
        R: ComponentType + Lift + 'static,
    {
        let mut live = match self.take_live() {
            Some(live) => live,
            None => self.instantiate()?,
        };
        self.arm(&mut live.store)?;
        let func = live
            .funcs
            .get(func)
            .copied()
            .ok_or_else(|| Stopped::Instantiate {
                message: format!("the plugin has no function number {func}"),
            })?;
        let typed = func
            .typed::<(&[u8], u8, InfoRecord), (R,)>(&live.store)
            .map_err(|e| Stopped::Instantiate {
                message: truncate(format!("{e:#}")),
            })?;
        match typed.call(&mut live.store, (input, meta, InfoRecord::from(info))) {
            Ok((result,)) => {
                self.put_live(live);
                Ok(result)
            }
            Err(error) => Err(self.stopped(&live.store, &error, false).into()),
        }
    }

    /// Makes a fresh instance in a new store.
    fn instantiate(&self) -> Result<Live, Stopped> {
        let engine = self.pre.engine();
        let mut store = Store::new(engine, StoreState::new(&self.limits, self.wasi));
        store.limiter(|state| &mut state.limiter);
        self.arm(&mut store)?;
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.stopped(&store, &e, true))?;
        let mut funcs = Vec::with_capacity(self.funcs.len());
        for index in &self.funcs {
            let func =
                instance
                    .get_func(&mut store, index)
                    .ok_or_else(|| Stopped::Instantiate {
                        message: "an exported function checked at load time is missing".to_owned(),
                    })?;
            funcs.push(func);
        }
        Ok(Live { store, funcs })
    }

    /// Resets the deadline, the fuel and the limiter's record before a call.
    fn arm(&self, store: &mut Store<StoreState>) -> Result<(), Stopped> {
        store.set_epoch_deadline(self.ticks);
        if let Some(fuel) = self.limits.get_fuel() {
            store.set_fuel(fuel).map_err(|e| Stopped::Instantiate {
                message: truncate(format!("{e:#}")),
            })?;
        }
        store.data_mut().limiter.reset();
        Ok(())
    }

    /// Tells why the sandbox stopped a call (or an instantiation).
    fn stopped(
        &self,
        store: &Store<StoreState>,
        error: &wasmtime::Error,
        instantiating: bool,
    ) -> Stopped {
        if store.data().limiter.hit() {
            return Stopped::MemoryLimit {
                limit: self.limits.get_memory(),
            };
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
                message: truncate(format!("{error:#}")),
            },
            _ => Stopped::Trap {
                message: truncate(format!("{error:#}")),
            },
        }
    }

    /// This thread's idle instance of this plugin, if it has one.
    fn take_live(&self) -> Option<Live> {
        INSTANCES
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
            .flatten()
    }

    /// Keeps `live` as this thread's instance of this plugin.
    fn put_live(self: &Arc<Self>, live: Live) {
        let _ = INSTANCES.try_with(|cell| {
            let Ok(mut instances) = cell.try_borrow_mut() else {
                return;
            };
            match instances.entries.iter_mut().find(|e| e.key == self.key) {
                Some(entry) => entry.live = Some(live),
                None => instances.entries.push(Entry {
                    key: self.key,
                    owner: Arc::downgrade(self),
                    live: Some(live),
                }),
            }
        });
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Release);
        let key = self.key;
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

/// Cuts `message` to at most [`MAX_MESSAGE`] bytes (on a character
/// boundary), saying how long it was.
pub(crate) fn truncate(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let total = message.len();
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push_str(&format!("... ({total} bytes in all)"));
    message
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

    #[test]
    fn truncate_keeps_short_messages_and_cuts_long_ones() {
        assert_eq!(truncate("short".into()), "short");
        let long = "é".repeat(2000);
        let cut = truncate(long);
        assert!(cut.len() < MAX_MESSAGE + 40, "{}", cut.len());
        assert!(cut.ends_with("... (4000 bytes in all)"));
    }
}
