//! Blosc's bit shuffle (filter id [`BITSHUFFLE`](super::BITSHUFFLE)).
//!
//! C-Blosc2 (chunk format 3 and later) calls `bitshuffle(typesize, bsize, ..)`
//! once per block with the block's own size and transposes only the first
//! `n8 = (bsize / typesize) & !7` items, the largest multiple of 8 items; the
//! bytes after them (the last `n % 8` items and any stray bytes of a
//! partial item) are copied unchanged.
//!
//! For those `n8` items the output is `typesize * 8` bit rows of `n8 / 8`
//! bytes, ordered by byte of the item, then by bit within that byte (least
//! significant first): bit `r` (LSB first) of byte `q` of row `8 * b + k` is
//! bit `k` of byte `b` of item `8 * q + r`. This is the layout of the
//! bitshuffle library's `bshuf_trans_bit_elem` (byte transpose, then an 8x8
//! bit transpose of every 8 bytes read as a little-endian `u64`), which every
//! C-Blosc2 kernel (scalar, SSE2, AVX2) produces.

use super::bitshuffle_simd as simd;
use super::shuffle::{load, shuffle_items, store, transpose_bytes_8x8, unshuffle_items};
use super::shuffle_simd::{self, Isa};

/// Bit-shuffles one block as C-Blosc2's `bitshuffle()` does (format ≥ 3).
///
/// See the module documentation for the layout. Blocks of fewer than 8 items
/// are copied unchanged.
///
/// # Panics
///
/// If `typesize` is 0 or `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::bitshuffle;
///
/// // Eight 1-byte items: row k collects bit k of every item.
/// let src = [0xFF, 0, 0, 0, 0, 0, 0, 0x80];
/// let mut dst = [0u8; 8];
/// bitshuffle(1, &src, &mut dst);
/// assert_eq!(dst, [0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x81]);
/// ```
pub fn bitshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let main = transposed_len(typesize, src, dst);
    let (src_items, src_tail) = src.split_at(main);
    let (dst_rows, dst_tail) = dst.split_at_mut(main);
    transpose_bits(typesize, src_items, dst_rows);
    dst_tail.copy_from_slice(src_tail);
}

/// Undoes [`bitshuffle`] for blocks of chunk format 3 and later (every
/// Blosc2 chunk), as C-Blosc2's `bitunshuffle()` does.
///
/// # Panics
///
/// If `typesize` is 0 or `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::{bitshuffle, bitunshuffle};
///
/// let src: Vec<u8> = (0..=100).collect(); // 25 items of 4 bytes and one stray byte
/// let mut shuffled = vec![0; src.len()];
/// bitshuffle(4, &src, &mut shuffled);
/// let mut back = vec![0; src.len()];
/// bitunshuffle(4, &shuffled, &mut back);
/// assert_eq!(back, src);
/// ```
pub fn bitunshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let main = transposed_len(typesize, src, dst);
    let (src_rows, src_tail) = src.split_at(main);
    let (dst_items, dst_tail) = dst.split_at_mut(main);
    untranspose_bits(typesize, src_rows, dst_items);
    dst_tail.copy_from_slice(src_tail);
}

/// Undoes the bit shuffle of a Blosc1 chunk (chunk format version 2).
///
/// Blosc1 bit-shuffled a block only when its item count was a multiple of 8
/// and stored it unchanged otherwise, so C-Blosc2's `bitunshuffle()` copies
/// such blocks whole when the chunk's version byte is 2. Blocks whose item
/// count is a multiple of 8 decode exactly as with [`bitunshuffle`].
///
/// # Panics
///
/// If `typesize` is 0 or `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::bitunshuffle_format2;
///
/// // 9 items: Blosc1 stored this block as is.
/// let src: Vec<u8> = (0..9).collect();
/// let mut dst = vec![0; 9];
/// bitunshuffle_format2(1, &src, &mut dst);
/// assert_eq!(dst, src);
/// ```
pub fn bitunshuffle_format2(typesize: usize, src: &[u8], dst: &mut [u8]) {
    transposed_len(typesize, src, dst);
    if (src.len() / typesize).is_multiple_of(8) {
        bitunshuffle(typesize, src, dst);
    } else {
        dst.copy_from_slice(src);
    }
}

/// Checks the arguments and returns how many leading bytes are transposed.
fn transposed_len(typesize: usize, src: &[u8], dst: &[u8]) -> usize {
    assert!(typesize > 0, "bitshuffle: typesize must be at least 1");
    assert_eq!(
        dst.len(),
        src.len(),
        "bitshuffle: destination length must equal source length"
    );
    let items = src.len() / typesize;
    (items - items % 8) * typesize
}

