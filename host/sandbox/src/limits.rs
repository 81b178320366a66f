//! The limits every plugin call runs under: one policy for CPU, memory,
//! code and instances.

use std::time::Duration;

use crate::CompileBudget;

/// The most a 32-bit linear memory can hold; larger memory limits are clamped
/// to this.
const MAX_WASM32_MEMORY: u64 = 4 << 30;

/// How long a thread keeps its instance of a plugin: what state a plugin
/// can carry from one call to the next.
///
/// Instances never serve two owners: an owner is a
/// [`Sandbox`](crate::Sandbox) (the service makes one per tenant), and even
/// within one sandbox each loaded plugin has instances of its own. This
/// setting decides what one owner's calls share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InstanceReuse {
    /// A fresh instance for every call: nothing a call leaves in the
    /// guest's memory or globals is seen by the next call.
    PerCall,
    /// A fresh instance whenever a thread moves on to another chunk index
    /// (and after any failure): the blocks of one chunk on one thread share
    /// an instance, nothing is carried from one chunk to the next.
    #[default]
    PerChunk,
    /// One instance per thread, kept across calls and chunks until a call
    /// fails. Fastest; a plugin can carry state from call to call.
    Always,
}

/// Limits applied to every plugin of a [`Sandbox`](crate::Sandbox): the
/// one policy a caller (the CLI's `--max-*` options, a service's tenant
/// settings) sets.
///
/// | limit | default | at the limit |
/// |---|---|---|
/// | [`deadline`](Limits::deadline): CPU per call | 2 s | the call stops: `Stopped::Deadline` |
/// | [`fuel`](Limits::fuel): instructions per call | off | the call stops: `Stopped::OutOfFuel` |
/// | [`memory`](Limits::memory): per instance, all memories and tables | 256 MiB | the call stops: `Stopped::MemoryLimit` |
/// | [`total_memory`](Limits::total_memory): all instances of the sandbox | 1 GiB | the call stops: `Stopped::SandboxMemoryLimit` |
/// | [`max_component_size`](Limits::max_component_size) | 16 MiB | refused at load: `SandboxError::TooLarge` |
/// | [`compile_budget`](Limits::compile_budget): code size, functions, locals | see [`CompileBudget`] | refused at load, uncompiled: `SandboxError::CompileBudget` |
/// | [`max_instances`](Limits::max_instances): live instances | 500 | the call stops: `Stopped::Instantiate` |
/// | [`log_capacity`](Limits::log_capacity): WASI stdout/stderr | 64 KiB each | writes fail |
/// | [`wasi_resources`](Limits::wasi_resources): live WASI handles per instance | 1,024 | the call stops: `Stopped::Trap` |
/// | [`instance_reuse`](Limits::instance_reuse): state kept between calls | per chunk | a fresh instance |
///
/// Output size is fixed by the contract rather than set here: a decoder,
/// filter or transform must answer exactly the block's size
/// (`Stopped::WrongSize` otherwise), and an encoder's answer that is not
/// smaller than its input is stored raw; every answer is read out of the
/// guest's memory, so [`memory`](Limits::memory) bounds it.
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
    total_memory: usize,
    max_component_size: usize,
    compile_budget: CompileBudget,
    max_instances: u32,
    fuel: Option<u64>,
    log_capacity: usize,
    wasi_resources: usize,
    reuse: InstanceReuse,
}

impl Limits {
    /// Default CPU deadline of one call: 2 s.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
    /// Default memory limit of one instance: 256 MiB.
    pub const DEFAULT_MEMORY: usize = 256 << 20;
    /// Default memory budget of all the instances of a sandbox: 1 GiB.
    pub const DEFAULT_TOTAL_MEMORY: usize = 1 << 30;
    /// Default most instances alive at once in a sandbox: 500.
    pub const DEFAULT_MAX_INSTANCES: u32 = 500;
    /// Default largest component accepted: 16 MiB.
    pub const DEFAULT_MAX_COMPONENT_SIZE: usize = 16 << 20;
    /// Default capacity of the stdout and stderr of a WASI plugin: 64 KiB each.
    pub const DEFAULT_LOG_CAPACITY: usize = 64 << 10;
    /// Default most WASI resources (pollables, streams) one instance holds
    /// at once: 1,024.
    pub const DEFAULT_WASI_RESOURCES: usize = 1024;

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

    /// Most memory one instance may have, in bytes: the sum of all its
    /// linear memories (a component may have several) and of its tables
    /// (8 bytes per element).
    ///
    /// A `memory.grow` (or `table.grow`) that would take the sum past the
    /// limit traps (it does not return -1 to the guest): the instance is
    /// discarded and the call fails with
    /// [`Stopped::MemoryLimit`](sandpress_core::plugin::Stopped::MemoryLimit).
    /// A component whose memories already start larger, together, is
    /// refused at load time with
    /// [`SandboxError::InitialMemoryTooLarge`](crate::SandboxError::InitialMemoryTooLarge).
    /// This also bounds what a plugin can return, since results are read
    /// from its memory. Values above 4 GiB are clamped to 4 GiB. Default:
    /// [`Limits::DEFAULT_MEMORY`] (256 MiB).
    #[must_use]
    pub fn memory(mut self, bytes: usize) -> Self {
        self.memory = usize::try_from(MAX_WASM32_MEMORY).map_or(bytes, |max| bytes.min(max));
        self
    }

