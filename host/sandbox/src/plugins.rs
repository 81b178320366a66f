//! Components as core's plugin traits: [`WasmCodec`], [`WasmFilter`] and
//! [`WasmTransform`], calling the contract's functions through the
//! generated bindings.
//!
//! Results are lifted as `Vec<u8>` and `String`, which wasmtime copies out
//! of guest memory before it runs the guest's `post-return` (since
//! wasmtime 48 that runs inside every call, so a borrowed view would be
//! read after the guest freed, and possibly reused, the memory).

use std::fmt;
use std::sync::Arc;

use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginMeta, Stopped, TransformPlugin,
};

use crate::bindings::{CodecWorld, FilterWorld, PostfilterWorld, PrefilterWorld, WitBlockInfo};
use crate::instance::Runner;
use crate::text::guest_text;

/// A codec component (world `codec-plugin`), usable as a
/// [`CodecPlugin`] from any number of threads.
pub struct WasmCodec {
    meta: PluginMeta,
    runner: Arc<Runner<CodecWorld>>,
}

/// A filter component (world `filter-plugin`), usable as a
/// [`FilterPlugin`] from any number of threads.
pub struct WasmFilter {
    meta: PluginMeta,
    runner: Arc<Runner<FilterWorld>>,
}

/// A prefilter or postfilter component (world `prefilter-plugin` or
/// `postfilter-plugin`), usable as a [`TransformPlugin`] from any number of
/// threads.
pub struct WasmTransform {
    meta: PluginMeta,
    runner: TransformRunner,
}

/// The two one-way worlds.
pub(crate) enum TransformRunner {
    Prefilter(Arc<Runner<PrefilterWorld>>),
    Postfilter(Arc<Runner<PostfilterWorld>>),
}

impl WasmCodec {
    pub(crate) fn new(meta: PluginMeta, runner: Arc<Runner<CodecWorld>>) -> Self {
        WasmCodec { meta, runner }
    }
}

impl WasmFilter {
    pub(crate) fn new(meta: PluginMeta, runner: Arc<Runner<FilterWorld>>) -> Self {
        WasmFilter { meta, runner }
    }
}

impl WasmTransform {
    pub(crate) fn new(meta: PluginMeta, runner: TransformRunner) -> Self {
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
        let answer = self.runner.call(info.chunk_index, |plugin, store| {
            plugin.sandpress_plugin_codec().call_encode(
                store,
                input,
                meta,
                WitBlockInfo::from(info),
            )
        })?;
        match answer {
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
        let answer = self.runner.call(info.chunk_index, |plugin, store| {
            plugin.sandpress_plugin_codec().call_decode(
                store,
                input,
                meta,
                WitBlockInfo::from(info),
            )
        })?;
        copy_exact(answer, out)
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
        let answer = self.runner.call(info.chunk_index, |plugin, store| {
            plugin.sandpress_plugin_filter().call_forward(
                store,
                input,
                meta,
                WitBlockInfo::from(info),
            )
        })?;
        copy_exact(answer, out)
    }

    fn backward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        let answer = self.runner.call(info.chunk_index, |plugin, store| {
            plugin.sandpress_plugin_filter().call_backward(
                store,
                input,
                meta,
                WitBlockInfo::from(info),
            )
        })?;
        copy_exact(answer, out)
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
        let chunk = info.chunk_index;
        let info = WitBlockInfo::from(info);
        let answer = match &self.runner {
            TransformRunner::Prefilter(runner) => runner.call(chunk, |plugin, store| {
                plugin
                    .sandpress_plugin_prefilter()
                    .call_prefilter(store, input, meta, info)
            })?,
            TransformRunner::Postfilter(runner) => runner.call(chunk, |plugin, store| {
                plugin
                    .sandpress_plugin_postfilter()
                    .call_postfilter(store, input, meta, info)
            })?,
        };
        copy_exact(answer, out)
    }
}

/// Copies the guest's answer into `out`, which it must fill exactly.
fn copy_exact(answer: Result<Vec<u8>, String>, out: &mut [u8]) -> Result<(), PluginError> {
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

/// The guest's `err(message)`, on one line and cut to a sane length
/// (see [`guest_text`]).
fn refused(message: String) -> PluginError {
    PluginError::Refused {
        message: guest_text(&message),
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
