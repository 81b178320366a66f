//! Blosc's byte shuffle (filter id [`SHUFFLE`](super::SHUFFLE)).
//!
//! A block of `n = len / typesize` whole items is rewritten as `typesize`
//! byte planes of `n` bytes each: plane `j` holds byte `j` of every item, in
//! item order. The `len % typesize` trailing bytes that do not form a whole
//! item are copied unchanged to the end of the output (C-Blosc2's
//! `shuffle_generic_inline`; the SSE2/AVX2/NEON kernels produce the same
//! bytes).
//!
//! C-Blosc2 calls it once per block with the block's own size (`bsize`, the
//! leftover size for the last block of a chunk), so the planes are per block.
//!
//! On x86-64, typesizes 2, 4, 8 and 16 run on SSE2 or AVX2 and every other
//! typesize on SSE2 (`shuffle_simd`); other CPUs, and the last items of a
//! block, run on the scalar kernels below, which move 8 items at a time
//! with whole-word operations whatever the typesize.

use super::shuffle_simd as simd;

/// Byte-shuffles `src` into `dst` as C-Blosc2's `shuffle()` does for one block.
///
/// `dst[j * n + i] = src[i * typesize + j]` for every item `i < n` and byte
/// `j < typesize`, with `n = src.len() / typesize`; the trailing
/// `src.len() % typesize` bytes are copied as they are. A `typesize` of 1 is a
/// plain copy.
///
/// # Panics
///
/// If `typesize` is 0 or `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::shuffle;
///
/// let src = [0u8, 1, 2, 3, 4, 5, 6, 7, 8];
/// let mut dst = [0u8; 9];
/// shuffle(4, &src, &mut dst);
/// assert_eq!(dst, [0, 4, 1, 5, 2, 6, 3, 7, 8]);
/// ```
pub fn shuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    check_args(typesize, src, dst);
    let main = src.len() - src.len() % typesize;
    let (src_items, src_tail) = src.split_at(main);
    let (dst_planes, dst_tail) = dst.split_at_mut(main);
    shuffle_items(typesize, src_items, dst_planes);
    dst_tail.copy_from_slice(src_tail);
}

/// Undoes [`shuffle`]: `dst[i * typesize + j] = src[j * n + i]`, trailing
/// bytes copied, as C-Blosc2's `unshuffle()` does for one block.
///
/// # Panics
///
/// If `typesize` is 0 or `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::unshuffle;
///
/// let src = [0u8, 4, 1, 5, 2, 6, 3, 7, 8];
/// let mut dst = [0u8; 9];
/// unshuffle(4, &src, &mut dst);
/// assert_eq!(dst, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
/// ```
pub fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    check_args(typesize, src, dst);
    let main = src.len() - src.len() % typesize;
    let (src_planes, src_tail) = src.split_at(main);
    let (dst_items, dst_tail) = dst.split_at_mut(main);
    unshuffle_items(typesize, src_planes, dst_items);
    dst_tail.copy_from_slice(src_tail);
}

fn check_args(typesize: usize, src: &[u8], dst: &[u8]) {
    assert!(typesize > 0, "shuffle: typesize must be at least 1");
    assert_eq!(
        dst.len(),
        src.len(),
        "shuffle: destination length must equal source length"
    );
}

/// Shuffles whole items: `items.len()` is a multiple of `typesize` and
/// `planes` is as long.
pub(super) fn shuffle_items(typesize: usize, items: &[u8], planes: &mut [u8]) {
    if let Some(isa) = simd::best() {
        let done = simd::shuffle(isa, typesize, items, planes);
        if done > 0 {
            shuffle_generic(typesize, done, items, planes);
            return;
        }
    }
    shuffle_items_scalar(typesize, items, planes);
}

/// [`shuffle_items`] without vector instructions.
pub(super) fn shuffle_items_scalar(typesize: usize, items: &[u8], planes: &mut [u8]) {
    match typesize {
        1 => planes.copy_from_slice(items),
        2 => shuffle_2(items, planes),
        4 => shuffle_4(items, planes),
        8 => shuffle_8(items, planes),
        16 => shuffle_16(items, planes),
        _ => shuffle_generic(typesize, 0, items, planes),
    }
}

