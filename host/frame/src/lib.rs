//! Super-chunks on disk as Blosc2 contiguous frames (`.b2frame`), the file
//! format python-blosc2 and C-Blosc2 read and write.
//!
//! This crate is the file I/O above the pipeline: it reads and writes frame
//! files, chunk by chunk, and compresses or decompresses their chunks
//! through `sandpress_core`'s pipeline (on its thread pools, in order);
//! the pipeline knows nothing of files. The frame's bytes themselves
//! (header, index, trailer) are parsed and written by `sandpress_format`.
//!
//! - [`Frame`] opens a frame and reads chunks on demand, never the whole
//!   file; [`Frame::open_rw`] adds edits that never leave the file
//!   unreadable (see the `edit` notes on [`Frame::append`]).
//! - [`FrameWriter`] writes a new frame as a stream, under a temporary name
//!   renamed into place when complete.
//! - A frame whose chunks need user plugins records them in a plugin table
//!   ([`PluginRecord`], the vlmeta entry [`plugins::VLMETA_NAME`]): id, kind,
//!   name, version, sha256 and optionally the component itself. A reader
//!   whose registered plugin has another hash is refused, naming both.
//! - Each chunk made from data carries an xxh3-64 checksum of its
//!   uncompressed bytes ([`checksums`], the vlmeta entry
//!   [`checksums::VLMETA_NAME`]), checked on every read unless
//!   [`DParams::check`](sandpress_core::DParams::check) is off.

mod array;
mod array_lazy;
mod edit;
mod index;
mod layout;
mod ordered;
mod persist;
mod pipelined;
mod pipelined_file;
mod pipelined_read;
mod reader;
mod source;
mod stored;
pub mod summary;
mod writer;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use array::NdArrayFile;
pub use ordered::CHUNKS_PER_THREAD;
pub use persist::SChunkFile;
pub use pipelined::PipelinedWriter;
pub use reader::Frame;
pub use sandpress_core::vlmeta::{PluginRecord, checksums, plugins};
pub use source::ReadAt;
pub use summary::{ChunkForm, ChunkRun, FrameSummary};
pub use writer::{FrameStats, FrameWriter, TEMP_SUFFIX, temp_beside, temp_prefix, unlink_existing};

#[cfg(test)]
mod array_tests;
#[cfg(test)]
mod pipelined_tests;
#[cfg(test)]
mod tests;
