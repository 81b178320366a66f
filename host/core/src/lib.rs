//! sandpress core: the Blosc2 block pipeline with built-in codecs and filters,
//! super-chunks in memory, and the registry of user plugins.
//!
//! Nothing here knows about WebAssembly: user plugins are the traits of
//! [`plugin`], which the sandbox crate implements for components.

pub mod filters;
pub mod plugin;
