//! The bit transposes of bitshuffle with SSE2 or AVX2: one byte plane into
//! its eight bit rows, and back.
//!
//! `movemask` gathers the top bit of every byte of a vector; adding a
//! vector to itself shifts each byte left by one, bringing the next bit to
//! the top. So eight `movemask`s give, for 16 (SSE2) or 32 (AVX2) items,
//! the bits of rows 7 down to 0, already in the row layout: bit `r` of the
//! mask is the bit of item `r`, least significant first.
//!
//! Back (AVX2 only): the rows' bytes for 32 items are gathered so that byte
//! `8 * j + k` of a vector is byte `j` of row `k` (an 8x8 bit matrix per
//! `j`: bit `r` of byte `k` is bit `k` of item `8 * j + r`); eight
//! `movemask`s then give, for `r` from 7 down, byte `j` of the mask = item
//! `8 * j + r`, and a byte shuffle puts the items in order.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::shuffle_simd::Isa;

/// Writes the bit rows of the leading bytes of `plane` (its items' byte
/// `b`), row `k` starting at `rows[starts[k]]`, in steps of 64 items;
/// returns how many items it did. The caller does the rest.
pub(super) fn plane_to_rows(isa: Isa, plane: &[u8], rows: &mut [u8], starts: &[usize; 8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    match isa {
        // SAFETY: `detect` saw the CPU offer AVX2.
        Isa::Avx2 => unsafe { avx2(plane, rows, starts) },
        // SAFETY: every x86-64 CPU offers SSE2.
        Isa::Sse2 => unsafe { sse2(plane, rows, starts) },
    }
    #[cfg(not(target_arch = "x86_64"))]
    0
}

/// Undoes [`plane_to_rows`] on the leading items, in steps of 64; returns
/// how many items it did (none without AVX2).
pub(super) fn rows_to_plane(isa: Isa, rows: &[u8], starts: &[usize; 8], plane: &mut [u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    match isa {
        // SAFETY: `detect` saw the CPU offer AVX2.
        Isa::Avx2 => unsafe { avx2_back(rows, starts, plane) },
        Isa::Sse2 => 0,
    }
    #[cfg(not(target_arch = "x86_64"))]
    0
}

/// Stores `bytes` at `rows[at..]`; the slice index checks the bounds.
#[inline(always)]
fn put(rows: &mut [u8], at: usize, bytes: &[u8]) {
    rows[at..at + bytes.len()].copy_from_slice(bytes);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sse2(plane: &[u8], rows: &mut [u8], starts: &[usize; 8]) -> usize {
    let done = plane.len() / 64 * 64;
    for at in (0..done).step_by(16) {
        let chunk: &[u8; 16] = plane[at..at + 16].try_into().expect("16 bytes");
        // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
        let mut v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        for k in (0..8).rev() {
            let bits = _mm_movemask_epi8(v) as u16;
            put(rows, starts[k] + at / 8, &bits.to_le_bytes());
            v = _mm_add_epi8(v, v);
        }
    }
    done
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2(plane: &[u8], rows: &mut [u8], starts: &[usize; 8]) -> usize {
    let done = plane.len() / 64 * 64;
    for at in (0..done).step_by(64) {
        let chunk: &[u8; 64] = plane[at..at + 64].try_into().expect("64 bytes");
        // SAFETY: `chunk` is 64 readable bytes; the loads are unaligned.
        let (mut lo, mut hi) = unsafe {
            (
                _mm256_loadu_si256(chunk.as_ptr().cast()),
                _mm256_loadu_si256(chunk.as_ptr().add(32).cast()),
            )
        };
        for k in (0..8).rev() {
            // Items 0-31 in the low half of the word, 32-63 in the high.
            let bits = u64::from(_mm256_movemask_epi8(lo) as u32)
                | u64::from(_mm256_movemask_epi8(hi) as u32) << 32;
            put(rows, starts[k] + at / 8, &bits.to_le_bytes());
            lo = _mm256_add_epi8(lo, lo);
            hi = _mm256_add_epi8(hi, hi);
        }
    }
    done
}

/// Reads 8 bytes at `at` as a little-endian `u64`.
#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Within each 128-bit lane, bytes `4 * a + b` (a, b < 4) to `4 * b + a`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose_4x4_bytes(v: __m256i) -> __m256i {
    let order = _mm256_setr_epi8(
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, //
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
    );
    _mm256_shuffle_epi8(v, order)
}

/// Eight words `w[a]` (4 bytes each) to bytes `8 * b + a` = byte `b` of `w[a]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose_8x4_bytes(w: [i32; 8]) -> __m256i {
    let v = _mm256_setr_epi32(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
    // Lane 0 holds words 0-3 and lane 1 words 4-7; in each, dword `b` now
    // holds byte `b` of its four words.
    let t = transpose_4x4_bytes(v);
    // Dword `b` of lane 0, then dword `b` of lane 1: byte `b` of all eight.
    _mm256_permutevar8x32_epi32(t, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2_back(rows: &[u8], starts: &[usize; 8], plane: &mut [u8]) -> usize {
    let done = plane.len() / 64 * 64;
    for at in (0..done).step_by(64) {
        // Each row's 8 bytes for 64 items: items 0-31 in the low half.
        let words: [u64; 8] = std::array::from_fn(|k| word(rows, starts[k] + at / 8));
        for half in 0..2 {
            let mut v =
                transpose_8x4_bytes(std::array::from_fn(|k| (words[k] >> (32 * half)) as i32));
            let mut masks = [0i32; 8];
            for r in (0..8).rev() {
                masks[r] = _mm256_movemask_epi8(v);
                v = _mm256_add_epi8(v, v);
            }
            // Byte `j` of mask `r` is item `8 * j + r`.
            let items = transpose_8x4_bytes(masks);
            let from = at + 32 * half;
            let out: &mut [u8; 32] = (&mut plane[from..from + 32]).try_into().expect("32 bytes");
            // SAFETY: `out` is 32 writable bytes; the store is unaligned.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), items) };
        }
    }
    done
}
