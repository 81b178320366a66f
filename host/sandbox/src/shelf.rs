//! Instances left idle by threads that ended, kept for the next new thread
//! instead of instantiating again.
//!
//! C-Blosc2 starts new worker threads for every compression and
//! decompression context (python-blosc2 makes one per array or
//! super-chunk), so a plugin running inside it would otherwise pay an
//! instantiation and fresh guest pages on every thread of every context.
//! A thread's own instances stay its own while it lives
//! ([`instance`](crate::instance)); only when it ends do they come here.
//!
//! One shelf per sandbox. Parked instances keep their memory and their
//! instance slot, so the shelf holds at most as many per plugin as the
//! machine has cores (at least [`PER_PLUGIN_MIN`]), and a runner that finds
//! no room for a new instance empties the shelf and tries once more.

use std::any::Any;
use std::sync::{Mutex, Weak};

/// A live instance of some world, while it waits for a call.
pub(crate) type Parked = Box<dyn Any + Send>;

/// The least number of idle instances kept per plugin.
const PER_PLUGIN_MIN: usize = 4;

/// The idle instances of a sandbox's plugins, by runner key.
pub(crate) struct Shelf {
    parked: Mutex<Vec<(u64, Parked)>>,
    per_plugin: usize,
}

impl Default for Shelf {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Shelf {
            parked: Mutex::new(Vec::new()),
            per_plugin: cores.max(PER_PLUGIN_MIN),
        }
    }
}

impl Shelf {
    /// Keeps `live`, an instance of runner `key`, if the runner is still
    /// `alive` and the plugin has room; drops it otherwise.
    pub(crate) fn put(&self, key: u64, alive: &Weak<()>, live: Parked) {
        let refused = {
            let Ok(mut parked) = self.parked.lock() else {
                return;
            };
            // Checked under the lock that `forget` takes after the runner's
            // token died: an instance of a dropped runner never stays.
            let room = parked.iter().filter(|(k, _)| *k == key).count() < self.per_plugin;
            if alive.strong_count() > 0 && room {
                parked.push((key, live));
                None
            } else {
                Some(live)
            }
        };
        drop(refused);
    }

    /// An idle instance of runner `key`, if one waits.
    pub(crate) fn take(&self, key: u64) -> Option<Parked> {
        let mut parked = self.parked.lock().ok()?;
        let at = parked.iter().position(|(k, _)| *k == key)?;
        Some(parked.swap_remove(at).1)
    }

    /// Drops the idle instances of runner `key` (it is being dropped).
    pub(crate) fn forget(&self, key: u64) {
        let gone: Vec<_> = match self.parked.lock() {
            Ok(mut parked) => parked.extract_if(.., |(k, _)| *k == key).collect(),
            Err(_) => return,
        };
        drop(gone);
    }

    /// Drops every idle instance, to make room: `true` if there was any.
    pub(crate) fn clear(&self) -> bool {
        let gone = match self.parked.lock() {
            Ok(mut parked) => std::mem::take(&mut *parked),
            Err(_) => return false,
        };
        !gone.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn keeps_instances_of_live_runners_up_to_the_cap() {
        let shelf = Shelf {
            per_plugin: 2,
            ..Shelf::default()
        };
        let alive = Arc::new(());
        let token = Arc::downgrade(&alive);
        for n in 0..3u32 {
            shelf.put(1, &token, Box::new(n));
        }
        shelf.put(2, &token, Box::new(9u32));
        let taken = |key| {
            shelf
                .take(key)
                .and_then(|b| b.downcast::<u32>().ok())
                .map(|b| *b)
        };
        let mut ones = [taken(1), taken(1)];
        ones.sort();
        assert_eq!(ones, [Some(0), Some(1)], "the third was over the cap");
        assert_eq!(taken(1), None);
        assert_eq!(taken(2), Some(9));

        drop(alive);
        shelf.put(1, &token, Box::new(5u32));
        assert_eq!(taken(1), None, "a dropped runner's instance is not kept");
    }

    #[test]
    fn forgets_one_runner_and_clears_all() {
        let shelf = Shelf::default();
        let alive = Arc::new(());
        let token = Arc::downgrade(&alive);
        shelf.put(1, &token, Box::new(1u8));
        shelf.put(2, &token, Box::new(2u8));
        shelf.forget(1);
        assert!(shelf.take(1).is_none());
        assert!(shelf.clear());
        assert!(shelf.take(2).is_none());
        assert!(!shelf.clear());
    }
}
