//! Super-chunks on disk as Blosc2 contiguous frames (`.b2frame`), the file
//! format python-blosc2 and C-Blosc2 read and write.
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
//!   [`DParams::check`](crate::DParams::check) is off.

pub mod checksums;
mod edit;
mod index;
mod layout;
mod ordered;
mod pipelined;
mod pipelined_file;
mod pipelined_read;
pub mod plugins;
mod reader;
mod source;
mod stored;
pub mod summary;
mod writer;

pub use ordered::CHUNKS_PER_THREAD;
pub use pipelined::PipelinedWriter;
pub use plugins::PluginRecord;
pub use reader::Frame;
pub use source::ReadAt;
pub use summary::{ChunkForm, ChunkRun, FrameSummary};
pub(crate) use writer::checksum_of as writer_checksum_of;
pub use writer::{FrameStats, FrameWriter, temp_beside};

#[cfg(test)]
mod pipelined_tests;
#[cfg(test)]
mod tests;
