//! A block's bytes moved half a page away before they are copied into a
//! guest, when they sit at the start of a page.
//!
//! Guests' allocators hand out the buffers the host copies a block into
//! just past a page boundary (the Rust example plugins': 8 bytes past). A
//! copy whose destination lies a few bytes past its source, modulo 4 KiB,
//! runs far slower where `memcpy` uses `rep movsb` (on this project's
//! 2-core AMD EPYC machine, 16 KiB copied 8 bytes ahead: 3 GB/s, 16 bytes
//! ahead: about 50, otherwise 50-100), and the host's blocks often start
//! on a page boundary: a large allocation does, and so do the blocks of a
//! page-aligned array. Such a block, one starting less than [`ABOVE`]
//! bytes past a boundary or less than [`BELOW`] before one, is first copied
//! (fast: half a page apart) into a buffer that starts half a page past a
//! boundary, and copied into the guest from there. Blocks elsewhere (glibc
//! puts a large allocation 16 bytes past a boundary, behind such guest
//! buffers, which is fast) are copied in as they are: staging a 1 MiB block
//! costs about a fifth of a delta filter's call.

use std::cell::RefCell;

/// Where the staging buffer's bytes start within a 4 KiB page.
const PAGE_OFFSET: usize = 2048;

/// A block starting fewer bytes than this past a page boundary is staged.
const ABOVE: usize = 16;

/// A block starting fewer bytes than this before a page boundary is staged.
const BELOW: usize = 64;

/// Blocks shorter than this are copied as they are: `memcpy` copies them
/// without `rep movsb`.
const LEAST: usize = 2048;

thread_local! {
    static STAGING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Whether `bytes` start just past or just before a page boundary.
fn near_page_start(bytes: &[u8]) -> bool {
    let at = bytes.as_ptr() as usize % 4096;
    !(ABOVE..4096 - BELOW).contains(&at)
}

/// Runs `f` on `input`, or on a copy of it half a page away from where it
/// is when it starts at a page boundary (see the module doc).
pub(crate) fn staged<R>(input: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    if input.len() < LEAST || !near_page_start(input) {
        return f(input);
    }
    STAGING.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < input.len() + 4096 {
                *buf = vec![0; input.len() + 4096];
            }
            let at = buf.as_ptr() as usize % 4096;
            let start = (PAGE_OFFSET + 4096 - at) % 4096;
            let copy = &mut buf[start..start + input.len()];
            copy.copy_from_slice(input);
            f(copy)
        }
        // Re-entered: no staging.
        Err(_) => f(input),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_at_a_page_start_are_staged_half_a_page_away() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7) as u8).collect();
        let page = 4096 - data.as_ptr() as usize % 4096;
        for start in [page, page + 8, page + 16, page + 2048, page - 8, page + 100] {
            let block = &data[start..start + 8192];
            let (moved, same) = staged(block, |b| (b.as_ptr() != block.as_ptr(), b == block));
            assert!(same, "offset {start}");
            let in_page = block.as_ptr() as usize % 4096;
            assert_eq!(
                moved,
                !(16..4032).contains(&in_page),
                "offset {in_page} in its page"
            );
            if moved {
                staged(block, |b| {
                    assert_eq!(b.as_ptr() as usize % 4096, PAGE_OFFSET)
                });
            }
        }
        // Short blocks stay where they are.
        let short = &data[page..page + 100];
        staged(short, |b| assert_eq!(b.as_ptr(), short.as_ptr()));
    }
}