/// Transposes the 8x8 bit matrix held in `x`, rows being bytes (byte 0 the
/// least significant) and columns bits: afterwards bit `j` of byte `k` is
/// what bit `k` of byte `j` was.
#[inline(always)]
fn transpose_bits_8x8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// Items are transposed a tile at a time: the tile is byte-shuffled into a
/// scratch buffer of about this size, then each of its byte planes is
/// bit-transposed into the rows, so every row receives a contiguous run.
const TILE_BYTES: usize = 8192;

/// Items per tile: a multiple of 256, so that each row gets whole words
/// and each plane's groups of 8 bytes, scattered to the rows, are whole
/// groups of 32 for the vector kernels (none left to the byte loop).
fn tile_items(typesize: usize) -> usize {
    (TILE_BYTES / typesize / 256 * 256).max(256)
}

/// Bit-transposes `items` (a multiple of 8 items) into `rows`.
fn transpose_bits(typesize: usize, items: &[u8], rows: &mut [u8]) {
    transpose_bits_with(super::shuffle_simd::best(), typesize, items, rows);
}

/// [`transpose_bits`] with the vector instructions of `isa`, or none.
fn transpose_bits_with(isa: Option<Isa>, typesize: usize, items: &[u8], rows: &mut [u8]) {
    let n = items.len() / typesize;
    let row_len = n / 8;
    let tile = tile_items(typesize).min(n);
    let mut planes = vec![0u8; tile * typesize];
    for start in (0..n).step_by(tile.max(1)) {
        let m = tile.min(n - start);
        let planes = &mut planes[..m * typesize];
        shuffle_items(
            typesize,
            &items[start * typesize..(start + m) * typesize],
            planes,
        );
        for (b, plane) in planes.chunks_exact_mut(m).enumerate() {
            let rows_at = |k: usize| (8 * b + k) * row_len + start / 8;
            if let Some(isa) = isa {
                vector_plane_to_rows(isa, plane, &mut rows[rows_at(0)..], row_len);
                continue;
            }
            let words = m / 64;
            for c in 0..words {
                // Eight groups of 8 items: transpose the bits of each group,
                // then the bytes across groups, giving 8 bytes of each row.
                let mut x = [0u64; 8];
                for (j, word) in x.iter_mut().enumerate() {
                    *word = transpose_bits_8x8(load(plane, 64 * c + 8 * j));
                }
                transpose_bytes_8x8(&mut x);
                for (k, &word) in x.iter().enumerate() {
                    store(rows, rows_at(k) + 8 * c, word);
                }
            }
            for g in 8 * words..m / 8 {
                let bits = transpose_bits_8x8(load(plane, 8 * g)).to_le_bytes();
                for (k, &byte) in bits.iter().enumerate() {
                    rows[rows_at(k) + g] = byte;
                }
            }
        }
    }
}

/// One plane into its bit rows (row `k` at `rows[k * row_len..]`), with
/// vector instructions: the bits of every 8 bytes are transposed in place
/// (byte `k` of a group then holds its row `k` bits), then the bytes are
/// scattered to the rows (a shuffle of typesize 8 into planes `row_len`
/// apart).
fn vector_plane_to_rows(isa: Isa, plane: &mut [u8], rows: &mut [u8], row_len: usize) {
    let done = simd::transpose_bits_8x8(isa, plane);
    for at in (done..plane.len()).step_by(8) {
        store(plane, at, transpose_bits_8x8(load(plane, at)));
    }
    let groups = plane.len() / 8;
    let scattered = shuffle_simd::shuffle_strided(isa, 8, plane, rows, row_len);
    for j in scattered..groups {
        for k in 0..8 {
            rows[k * row_len + j] = plane[8 * j + k];
        }
    }
}

/// The bit rows of one plane (row `k` at `rows[k * row_len..]`) back into
/// the plane, with vector instructions: the rows' bytes are gathered 8 at a
/// time (byte `j` of every row: an unshuffle of typesize 8 from planes
/// `row_len` apart), then each 8 bytes' bits are transposed.
fn vector_rows_to_plane(isa: Isa, rows: &[u8], row_len: usize, plane: &mut [u8]) {
    let groups = plane.len() / 8;
    let gathered = shuffle_simd::unshuffle_strided(isa, 8, rows, row_len, plane);
    for j in gathered..groups {
        for k in 0..8 {
            plane[8 * j + k] = rows[k * row_len + j];
        }
    }
    let done = simd::transpose_bits_8x8(isa, plane);
    for at in (done..plane.len()).step_by(8) {
        store(plane, at, transpose_bits_8x8(load(plane, at)));
    }
}

