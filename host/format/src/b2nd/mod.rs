//! The `b2nd` metalayer: what makes a frame a Blosc2 NDArray.
//!
//! C-Blosc2 (`README_B2ND_METALAYER.rst`, `blosc/b2nd.c`) stores it as one
//! msgpack array of 7 items:
//! `[version 0, ndim, shape (int64 each), chunkshape (int32 each),
//! blockshape (int32 each), dtype format (0 = NumPy), dtype string]`.
//! [`B2ndMeta::to_bytes`] writes exactly C-Blosc2's bytes (fixed widths:
//! `0xd3` int64, `0xd2` int32, `0xdb` str32); [`B2ndMeta::parse`] accepts
//! any msgpack integer, array and string header in each place.
//!
//! ```
//! use sandpress_format::b2nd::B2ndMeta;
//! let meta = B2ndMeta::new(vec![30, 40], vec![10, 20], vec![5, 10], "<f8");
//! let bytes = meta.to_bytes().unwrap();
//! assert_eq!(bytes.len(), 53);
//! assert_eq!(B2ndMeta::parse(&bytes).unwrap(), meta);
//! ```
//!
//! This checks the encoding only: that the shapes describe a usable array
//! (a block of 0 items in a chunk that has some, say) is for the layout
//! built on it (`sandpress_core::ndarray`).

mod msgpack;
#[cfg(test)]
mod tests;

use msgpack::{Reader, put_array, put_i32, put_i64, put_str32};

/// Name of the metalayer.
pub const METALAYER: &str = "b2nd";
/// Metalayer version C-Blosc2 writes (`B2ND_METALAYER_VERSION`), the only
/// one read.
pub const VERSION: u8 = 0;
/// Most dimensions C-Blosc2 accepts (`B2ND_MAX_DIM`).
pub const MAX_NDIM: usize = 16;
/// Dtype format 0: the dtype string is NumPy's (`"<f8"`, `"|b1"`, ...).
pub const DTYPE_NUMPY: u8 = 0;
/// The dtype C-Blosc2 records when none is given (`B2ND_DEFAULT_DTYPE`).
pub const DEFAULT_DTYPE: &str = "|u1";

/// The contents of a `b2nd` metalayer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct B2ndMeta {
    /// Items along each axis (`ndim` of them; none for shape `()`).
    pub shape: Vec<u64>,
    /// Chunk shape, one per axis.
    pub chunkshape: Vec<u32>,
    /// Block shape, one per axis.
    pub blockshape: Vec<u32>,
    /// How `dtype` is written ([`DTYPE_NUMPY`]).
    pub dtype_format: u8,
    /// The dtype, in the notation of `dtype_format`.
    pub dtype: String,
}

/// A `b2nd` metalayer that cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum B2ndError {
    /// Fewer bytes than a value needs.
    #[error(
        "b2nd metalayer: truncated {what} at byte {offset}: need {needed} bytes, {available} available"
    )]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset in the metalayer.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes available from `offset`.
        available: usize,
    },
    /// A msgpack marker of another type than the place needs.
    #[error("b2nd metalayer: {what} at byte {offset} has msgpack marker {found:#04x}")]
    Marker {
        /// What was being read.
        what: &'static str,
        /// Offset of the marker.
        offset: usize,
        /// The marker byte.
        found: u8,
    },
    /// A list with another number of items than it must have.
    #[error("b2nd metalayer: {what} has {found} items, expected {expected}")]
    Count {
        /// Which list.
        what: &'static str,
        /// Items it must have.
        expected: usize,
        /// Items it has.
        found: usize,
    },
    /// A number outside the range its place allows.
    #[error("b2nd metalayer: {what} is {found}, outside {min}..={max}")]
    Value {
        /// Which number.
        what: &'static str,
        /// Its value.
        found: i128,
        /// Smallest allowed.
        min: i128,
        /// Largest allowed.
        max: i128,
    },
    /// A metalayer version other than [`VERSION`].
    #[error("b2nd metalayer version {found} is not supported (only {VERSION} is)")]
    Version {
        /// The version recorded.
        found: i128,
    },
    /// The dtype string is not UTF-8.
    #[error("b2nd metalayer: {what} at byte {offset} is not UTF-8")]
    NotUtf8 {
        /// What was being read.
        what: &'static str,
        /// Offset of the string's bytes.
        offset: usize,
    },
    /// Bytes after the metalayer's last item.
    #[error("b2nd metalayer: {found} bytes after its end at byte {offset}")]
    Trailing {
        /// Where the metalayer ends.
        offset: usize,
        /// Bytes left over.
        found: usize,
    },
}

