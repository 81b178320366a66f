//! sandpress core: the Blosc2 block pipeline with built-in codecs and filters,
//! super-chunks in memory, and the registry of user plugins.
//!
//! Files are not here: frame files (reading, writing, editing them) are the
//! `sandpress-frame` crate, above this one.
//!
//! Nothing here knows about WebAssembly: user plugins are the traits of
//! [`plugin`], which the sandbox crate implements for components.

pub mod error;
pub mod filter_chain;
pub mod io;
pub mod mid_page;
pub mod ndarray;
pub mod parallel;
pub mod params;
pub mod pipeline;
pub mod plugin;
pub mod registry;
pub mod schunk;
pub mod spec;
#[cfg(any(test, feature = "test-plugins"))]
pub mod test_plugins;
pub mod vlmeta;

pub use error::{Error, Result};
pub use filter_chain::FilterChain;
pub use params::{CParams, DParams, ParseSplitModeError, SplitMode, Transform, parse_size};
pub use registry::Registry;
pub use sandpress_format as format;
pub use sandpress_kernels::{codecs, filters};
pub use schunk::SChunk;