/// Inverse of [`transpose_bits`].
fn untranspose_bits(typesize: usize, rows: &[u8], items: &mut [u8]) {
    untranspose_bits_with(super::shuffle_simd::best(), typesize, rows, items);
}

/// [`untranspose_bits`] with the vector instructions of `isa`, or none.
fn untranspose_bits_with(isa: Option<Isa>, typesize: usize, rows: &[u8], items: &mut [u8]) {
    let n = items.len() / typesize;
    let row_len = n / 8;
    let tile = tile_items(typesize).min(n);
    let mut planes = vec![0u8; tile * typesize];
    for start in (0..n).step_by(tile.max(1)) {
        let m = tile.min(n - start);
        let planes = &mut planes[..m * typesize];
        for (b, plane) in planes.chunks_exact_mut(m).enumerate() {
            let rows_at = |k: usize| (8 * b + k) * row_len + start / 8;
            if let Some(isa) = isa {
                vector_rows_to_plane(isa, &rows[rows_at(0)..], row_len, plane);
                continue;
            }
            let words = m / 64;
            for c in 0..words {
                let mut x = [0u64; 8];
                for (k, word) in x.iter_mut().enumerate() {
                    *word = load(rows, rows_at(k) + 8 * c);
                }
                transpose_bytes_8x8(&mut x);
                for (j, &word) in x.iter().enumerate() {
                    store(plane, 64 * c + 8 * j, transpose_bits_8x8(word));
                }
            }
            for g in 8 * words..m / 8 {
                let mut gathered = [0u8; 8];
                for (k, byte) in gathered.iter_mut().enumerate() {
                    *byte = rows[rows_at(k) + g];
                }
                store(
                    plane,
                    8 * g,
                    transpose_bits_8x8(u64::from_le_bytes(gathered)),
                );
            }
        }
        unshuffle_items(
            typesize,
            planes,
            &mut items[start * typesize..(start + m) * typesize],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The layout, one bit at a time.
    fn reference(typesize: usize, src: &[u8]) -> Vec<u8> {
        let n = src.len() / typesize;
        let n8 = n - n % 8;
        let mut out = src.to_vec();
        out[..n8 * typesize].fill(0);
        for item in 0..n8 {
            for b in 0..typesize {
                for k in 0..8 {
                    let bit = (src[item * typesize + b] >> k) & 1;
                    let pos = (8 * b + k) * n8 + item;
                    out[pos / 8] |= bit << (pos % 8);
                }
            }
        }
        out
    }

    fn bitshuffled(typesize: usize, src: &[u8]) -> Vec<u8> {
        let mut dst = vec![0xAA; src.len()];
        bitshuffle(typesize, src, &mut dst);
        dst
    }

    #[test]
    fn transpose_bits_8x8_moves_bits_across_the_diagonal() {
        for k in 0..8 {
            for j in 0..8 {
                let x = 1u64 << (8 * k + j);
                assert_eq!(
                    transpose_bits_8x8(x),
                    1u64 << (8 * j + k),
                    "byte {k} bit {j}"
                );
            }
        }
    }

    #[test]
    fn known_answer_typesize_1() {
        assert_eq!(
            bitshuffled(1, &[0xFF, 0, 0, 0, 0, 0, 0, 0x80]),
            [0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x81]
        );
    }

    #[test]
    fn known_answer_typesize_2() {
        // Items (little-endian u16): 0x0001, 0x0100, six zeros, 0xFFFF.
        let src = [
            0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF,
        ];
        let mut expected = [0x80u8; 16];
        expected[0] = 0x81; // bit 0 of byte 0: item 0 (and item 7)
        expected[8] = 0x82; // bit 0 of byte 1: item 1 (and item 7)
        assert_eq!(bitshuffled(2, &src), expected);
    }

    #[test]
    fn known_answer_rows_span_several_bytes() {
        // 16 one-byte items: rows are 2 bytes long.
        let mut src = [0u8; 16];
        src[0] = 0x01;
        src[8] = 0x01;
        src[9] = 0x02;
        let mut expected = [0u8; 16];
        expected[0] = 0x01; // row 0, items 0..8
        expected[1] = 0x01; // row 0, items 8..16: item 8
        expected[3] = 0x02; // row 1, items 8..16: item 9
        assert_eq!(bitshuffled(1, &src), expected);
    }

    #[test]
    fn known_answer_leftover_items_and_bytes_are_copied() {
        // 9 items of 2 bytes plus one stray byte: 8 items transposed.
        let mut src = [0u8; 19];
        src[..16].copy_from_slice(&[
            0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF,
        ]);
        src[16..].copy_from_slice(&[0xAB, 0xCD, 0xEF]);
        let out = bitshuffled(2, &src);
        assert_eq!(out[0], 0x81);
        assert_eq!(out[8], 0x82);
        assert_eq!(out[16..], [0xAB, 0xCD, 0xEF]);
        // Fewer than 8 items: copied whole.
        assert_eq!(
            bitshuffled(4, &[1, 2, 3, 4, 5, 6, 7]),
            [1, 2, 3, 4, 5, 6, 7]
        );
    }

    #[test]
    fn format2_copies_blocks_that_blosc1_did_not_shuffle() {
        let src: Vec<u8> = (0..40).collect(); // 10 items of 4 bytes
        let mut dst = vec![0; 40];
        bitunshuffle_format2(4, &src, &mut dst);
        assert_eq!(dst, src);
        let mut format3 = vec![0; 40];
        bitunshuffle(4, &src, &mut format3);
        assert_ne!(format3, src);
    }

    #[test]
    fn format2_unshuffles_multiples_of_8_items() {
        let src: Vec<u8> = (0..48).collect(); // 16 items of 3 bytes
        let shuffled = bitshuffled(3, &src);
        let mut back = vec![0; 48];
        bitunshuffle_format2(3, &shuffled, &mut back);
        assert_eq!(back, src);
    }

    #[test]
    fn blocks_of_several_tiles() {
        for typesize in [1, 2, 3, 4, 7, 8, 16, 33] {
            // Three tiles, a partial tile with a group short of a word, then
            // 5 items that are not transposed and 1 stray byte.
            let items = 3 * tile_items(typesize) + 64 + 8 + 5;
            let src: Vec<u8> = (0..items * typesize + 1)
                .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
                .collect();
            let dst = bitshuffled(typesize, &src);
            assert_eq!(dst, reference(typesize, &src), "typesize {typesize}");
            let mut back = vec![0; src.len()];
            bitunshuffle(typesize, &dst, &mut back);
            assert_eq!(back, src, "typesize {typesize}");
        }
    }

    fn sizes() -> impl Strategy<Value = (usize, Vec<u8>)> {
        (1usize..=16).prop_flat_map(|typesize| {
            let len = prop_oneof![
                Just(0usize),
                Just(1),
                (0usize..600).prop_map(|k| 2 * k + 1),
                (0usize..40).prop_map(move |k| k * typesize),
                (0usize..8).prop_map(move |k| k * 8 * typesize),
                0usize..2000,
            ];
            (
                Just(typesize),
                len.prop_flat_map(|len| proptest::collection::vec(any::<u8>(), len)),
            )
        })
    }

    proptest! {
        #[test]
        fn vector_kernels_match_the_scalar_ones(
            typesize in 1usize..=16,
            items in 0usize..9000,
            seed in any::<u64>(),
        ) {
            let n8 = items - items % 8;
            let src: Vec<u8> = (0..n8 * typesize)
                .map(|i| ((i as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
                .collect();
            let mut fast = vec![0; src.len()];
            let mut plain = vec![0; src.len()];
            transpose_bits_with(crate::filters::shuffle_simd::best(), typesize, &src, &mut fast);
            transpose_bits_with(None, typesize, &src, &mut plain);
            prop_assert_eq!(&fast, &plain);
            let mut back = vec![0; src.len()];
            untranspose_bits_with(crate::filters::shuffle_simd::best(), typesize, &fast, &mut back);
            untranspose_bits_with(None, typesize, &fast, &mut plain);
            prop_assert_eq!(&back, &plain);
            prop_assert_eq!(&back, &src);
        }

        #[test]
        fn matches_definition_and_round_trips((typesize, src) in sizes()) {
            let dst = bitshuffled(typesize, &src);
            prop_assert_eq!(&dst, &reference(typesize, &src));
            let mut back = vec![0x55; src.len()];
            bitunshuffle(typesize, &dst, &mut back);
            prop_assert_eq!(back, src);
        }
    }
}
