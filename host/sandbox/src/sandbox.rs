//! The sandbox: one wasmtime engine with its limits, cache and linkers, and
//! the loading of components as plugins.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sandpress_core::plugin::{PluginKind, PluginMeta};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{
    Config, Engine, EngineWeak, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
};

use crate::bindings::World;
use crate::cache::DiskCache;
use crate::compile_budget::check_compile_budget;
use crate::instance::{EPOCH_TICK, LongCallHook, Runner};
use crate::memory_budget::MemoryBudget;
use crate::plugins::TransformRunner;
use crate::shelf::Shelf;
use crate::store::StoreState;
use crate::validate::{check_bytes, check_exports, check_imports, check_initial_memory};
use crate::wasi::wasi_linker;
use crate::{Limits, SandboxError, WasmCodec, WasmFilter, WasmTransform};

/// Runs plugin components under [`Limits`].
///
/// A sandbox owns one wasmtime engine (Cranelift at `OptLevel::Speed`,
/// pooling allocator, epoch interruption, a ticker thread advancing the
/// epoch every 10 ms) and, unless turned off, a disk cache of compiled
/// components. Make one per process and limit configuration and share it
/// (cloning is cheap).
///
/// A sandbox is also the unit of ownership: its instances, and the memory
/// budget of [`Limits::total_memory`], are shared by every plugin loaded
/// into it and every thread calling them, and by nothing else. A service
/// makes one sandbox per tenant.
///
/// ```
/// # use sandpress_sandbox::{Sandbox, SandboxError};
/// # fn main() -> Result<(), SandboxError> {
/// let sandbox = Sandbox::builder().no_cache().build()?;
/// let err = sandbox.load_filter(200, b"\0asm\x01\0\0\0").unwrap_err();
/// assert_eq!(err, SandboxError::CoreModule);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    limits: Limits,
    /// Memory held by all instances of this sandbox's plugins.
    budget: MemoryBudget,
    /// Idle instances of threads that ended.
    shelf: Arc<Shelf>,
    cache: Option<DiskCache>,
    /// Linker for components that import nothing (it holds nothing).
    plain: Linker<StoreState>,
    /// Linker with deny-all WASI p2, made when first needed.
    wasi: OnceLock<Result<Linker<StoreState>, String>>,
    long_call: Option<LongCallHook>,
}

/// Where compiled components are cached.
#[derive(Debug, Clone)]
enum CacheSetting {
    Default,
    Dir(PathBuf),
    Off,
}

/// Builds a [`Sandbox`]: limits and cache directory.
#[derive(Clone)]
pub struct SandboxBuilder {
    limits: Limits,
    cache: CacheSetting,
    long_call: Option<LongCallHook>,
    signals: bool,
}

impl std::fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("limits", &self.limits)
            .field("cache", &self.cache)
            .field("long_call", &self.long_call.is_some())
            .field("signals", &self.signals)
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            limits: Limits::default(),
            cache: CacheSetting::Default,
            long_call: None,
            signals: true,
        }
    }
}

impl SandboxBuilder {
    /// The limits every call runs under. Default: [`Limits::default()`].
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Caches compiled components under `dir` (a subdirectory per engine
    /// configuration is made in it). Default: `$SANDPRESS_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/sandpress`, else `~/.cache/sandpress`.
    #[must_use]
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = CacheSetting::Dir(dir.into());
        self
    }