/// Undoes [`shuffle_items`].
pub(super) fn unshuffle_items(typesize: usize, planes: &[u8], items: &mut [u8]) {
    if let Some(isa) = simd::best() {
        let done = simd::unshuffle(isa, typesize, planes, items);
        if done > 0 {
            unshuffle_generic(typesize, done, planes, items);
            return;
        }
    }
    unshuffle_items_scalar(typesize, planes, items);
}

/// [`unshuffle_items`] without vector instructions.
pub(super) fn unshuffle_items_scalar(typesize: usize, planes: &[u8], items: &mut [u8]) {
    match typesize {
        1 => items.copy_from_slice(planes),
        2 => unshuffle_2(planes, items),
        4 => unshuffle_4(planes, items),
        8 => unshuffle_8(planes, items),
        16 => unshuffle_16(planes, items),
        _ => unshuffle_generic(typesize, 0, planes, items),
    }
}

/// Shuffles items `first..` of any typesize: 8 items at a time through
/// 8x8 byte transposes, then the last few one byte at a time.
///
/// Typesizes from 8 up go 8 bytes of the item (8 planes) per transpose,
/// the last 8 ending at the item's end (overlapping the one before when
/// the typesize is not a multiple of 8: those planes are written twice,
/// with the same bytes). Smaller ones read 8 bytes from each item's start,
/// running into the next item, and keep the first `typesize` planes.
fn shuffle_generic(typesize: usize, first: usize, items: &[u8], planes: &mut [u8]) {
    let n = items.len() / typesize;
    let mut i = first;
    // Reading 8 bytes from item `i + 7` stays within the items.
    while i + 8 <= n && (i + 7) * typesize + 8 <= items.len() {
        for col in columns(typesize, 8) {
            let mut x: [u64; 8] = std::array::from_fn(|k| load(items, (i + k) * typesize + col));
            transpose_bytes_8x8(&mut x);
            for (r, &word) in x.iter().enumerate().take(typesize - col) {
                store(planes, (col + r) * n + i, word);
            }
        }
        i += 8;
    }
    for i in i..n {
        for j in 0..typesize {
            planes[j * n + i] = items[i * typesize + j];
        }
    }
}

/// Undoes [`shuffle_generic`] for items `first..`.
///
/// Below 8 bytes an item is written as a whole word whose bytes past the
/// item land on the next one, which is written after it (the last item's
/// spill stays within the items and is written over by the items after
/// it, here or in the byte-at-a-time loop).
fn unshuffle_generic(typesize: usize, first: usize, planes: &[u8], items: &mut [u8]) {
    let n = planes.len() / typesize;
    let mut i = first;
    while i + 8 <= n && (i + 7) * typesize + 8 <= items.len() {
        for col in columns(typesize, 8) {
            let rows = (typesize - col).min(8);
            let mut x: [u64; 8] = std::array::from_fn(|r| {
                if r < rows {
                    load(planes, (col + r) * n + i)
                } else {
                    0
                }
            });
            transpose_bytes_8x8(&mut x);
            for (k, &word) in x.iter().enumerate() {
                store(items, (i + k) * typesize + col, word);
            }
        }
        i += 8;
    }
    for i in i..n {
        for j in 0..typesize {
            items[i * typesize + j] = planes[j * n + i];
        }
    }
}

/// The first bytes of the `width`-byte columns an item of `typesize` bytes
/// is transposed in: 0, `width`, `2 * width`, ... and, when `typesize` is
/// not a multiple of `width`, one more ending at the item's end; just 0
/// when the item is narrower than a column.
pub(super) fn columns(typesize: usize, width: usize) -> impl Iterator<Item = usize> {
    let whole = typesize / width;
    let last = (typesize >= width && !typesize.is_multiple_of(width)).then(|| typesize - width);
    (0..whole.max(1)).map(move |c| width * c).chain(last)
}

// The fixed-size kernels below move 8 items per step with whole-word
// operations, in the order of the bytes of little-endian words: byte `k` of
// a `u64` is bit `8 * k` up. Items past the last multiple of 8 go through
// the plain loop.

/// Reads 8 bytes as a little-endian word.
#[inline(always)]
pub(super) fn load(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Reads 4 bytes as a little-endian word.
#[inline(always)]
fn load_4(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(word))
}

