//! The limits every plugin call runs under.

use std::time::Duration;

/// The most a 32-bit linear memory can hold; larger memory limits are clamped
/// to this.
const MAX_WASM32_MEMORY: u64 = 4 << 30;

/// Limits applied to every plugin of a [`Sandbox`](crate::Sandbox).
///
/// Build them from [`Limits::default()`] with the builder methods; each one
/// says what happens at the limit and what the default is.
///
/// ```
/// use std::time::Duration;
/// use sandpress_sandbox::Limits;
///
/// let limits = Limits::default()
///     .deadline(Duration::from_millis(500))
///     .memory(64 << 20)
///     .fuel(Some(1_000_000_000));
/// assert_eq!(limits.get_deadline(), Duration::from_millis(500));
/// assert_eq!(limits.get_memory(), 64 << 20);
/// assert_eq!(limits.get_fuel(), Some(1_000_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    deadline: Duration,
    memory: usize,
    max_component_size: usize,
    fuel: Option<u64>,
    log_capacity: usize,
}

impl Limits {
    /// Default CPU deadline of one call: 2 s.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
    /// Default memory limit of one instance: 256 MiB.
    pub const DEFAULT_MEMORY: usize = 256 << 20;
    /// Default largest component accepted: 16 MiB.
    pub const DEFAULT_MAX_COMPONENT_SIZE: usize = 16 << 20;
    /// Default capacity of the stdout and stderr of a WASI plugin: 64 KiB each.
    pub const DEFAULT_LOG_CAPACITY: usize = 64 << 10;

    /// CPU deadline of one plugin call (and of the instantiation that may
    /// precede it).
    ///
    /// Time is measured by an epoch counter that a ticker thread advances
    /// every 10 ms, so a call is stopped between `deadline` and
    /// `deadline + 10 ms` after it started. At the deadline the call traps,
    /// the thread's instance is discarded and the call fails with
    /// [`Stopped::Deadline`](sandpress_core::plugin::Stopped::Deadline).
    /// Default: [`Limits::DEFAULT_DEADLINE`] (2 s). A zero deadline is raised
    /// to one tick.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Largest linear memory one instance may have, in bytes.
    ///
    /// A `memory.grow` past the limit traps (it does not return -1 to the
    /// guest): the instance is discarded and the call fails with
    /// [`Stopped::MemoryLimit`](sandpress_core::plugin::Stopped::MemoryLimit).
    /// A component whose initial memory is already larger is refused at
    /// load time with
    /// [`SandboxError::InitialMemoryTooLarge`](crate::SandboxError::InitialMemoryTooLarge).
    /// This also bounds what a plugin can
    /// return, since results are read from its memory. Values above 4 GiB
    /// are clamped to 4 GiB. Default: [`Limits::DEFAULT_MEMORY`] (256 MiB).
    #[must_use]
    pub fn memory(mut self, bytes: usize) -> Self {
        self.memory = usize::try_from(MAX_WASM32_MEMORY).map_or(bytes, |max| bytes.min(max));
        self
    }

    /// Largest component, in bytes, that the sandbox accepts to load.
    ///
    /// Larger components are refused before they are parsed, with
    /// [`SandboxError::TooLarge`](crate::SandboxError::TooLarge).
    /// Default: [`Limits::DEFAULT_MAX_COMPONENT_SIZE`] (16 MiB).
    #[must_use]
    pub fn max_component_size(mut self, bytes: usize) -> Self {
        self.max_component_size = bytes;
        self
    }

    /// Fuel given to each call (one unit is roughly one Wasm instruction),
    /// or `None` for no fuel metering.
    ///
    /// Fuel makes the cut-off point deterministic (the same input stops at
    /// the same instruction on every machine) at a cost of 7–60% in speed.
    /// When a call uses it all up it traps, the instance is discarded and
    /// the call fails with
    /// [`Stopped::OutOfFuel`](sandpress_core::plugin::Stopped::OutOfFuel).
    /// The epoch deadline stays in force as well. Turning fuel on or off
    /// changes the compiled code, so it gets its own cache entries.
    /// Default: `None` (off).
    #[must_use]
    pub fn fuel(mut self, fuel: Option<u64>) -> Self {
        self.fuel = fuel;
        self
    }

    /// Capacity in bytes of each of the in-memory stdout and stderr pipes a
    /// WASI plugin writes to.
    ///
    /// Once an instance has written this much to a stream, the stream is
    /// closed to it (writes fail; how the guest reacts is up to its
    /// language runtime: Rust's `println!` panics and so traps). The pipes
    /// are per instance and are never printed. Default:
    /// [`Limits::DEFAULT_LOG_CAPACITY`] (64 KiB).
    #[must_use]
    pub fn log_capacity(mut self, bytes: usize) -> Self {
        self.log_capacity = bytes;
        self
    }

    /// The CPU deadline of one call.
    pub fn get_deadline(&self) -> Duration {
        self.deadline
    }

    /// The memory limit of one instance, in bytes.
    pub fn get_memory(&self) -> usize {
        self.memory
    }

    /// The largest component accepted, in bytes.
    pub fn get_max_component_size(&self) -> usize {
        self.max_component_size
    }

    /// The fuel given to each call, if fuel metering is on.
    pub fn get_fuel(&self) -> Option<u64> {
        self.fuel
    }

    /// The capacity of each of stdout and stderr for WASI plugins.
    pub fn get_log_capacity(&self) -> usize {
        self.log_capacity
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Self::DEFAULT_DEADLINE,
            memory: Self::DEFAULT_MEMORY,
            max_component_size: Self::DEFAULT_MAX_COMPONENT_SIZE,
            fuel: None,
            log_capacity: Self::DEFAULT_LOG_CAPACITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_clamped_to_4_gib() {
        assert_eq!(
            Limits::default().memory(usize::MAX).get_memory() as u64,
            MAX_WASM32_MEMORY
        );
    }

    #[test]
    fn defaults() {
        let l = Limits::default();
        assert_eq!(l.get_deadline(), Duration::from_secs(2));
        assert_eq!(l.get_memory(), 256 << 20);
        assert_eq!(l.get_max_component_size(), 16 << 20);
        assert_eq!(l.get_fuel(), None);
    }
}
