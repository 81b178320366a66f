//! Errors of N-d arrays: a layout that cannot be, a slice outside the
//! array, and the super-chunk's own errors.

use sandpress_format::b2nd::B2ndError;

use crate::error::Error;

/// Shape, chunk shape, block shape and item size that make no array
/// C-Blosc2 could store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// Shape, chunk shape and block shape differ in length.
    #[error("{what} has {found} axes where the shape has {expected}")]
    Axes {
        /// `"chunkshape"` or `"blockshape"`.
        what: &'static str,
        /// Axes of the shape.
        expected: usize,
        /// Axes found.
        found: usize,
    },
    /// More axes than C-Blosc2 accepts.
    #[error("{found} axes: at most {max} are supported")]
    TooManyAxes {
        /// Axes given.
        found: usize,
        /// Most accepted.
        max: usize,
    },
    /// An axis of the chunk or block shape that cannot cover the array.
    #[error("axis {axis}: {reason} (shape {shape}, chunk {chunk}, block {block})")]
    Axis {
        /// The axis.
        axis: usize,
        /// Its shape.
        shape: u64,
        /// Its chunk shape.
        chunk: u64,
        /// Its block shape.
        block: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// The item size is 0.
    #[error("item size 0")]
    ItemSize,
    /// A count or size that does not fit (a chunk past Blosc2's largest,
    /// a block past its largest, more items than 64 bits count).
    #[error("{what} is too large: {found} over {max}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// Its value (saturated at `u128::MAX` terms; at least `max + 1`).
        found: u128,
        /// Largest allowed.
        max: u128,
    },
}

/// A hyperslab that is not inside the array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SliceError {
    /// A slice with another number of axes than the array.
    #[error("slice of {found} axes for an array of {expected}")]
    Axes {
        /// Axes of the array.
        expected: usize,
        /// Axes of the slice.
        found: usize,
    },
    /// A range that is reversed or runs past the axis.
    #[error("axis {axis}: {start}..{end} is not inside 0..{len}")]
    Range {
        /// The axis.
        axis: usize,
        /// Start given.
        start: u64,
        /// End given.
        end: u64,
        /// Items along the axis.
        len: u64,
    },
}

/// Everything that can go wrong making, reading or storing an N-d array.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArrayError {
    /// The layout is impossible.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The slice is outside the array.
    #[error(transparent)]
    Slice(#[from] SliceError),
    /// The `b2nd` metalayer is malformed.
    #[error(transparent)]
    Meta(#[from] B2ndError),
    /// A caller's buffer has the wrong size.
    #[error("buffer of {found} bytes where {expected} are needed")]
    BufferSize {
        /// Bytes needed.
        expected: u64,
        /// Bytes given.
        found: u64,
    },
    /// The super-chunk's chunks do not match the layout.
    #[error("chunk {chunk}: {reason}")]
    Chunk {
        /// Chunk index.
        chunk: u64,
        /// What does not match.
        reason: String,
    },
    /// The super-chunk or frame has no `b2nd` metalayer.
    #[error("not an N-d array: no b2nd metalayer")]
    NotAnArray,
    /// The super-chunk or the pipeline failed.
    #[error(transparent)]
    Core(#[from] Error),
}