    /// Compiles every component on load and writes nothing to disk.
    #[must_use]
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheSetting::Off;
        self
    }

    /// Most component instances alive at once: the same as
    /// [`Limits::max_instances`], which says what happens at the limit.
    /// Default: 500.
    #[must_use]
    pub fn max_instances(mut self, count: u32) -> Self {
        self.limits = self.limits.max_instances(count);
        self
    }

    /// Runs `hook` on the calling thread at every epoch tick (10 ms) of a
    /// plugin call after its first, until the call ends or reaches its
    /// deadline. The deadline is then counted in such ticks, one per run
    /// of the hook, so time spent in the hook stretches the call's wall
    /// time but not its count. A service uses it to let a long call give
    /// its core to other tenants' work, by sleeping in the hook. Default:
    /// none (the deadline is one epoch deadline, no callback).
    #[must_use]
    pub fn on_long_call(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.long_call = Some(Arc::new(hook));
        self
    }

    /// Whether a guest's trap (an out-of-bounds access, `unreachable`) is
    /// caught by the signal handlers wasmtime installs for the process
    /// (the default, and the fastest), or by explicit checks in the
    /// compiled code with no signal handler at all. A library loaded into
    /// another program whose own handlers may come later (CPython's
    /// `faulthandler.enable()` replaces SIGSEGV and SIGILL handlers) turns
    /// them off: a later handler would otherwise turn a guest's trap into
    /// the end of the process.
    #[must_use]
    pub fn signals_based_traps(mut self, on: bool) -> Self {
        self.signals = on;
        self
    }

    /// Creates the engine and starts its epoch ticker.
    pub fn build(self) -> Result<Sandbox, SandboxError> {
        let engine = Engine::new(&self.engine_config()).map_err(|e| SandboxError::Engine {
            message: format!("{e:#}"),
        })?;
        start_epoch_ticker(engine.weak()).map_err(|e| SandboxError::Engine {
            message: format!("cannot start the epoch ticker thread: {e}"),
        })?;
        let cache_dir = match self.cache {
            CacheSetting::Default => DiskCache::default_dir(),
            CacheSetting::Dir(dir) => Some(dir),
            CacheSetting::Off => None,
        };
        let cache = cache_dir.map(|dir| DiskCache::new(&dir, &engine));
        Ok(Sandbox {
            inner: Arc::new(Inner {
                plain: Linker::new(&engine),
                engine,
                limits: self.limits,
                budget: MemoryBudget::new(self.limits.get_total_memory()),
                shelf: Arc::default(),
                cache,
                wasi: OnceLock::new(),
                long_call: self.long_call,
            }),
        })
    }

    fn engine_config(&self) -> Config {
        let n = self.limits.get_max_instances();
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(4))
            .total_memories(n.saturating_mul(2))
            .total_tables(n.saturating_mul(4))
            .max_memory_size(self.limits.get_memory());
        let mut config = Config::new();
        config
            .cranelift_opt_level(OptLevel::Speed)
            .parallel_compilation(true)
            .wasm_component_model(true)
            .epoch_interruption(true)
            .consume_fuel(self.limits.get_fuel().is_some())
            .signals_based_traps(self.signals)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        config
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is
/// gone.
fn start_epoch_ticker(engine: EngineWeak) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("sandpress-epoch".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .map(drop)
}

impl Sandbox {
    /// A sandbox with default limits and the default cache directory.
    pub fn new() -> Result<Sandbox, SandboxError> {
        Self::builder().build()
    }

    /// A builder to set limits, cache and pool size.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Plugin instances of this sandbox alive now (on every thread).
    pub fn live_instances(&self) -> usize {
        self.inner.budget.live()
    }

    /// Bytes of memories and tables its live instances hold.
    pub fn memory_in_use(&self) -> usize {
        self.inner.budget.used()
    }

