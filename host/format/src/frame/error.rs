//! Errors of frame parsing.

use crate::FormatError;

/// A frame's bytes are malformed or use something sandpress does not read.
///
/// Every variant names where in the frame (a byte offset from its start) the
/// problem is, so a user can look at the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than a structure needs.
    #[error("truncated frame: {what} at byte {offset} needs {needed} bytes, {available} are there")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset of the structure in the frame.
        offset: u64,
        /// Bytes needed from `offset`.
        needed: u64,
        /// Bytes the frame has from `offset`.
        available: u64,
    },
    /// The file is shorter than the frame length its header records.
    #[error("truncated: the header says {header_says} bytes, the file has {file_has}")]
    ShorterThanHeader {
        /// The frame's length in its header.
        header_says: u64,
        /// The length of the file (or buffer).
        file_has: u64,
    },
    /// The frame does not start with `b2frame\0` in a msgpack header.
    #[error("not a Blosc2 frame: no b2frame magic at byte 0")]
    BadMagic,
    /// A msgpack marker is not the one the layout has at this place.
    #[error(
        "malformed frame: {what} at byte {offset} has marker {found:#04x}, expected {expected:#04x}"
    )]
    BadMarker {
        /// What was being read.
        what: &'static str,
        /// Offset of the marker.
        offset: u64,
        /// Marker found.
        found: u8,
        /// Marker expected.
        expected: u8,
    },
    /// A field holds a value that cannot be right.
    #[error("malformed frame: {field} at byte {offset} is {found} ({reason})")]
    BadField {
        /// The field.
        field: &'static str,
        /// Offset of the field.
        offset: u64,
        /// Its value.
        found: i64,
        /// Why it is wrong.
        reason: &'static str,
    },
    /// A frame feature sandpress does not read.
    #[error("unsupported frame feature: {0}")]
    Unsupported(String),
    /// A chunk offset points outside the chunks section.
    #[error("chunk {chunk}: offset {offset} is outside the chunks section (0..{limit})")]
    BadOffset {
        /// Chunk index.
        chunk: u64,
        /// Offset read from the index (relative to the end of the header).
        offset: i64,
        /// Length of the chunks section.
        limit: u64,
    },
    /// A chunk inside the frame is malformed.
    #[error("{what} at byte {offset}: {source}")]
    Chunk {
        /// Which chunk (data chunk N, offsets index, vlmeta NAME).
        what: String,
        /// Offset of the chunk in the frame.
        offset: u64,
        /// The chunk error.
        source: FormatError,
    },
}
