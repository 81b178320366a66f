//! Components as core's plugin traits: [`WasmCodec`], [`WasmFilter`] and
//! [`WasmTransform`].
//!
//! Results are lifted as `Vec<u8>` and `String`, which wasmtime copies out
//! of guest memory before it runs the guest's `post-return` (since
//! wasmtime 48 that runs inside every call, so a `WasmList` would be read
//! after the guest freed, and possibly reused, the memory it points to).

use std::fmt;
use std::sync::Arc;

use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginMeta, Stopped, TransformPlugin,
};

use crate::instance::{Runner, truncate};

/// What `decode`, `forward`, `backward`, `prefilter` and `postfilter` return.
type Bytes = Result<Vec<u8>, String>;

/// What `encode` returns.
type MaybeBytes = Result<Option<Vec<u8>>, String>;

/// A codec component (world `codec-plugin`), usable as a
/// [`CodecPlugin`] from any number of threads.
pub struct WasmCodec {
    meta: PluginMeta,
    runner: Arc<Runner>,
}

/// A filter component (world `filter-plugin`), usable as a
/// [`FilterPlugin`] from any number of threads.
pub struct WasmFilter {
    meta: PluginMeta,
    runner: Arc<Runner>,
}

/// A prefilter or postfilter component (world `prefilter-plugin` or
/// `postfilter-plugin`), usable as a [`TransformPlugin`] from any number of
/// threads.
pub struct WasmTransform {
    meta: PluginMeta,
    runner: Arc<Runner>,
}

impl WasmCodec {
    pub(crate) fn new(meta: PluginMeta, runner: Arc<Runner>) -> Self {
        WasmCodec { meta, runner }
    }
}

impl WasmFilter {
    pub(crate) fn new(meta: PluginMeta, runner: Arc<Runner>) -> Self {
        WasmFilter { meta, runner }
    }
}

impl WasmTransform {
    pub(crate) fn new(meta: PluginMeta, runner: Arc<Runner>) -> Self {
        WasmTransform { meta, runner }
    }
}

impl CodecPlugin for WasmCodec {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    /// Runs the guest's `encode`. `ok(some(bytes))` replaces `out` with the
    /// bytes, whatever their length (the pipeline stores the block raw if
    /// they are not smaller; the guest's memory limit bounds them);
    /// `ok(none)` clears `out` and answers `Ok(false)`.
    fn encode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut Vec<u8>,
    ) -> Result<bool, PluginError> {
        match self.runner.call::<MaybeBytes>(0, input, meta, info)? {
            Ok(Some(bytes)) => {
                *out = bytes;
                Ok(true)
            }
            Ok(None) => {
                out.clear();
                Ok(false)
            }
            Err(message) => Err(refused(message)),
        }
    }

    fn decode(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        copy_exact(self.runner.call::<Bytes>(1, input, meta, info)?, out)
    }
}

impl FilterPlugin for WasmFilter {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn forward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        copy_exact(self.runner.call::<Bytes>(0, input, meta, info)?, out)
    }

    fn backward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        copy_exact(self.runner.call::<Bytes>(1, input, meta, info)?, out)
    }
}

impl TransformPlugin for WasmTransform {
    fn meta(&self) -> &PluginMeta {
        &self.meta
    }

    fn apply(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        copy_exact(self.runner.call::<Bytes>(0, input, meta, info)?, out)
    }
}

/// Copies the guest's answer into `out`, which it must fill exactly.
fn copy_exact(answer: Bytes, out: &mut [u8]) -> Result<(), PluginError> {
    let bytes = answer.map_err(refused)?;
    if bytes.len() != out.len() {
        return Err(Stopped::WrongSize {
            expected: out.len(),
            found: bytes.len(),
        }
        .into());
    }
    out.copy_from_slice(&bytes);
    Ok(())
}

/// The guest's `err(message)`, cut to a sane length.
fn refused(message: String) -> PluginError {
    PluginError::Refused {
        message: truncate(message),
    }
}

macro_rules! debug_by_meta {
    ($($ty:ty),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty)).field("meta", &self.meta).finish_non_exhaustive()
            }
        }
    )*};
}

debug_by_meta!(WasmCodec, WasmFilter, WasmTransform);
