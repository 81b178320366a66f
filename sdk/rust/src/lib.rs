//! The Rust guest SDK for sandpress plugins.
//!
//! A sandpress plugin is a WebAssembly component that exports one of the
//! worlds of the `sandpress:plugin` WIT package (`wit/plugin.wit`): a codec,
//! a filter, a prefilter or a postfilter. With this crate a plugin is a type
//! implementing one trait ([`Codec`], [`Filter`], [`Prefilter`] or
//! [`Postfilter`]) and one line of glue ([`export_codec!`],
//! [`export_filter!`], [`export_prefilter!`] or [`export_postfilter!`]); the
//! WIT bindings are generated here, once.
//!
//! # A complete plugin
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "zeros-codec"
//! version = "0.1.0"
//! edition = "2024"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! sandpress-guest = { path = "../sdk" }
//!
//! [profile.release]
//! opt-level = 3
//! lto = true
//! codegen-units = 1
//! panic = "abort"
//! ```
//!
//! `src/lib.rs`:
//!
//! ```
//! use sandpress_guest::{BlockInfo, Codec};
//!
//! /// Stores a block of zeros as nothing but its length; declines the rest.
//! struct Zeros;
//!
//! impl Codec for Zeros {
//!     fn encode(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Option<Vec<u8>>, String> {
//!         let all_zero = input.iter().all(|&b| b == 0);
//!         Ok(all_zero.then(|| (input.len() as u32).to_le_bytes().to_vec()))
//!     }
//!
//!     fn decode(input: &[u8], _meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
//!         if input.len() != 4 {
//!             return Err(format!("expected 4 bytes, got {}", input.len()));
//!         }
//!         Ok(vec![0; info.blocksize as usize])
//!     }
//! }
//!
//! sandpress_guest::export_codec!(Zeros);
//! ```
//!
//! Build it and turn the core module into a component (sandpress's
//! `host/example-plugins` build script does the second step with the `wit-component`
//! crate; `wasm-tools component new` does the same from a shell):
//!
//! ```sh
//! cargo build --release --target wasm32-unknown-unknown
//! wasm-tools component new target/wasm32-unknown-unknown/release/zeros_codec.wasm -o zeros-codec.wasm
//! ```
//!
//! The component imports nothing.
//!
//! # Calls, buffers and copies
//!
//! The host copies each block into the guest's memory, calls the plugin,
//! and copies the answer out. Inside the guest:
//!
//! - the input arrives as a `Vec<u8>` the SDK owns; the trait methods see it
//!   as `&[u8]`, and filters may take it by value instead
//!   ([`Filter::forward_owned`], ...) to answer in place without allocating;
//! - the answer is handed to the host as it is, provided its capacity equals
//!   its length (otherwise it is shrunk first, which may copy it). Build
//!   answers with [`with_output`], `Vec::with_capacity(exact)`, or
//!   `vec![0; exact]`.
//!
//! Plugins keep no state between calls: the host may run many instances at
//! once and replace any of them at any time.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

mod export;

/// Where a block sits in its chunk and how its items are laid out: the WIT
/// record `sandpress:plugin/types.block-info`, given to every call.
///
/// ```
/// let info = sandpress_guest::BlockInfo { typesize: 4, blocksize: 4096, ..Default::default() };
/// assert_eq!(info.blocksize / info.typesize, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BlockInfo {
    /// Size in bytes of one item (1 for bytes, 4 for int32 or float32, ...).
    pub typesize: u32,
    /// Uncompressed size in bytes of the data this call handles. Every
    /// block of a chunk has the chunk's block size except the last one,
    /// which may be shorter and need not be a multiple of `typesize`.
    ///
    /// Filters always get whole blocks. A codec gets a whole block, or, when
    /// the chunk splits blocks into one stream per byte of the item
    /// (Blosc2's split mode), one stream at a time: then `blocksize` is the
    /// stream's size (the block size divided by `typesize`).
    pub blocksize: u32,
    /// Index of the chunk in its super-chunk (0 for a chunk compressed on
    /// its own).
    pub chunk_index: u64,
    /// Index of this block in its chunk.
    pub block_index: u32,
    /// Offset in bytes of this block (or stream) in the chunk's
    /// uncompressed data.
    pub offset: u32,
}

