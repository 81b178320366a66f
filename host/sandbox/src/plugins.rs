//! Components as core's plugin traits: [`WasmCodec`], [`WasmFilter`] and
//! [`WasmTransform`], calling the contract's functions typed once per
//! instance ([`exports`](crate::exports)).
//!
//! A returned list is copied once, straight from guest memory into the
//! caller's `out`, while wasmtime lifts the answer and before it runs the
//! guest's `post-return` (since wasmtime 48 that runs inside every call, so
//! a borrowed view would be read after the guest freed, and possibly
//! reused, the memory): see [`landing`](crate::landing). An error message
//! is lifted as a `String`.

use std::fmt;
use std::sync::Arc;

use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginMeta, Stopped, TransformPlugin,
};

use crate::bindings::{
    CodecWorld, FilterWorld, PostfilterWorld, PrefilterWorld, WitBlockInfo, World,
};
use crate::exports::{BlockAnswer, Export};
use crate::instance::Runner;
use crate::landing::Landing;
use crate::staging::staged;
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
        let answer = {
            let _landing = Landing::vec(out);
            staged(input, |input| {
                self.runner.call(info.chunk_index, |plugin, store| {
                    plugin
                        .encode
                        .call(store, input, meta, WitBlockInfo::from(info))
                })
            })?
        };
        match answer {
            Ok(Some(_)) => Ok(true),
            Ok(None) => Ok(false),
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
        block_call(&self.runner, |p| &p.decode, input, meta, info, out)
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
        block_call(&self.runner, |p| &p.forward, input, meta, info, out)
    }

    fn backward(
        &self,
        input: &[u8],
        meta: u8,
        info: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        block_call(&self.runner, |p| &p.backward, input, meta, info, out)
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
        match &self.runner {
            TransformRunner::Prefilter(r) => block_call(r, |p| &p.apply, input, meta, info, out),
            TransformRunner::Postfilter(r) => block_call(r, |p| &p.apply, input, meta, info, out),
        }
    }
}

/// Calls the block function `export` picks from the plugin's instance on
/// `input`, the guest's answer landing in `out`, which it must fill
/// exactly: a decode, a filter's either way, a prefilter or postfilter.
fn block_call<W: World>(
    runner: &Runner<W>,
    export: impl FnOnce(&W::Instance) -> &Export<BlockAnswer>,
    input: &[u8],
    meta: u8,
    info: &BlockInfo,
    out: &mut [u8],
) -> Result<(), PluginError> {
    let expected = out.len();
    let _landing = Landing::slice(out);
    let answer = staged(input, |input| {
        runner.call(info.chunk_index, |plugin, store| {
            export(plugin).call(store, input, meta, WitBlockInfo::from(info))
        })
    })?;
    exact(answer, expected)
}

/// Checks the guest's answer, already copied into `out` if it had the
/// `expected` length, which it must have.
fn exact(answer: BlockAnswer, expected: usize) -> Result<(), PluginError> {
    let landed = answer.map_err(refused)?;
    if landed.len() != expected || !landed.copied() {
        return Err(Stopped::WrongSize {
            expected,
            found: landed.len(),
        }
        .into());
    }
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
