//! Blosc's DELTA filter (filter id [`DELTA`](super::DELTA)): every block is
//! XORed with the chunk's first block.
//!
//! C-Blosc2 works on items of an *effective* size: the typesize when it is 1,
//! 2, 4 or 8, otherwise 8 when the typesize is a multiple of 8 and 1 when it is
//! not. Since XOR works byte by byte, that size matters only for block 0,
//! whose item `i` is XORed with item `i - 1` of the reference (its first item
//! is stored as is), and for how many bytes are filtered: the whole items of a
//! block. C leaves the bytes after the last whole item unwritten (stale
//! scratch memory) and never touches them on decode; here they are copied
//! from the source, which C decodes to the same bytes.
//!
//! # What the reference (`dref`) is
//!
//! In C-Blosc2 (`pipeline_forward` / `pipeline_backward` in `blosc2.c`) the
//! reference is the start of the whole chunk, and a block only ever reads the
//! first `block length` bytes of it, i.e. block 0:
//!
//! * on encode, `dref` is the chunk's **unfiltered** input (C passes the
//!   chunk source `src`, not the output of the filters before DELTA);
//! * on decode, `dref` is the chunk's **fully decoded** output, in which block
//!   0 must already be final (C decodes block 0 first: serially by order, in
//!   parallel through `delta_mutex` / `dref_not_init`). Block 0 itself decodes
//!   in place against its own already-decoded items.
//!
//! Both sides see the same reference only when DELTA is the first filter that
//! changes the data on encode (so the last one undone on decode), which is
//! where C-Blosc2 puts it (`filters[4]`, before `SHUFFLE` in `filters[5]`).
//! C-Blosc2 gives wrong data for other orders; so does this code, identically.

/// The item size C-Blosc2's delta coder works with for a typesize.
fn effective_typesize(typesize: usize) -> usize {
    match typesize {
        1 | 2 | 4 | 8 => typesize,
        t if t.is_multiple_of(8) => 8,
        _ => 1,
    }
}

/// Delta-encodes one block as C-Blosc2's `delta_encoder()` does.
///
/// * `dref`: the chunk's unfiltered input from its first byte (at least
///   `src.len()` bytes of it are read; see the module documentation).
/// * `offset`: the block's offset in the chunk; 0 marks the reference block.
/// * `src`: the block as it comes out of the filters before DELTA; `dst`
///   receives the encoded block.
///
/// Block 0 (`offset == 0`) becomes its first item copied from `dref`, then
/// `src[i] ^ dref[i - 1]` item by item; any other block becomes
/// `src[i] ^ dref[i]`.
///
/// # Panics
///
/// If `typesize` is 0, `dst.len() != src.len()` or `dref` is shorter than
/// `src`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::delta_encode;
///
/// let chunk = [1u8, 2, 3, 4, 5, 6, 7, 8];
/// let (block0, block1) = chunk.split_at(4);
/// let mut out = [0u8; 4];
/// delta_encode(&chunk, 0, 1, block0, &mut out);
/// assert_eq!(out, [1, 2 ^ 1, 3 ^ 2, 4 ^ 3]);
/// delta_encode(&chunk, 4, 1, block1, &mut out);
/// assert_eq!(out, [5 ^ 1, 6 ^ 2, 7 ^ 3, 8 ^ 4]);
/// ```
pub fn delta_encode(dref: &[u8], offset: usize, typesize: usize, src: &[u8], dst: &mut [u8]) {
    assert!(typesize > 0, "delta: typesize must be at least 1");
    assert_eq!(
        dst.len(),
        src.len(),
        "delta: destination length must equal source length"
    );
    assert!(
        dref.len() >= src.len(),
        "delta: reference shorter than the block"
    );
    let step = effective_typesize(typesize);
    let whole = src.len() - src.len() % step;
    dst[whole..].copy_from_slice(&src[whole..]);
    if offset == 0 {
        let first = step.min(src.len());
        dst[..first].copy_from_slice(&dref[..first]);
        if whole > step {
            xor_into(
                &mut dst[step..whole],
                &src[step..whole],
                &dref[..whole - step],
            );
        }
    } else {
        xor_into(&mut dst[..whole], &src[..whole], &dref[..whole]);
    }
}