/// A codec: turns a block into fewer bytes and back. Export it with
/// [`export_codec!`].
///
/// ```
/// use sandpress_guest::{BlockInfo, Codec};
///
/// /// Stores every block as it is (never worth it: for illustration only).
/// struct Identity;
///
/// impl Codec for Identity {
///     fn encode(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Option<Vec<u8>>, String> {
///         Ok(Some(input.to_vec()))
///     }
///     fn decode(input: &[u8], _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Ok(input.to_vec())
///     }
/// }
///
/// sandpress_guest::export_codec!(Identity);
/// ```
pub trait Codec {
    /// Compresses one block.
    ///
    /// `input` is the block after the prefilter and the filters ran
    /// (`info.blocksize` bytes); `meta` is the chunk's `codec_meta` byte.
    ///
    /// Return `Ok(Some(bytes))` with the encoded block (the host stores it
    /// raw instead if it is not smaller than `input`), `Ok(None)` for
    /// "cannot compress this block" (stored raw), or `Err(message)` to fail
    /// the compression of the whole chunk.
    fn encode(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Option<Vec<u8>>, String>;

    /// Decompresses one block that [`encode`](Codec::encode) produced, given
    /// the same `meta` and `info`.
    ///
    /// Return exactly `info.blocksize` bytes; any other length, or
    /// `Err(message)`, fails the decompression of the chunk.
    fn decode(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String>;
}

/// A filter: rearranges a block so that the codec compresses it better,
/// never changing its size. Export it with [`export_filter!`].
///
/// Only [`forward`](Filter::forward) and [`backward`](Filter::backward) are
/// required. A filter that can work in place overrides the `_owned`
/// variants, which receive the block by value: transforming it and
/// returning the same vector answers without allocating or copying.
///
/// ```
/// use sandpress_guest::{BlockInfo, Filter};
///
/// /// Flips every bit, in place.
/// struct Not;
///
/// impl Filter for Not {
///     fn forward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Self::forward_owned(input.to_vec(), meta, info)
///     }
///     fn backward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Self::forward(input, meta, info)
///     }
///     fn forward_owned(mut block: Vec<u8>, _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
///         block.iter_mut().for_each(|b| *b = !*b);
///         Ok(block)
///     }
///     fn backward_owned(block: Vec<u8>, meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Self::forward_owned(block, meta, info)
///     }
/// }
///
/// sandpress_guest::export_filter!(Not);
/// ```
pub trait Filter {
    /// Transforms one block on compression. `meta` is this filter's
    /// `filters_meta` byte. Return exactly as many bytes as `input` holds;
    /// any other length, or `Err(message)`, fails the compression of the
    /// chunk.
    fn forward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String>;

    /// Undoes [`forward`](Filter::forward) on decompression, given what it
    /// returned and the same `meta` and `info`. Return the original bytes.
    fn backward(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String>;

    /// What the host calls for `forward`: by default
    /// [`forward`](Filter::forward) on the borrowed block.
    fn forward_owned(block: Vec<u8>, meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::forward(&block, meta, info)
    }

    /// What the host calls for `backward`: by default
    /// [`backward`](Filter::backward) on the borrowed block.
    fn backward_owned(block: Vec<u8>, meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::backward(&block, meta, info)
    }
}

/// A prefilter: a one-way, size-preserving transform applied to each block
/// before the filters on compression. Export it with [`export_prefilter!`].
///
/// ```
/// use sandpress_guest::{BlockInfo, Prefilter};
///
/// /// Clears the lowest bit of every byte (a lossy prefilter).
/// struct DropLowBit;
///
/// impl Prefilter for DropLowBit {
///     fn prefilter(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Self::prefilter_owned(input.to_vec(), meta, info)
///     }
///     fn prefilter_owned(mut block: Vec<u8>, _meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
///         block.iter_mut().for_each(|b| *b &= !1);
///         Ok(block)
///     }
/// }
///
/// sandpress_guest::export_prefilter!(DropLowBit);
/// ```
pub trait Prefilter {
    /// Transforms one block of the caller's data. `meta` is the byte given
    /// with the prefilter in the compression parameters. Return exactly as
    /// many bytes as `input` holds; any other length, or `Err(message)`,
    /// fails the compression of the chunk.
    fn prefilter(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String>;

    /// What the host calls: by default [`prefilter`](Prefilter::prefilter)
    /// on the borrowed block. Override it to work in place.
    fn prefilter_owned(block: Vec<u8>, meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::prefilter(&block, meta, info)
    }
}

/// A postfilter: a one-way, size-preserving transform applied to each block
/// after the filters on decompression. Export it with
/// [`export_postfilter!`].
///
/// ```
/// use sandpress_guest::{BlockInfo, Postfilter};
///
/// /// Adds `meta` to every byte.
/// struct AddMeta;
///
/// impl Postfilter for AddMeta {
///     fn postfilter(input: &[u8], meta: u8, _info: &BlockInfo) -> Result<Vec<u8>, String> {
///         Ok(input.iter().map(|b| b.wrapping_add(meta)).collect())
///     }
/// }
///
/// sandpress_guest::export_postfilter!(AddMeta);
/// ```
pub trait Postfilter {
    /// Transforms one decompressed block before it reaches the caller.
    /// `meta` is the byte given with the postfilter in the decompression
    /// parameters. Return exactly as many bytes as `input` holds; any other
    /// length, or `Err(message)`, fails the decompression of the chunk.
    fn postfilter(input: &[u8], meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String>;

    /// What the host calls: by default [`postfilter`](Postfilter::postfilter)
    /// on the borrowed block. Override it to work in place.
    fn postfilter_owned(block: Vec<u8>, meta: u8, info: &BlockInfo) -> Result<Vec<u8>, String> {
        Self::postfilter(&block, meta, info)
    }
}

/// Allocates exactly `len` zeroed bytes, lets `fill` write them, and
/// returns them: an answer whose capacity is its length, which the SDK hands
/// to the host without shrinking or copying it. (Fresh WebAssembly memory is
/// already zero, so the zeroing is often free.)
///
/// ```
/// let out = sandpress_guest::with_output(4, |out| {
///     out.copy_from_slice(&7u32.to_le_bytes());
///     Ok::<(), String>(())
/// })
/// .unwrap();
/// assert_eq!(out, [7, 0, 0, 0]);
/// assert_eq!(out.capacity(), 4);
/// ```
///
/// # Errors
///
/// Whatever `fill` returns.
pub fn with_output<E>(
    len: usize,
    fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    let mut out = vec![0; len];
    fill(&mut out)?;
    Ok(out)
}

#[doc(hidden)]
pub mod __private {
    //! What the export macros expand to. Not a public API.
    pub use crate::export::*;
}