    /// The directory this sandbox's compiled components are cached in, if
    /// caching is on.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.inner.cache.as_ref().map(DiskCache::dir)
    }

    /// Loads a codec component (world `codec-plugin`) named `name` under
    /// `id`. Checking the id's range and uniqueness is the registry's job.
    pub fn load_codec(
        &self,
        name: &str,
        id: u8,
        bytes: &[u8],
    ) -> Result<Arc<WasmCodec>, SandboxError> {
        let (meta, runner) = self.load(PluginKind::Codec, id, name.to_owned(), bytes)?;
        Ok(Arc::new(WasmCodec::new(meta, runner)))
    }

    /// Loads a filter component (world `filter-plugin`) under `id`; its
    /// name is `filter-<id>`.
    pub fn load_filter(&self, id: u8, bytes: &[u8]) -> Result<Arc<WasmFilter>, SandboxError> {
        let (meta, runner) = self.load(PluginKind::Filter, id, format!("filter-{id}"), bytes)?;
        Ok(Arc::new(WasmFilter::new(meta, runner)))
    }

    /// Loads a prefilter component (world `prefilter-plugin`); its id is 0
    /// and its name `prefilter`.
    pub fn load_prefilter(&self, bytes: &[u8]) -> Result<Arc<WasmTransform>, SandboxError> {
        let (meta, runner) = self.load(PluginKind::Prefilter, 0, "prefilter".to_owned(), bytes)?;
        Ok(Arc::new(WasmTransform::new(
            meta,
            TransformRunner::Prefilter(runner),
        )))
    }

    /// Loads a postfilter component (world `postfilter-plugin`); its id is 0
    /// and its name `postfilter`.
    pub fn load_postfilter(&self, bytes: &[u8]) -> Result<Arc<WasmTransform>, SandboxError> {
        let (meta, runner) =
            self.load(PluginKind::Postfilter, 0, "postfilter".to_owned(), bytes)?;
        Ok(Arc::new(WasmTransform::new(
            meta,
            TransformRunner::Postfilter(runner),
        )))
    }

    /// Checks and compiles a component of `kind` and makes a runner of
    /// world `W` (the world of `kind`) for it.
    fn load<W: World>(
        &self,
        kind: PluginKind,
        id: u8,
        name: String,
        bytes: &[u8],
    ) -> Result<(PluginMeta, Arc<Runner<W>>), SandboxError> {
        let inner = &*self.inner;
        // Everything that bounds the cost of compiling runs before the
        // cache is looked at: a cache entry made under laxer limits must
        // not let a component past these.
        check_bytes(bytes, inner.limits.get_max_component_size())?;
        check_initial_memory(bytes, inner.limits.get_memory())?;
        check_compile_budget(bytes, &inner.limits.get_compile_budget())?;
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        let (component, fresh) = self.compile(bytes, &sha256)?;
        let wasi = check_imports(&inner.engine, &component)?;
        check_exports(&inner.engine, &component, kind)?;
        let linker = if wasi {
            self.wasi_linker()?
        } else {
            &inner.plain
        };
        let unlinkable = |e: wasmtime::Error| SandboxError::Unlinkable {
            message: format!("{e:#}"),
        };
        let pre = linker.instantiate_pre(&component).map_err(unlinkable)?;
        let runner = Runner::new(
            pre,
            inner.limits,
            inner.budget.clone(),
            inner.shelf.clone(),
            wasi,
            inner.long_call.clone(),
        )
        .map_err(unlinkable)?;
        // Only a component that passed every check is cached.
        if let (true, Some(cache)) = (fresh, &inner.cache) {
            cache.store(&sha256, &component);
        }
        let meta = PluginMeta {
            id,
            kind,
            name,
            version: String::new(),
            sha256,
        };
        Ok((meta, runner))
    }

    /// The compiled component, from the cache (`false`) or freshly compiled
    /// (`true`: the caller caches it once it has passed its checks).
    fn compile(&self, bytes: &[u8], sha256: &[u8; 32]) -> Result<(Component, bool), SandboxError> {
        let inner = &*self.inner;
        if let Some(component) = inner
            .cache
            .as_ref()
            .and_then(|cache| cache.load(&inner.engine, sha256))
        {
            return Ok((component, false));
        }
        let component =
            Component::from_binary(&inner.engine, bytes).map_err(|e| SandboxError::Invalid {
                message: format!("{e:#}"),
            })?;
        Ok((component, true))
    }

    fn wasi_linker(&self) -> Result<&Linker<StoreState>, SandboxError> {
        let linker = self
            .inner
            .wasi
            .get_or_init(|| wasi_linker(&self.inner.engine).map_err(|e| format!("{e:#}")));
        linker.as_ref().map_err(|message| SandboxError::Unlinkable {
            message: format!("cannot set up WASI: {message}"),
        })
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.inner.limits)
            .field("cache_dir", &self.cache_dir())
            .finish_non_exhaustive()
    }
}