/// Writes a word as 8 little-endian bytes.
#[inline(always)]
pub(super) fn store(bytes: &mut [u8], at: usize, word: u64) {
    bytes[at..at + 8].copy_from_slice(&word.to_le_bytes());
}

/// Exchanges the bits of `a` selected by `mask << shift` with the bits of
/// `b` selected by `mask`.
#[inline(always)]
fn swap_bits(a: u64, b: u64, shift: u32, mask: u64) -> (u64, u64) {
    let t = ((a >> shift) ^ b) & mask;
    (a ^ (t << shift), b ^ t)
}

/// Exchanges, within `x`, the bits selected by `mask` with those `shift`
/// bits above them.
#[inline(always)]
fn swap_within(x: u64, shift: u32, mask: u64) -> u64 {
    let t = ((x >> shift) ^ x) & mask;
    x ^ t ^ (t << shift)
}

/// Transposes the 8x8 byte matrix whose row `j` is word `x[j]`: afterwards
/// byte `k` of `x[j]` is what byte `j` of `x[k]` was.
#[inline(always)]
pub(super) fn transpose_bytes_8x8(x: &mut [u64; 8]) {
    for j in 0..4 {
        (x[j], x[j + 4]) = swap_bits(x[j], x[j + 4], 32, 0x0000_0000_FFFF_FFFF);
    }
    for j in [0, 1, 4, 5] {
        (x[j], x[j + 2]) = swap_bits(x[j], x[j + 2], 16, 0x0000_FFFF_0000_FFFF);
    }
    for j in [0, 2, 4, 6] {
        (x[j], x[j + 1]) = swap_bits(x[j], x[j + 1], 8, 0x00FF_00FF_00FF_00FF);
    }
}

/// Transposes two 4x4 byte matrices at once, one in the low and one in the
/// high halves of the four words.
#[inline(always)]
fn transpose_bytes_4x4_pair(w: &mut [u64; 4]) {
    (w[0], w[2]) = swap_bits(w[0], w[2], 16, 0x0000_FFFF_0000_FFFF);
    (w[1], w[3]) = swap_bits(w[1], w[3], 16, 0x0000_FFFF_0000_FFFF);
    (w[0], w[1]) = swap_bits(w[0], w[1], 8, 0x00FF_00FF_00FF_00FF);
    (w[2], w[3]) = swap_bits(w[2], w[3], 8, 0x00FF_00FF_00FF_00FF);
}

/// Turns 4 items of 2 bytes `[a0 a1 b0 b1 c0 c1 d0 d1]` into
/// `[a0 b0 c0 d0 a1 b1 c1 d1]` (and back, applied in reverse order).
#[inline(always)]
fn split_pairs(x: u64) -> u64 {
    let x = swap_within(x, 8, 0x0000_FF00_0000_FF00);
    swap_within(x, 16, 0x0000_0000_FFFF_0000)
}

/// Inverse of [`split_pairs`].
#[inline(always)]
fn join_pairs(x: u64) -> u64 {
    let x = swap_within(x, 16, 0x0000_0000_FFFF_0000);
    swap_within(x, 8, 0x0000_FF00_0000_FF00)
}

const LOW: u64 = 0x0000_0000_FFFF_FFFF;
const HIGH: u64 = !LOW;

fn shuffle_2(items: &[u8], planes: &mut [u8]) {
    let n = items.len() / 2;
    let steps = n / 8;
    for g in 0..steps {
        let x0 = split_pairs(load(items, 16 * g));
        let x1 = split_pairs(load(items, 16 * g + 8));
        store(planes, 8 * g, (x0 & LOW) | (x1 << 32));
        store(planes, n + 8 * g, (x0 >> 32) | (x1 & HIGH));
    }
    shuffle_generic(2, 8 * steps, items, planes);
}

fn unshuffle_2(planes: &[u8], items: &mut [u8]) {
    let n = planes.len() / 2;
    let steps = n / 8;
    for g in 0..steps {
        let p0 = load(planes, 8 * g);
        let p1 = load(planes, n + 8 * g);
        store(items, 16 * g, join_pairs((p0 & LOW) | (p1 << 32)));
        store(items, 16 * g + 8, join_pairs((p0 >> 32) | (p1 & HIGH)));
    }
    unshuffle_generic(2, 8 * steps, planes, items);
}

