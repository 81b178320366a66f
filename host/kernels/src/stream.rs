//! Writing a block into a destination far larger than the caches with
//! non-temporal stores, which go to memory without first reading the
//! destination's cache lines in.
//!
//! An ordinary store to a line that is not in cache reads the line from
//! memory first, so writing a 64 MiB output moves 128 MiB; non-temporal
//! stores write it about twice as fast. The bytes are then not in cache, so this is only for
//! outputs that will not be read again soon (a whole array decompressed
//! into the caller's buffer), never for a buffer read right after.

#![allow(unsafe_code)]

/// Copies `src` into `dst` (the same length, as `copy_from_slice`) with
/// non-temporal stores where the CPU has them; ordinary stores for the
/// unaligned head and the tail, and elsewhere.
pub fn stream_bytes(dst: &mut [u8], src: &[u8]) {
    assert_eq!(dst.len(), src.len(), "stream_bytes: lengths differ");
    #[cfg(target_arch = "x86_64")]
    {
        let head = dst.as_ptr().align_offset(16).min(dst.len());
        let (dst_head, dst_body) = dst.split_at_mut(head);
        let (src_head, src_body) = src.split_at(head);
        dst_head.copy_from_slice(src_head);
        let body = dst_body.len() - dst_body.len() % 16;
        let (dst_body, dst_tail) = dst_body.split_at_mut(body);
        let (src_body, src_tail) = src_body.split_at(body);
        for (to, from) in dst_body.chunks_exact_mut(16).zip(src_body.chunks_exact(16)) {
            use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
            // SAFETY: `from` is 16 readable bytes (an unaligned load);
            // `to` is 16 writable bytes at a 16-byte boundary (the head
            // above brought `dst_body` to one), as the store requires.
            // SSE2 is part of x86-64.
            unsafe {
                let v = _mm_loadu_si128(from.as_ptr().cast::<__m128i>());
                _mm_stream_si128(to.as_mut_ptr().cast::<__m128i>(), v);
            }
        }
        // Orders the non-temporal stores before whatever follows (another
        // thread told the block is done may read it).
        // SAFETY: SSE is part of x86-64.
        unsafe { std::arch::x86_64::_mm_sfence() };
        dst_tail.copy_from_slice(src_tail);
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::check_copies;

    /// Every alignment of both ends and lengths around the 16-byte steps.
    #[test]
    fn copies_every_alignment_and_length() {
        check_copies(
            stream_bytes,
            &[0, 1, 15, 16, 17, 31, 32, 33, 4095, 4096, 32_768],
            &[0, 1, 8, 15],
            &[0, 1, 7, 16, 31],
        );
    }
}
