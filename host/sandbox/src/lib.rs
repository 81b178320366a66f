//! sandpress sandbox: runs user codecs and filters, WebAssembly components
//! built against `wit/plugin.wit`, as core's plugin traits.
//!
//! A [`Sandbox`] owns one wasmtime engine and its [`Limits`]. Loading a
//! component checks it (size, component not core module, imports WASI at
//! most, exports the interface its kind requires with the contract's
//! types), compiles it or takes it from the disk cache, and returns a
//! [`WasmCodec`], [`WasmFilter`] or [`WasmTransform`] that implements
//! [`CodecPlugin`](sandpress_core::plugin::CodecPlugin),
//! [`FilterPlugin`](sandpress_core::plugin::FilterPlugin) or
//! [`TransformPlugin`](sandpress_core::plugin::TransformPlugin).
//!
//! Every OS thread that calls a plugin keeps its own instance of it and
//! reuses it across calls. A call that traps, runs past its deadline or
//! fuel, or grows memory past the limit fails with
//! [`PluginError::Stopped`](sandpress_core::plugin::PluginError::Stopped);
//! the thread's instance is then dropped and the next call gets a fresh
//! one. A guest that answers `err(message)` fails with
//! [`PluginError::Refused`](sandpress_core::plugin::PluginError::Refused)
//! and keeps its instance.
//!
//! ```
//! use sandpress_core::plugin::{BlockInfo, FilterPlugin};
//! use sandpress_sandbox::{Sandbox, SandboxError};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().no_cache().build()?;
//! let wat = include_str!("../../../tests/guests/identity_filter.wat");
//! let filter = sandbox.load_filter(200, &wat::parse_str(wat)?)?;
//! assert_eq!(filter.meta().name, "filter-200");
//!
//! let input = [1u8, 2, 3, 4];
//! let mut out = [0u8; 4];
//! let info = BlockInfo { typesize: 1, blocksize: 4, ..BlockInfo::default() };
//! filter.forward(&input, 0, &info, &mut out)?;
//! assert_eq!(out, input);
//! # Ok(())
//! # }
//! ```

mod cache;
mod embedded;
mod error;
mod instance;
mod limits;
mod plugins;
mod sandbox;
mod signature;
mod store;
mod validate;
mod wasi;

pub use embedded::Loaded;
pub use error::SandboxError;
pub use limits::Limits;
pub use plugins::{WasmCodec, WasmFilter, WasmTransform};
pub use sandbox::{Sandbox, SandboxBuilder};
pub use signature::{CONTRACT_VERSION, interface_name};
