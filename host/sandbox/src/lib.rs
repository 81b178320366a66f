//! sandpress sandbox: runs user codecs and filters, WebAssembly components
//! built against `wit/plugin.wit`, as core's plugin traits.
//!
//! A [`Sandbox`] owns one wasmtime engine and its [`Limits`], and is the
//! unit of ownership: its instances and its memory budget serve the
//! plugins loaded into it and nothing else (a service makes one per
//! tenant). Loading a component checks it (size, initial memory, the
//! [`CompileBudget`] before anything is compiled, component not core
//! module, imports WASI at most, exports the interface its kind requires
//! with the contract's types), compiles it or takes it from the disk
//! cache, and returns a
//! [`WasmCodec`], [`WasmFilter`] or [`WasmTransform`] that implements
//! [`CodecPlugin`](sandpress_core::plugin::CodecPlugin),
//! [`FilterPlugin`](sandpress_core::plugin::FilterPlugin) or
//! [`TransformPlugin`](sandpress_core::plugin::TransformPlugin).
//!
//! Every OS thread that calls a plugin keeps its own instance of it and
//! reuses it across calls. A call that traps, runs past its deadline or
//! fuel, or grows memory past a limit (its instance's or the sandbox's)
//! fails with
//! [`PluginError::Stopped`](sandpress_core::plugin::PluginError::Stopped);
//! the thread's instance is then dropped and the next call gets a fresh
//! one. A guest that answers `err(message)` fails with
//! [`PluginError::Refused`](sandpress_core::plugin::PluginError::Refused)
//! and keeps its instance. Every message that comes from a guest (its
//! `err` strings, traps, instantiation failures) is one line with control
//! characters escaped, cut at 1 KiB, with no wasm backtrace.
//!
//! ```
//! use sandpress_core::plugin::{BlockInfo, FilterPlugin};
//! use sandpress_sandbox::{Sandbox, SandboxError};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().no_cache().build()?;
//! // The tutorial's delta filter: each item minus the one before.
//! let filter = sandbox.load_filter(200, sandpress_example_plugins::DELTA_FILTER)?;
//! assert_eq!(filter.meta().name, "filter-200");
//!
//! let input = [1u8, 2, 4, 7];
//! let mut out = [0u8; 4];
//! let info = BlockInfo { typesize: 1, blocksize: 4, ..BlockInfo::default() };
//! filter.forward(&input, 0, &info, &mut out)?;
//! assert_eq!(out, [1, 1, 2, 3]);
//! let mut back = [0u8; 4];
//! filter.backward(&out, 0, &info, &mut back)?;
//! assert_eq!(back, input);
//! # Ok(())
//! # }
//! ```

mod bindings;
mod cache;
mod compile_budget;
mod embedded;
mod error;
mod exports;
pub mod fuzzing;
mod instance;
mod landing;
mod limits;
mod memory_budget;
mod plugins;
mod sandbox;
mod shelf;
mod signature;
mod staging;
mod store;
mod text;
mod validate;
mod wasi;

pub use compile_budget::{CompileBudget, CompileLimit};
pub use embedded::Loaded;
pub use error::SandboxError;
pub use limits::{InstanceReuse, Limits};
pub use plugins::{WasmCodec, WasmFilter, WasmTransform};
pub use sandbox::{Sandbox, SandboxBuilder};
pub use sandpress_contract::CONTRACT_VERSION;