/// Delta-decodes one block in place as C-Blosc2's `delta_decoder()` does.
///
/// * `dref`: the chunk's decoded output from its first byte, with block 0
///   final (at least `buf.len()` bytes are read). Not read when
///   `offset == 0`: block 0 is its own reference and decodes item by item
///   against the items before it (in C, `dref` and the block are then the
///   same memory).
/// * `offset`: the block's offset in the chunk; 0 marks the reference block.
/// * `buf`: the encoded block, decoded in place.
///
/// # Panics
///
/// If `typesize` is 0, or `offset != 0` and `dref` is shorter than `buf`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::{delta_decode, delta_encode};
///
/// let chunk = [1u8, 2, 3, 4, 5, 6, 7, 8];
/// let mut encoded = [0u8; 8];
/// delta_encode(&chunk, 0, 2, &chunk[..4], &mut encoded[..4]);
/// delta_encode(&chunk, 4, 2, &chunk[4..], &mut encoded[4..]);
///
/// let (block0, block1) = encoded.split_at_mut(4);
/// delta_decode(&[], 0, 2, block0); // block 0 first
/// delta_decode(block0, 4, 2, block1);
/// assert_eq!(encoded, chunk);
/// ```
pub fn delta_decode(dref: &[u8], offset: usize, typesize: usize, buf: &mut [u8]) {
    assert!(typesize > 0, "delta: typesize must be at least 1");
    let step = effective_typesize(typesize);
    let whole = buf.len() - buf.len() % step;
    if offset == 0 {
        undo_running_xor(step, &mut buf[..whole]);
    } else {
        assert!(
            dref.len() >= buf.len(),
            "delta: reference shorter than the block"
        );
        for (byte, &r) in buf[..whole].iter_mut().zip(&dref[..whole]) {
            *byte ^= r;
        }
    }
}

/// Decodes block 0: item `i` becomes the XOR of items `0..=i`, for items
/// of `step` bytes (1, 2, 4 or 8; `buf.len()` is a multiple of `step`).
///
/// Eight bytes at a time: a running XOR inside the word, then the XOR with
/// the last decoded item of the previous word, repeated in every item slot.
fn undo_running_xor(step: usize, buf: &mut [u8]) {
    let item_bits = 8 * step as u32;
    // Repeats an item value in every item slot of a word.
    let repeat = match step {
        1 => 0x0101_0101_0101_0101,
        2 => 0x0001_0001_0001_0001,
        4 => 0x0000_0001_0000_0001,
        _ => 1,
    };
    let mut carry = 0u64;
    let done = buf.len() - buf.len() % 8;
    for chunk in buf[..done].chunks_exact_mut(8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let mut x = u64::from_le_bytes(bytes);
        let mut shift = item_bits;
        while shift < 64 {
            x ^= x << shift;
            shift *= 2;
        }
        x ^= carry;
        chunk.copy_from_slice(&x.to_le_bytes());
        carry = (x >> (64 - item_bits)).wrapping_mul(repeat);
    }
    // Fewer than 8 bytes left: finish item by item.
    for i in done.max(step)..buf.len() {
        buf[i] ^= buf[i - step];
    }
}