impl B2ndMeta {
    /// A metalayer with a NumPy dtype string.
    pub fn new(
        shape: Vec<u64>,
        chunkshape: Vec<u32>,
        blockshape: Vec<u32>,
        dtype: impl Into<String>,
    ) -> Self {
        B2ndMeta {
            shape,
            chunkshape,
            blockshape,
            dtype_format: DTYPE_NUMPY,
            dtype: dtype.into(),
        }
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Parses a metalayer's bytes. Never panics; every length is checked
    /// against the bytes there.
    pub fn parse(bytes: &[u8]) -> Result<Self, B2ndError> {
        let mut r = Reader::new(bytes);
        let n = r.array("metalayer", None)?;
        if n != 7 {
            return Err(B2ndError::Count {
                what: "metalayer",
                expected: 7,
                found: n,
            });
        }
        let version = r.int("version")?;
        if version != i128::from(VERSION) {
            return Err(B2ndError::Version { found: version });
        }
        let ndim = ranged(r.int("ndim")?, "ndim", 0, MAX_NDIM as i128)? as usize;
        let shape = list(&mut r, "shape", ndim, i128::from(i64::MAX))?;
        let chunkshape = list(&mut r, "chunkshape", ndim, i128::from(i32::MAX))?;
        let blockshape = list(&mut r, "blockshape", ndim, i128::from(i32::MAX))?;
        let dtype_format = ranged(r.int("dtype format")?, "dtype format", 0, 127)? as u8;
        let dtype = r.str("dtype")?.to_owned();
        if r.remaining() > 0 {
            return Err(B2ndError::Trailing {
                offset: r.offset(),
                found: r.remaining(),
            });
        }
        Ok(B2ndMeta {
            shape: shape.into_iter().map(|v| v as u64).collect(),
            chunkshape: chunkshape.into_iter().map(|v| v as u32).collect(),
            blockshape: blockshape.into_iter().map(|v| v as u32).collect(),
            dtype_format,
            dtype,
        })
    }

    /// The metalayer's bytes, exactly as C-Blosc2's `b2nd_serialize_meta`
    /// writes them. Fails when the three shapes differ in length, there are
    /// more than [`MAX_NDIM`] axes, a shape exceeds `i64::MAX` or a chunk or
    /// block axis `i32::MAX`, or the dtype format exceeds 127.
    pub fn to_bytes(&self) -> Result<Vec<u8>, B2ndError> {
        let ndim = self.ndim();
        ranged(ndim as i128, "ndim", 0, MAX_NDIM as i128)?;
        for (what, len) in [
            ("chunkshape", self.chunkshape.len()),
            ("blockshape", self.blockshape.len()),
        ] {
            if len != ndim {
                return Err(B2ndError::Count {
                    what,
                    expected: ndim,
                    found: len,
                });
            }
        }
        ranged(i128::from(self.dtype_format), "dtype format", 0, 127)?;
        ranged(
            self.dtype.len() as i128,
            "dtype length",
            0,
            i128::from(i32::MAX),
        )?;
        let mut out = Vec::with_capacity(3 + 3 * (1 + ndim * 9) + 6 + self.dtype.len());
        put_array(&mut out, 7);
        out.push(VERSION);
        out.push(ndim as u8);
        put_array(&mut out, ndim);
        for &v in &self.shape {
            let v = ranged(i128::from(v), "shape", 0, i128::from(i64::MAX))?;
            put_i64(&mut out, v as i64);
        }
        for (what, axes) in [
            ("chunkshape", &self.chunkshape),
            ("blockshape", &self.blockshape),
        ] {
            put_array(&mut out, ndim);
            for &v in axes {
                let v = ranged(i128::from(v), what, 0, i128::from(i32::MAX))?;
                put_i32(&mut out, v as i32);
            }
        }
        out.push(self.dtype_format);
        put_str32(&mut out, &self.dtype);
        Ok(out)
    }
}

/// `v` if it lies in `min..=max`.
fn ranged(v: i128, what: &'static str, min: i128, max: i128) -> Result<i128, B2ndError> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(B2ndError::Value {
            what,
            found: v,
            min,
            max,
        })
    }
}

/// A list of `ndim` integers in `0..=max`.
fn list(
    r: &mut Reader<'_>,
    what: &'static str,
    ndim: usize,
    max: i128,
) -> Result<Vec<i128>, B2ndError> {
    let n = r.array(what, Some(ndim))?;
    if n != ndim {
        return Err(B2ndError::Count {
            what,
            expected: ndim,
            found: n,
        });
    }
    (0..ndim)
        .map(|_| ranged(r.int(what)?, what, 0, max))
        .collect()
}
