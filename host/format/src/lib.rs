//! Blosc2 chunk bytes: the 32-byte header, block starts and streams, parsed
//! with every length checked and written back byte for byte.
//!
//! This crate knows the layout, not the algorithms: it never compresses or
//! decompresses. It has no `unsafe` and never panics on malformed input; every
//! length read from a chunk is checked against the bytes that are there.
//!
//! ```
//! use sandpress_format::{ChunkHeader, ids};
//! let mut h = ChunkHeader::new(ids::ZSTD, 4, 400, 400);
//! h.set_memcpyed(true);
//! h.cbytes = 432;
//! let mut chunk = h.to_bytes().to_vec();
//! chunk.resize(432, 0); // the 400 raw bytes
//! assert_eq!(ChunkHeader::parse(&chunk).unwrap(), h);
//! ```

pub mod b2nd;
mod chunk;
mod error;
pub mod frame;
mod header;
pub mod ids;
mod stream;

pub use chunk::{BlockData, ChunkView};
pub use error::FormatError;
pub use header::{ChunkHeader, Special};
pub use stream::{Stream, StreamIter, put_stream, stream_size, write_stream};

/// Length of the Blosc2 extended chunk header, which sandpress always writes.
pub const HEADER_LEN: usize = 32;
/// Length of the Blosc1 header (the first part of the extended one).
pub const MIN_HEADER_LEN: usize = 16;
/// Chunk format version sandpress writes.
pub const VERSION_FORMAT: u8 = 5;
/// Newest chunk format version sandpress reads (6 adds variable-length
/// blocks, which are refused with [`FormatError::Unsupported`]).
pub const MAX_VERSION_FORMAT: u8 = 6;
/// Largest block size C-Blosc2 accepts (`BLOSC2_MAXBLOCKSIZE`).
pub const MAX_BLOCKSIZE: u32 = 536_866_816;
/// Largest uncompressed chunk (`BLOSC2_MAX_BUFFERSIZE`: `i32::MAX` minus the
/// maximum overhead).
pub const MAX_BUFFERSIZE: u32 = i32::MAX as u32 - HEADER_LEN as u32;
/// Largest typesize (`BLOSC_MAX_TYPESIZE`).
pub const MAX_TYPESIZE: u8 = 255;
/// Number of filter slots in a chunk header.
pub const MAX_FILTERS: usize = 6;
/// Below this many bytes a chunk is always stored raw (`BLOSC_MIN_BUFFERSIZE`).
pub const MIN_BUFFERSIZE: usize = 32;