fn shuffle_4(items: &[u8], planes: &mut [u8]) {
    let n = items.len() / 4;
    let steps = n / 8;
    for g in 0..steps {
        // Word j: item j in the low half, item j + 4 in the high half.
        let base = 32 * g;
        let mut w = [0u64; 4];
        for (j, word) in w.iter_mut().enumerate() {
            *word = load_4(items, base + 4 * j) | load_4(items, base + 4 * j + 16) << 32;
        }
        transpose_bytes_4x4_pair(&mut w);
        for (k, &word) in w.iter().enumerate() {
            store(planes, k * n + 8 * g, word);
        }
    }
    shuffle_generic(4, 8 * steps, items, planes);
}

fn unshuffle_4(planes: &[u8], items: &mut [u8]) {
    let n = planes.len() / 4;
    let steps = n / 8;
    for g in 0..steps {
        let mut w = [0u64; 4];
        for (k, word) in w.iter_mut().enumerate() {
            *word = load(planes, k * n + 8 * g);
        }
        transpose_bytes_4x4_pair(&mut w);
        let base = 32 * g;
        for (j, &word) in w.iter().enumerate() {
            let bytes = word.to_le_bytes();
            items[base + 4 * j..base + 4 * j + 4].copy_from_slice(&bytes[..4]);
            items[base + 4 * j + 16..base + 4 * j + 20].copy_from_slice(&bytes[4..]);
        }
    }
    unshuffle_generic(4, 8 * steps, planes, items);
}

fn shuffle_8(items: &[u8], planes: &mut [u8]) {
    let n = items.len() / 8;
    let steps = n / 8;
    for g in 0..steps {
        let mut x = [0u64; 8];
        for (j, word) in x.iter_mut().enumerate() {
            *word = load(items, 64 * g + 8 * j);
        }
        transpose_bytes_8x8(&mut x);
        for (k, &word) in x.iter().enumerate() {
            store(planes, k * n + 8 * g, word);
        }
    }
    shuffle_generic(8, 8 * steps, items, planes);
}

fn unshuffle_8(planes: &[u8], items: &mut [u8]) {
    let n = planes.len() / 8;
    let steps = n / 8;
    for g in 0..steps {
        let mut x = [0u64; 8];
        for (k, word) in x.iter_mut().enumerate() {
            *word = load(planes, k * n + 8 * g);
        }
        transpose_bytes_8x8(&mut x);
        for (j, &word) in x.iter().enumerate() {
            store(items, 64 * g + 8 * j, word);
        }
    }
    unshuffle_generic(8, 8 * steps, planes, items);
}

fn shuffle_16(items: &[u8], planes: &mut [u8]) {
    let n = items.len() / 16;
    let steps = n / 8;
    for g in 0..steps {
        for half in 0..2 {
            let mut x = [0u64; 8];
            for (j, word) in x.iter_mut().enumerate() {
                *word = load(items, 128 * g + 16 * j + 8 * half);
            }
            transpose_bytes_8x8(&mut x);
            for (k, &word) in x.iter().enumerate() {
                store(planes, (8 * half + k) * n + 8 * g, word);
            }
        }
    }
    shuffle_generic(16, 8 * steps, items, planes);
}