fn xor_into(dst: &mut [u8], a: &[u8], b: &[u8]) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        *d = x ^ y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn effective_typesizes() {
        let got: Vec<usize> = (1..=17).map(effective_typesize).collect();
        assert_eq!(got, [1, 2, 1, 4, 1, 1, 1, 8, 1, 1, 1, 1, 1, 1, 1, 8, 1]);
        assert_eq!(effective_typesize(24), 8);
    }

    #[test]
    fn known_answer_block0_typesize_4() {
        // Items 0x01020304, 0x01020305, 0xFFFFFFFF as little-endian bytes.
        let chunk = [4u8, 3, 2, 1, 5, 3, 2, 1, 0xFF, 0xFF, 0xFF, 0xFF];
        let mut out = [0u8; 12];
        delta_encode(&chunk, 0, 4, &chunk, &mut out);
        assert_eq!(out, [4, 3, 2, 1, 1, 0, 0, 0, 0xFA, 0xFC, 0xFD, 0xFE]);
    }

    #[test]
    fn known_answer_other_block_uses_dref_at_same_position() {
        let dref = [0x0Fu8, 0xF0, 0xAA, 0x55, 0x11];
        let block = [0xFFu8, 0xFF, 0xFF, 0xFF, 0x77];
        let mut out = [0u8; 5];
        // typesize 2: two whole items, the fifth byte is a stray byte.
        delta_encode(&dref, 10, 2, &block, &mut out);
        assert_eq!(out, [0xF0, 0x0F, 0x55, 0xAA, 0x77]);
    }

    #[test]
    fn known_answer_block0_uses_dref_not_src() {
        // DELTA after another filter: the reference is the unfiltered chunk.
        let dref = [1u8, 2, 3];
        let src = [9u8, 9, 9];
        let mut out = [0u8; 3];
        delta_encode(&dref, 0, 1, &src, &mut out);
        assert_eq!(out, [1, 9 ^ 1, 9 ^ 2]);
    }

    #[test]
    fn typesize_3_works_on_bytes_and_16_on_u64() {
        let chunk: Vec<u8> = (10..26).collect();
        let mut out = vec![0u8; 16];
        delta_encode(&chunk, 0, 3, &chunk, &mut out);
        assert_eq!(out[..2], [10, 11 ^ 10]);
        delta_encode(&chunk, 0, 16, &chunk, &mut out);
        assert_eq!(out[..8], chunk[..8]);
        assert_eq!(out[8], 18 ^ 10);
    }

    #[test]
    fn block_shorter_than_one_item() {
        let chunk = [7u8, 8, 9];
        let mut out = [0u8; 3];
        delta_encode(&chunk, 0, 8, &chunk, &mut out);
        assert_eq!(out, chunk);
        delta_decode(&[], 0, 8, &mut out);
        assert_eq!(out, chunk);
    }

    /// Encodes a chunk block by block, then decodes block 0 first and the
    /// others against it.
    fn round_trip(typesize: usize, blocksize: usize, chunk: &[u8]) -> Vec<u8> {
        let mut encoded = vec![0u8; chunk.len()];
        for (i, (block, out)) in chunk
            .chunks(blocksize)
            .zip(encoded.chunks_mut(blocksize))
            .enumerate()
        {
            delta_encode(chunk, i * blocksize, typesize, block, out);
        }
        let split = blocksize.min(encoded.len());
        let (block0, rest) = encoded.split_at_mut(split);
        delta_decode(&[], 0, typesize, block0);
        for (i, block) in rest.chunks_mut(blocksize).enumerate() {
            delta_decode(block0, (i + 1) * blocksize, typesize, block);
        }
        encoded
    }

    proptest! {
        #[test]
        fn round_trips(
            typesize in 1usize..=16,
            items_per_block in 1usize..64,
            len in prop_oneof![Just(0usize), Just(1), 0usize..3000],
            seed in any::<u64>(),
        ) {
            let chunk: Vec<u8> = (0..len)
                .map(|i| (seed.rotate_left(i as u32 % 64) as u8).wrapping_add(i as u8))
                .collect();
            let blocksize = items_per_block * typesize;
            prop_assert_eq!(round_trip(typesize, blocksize, &chunk), chunk);
        }

        #[test]
        fn odd_blocks_round_trip(
            typesize in 1usize..=16,
            blocksize in 1usize..100,
            chunk in proptest::collection::vec(any::<u8>(), 0..700),
        ) {
            prop_assert_eq!(round_trip(typesize, blocksize, &chunk), chunk);
        }
    }
}
