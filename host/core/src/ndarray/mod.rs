//! N-dimensional arrays as Blosc2 stores them (`b2nd`, python-blosc2's
//! `NDArray`): a super-chunk plus a shape, a chunk shape, a block shape and
//! a dtype.
//!
//! [`Layout`] says where each item lies: chunks cover the array in C order
//! of the chunk grid; each chunk holds the *extended* chunk shape (every
//! chunk axis rounded up to a multiple of the block axis), cut into blocks
//! in C order, items in C order inside a block; everything outside the
//! array or outside the chunk shape is zero. A slice is read by decoding
//! only the blocks it touches and copying runs along the last axes.

mod array;
mod copy;
mod direct;
mod error;
mod layout;
mod pieces;
mod read;
mod spec;

pub use array::NdArray;
pub use error::{ArrayError, LayoutError, SliceError};
pub use layout::{BlockHit, ChunkHit, Layout};
pub use pieces::Pieces;
pub use read::{ArrayReader, ChunkSource, SliceStats};
pub use spec::{SliceSpec, SliceSpecError};

#[cfg(test)]
mod array_tests;
#[cfg(test)]
mod layout_tests;
