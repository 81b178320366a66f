//! Errors of the core: bad parameters, malformed chunks, codec and plugin failures.

use sandpress_format::FormatError;

use crate::plugin::{PluginError, PluginKind};

/// Everything that can go wrong compressing, decompressing or editing a super-chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    #[error("cannot {op} {path}: {message}")]
    Io {
        /// What was being done ("read", "write", "create", "rename").
        op: &'static str,
        /// The file.
        path: String,
        /// The kind of failure.
        kind: std::io::ErrorKind,
        /// The system's message.
        message: String,
    },
    /// A frame names a plugin that differs from the one registered under
    /// its id, or that is neither registered nor embedded.
    #[error("{0}")]
    PluginMismatch(String),
}

impl Error {
    /// An [`Error::Io`] for `op` on `path`.
    pub fn io(op: &'static str, path: &std::path::Path, e: &std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.display().to_string(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
