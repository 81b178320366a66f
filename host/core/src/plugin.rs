//! User plugins as the pipeline sees them: traits, with no knowledge of how
//! (or where) a plugin runs. The sandbox crate implements them for
//! WebAssembly components; tests and benchmarks implement them natively.

use std::time::Duration;

pub use sandpress_contract::{BlockInfo, PluginKind};

/// What identifies a plugin: its id, name, version and the sha256 of its
/// component bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginMeta {
    /// Id 160..=255 for codecs and filters; 0 for prefilters and postfilters,
    /// which are not recorded in chunks.
    pub id: u8,
    /// Which world it exports.
    pub kind: PluginKind,
    /// Name given at registration (codecs) or derived from the id.
    pub name: String,
    /// Version string ("" when unknown).
    pub version: String,
    /// sha256 of the component bytes (all zeros for native plugins).
    pub sha256: [u8; 32],
}

impl PluginMeta {
    /// The sha256 as 64 lowercase hex digits.
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Why the sandbox stopped a plugin (as opposed to the plugin answering an
/// error of its own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Stopped {
    /// The plugin trapped (unreachable, out-of-bounds access, stack overflow, ...).
    #[error("trapped: {message}")]
    Trap {
        /// The trap as wasmtime describes it.
        message: String,
    },
    /// The call ran past its CPU deadline.
    #[error("ran past its deadline of {limit:?}")]
    Deadline {
        /// The deadline in force.
        limit: Duration,
    },
    /// The call used up its fuel.
    #[error("ran out of fuel ({limit} units)")]
    OutOfFuel {
        /// The fuel given to the call.
        limit: u64,
    },
    /// The plugin tried to grow its memories and tables, together, past
    /// the limit of one instance.
    #[error("tried to grow its memory past the limit of {limit} bytes")]
    MemoryLimit {
        /// The memory limit in bytes.
        limit: usize,
    },
    /// The plugin needed memory (to grow, or to be instantiated) while the
    /// memory budget shared by all instances of its sandbox was in use.
    #[error(
        "needed memory while the sandbox's budget of {limit} bytes for all instances was in use"
    )]
    SandboxMemoryLimit {
        /// The sandbox's budget in bytes.
        limit: usize,
    },
    /// The plugin returned the wrong number of bytes.
    #[error("returned {found} bytes where {expected} were required")]
    WrongSize {
        /// Bytes the host required.
        expected: usize,
        /// Bytes the plugin returned.
        found: usize,
    },
    /// The plugin could not be instantiated: its start function trapped,
    /// or the sandbox had no room for another instance.
    #[error("could not be instantiated: {message}")]
    Instantiate {
        /// What went wrong.
        message: String,
    },
    /// The plugin was instantiated, but its exports failed the contract's
    /// type check.
    #[error("its exports do not have the contract's types: {message}")]
    ExportTypes {
        /// What the type check reported.
        message: String,
    },
    /// The call could not be given its fuel (the engine does not meter
    /// fuel, or the amount is out of range); the plugin did not run.
    #[error("could not be given its fuel: {message}")]
    Fuel {
        /// What went wrong.
        message: String,
    },
}

/// The failure of one plugin call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin ran to completion and answered an error.
    #[error("answered an error: {message}")]
    Refused {
        /// The plugin's message.
        message: String,
    },
    /// The sandbox stopped the plugin.
    #[error("stopped by the sandbox: {0}")]
    Stopped(#[from] Stopped),
}

/// A codec plugin: one encoder and one decoder.
///
/// Implementations are shared by every worker thread; each call must be
/// independent of the others (the sandbox keeps one instance per thread).
pub trait CodecPlugin: Send + Sync {
    /// Who this plugin is.
    fn meta(&self) -> &PluginMeta;

    /// Encodes `input`. On success, `Ok(true)` means `out` was cleared and
    /// now holds the encoded block; `Ok(false)` means the encoder declined
    /// (the block is stored raw).
    fn encode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut Vec<u8>,
    ) -> Result<bool, PluginError>;

    /// Decodes `input` into `out`, which is exactly `info.blocksize` long and
    /// must be filled entirely (a different output length is
    /// [`Stopped::WrongSize`]).
    fn decode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError>;
}

/// A filter plugin: a size-preserving transform and its inverse.
pub trait FilterPlugin: Send + Sync {
    /// Who this plugin is.
    fn meta(&self) -> &PluginMeta;

    /// Forward transform of `input` into `out` (same length).
    fn forward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError>;

    /// Backward transform of `input` into `out` (same length).
    fn backward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError>;
}

/// A prefilter or postfilter plugin: a one-way, size-preserving transform.
pub trait TransformPlugin: Send + Sync {
    /// Who this plugin is.
    fn meta(&self) -> &PluginMeta;

    /// Transforms `input` into `out` (same length).
    fn apply(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError>;
}
