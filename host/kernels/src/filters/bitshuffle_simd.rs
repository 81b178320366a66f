//! The bit transpose of bitshuffle with SSE2 or AVX2: the 8x8 bit matrix
//! of every 8 bytes, 2 or 4 words at once. `bitshuffle.rs` pairs it with
//! the vector (un)shuffle of typesize 8 between a plane and its bit rows.

#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::shuffle_simd::Isa;

/// Transposes the 8x8 bit matrix of every 8 bytes of the leading part of
/// `words` in place (see `transpose_bits_8x8` in `bitshuffle.rs`: the same
/// three exchanges, on 2 or 4 words at once); returns the bytes done.
pub(super) fn transpose_bits_8x8(isa: Isa, words: &mut [u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    match isa {
        // SAFETY: `detect` saw the CPU offer AVX2.
        Isa::Avx2 => unsafe { bits_avx2(words) },
        // SAFETY: every x86-64 CPU offers SSE2.
        Isa::Sse2 => unsafe { bits_sse2(words) },
    }
    #[cfg(not(target_arch = "x86_64"))]
    0
}

/// One exchange of the 8x8 bit transpose on every 64-bit lane: the bits
/// under `mask` trade places with those `shift` bits up.
macro_rules! exchange {
    ($x:expr, $shift:literal, $mask:expr, $srli:ident, $slli:ident, $xor:ident, $and:ident) => {{
        let t = $and($xor($x, $srli::<$shift>($x)), $mask);
        $xor($x, $xor(t, $slli::<$shift>(t)))
    }};
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn bits_avx2(words: &mut [u8]) -> usize {
    let done = words.len() / 32 * 32;
    let m1 = _mm256_set1_epi64x(0x00AA_00AA_00AA_00AA);
    let m2 = _mm256_set1_epi64x(0x0000_CCCC_0000_CCCC);
    let m3 = _mm256_set1_epi64x(0x0000_0000_F0F0_F0F0);
    for at in (0..done).step_by(32) {
        let chunk: &mut [u8; 32] = (&mut words[at..at + 32]).try_into().expect("32 bytes");
        // SAFETY: `chunk` is 32 readable bytes; the load is unaligned.
        let x = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
        use _mm256_xor_si256 as xor;
        use {_mm256_and_si256 as and, _mm256_slli_epi64 as sl, _mm256_srli_epi64 as sr};
        let x = exchange!(x, 7, m1, sr, sl, xor, and);
        let x = exchange!(x, 14, m2, sr, sl, xor, and);
        let x = exchange!(x, 28, m3, sr, sl, xor, and);
        // SAFETY: `chunk` is 32 writable bytes; the store is unaligned.
        unsafe { _mm256_storeu_si256(chunk.as_mut_ptr().cast(), x) };
    }
    done
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn bits_sse2(words: &mut [u8]) -> usize {
    let done = words.len() / 16 * 16;
    let m1 = _mm_set1_epi64x(0x00AA_00AA_00AA_00AA);
    let m2 = _mm_set1_epi64x(0x0000_CCCC_0000_CCCC);
    let m3 = _mm_set1_epi64x(0x0000_0000_F0F0_F0F0);
    for at in (0..done).step_by(16) {
        let chunk: &mut [u8; 16] = (&mut words[at..at + 16]).try_into().expect("16 bytes");
        // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
        let x = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        use _mm_xor_si128 as xor;
        use {_mm_and_si128 as and, _mm_slli_epi64 as sl, _mm_srli_epi64 as sr};
        let x = exchange!(x, 7, m1, sr, sl, xor, and);
        let x = exchange!(x, 14, m2, sr, sl, xor, and);
        let x = exchange!(x, 28, m3, sr, sl, xor, and);
        // SAFETY: `chunk` is 16 writable bytes; the store is unaligned.
        unsafe { _mm_storeu_si128(chunk.as_mut_ptr().cast(), x) };
    }
    done
}
