//! sandpress core: the Blosc2 block pipeline with built-in codecs and filters,
//! super-chunks in memory, and the registry of user plugins.
//!
//! Nothing here knows about WebAssembly: user plugins are the traits of
//! [`plugin`], which the sandbox crate implements for components.

pub mod codecs;
pub mod error;
pub mod filters;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
mod parallel;
pub mod params;
pub mod pipeline;
pub mod plugin;
pub mod registry;
pub mod schunk;

pub use error::{Error, Result};
pub use params::{CParams, DParams, SplitMode, Transform};
pub use registry::Registry;
pub use sandpress_format as format;
pub use schunk::SChunk;
