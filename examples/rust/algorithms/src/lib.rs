//! The algorithms of sandpress's example plugins, written once and used on
//! both sides of the sandbox:
//!
//! - by the WebAssembly guests in `examples/rust` (compiled for
//!   `wasm32-unknown-unknown` and turned into components), and
//! - by the native implementations in `sandpress_example_plugins::native`, which
//!   the benchmarks compare the components against.
//!
//! | module | plugin | what it does |
//! |---|---|---|
//! | [`repeat`] | codec `repeat-codec` (id 160) | a block that is one value repeated becomes the value and a count |
//! | [`step`] | codec `step-codec` (id 184) | a block whose items after the first are all equal becomes the first two items |
//! | [`delta`] | filter `delta-filter` (id 160) | each item minus the one before it, and back |
//! | [`shuffle`] | filter `byte-shuffle` (id 161) | byte `j` of every item grouped together, and back |
//!
//! The first three are the codecs and the filter of python-blosc2's tutorial
//! "User-defined codecs and filters"; the byte layouts are the tutorial's.
//!
//! The crate is `no_std` (it needs `alloc` only for the encoders' output
//! vectors), has no dependencies and no `unsafe`. Functions take the item
//! size (`typesize`) as a `usize`; they never panic: a size that does not
//! fit is an [`Error`] (or, for encoders, "cannot encode").
//!
//! ```
//! use sandpress_algorithms::{delta, repeat};
//!
//! // 1, 2, 3, 4 as int32 becomes 1, 1, 1, 1 ...
//! let input: Vec<u8> = [1i32, 2, 3, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let mut filtered = vec![0; input.len()];
//! delta::forward(&input, 4, &mut filtered).unwrap();
//!
//! // ... which the repeat codec stores in 8 bytes: the value, then the count.
//! let mut encoded = Vec::new();
//! assert!(repeat::encode(&filtered, 4, 0, &mut encoded));
//! assert_eq!(encoded, [1, 0, 0, 0, 4, 0, 0, 0]);
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod delta;
mod error;
pub mod repeat;
pub mod shuffle;
pub mod step;

pub use error::Error;

/// Checks the item size shared by every algorithm: it must not be zero.
fn check_typesize(typesize: usize) -> Result<(), Error> {
    if typesize == 0 {
        Err(Error::ZeroTypesize)
    } else {
        Ok(())
    }
}

/// Checks that an output buffer has the input's length (every filter keeps
/// the size of a block).
fn check_same_len(input: usize, output: usize) -> Result<(), Error> {
    if input == output {
        Ok(())
    } else {
        Err(Error::OutputLength {
            expected: input,
            found: output,
        })
    }
}

/// `true` when `a == b`, written as word-wide XORs over 64-byte chunks so
/// that it is fast in WebAssembly too (a slice `==` becomes a byte-by-byte
/// `memcmp` loop there). Slices of different lengths are never equal.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_chunks, a_rest) = a.as_chunks::<64>();
    let (b_chunks, b_rest) = b.as_chunks::<64>();
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        let (xw, _) = x.as_chunks::<8>();
        let (yw, _) = y.as_chunks::<8>();
        let diff = xw.iter().zip(yw).fold(0u64, |d, (p, q)| {
            d | (u64::from_ne_bytes(*p) ^ u64::from_ne_bytes(*q))
        });
        if diff != 0 {
            return false;
        }
    }
    a_rest == b_rest
}

/// `true` when `bytes` is periodic with period `period` (every byte equals
/// the one `period` bytes before it), that is when all the `period`-sized
/// items of `bytes` are equal. Requires `period <= bytes.len()`.
fn periodic(bytes: &[u8], period: usize) -> bool {
    match (bytes.get(period..), bytes.len().checked_sub(period)) {
        (Some(later), Some(len)) => same_bytes(later, &bytes[..len]),
        _ => false,
    }
}

/// Fills `out` with copies of `value` (`out.len()` a multiple of
/// `value.len()`), doubling the filled prefix with `copy_within` so the work
/// is done by a handful of `memcpy`s.
fn fill_repeating(out: &mut [u8], value: &[u8]) {
    let Some(first) = out.get_mut(..value.len()) else {
        return;
    };
    first.copy_from_slice(value);
    let mut filled = value.len();
    while filled < out.len() {
        let n = filled.min(out.len() - filled);
        out.copy_within(..n, filled);
        filled += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_finds_a_difference_anywhere() {
        let a = [7u8; 200];
        for i in 0..200 {
            let mut b = a;
            b[i] = 8;
            assert!(!same_bytes(&a, &b), "difference at {i}");
        }
        assert!(same_bytes(&a, &a));
        assert!(!same_bytes(&a[..3], &a[..4]));
    }

    #[test]
    fn periodic_by_item() {
        assert!(periodic(&[1, 2, 1, 2, 1, 2], 2));
        assert!(!periodic(&[1, 2, 1, 2, 1, 3], 2));
        assert!(periodic(&[1, 2], 2));
        assert!(!periodic(&[1], 2));
    }

    #[test]
    fn fill_repeating_fills_everything() {
        let mut out = [0u8; 21];
        fill_repeating(&mut out, &[1, 2, 3]);
        assert_eq!(
            out,
            [
                1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3
            ]
        );
        let mut empty: [u8; 0] = [];
        fill_repeating(&mut empty, &[1, 2]);
    }
}