    /// Most memory all the live instances of the sandbox may have
    /// together, in bytes (counted as [`memory`](Limits::memory) counts
    /// one instance's).
    ///
    /// Each thread keeps an instance of each plugin it called, and an idle
    /// instance keeps its memory, so this is what bounds a sandbox's memory
    /// however many threads and plugins it runs. A growth (or an
    /// instantiation) that would take the total past the budget traps: the
    /// instance is discarded, which gives its memory back, and the call
    /// fails with
    /// [`Stopped::SandboxMemoryLimit`](sandpress_core::plugin::Stopped::SandboxMemoryLimit).
    /// Default: [`Limits::DEFAULT_TOTAL_MEMORY`] (1 GiB).
    #[must_use]
    pub fn total_memory(mut self, bytes: usize) -> Self {
        self.total_memory = bytes;
        self
    }

    /// Limits on a component's code, checked before it is compiled; see
    /// [`CompileBudget`]. A component over the budget is refused at load
    /// time, uncompiled and uncached, with
    /// [`SandboxError::CompileBudget`](crate::SandboxError::CompileBudget).
    /// Default: [`CompileBudget::default()`].
    #[must_use]
    pub fn compile_budget(mut self, budget: CompileBudget) -> Self {
        self.compile_budget = budget;
        self
    }

    /// Most component instances alive at once, over all plugins and
    /// threads of the sandbox (each thread keeps one instance per plugin it
    /// called). The pooling allocator reserves address space for them when
    /// the sandbox is built (4 GiB plus guard per linear memory, two
    /// memories per instance). An instantiation past the limit fails with
    /// [`Stopped::Instantiate`](sandpress_core::plugin::Stopped::Instantiate).
    /// Zero is raised to one. Default: [`Limits::DEFAULT_MAX_INSTANCES`] (500).
    #[must_use]
    pub fn max_instances(mut self, count: u32) -> Self {
        self.max_instances = count.max(1);
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

    /// Most WASI resources (pollables, streams, ...) one instance may hold
    /// at once.
    ///
    /// They live in the host's memory, outside the guest's memory limits, so
    /// a guest that creates them without end would grow the host; past this
    /// count, creating one traps and the call stops with
    /// [`Stopped::Trap`](sandpress_core::plugin::Stopped::Trap). Default:
    /// [`Limits::DEFAULT_WASI_RESOURCES`] (1,024).
    #[must_use]
    pub fn wasi_resources(mut self, count: usize) -> Self {
        self.wasi_resources = count;
        self
    }

    /// Most WASI resources one instance may hold at once.
    pub fn get_wasi_resources(&self) -> usize {
        self.wasi_resources
    }

    /// How long a thread keeps its instance of a plugin (see
    /// [`InstanceReuse`]). A new instance costs some microseconds (the
    /// pooling allocator's slots are reused, memory is mapped
    /// copy-on-write). Default: [`InstanceReuse::PerChunk`].
    #[must_use]
    pub fn instance_reuse(mut self, reuse: InstanceReuse) -> Self {
        self.reuse = reuse;
        self
    }

    /// How long a thread keeps its instance of a plugin.
    pub fn get_instance_reuse(&self) -> InstanceReuse {
        self.reuse
    }

    /// The CPU deadline of one call.
    pub fn get_deadline(&self) -> Duration {
        self.deadline
    }

    /// The memory limit of one instance, in bytes.
    pub fn get_memory(&self) -> usize {
        self.memory
    }

    /// The memory budget of all instances together, in bytes.
    pub fn get_total_memory(&self) -> usize {
        self.total_memory
    }

    /// The compile budget.
    pub fn get_compile_budget(&self) -> CompileBudget {
        self.compile_budget
    }

    /// The most instances alive at once.
    pub fn get_max_instances(&self) -> u32 {
        self.max_instances
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
            total_memory: Self::DEFAULT_TOTAL_MEMORY,
            max_component_size: Self::DEFAULT_MAX_COMPONENT_SIZE,
            compile_budget: CompileBudget::default(),
            max_instances: Self::DEFAULT_MAX_INSTANCES,
            fuel: None,
            log_capacity: Self::DEFAULT_LOG_CAPACITY,
            wasi_resources: Self::DEFAULT_WASI_RESOURCES,
            reuse: InstanceReuse::default(),
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
        assert_eq!(l.get_total_memory(), 1 << 30);
        assert_eq!(l.get_max_instances(), 500);
        assert_eq!(l.get_compile_budget(), CompileBudget::default());
    }
}
