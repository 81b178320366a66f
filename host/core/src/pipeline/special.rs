//! Chunks described by their header alone: zeros, NaNs, a repeated value,
//! uninitialized.

use sandpress_format::{ChunkHeader, HEADER_LEN, MAX_BLOCKSIZE, Special, ids};

use crate::error::{Error, Result};

/// A special chunk of `nbytes` (a multiple of `typesize`).
///
/// `value` is the repeated item for [`Special::Value`] (exactly `typesize`
/// bytes) and ignored otherwise.
///
/// ```
/// use sandpress_core::pipeline::{decompress_chunk, special_chunk};
/// use sandpress_format::Special;
/// let chunk = special_chunk(Special::Value, 4, 40, &7u32.to_le_bytes()).unwrap();
/// assert_eq!(chunk.len(), 36);
/// let mut out = vec![0; 40];
/// decompress_chunk(&chunk, &Default::default(), &Default::default(), 0, &mut out).unwrap();
/// assert_eq!(&out[36..], &7u32.to_le_bytes());
/// ```
pub fn special_chunk(
    special: Special,
    typesize: u8,
    nbytes: usize,
    value: &[u8],
) -> Result<Vec<u8>> {
    let invalid = |name, reason: String| Err(Error::InvalidParam { name, reason });
    if typesize == 0 {
        return invalid("typesize", "must be 1-255".into());
    }
    if !nbytes.is_multiple_of(usize::from(typesize))
        || nbytes > sandpress_format::MAX_BUFFERSIZE as usize
    {
        return invalid(
            "nbytes",
            format!("{nbytes} is not a multiple of typesize {typesize} under 2 GB"),
        );
    }
    if special == Special::None {
        return invalid("special", "a special chunk needs a special kind".into());
    }
    if special == Special::Value && value.len() != usize::from(typesize) {
        return invalid(
            "value",
            format!("{} bytes where typesize is {typesize}", value.len()),
        );
    }
    let blocksize = nbytes.clamp(1, MAX_BLOCKSIZE as usize);
    let mut h = ChunkHeader::new(ids::BLOSCLZ, typesize, nbytes as u32, blocksize as u32);
    h.set_special(special);
    let mut out = Vec::with_capacity(HEADER_LEN + value.len());
    if special == Special::Value {
        h.cbytes = (HEADER_LEN + value.len()) as u32;
        out.extend_from_slice(&h.to_bytes());
        out.extend_from_slice(value);
    } else {
        h.cbytes = HEADER_LEN as u32;
        out.extend_from_slice(&h.to_bytes());
    }
    Ok(out)
}

/// Bytes of the pattern a repeated item is compared with and written
/// from: whole items, small enough to stay in the L1 cache.
const PATTERN_BYTES: usize = 4096;

/// `item` repeated into a buffer of whole items, about [`PATTERN_BYTES`].
/// On the heap: filling from a pattern on the stack ran at half the speed,
/// the stack's place in its page meeting the output's.
fn pattern(item: &[u8]) -> Vec<u8> {
    item.repeat((PATTERN_BYTES / item.len().max(1)).max(1))
}

/// The item `data` repeats, when it is one item (of `typesize` bytes)
/// over and over. Data that is not stops the scan at its first difference,
/// almost always within the first few items.
pub(crate) fn repeated_item(data: &[u8], typesize: usize) -> Option<&[u8]> {
    if typesize == 0 || data.len() < 2 * typesize || !data.len().is_multiple_of(typesize) {
        return None;
    }
    let item = &data[..typesize];
    if data[typesize..2 * typesize] != *item {
        return None;
    }
    let pat = pattern(item);
    data.chunks(pat.len())
        .all(|piece| *piece == pat[..piece.len()])
        .then_some(item)
}

/// Fills `dst` (a whole number of items from an item's start) with
/// `item` over and over: stores only, from a pattern in cache.
pub(crate) fn fill_repeated(dst: &mut [u8], item: &[u8]) {
    match item.first() {
        None => return dst.fill(0),
        Some(&b) if item.iter().all(|&x| x == b) => return dst.fill(b),
        Some(_) => {}
    }
    let pat = pattern(item);
    for piece in dst.chunks_mut(pat.len()) {
        piece.copy_from_slice(&pat[..piece.len()]);
    }
}
