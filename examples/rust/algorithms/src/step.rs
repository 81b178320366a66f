//! The start/step codec of python-blosc2's tutorial (codec id 184 there).
//!
//! Meant to run after the [delta filter](crate::delta): an arithmetic
//! sequence `start, start + step, start + 2 step, ...` becomes
//! `start, step, step, ...`, and a block whose items after the first are all
//! equal is stored as its first two items:
//!
//! ```text
//! [ start: typesize bytes ][ step: typesize bytes ]
//! ```
//!
//! For int32 items that is the tutorial's 8 bytes, `start` then `step`, each
//! in the data's own byte order (little-endian on every host sandpress
//! supports, which is also what the tutorial's "native" order means there).
//! The bytes are copied, never reinterpreted, so `meta` is ignored and any
//! item size works.
//!
//! Any other block is declined, as are blocks the encoding would not make
//! smaller (fewer than three items) and blocks that are not a whole number
//! of items.
//!
//! ```
//! use sandpress_algorithms::step;
//!
//! let block: Vec<u8> = [7i32, 3, 3, 3, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let mut encoded = Vec::new();
//! assert!(step::encode(&block, 4, &mut encoded));
//! assert_eq!(encoded, [7, 0, 0, 0, 3, 0, 0, 0]);
//!
//! let mut decoded = vec![0; block.len()];
//! step::decode(&encoded, 4, &mut decoded).unwrap();
//! assert_eq!(decoded, block);
//! ```

use alloc::vec::Vec;

use crate::{Error, check_typesize, fill_repeating, periodic};

/// Encodes `input`, made of `typesize`-byte items, into `out`.
///
/// Returns `true` when `input` holds at least three items and the items
/// after the first are all equal: `out` is then cleared and holds exactly
/// the first two items (its capacity is exactly `2 * typesize` if it was
/// empty). Returns `false` otherwise, leaving `out` untouched.
pub fn encode(input: &[u8], typesize: usize, out: &mut Vec<u8>) -> bool {
    if typesize == 0 || !input.len().is_multiple_of(typesize) {
        return false;
    }
    let Some(encoded_len) = typesize.checked_mul(2) else {
        return false;
    };
    // At least three items: two would not shrink, and `periodic` needs the
    // items after the first.
    if encoded_len >= input.len() || !periodic(&input[typesize..], typesize) {
        return false;
    }
    out.clear();
    out.reserve_exact(encoded_len);
    out.extend_from_slice(&input[..encoded_len]);
    true
}

/// Decodes what [`encode`] wrote (with the same `typesize`) into `out`: the
/// first item is `start`, every other item is `step`.
///
/// # Errors
///
/// [`Error::ZeroTypesize`]; [`Error::EncodedLength`] when `input` is not
/// `2 * typesize` bytes; [`Error::NotWholeItems`] when `out` is empty or not
/// a whole number of items.
pub fn decode(input: &[u8], typesize: usize, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    let expected = typesize.saturating_mul(2);
    let (Some((start, step)), true) = (input.split_at_checked(typesize), input.len() == expected)
    else {
        return Err(Error::EncodedLength {
            expected,
            found: input.len(),
        });
    };
    let (true, Some((first, rest))) = (
        out.len().is_multiple_of(typesize),
        out.split_at_mut_checked(typesize),
    ) else {
        return Err(Error::NotWholeItems {
            len: out.len(),
            typesize,
        });
    };
    first.copy_from_slice(start);
    fill_repeating(rest, step);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn layout_is_start_then_step() {
        let block: Vec<u8> = [10i32, -2, -2, -2]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut out = Vec::new();
        assert!(encode(&block, 4, &mut out));
        assert_eq!(out, [10, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
        assert_eq!(out.capacity(), 8);
        let mut back = vec![0; 16];
        decode(&out, 4, &mut back).unwrap();
        assert_eq!(back, block);
    }

    #[test]
    fn declines_short_ragged_and_irregular_blocks() {
        let mut out = vec![9];
        assert!(!encode(&[], 4, &mut out));
        assert!(!encode(&[1, 2, 3, 4], 4, &mut out));
        assert!(!encode(&[1, 2, 3, 4, 5, 6, 7, 8], 4, &mut out));
        assert!(!encode(&[1, 2, 2, 2, 2], 4, &mut out));
        assert!(!encode(&[1, 2, 2, 3], 1, &mut out));
        assert!(!encode(&[1, 2, 2], 0, &mut out));
        assert_eq!(out, [9]);
        assert!(encode(&[1, 2, 2], 1, &mut out));
        assert_eq!(out, [1, 2]);
    }

    #[test]
    fn decode_checks_lengths() {
        let mut out = [0u8; 6];
        assert_eq!(
            decode(&[1, 2, 3], 2, &mut out),
            Err(Error::EncodedLength {
                expected: 4,
                found: 3
            })
        );
        assert_eq!(
            decode(&[1, 2, 3, 4], 4, &mut out),
            Err(Error::EncodedLength {
                expected: 8,
                found: 4
            })
        );
        assert_eq!(
            decode(&[1, 2, 3, 4, 5, 6, 7, 8], 4, &mut out),
            Err(Error::NotWholeItems {
                len: 6,
                typesize: 4
            })
        );
        assert_eq!(
            decode(&[1, 2], 1, &mut []),
            Err(Error::NotWholeItems {
                len: 0,
                typesize: 1
            })
        );
        decode(&[1, 2, 3, 4], 2, &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 4, 3, 4]);
    }
}
