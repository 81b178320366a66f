//! Blosc2 contiguous frames (`.b2frame`): a msgpack header with the
//! fixed-length metalayers, the chunks, an offsets index chunk, and a
//! msgpack trailer with the variable-length metalayers.
//!
//! ```text
//! +--------+--------+-----+--------+---------------+---------+
//! | header | chunk0 | ... | chunkN | offsets index | trailer |
//! +--------+--------+-----+--------+---------------+---------+
//!          ^ header_len            ^ header_len + cbytes     ^ frame_len - trailer_len
//! ```
//!
//! This module reads and writes the header and trailer byte for byte as
//! C-Blosc2 does; the chunks (including the offsets index, a chunk of
//! little-endian `i64`) are handled by the chunk types and the core crate.
//!
//! ```
//! use sandpress_format::frame::{FrameHeader, Trailer};
//! let mut h = FrameHeader::new(5, 1, 4, 4000);
//! h.metalayers.push(("kind".into(), vec![0xa3, b'i', b'n', b't']));
//! h.frame_len = 1000;
//! let bytes = h.to_bytes().unwrap();
//! let back = FrameHeader::parse(&bytes).unwrap();
//! assert_eq!(back.header_len as usize, bytes.len());
//! assert_eq!(back.metalayers, h.metalayers);
//! let t = Trailer::default().to_bytes().unwrap();
//! assert_eq!(Trailer::peek_len(&t, t.len() as u64).unwrap() as usize, t.len());
//! ```

mod cursor;
mod error;
mod header;
pub mod layers;
mod offsets;
mod trailer;

pub use error::FrameError;
pub use header::{FRAME_LEN_OFFSET, FRAME_VERSION, FrameHeader, HEADER_MINLEN};
pub use layers::Layers;
pub use offsets::ChunkLoc;
pub use trailer::{TRAILER_LEN_OFFSET, TRAILER_MINLEN, Trailer};

#[cfg(test)]
mod tests;
