//! Blosc2's built-in filters, byte-exact with C-Blosc2.
//!
//! Each filter works on one block at a time, with the block's own length
//! (the last block of a chunk may be shorter), exactly as C-Blosc2's
//! `pipeline_forward` / `pipeline_backward` call them. The filter ids are the
//! bytes stored in the chunk header's filter slots.

mod bitshuffle;
mod bitshuffle_simd;
mod delta;
mod shuffle;
mod shuffle_simd;
mod trunc_prec;

pub use bitshuffle::{bitshuffle, bitunshuffle, bitunshuffle_format2};
pub use delta::{delta_decode, delta_encode};
pub use shuffle::{shuffle, unshuffle};
pub use trunc_prec::{trunc_prec, trunc_prec_backward};

/// Filter id: no filter (an empty slot of the pipeline).
pub const NOFILTER: u8 = 0;
/// Filter id: byte shuffle ([`shuffle`] / [`unshuffle`]).
pub const SHUFFLE: u8 = 1;
/// Filter id: bit shuffle ([`bitshuffle`] / [`bitunshuffle`]).
pub const BITSHUFFLE: u8 = 2;
/// Filter id: XOR with the chunk's first block ([`delta_encode`] /
/// [`delta_decode`]).
pub const DELTA: u8 = 3;
/// Filter id: truncation of float precision ([`trunc_prec`]; nothing to undo).
pub const TRUNC_PREC: u8 = 4;

/// Why a built-in filter refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The filter does not handle items of this size.
    #[error("filter {filter} supports typesize {expected}, found {found}")]
    UnsupportedTypesize {
        /// Id of the filter.
        filter: u8,
        /// The typesizes it supports.
        expected: &'static str,
        /// The typesize it was given.
        found: usize,
    },
    /// TRUNC_PREC was asked to keep no mantissa bit, or to remove all of them.
    #[error(
        "precision {prec_bits} out of range for a {mantissa_bits}-bit mantissa: expected \
         1..={mantissa_bits} bits to keep or -({mantissa_bits}-1)..=-1 to remove"
    )]
    PrecisionOutOfRange {
        /// The requested precision (the filter meta read as `i8`).
        prec_bits: i8,
        /// Mantissa width of the float type (23 or 52).
        mantissa_bits: u8,
    },
    /// The destination is not as long as the source.
    #[error("destination of {found} bytes, expected {expected} (the source length)")]
    LengthMismatch {
        /// The source length.
        expected: usize,
        /// The destination length.
        found: usize,
    },
}
