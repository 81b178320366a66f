//! The repeated-value codec of python-blosc2's tutorial (codec id 160 there).
//!
//! A block whose items are all the same value is stored as that value
//! followed by the number of items:
//!
//! ```text
//! [ value: typesize bytes ][ count: u32, little-endian if meta == 0, else big-endian ]
//! ```
//!
//! Any other block is declined ("store it raw"), as are blocks the encoding
//! would not make smaller (fewer than two items, or two items of fewer than
//! four bytes), blocks that are not a whole number of items, and blocks of
//! more than `u32::MAX` items.
//!
//! ```
//! use sandpress_algorithms::repeat;
//!
//! let block: Vec<u8> = [1234i32; 10].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let mut encoded = Vec::new();
//! assert!(repeat::encode(&block, 4, 0, &mut encoded));
//! assert_eq!(encoded, [0xd2, 0x04, 0, 0, 10, 0, 0, 0]);
//!
//! let mut decoded = vec![0; block.len()];
//! repeat::decode(&encoded, 4, 0, &mut decoded).unwrap();
//! assert_eq!(decoded, block);
//! ```

use alloc::vec::Vec;

use crate::{Error, check_typesize, fill_repeating, periodic};

/// Size in bytes of the item count that follows the value.
pub const COUNT_BYTES: usize = 4;

/// The count field as `meta` asks: little-endian for `meta == 0`, big-endian
/// for any other value.
fn count_bytes(count: u32, meta: u8) -> [u8; COUNT_BYTES] {
    if meta == 0 {
        count.to_le_bytes()
    } else {
        count.to_be_bytes()
    }
}

/// Reads the count field back.
fn read_count(bytes: [u8; COUNT_BYTES], meta: u8) -> u32 {
    if meta == 0 {
        u32::from_le_bytes(bytes)
    } else {
        u32::from_be_bytes(bytes)
    }
}

/// Encodes `input`, made of `typesize`-byte items, into `out`.
///
/// Returns `true` when every item is equal and the encoding is smaller than
/// `input`: `out` is then cleared and holds exactly the value and the count
/// (its capacity is exactly `typesize + 4` if it was empty). Returns `false`
/// otherwise, leaving `out` untouched.
pub fn encode(input: &[u8], typesize: usize, meta: u8, out: &mut Vec<u8>) -> bool {
    if typesize == 0 || !input.len().is_multiple_of(typesize) {
        return false;
    }
    let Ok(count) = u32::try_from(input.len() / typesize) else {
        return false;
    };
    let Some(encoded_len) = typesize.checked_add(COUNT_BYTES) else {
        return false;
    };
    if encoded_len >= input.len() || !periodic(input, typesize) {
        return false;
    }
    out.clear();
    out.reserve_exact(encoded_len);
    out.extend_from_slice(&input[..typesize]);
    out.extend_from_slice(&count_bytes(count, meta));
    true
}

/// Decodes what [`encode`] wrote (with the same `typesize` and `meta`) into
/// `out`, which must be exactly `count * typesize` bytes long.
///
/// # Errors
///
/// [`Error::ZeroTypesize`]; [`Error::EncodedLength`] when `input` is not
/// `typesize + 4` bytes; [`Error::OutputLength`] when `out` does not have
/// the length the count says.
pub fn decode(input: &[u8], typesize: usize, meta: u8, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    let expected = typesize.saturating_add(COUNT_BYTES);
    let (Some((value, count)), true) = (input.split_at_checked(typesize), input.len() == expected)
    else {
        return Err(Error::EncodedLength {
            expected,
            found: input.len(),
        });
    };
    let count = read_count(count.try_into().unwrap_or_default(), meta);
    let decoded_len = usize::try_from(count)
        .ok()
        .and_then(|c| c.checked_mul(typesize))
        .unwrap_or(usize::MAX);
    if decoded_len != out.len() {
        return Err(Error::OutputLength {
            expected: decoded_len,
            found: out.len(),
        });
    }
    fill_repeating(out, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn int32s(values: &[i32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn layout_is_the_tutorials_for_both_metas() {
        let block = int32s(&[1234; 10_000]);
        let mut out = Vec::new();
        assert!(encode(&block, 4, 0, &mut out));
        assert_eq!(out, [0xd2, 0x04, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00]);
        assert!(encode(&block, 4, 1, &mut out));
        assert_eq!(out, [0xd2, 0x04, 0x00, 0x00, 0x00, 0x00, 0x27, 0x10]);
        let mut back = vec![0; block.len()];
        decode(&out, 4, 1, &mut back).unwrap();
        assert_eq!(back, block);
    }

    #[test]
    fn declines_what_it_cannot_shrink() {
        let mut out = vec![9];
        assert!(!encode(&int32s(&[1, 1, 2]), 4, 0, &mut out));
        assert!(!encode(&[], 4, 0, &mut out));
        assert!(!encode(&int32s(&[5]), 4, 0, &mut out));
        assert!(!encode(&int32s(&[5, 5]), 4, 0, &mut out));
        assert!(!encode(&[1, 1, 1, 1, 1, 1, 1, 1, 1], 4, 0, &mut out));
        assert!(!encode(&[1; 16], 0, 0, &mut out));
        assert_eq!(out, [9]);
        assert!(encode(&int32s(&[5, 5, 5]), 4, 0, &mut out));
    }

    #[test]
    fn decode_checks_lengths() {
        let mut out = [0u8; 12];
        assert_eq!(
            decode(&[1, 0, 0, 0, 3, 0, 0], 4, 0, &mut out),
            Err(Error::EncodedLength {
                expected: 8,
                found: 7
            })
        );
        assert_eq!(
            decode(&[1, 0, 0, 0, 4, 0, 0, 0], 4, 0, &mut out),
            Err(Error::OutputLength {
                expected: 16,
                found: 12
            })
        );
        assert_eq!(
            decode(&[1, 2, 3, 4], 0, 0, &mut out),
            Err(Error::ZeroTypesize)
        );
        assert_eq!(
            decode(&[1; 8], usize::MAX, 0, &mut out),
            Err(Error::EncodedLength {
                expected: usize::MAX,
                found: 8
            })
        );
        decode(&[1, 0, 0, 0, 3, 0, 0, 0], 4, 0, &mut out).unwrap();
        assert_eq!(out, [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    }
}