fn unshuffle_16(planes: &[u8], items: &mut [u8]) {
    let n = planes.len() / 16;
    let steps = n / 8;
    for g in 0..steps {
        for half in 0..2 {
            let mut x = [0u64; 8];
            for (k, word) in x.iter_mut().enumerate() {
                *word = load(planes, (8 * half + k) * n + 8 * g);
            }
            transpose_bytes_8x8(&mut x);
            for (j, &word) in x.iter().enumerate() {
                store(items, 128 * g + 16 * j + 8 * half, word);
            }
        }
    }
    unshuffle_generic(16, 8 * steps, planes, items);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, written as plainly as possible.
    fn reference(typesize: usize, src: &[u8]) -> Vec<u8> {
        let n = src.len() / typesize;
        let mut out = src.to_vec();
        for i in 0..n {
            for j in 0..typesize {
                out[j * n + i] = src[i * typesize + j];
            }
        }
        out
    }

    fn shuffled(typesize: usize, src: &[u8]) -> Vec<u8> {
        let mut dst = vec![0xAA; src.len()];
        shuffle(typesize, src, &mut dst);
        dst
    }

    #[test]
    fn known_answer_typesize_4() {
        assert_eq!(
            shuffled(4, &[0, 1, 2, 3, 4, 5, 6, 7]),
            [0, 4, 1, 5, 2, 6, 3, 7]
        );
    }

    #[test]
    fn known_answer_leftover_bytes_stay_at_the_end() {
        // 7 bytes of typesize 3: two items, one stray byte.
        assert_eq!(shuffled(3, &[0, 1, 2, 3, 4, 5, 6]), [0, 3, 1, 4, 2, 5, 6]);
        // Fewer bytes than one item: a plain copy.
        assert_eq!(shuffled(8, &[9, 8, 7]), [9, 8, 7]);
    }

    #[test]
    fn known_answer_items_past_the_last_word_step() {
        // 11 items of 2 bytes: one 8-item word step, then 3 items one by one.
        let src: Vec<u8> = (0..22).collect();
        let mut expected: Vec<u8> = (0..22).step_by(2).collect();
        expected.extend((1..22).step_by(2));
        assert_eq!(shuffled(2, &src), expected);
    }

    #[test]
    fn known_answer_typesize_8_and_16() {
        // 8 items of 8 bytes, item i = [i*8, i*8+1, ...]: plane j = j, j+8, ...
        let src: Vec<u8> = (0..64).collect();
        let expected: Vec<u8> = (0..8)
            .flat_map(|j| (0..8).map(move |i| i * 8 + j))
            .collect();
        assert_eq!(shuffled(8, &src), expected);
        let src: Vec<u8> = (0..128).collect();
        let expected: Vec<u8> = (0..16)
            .flat_map(|j| (0..8).map(move |i| i * 16 + j))
            .collect();
        assert_eq!(shuffled(16, &src), expected);
    }

    #[test]
    fn transpose_bytes_8x8_swaps_rows_and_columns() {
        let mut x = [0u64; 8];
        for (j, word) in x.iter_mut().enumerate() {
            *word = u64::from_le_bytes(std::array::from_fn(|k| (16 * j + k) as u8));
        }
        transpose_bytes_8x8(&mut x);
        for (k, word) in x.iter().enumerate() {
            let expected: [u8; 8] = std::array::from_fn(|j| (16 * j + k) as u8);
            assert_eq!(word.to_le_bytes(), expected, "row {k}");
        }
    }

    #[test]
    fn empty_block() {
        shuffle(4, &[], &mut []);
        unshuffle(4, &[], &mut []);
    }

    #[test]
    #[should_panic(expected = "destination length")]
    fn rejects_short_destination() {
        shuffle(2, &[1, 2, 3, 4], &mut [0; 3]);
    }

    fn sizes() -> impl Strategy<Value = (usize, Vec<u8>)> {
        (1usize..=40).prop_flat_map(|typesize| {
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

    /// Typesizes with vector kernels, and blocks long enough for them.
    fn vector_sizes() -> impl Strategy<Value = (usize, Vec<u8>)> {
        (
            prop_oneof![Just(2usize), Just(4), Just(8), Just(16)],
            0usize..70_000,
        )
            .prop_flat_map(|(typesize, len)| {
                (
                    Just(typesize),
                    proptest::collection::vec(any::<u8>(), len - len % typesize),
                )
            })
    }

    proptest! {
        #[test]
        fn vector_kernels_match_the_scalar_ones((typesize, items) in vector_sizes()) {
            let mut fast = vec![0; items.len()];
            let mut plain = vec![0; items.len()];
            shuffle_items(typesize, &items, &mut fast);
            shuffle_items_scalar(typesize, &items, &mut plain);
            prop_assert_eq!(&fast, &plain);
            let mut back = vec![0; items.len()];
            unshuffle_items(typesize, &fast, &mut back);
            unshuffle_items_scalar(typesize, &fast, &mut plain);
            prop_assert_eq!(&back, &plain);
            prop_assert_eq!(&back, &items);
        }

        #[test]
        fn matches_definition_and_round_trips((typesize, src) in sizes()) {
            let dst = shuffled(typesize, &src);
            prop_assert_eq!(&dst, &reference(typesize, &src));
            let mut back = vec![0x55; src.len()];
            unshuffle(typesize, &dst, &mut back);
            prop_assert_eq!(back, src);
        }
    }
}
