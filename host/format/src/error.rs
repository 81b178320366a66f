//! Errors of chunk parsing.

/// A chunk's bytes are malformed or use something sandpress does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Fewer bytes than a structure needs.
    #[error("truncated {what} at byte {offset}: need {needed} bytes, {available} available")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset in the chunk where it starts.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes available from `offset`.
        available: usize,
    },
    /// A header field holds a value that cannot be right.
    #[error("invalid chunk header: {field} is {found} ({reason})")]
    InvalidHeader {
        /// The field.
        field: &'static str,
        /// Its value.
        found: u64,
        /// Why it is wrong.
        reason: &'static str,
    },
    /// The chunk's version is newer than sandpress reads.
    #[error("chunk format version {found} is not supported (newest read: {max})")]
    Version {
        /// Version in the chunk.
        found: u8,
        /// Newest version sandpress reads.
        max: u8,
    },
    /// A feature of the format that sandpress does not implement.
    #[error("unsupported chunk feature: {0}")]
    Unsupported(&'static str),
    /// A block start points outside the chunk or into its header.
    #[error("block {block} starts at byte {start}, outside {min}..{max}")]
    BadBlockStart {
        /// Block index.
        block: usize,
        /// Offset read from the chunk.
        start: i64,
        /// Smallest valid offset.
        min: usize,
        /// Chunk length.
        max: usize,
    },
    /// A stream is malformed.
    #[error("block {block}, stream {stream} at byte {offset}: {reason}")]
    BadStream {
        /// Block index.
        block: usize,
        /// Stream index in the block.
        stream: usize,
        /// Offset of the stream's size field.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}
