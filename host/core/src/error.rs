//! Errors of the core: bad parameters, malformed chunks, codec and plugin failures.

use sandpress_format::FormatError;

use crate::plugin::{PluginError, PluginKind};

/// Everything that can go wrong compressing, decompressing or editing a super-chunk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A chunk's bytes are malformed.
    #[error("malformed chunk {chunk}: {source}")]
    Format {
        /// Chunk index.
        chunk: u64,
        /// What is wrong.
        #[source]
        source: FormatError,
    },
    /// A parameter is out of range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// More filters than the slots of a chunk header hold.
    #[error("at most {max} filters fit in a pipeline ({found} given)")]
    TooManyFilters {
        /// The number of slots.
        max: usize,
        /// Filters given.
        found: usize,
    },
    /// A codec id is neither built in nor registered.
    #[error("unsupported codec {id} ({name}): not built in and not registered")]
    UnknownCodec {
        /// Codec id.
        id: u8,
        /// Its Blosc2 name, if any.
        name: &'static str,
    },
    /// A filter id is neither built in nor registered.
    #[error("unsupported filter {id} ({name}): not built in and not registered")]
    UnknownFilter {
        /// Filter id.
        id: u8,
        /// Its Blosc2 name, if any.
        name: &'static str,
    },
    /// A built-in codec or filter failed (corrupt data).
    #[error("chunk {chunk}, block {block}: {what} failed: {message}")]
    Builtin {
        /// Codec or filter name.
        what: &'static str,
        /// Chunk index.
        chunk: u64,
        /// Block index.
        block: u32,
        /// What went wrong.
        message: String,
    },
    /// A user plugin failed: it answered an error, or the sandbox stopped it.
    #[error("{kind} plugin {id} failed on chunk {chunk}, block {block}: {source}")]
    Plugin {
        /// Codec, filter, prefilter or postfilter.
        kind: PluginKind,
        /// Plugin id (0 for prefilters and postfilters).
        id: u8,
        /// Chunk index.
        chunk: u64,
        /// Block index.
        block: u32,
        /// The failure.
        #[source]
        source: PluginError,
    },
    /// Verify on write: a block decoded again, in another instance of the
    /// plugin, differs from what the plugin encoded. Nothing was written.
    #[error(
        "verify on write: {kind} plugin {id} does not give back what it encoded (chunk {chunk}, block {block}): {reason}"
    )]
    Verify {
        /// The codec or filter at fault.
        kind: PluginKind,
        /// Its id.
        id: u8,
        /// Chunk index.
        chunk: u64,
        /// Block index.
        block: u32,
        /// What differs.
        reason: VerifyMismatch,
    },
    /// A chunk decoded to bytes whose checksum is not the one recorded for it.
    #[error(
        "chunk {chunk} is corrupt: its bytes have xxh3-64 checksum {found:016x}, the frame recorded {expected:016x}"
    )]
    Checksum {
        /// Chunk index.
        chunk: u64,
        /// The recorded checksum.
        expected: u64,
        /// The checksum of the decoded bytes.
        found: u64,
    },
    /// A chunk or item index is out of range.
    #[error("{what} {index} out of range (length {len})")]
    OutOfRange {
        /// What was indexed.
        what: &'static str,
        /// The index.
        index: u64,
        /// The length.
        len: u64,
    },
    /// A caller's buffer has the wrong size.
    #[error("buffer of {found} bytes where {expected} are needed")]
    BufferSize {
        /// Bytes needed.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// A plugin could not be registered.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    /// A frame's bytes are malformed or use an unsupported feature.
    #[error(transparent)]
    Frame(#[from] sandpress_format::frame::FrameError),
    /// Reading or writing a file failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "write", "create", "rename").
        op: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// What the system reported.
        #[source]
        source: std::io::Error,
    },
    /// A frame names a plugin that differs from the one registered under
    /// its id, or that is neither registered nor embedded.
    #[error("{0}")]
    PluginMismatch(String),
}

impl Error {
    /// An [`Error::Io`] for `op` on `path`.
    pub fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How a block decoded again differs from the bytes that were encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{len} bytes from offset {offset} in the block decode again to bytes that differ from byte {first_difference} on"
)]
pub struct VerifyMismatch {
    /// Offset, in the block, of the bytes given to the plugin (a stream of a split block starts past 0).
    pub offset: usize,
    /// How many bytes were given.
    pub len: usize,
    /// Index, within those bytes, of the first one that came back different.
    pub first_difference: usize,
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `error` and its causes (its `source()` chain) on one line, each cause
/// once, joined with `: `, control characters escaped (`\n`, `\u{1b}`)
/// so that nothing in a message (a guest's, a file name) can break the
/// line or drive a terminal.
///
/// Errors here include their cause in their own message (so `to_string()`
/// tells the whole story) and also return it from `source()` (so callers
/// can downcast to it); a cause is therefore printed only when the line so
/// far does not already end with it.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = String::new();
    let mut cause = Some(error);
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.ends_with(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        cause = c.source();
    }
    let mut escaped = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_control() {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    escaped
}
