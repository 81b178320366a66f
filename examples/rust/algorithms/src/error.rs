//! The one error type of the algorithms.

use core::fmt;

/// Why an algorithm refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The item size was zero.
    ZeroTypesize,
    /// The output buffer does not have the length the algorithm must write.
    OutputLength {
        /// Bytes the algorithm writes.
        expected: usize,
        /// Bytes the buffer holds.
        found: usize,
    },
    /// An encoded block does not have the length its format requires.
    EncodedLength {
        /// Bytes the format requires.
        expected: usize,
        /// Bytes the encoded block holds.
        found: usize,
    },
    /// A decoder's output is not a whole number of items.
    NotWholeItems {
        /// Length of the output in bytes.
        len: usize,
        /// The item size.
        typesize: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ZeroTypesize => f.write_str("typesize is 0"),
            Error::OutputLength { expected, found } => {
                write!(f, "output holds {found} bytes where {expected} are written")
            }
            Error::EncodedLength { expected, found } => {
                write!(
                    f,
                    "encoded block holds {found} bytes where {expected} were expected"
                )
            }
            Error::NotWholeItems { len, typesize } => {
                write!(
                    f,
                    "{len} bytes are not a whole number of {typesize}-byte items"
                )
            }
        }
    }
}

impl core::error::Error for Error {}
