//! A block moved half a page away before it is copied into a guest, when
//! it sits at the start of a page.
//!
//! Guests' allocators hand out the buffers the host copies a block into
//! just past a page boundary (the Rust example plugins': 8 bytes past),
//! and a copy a few bytes ahead of its source, modulo 4 KiB, is the slow
//! case [`sandpress_core::mid_page`] describes. A block starting less than
//! [`ABOVE`] bytes past a boundary or less than [`BELOW`] before one is
//! first copied (fast: half a page apart) into a [`MidPage`] buffer, and
//! copied into the guest from there. Blocks elsewhere (glibc puts a large
//! allocation 16 bytes past a boundary, behind such guest buffers, which is
//! fast) are copied in as they are: staging a 1 MiB block costs about a
//! fifth of a delta filter's call.

use std::cell::RefCell;

use sandpress_core::mid_page::MidPage;

/// A block starting fewer bytes than this past a page boundary is staged.
const ABOVE: usize = 16;

/// A block starting fewer bytes than this before a page boundary is staged.
const BELOW: usize = 64;

/// Blocks shorter than this are copied as they are: `memcpy` copies them
/// without `rep movsb`.
const LEAST: usize = 2048;

thread_local! {
    static STAGING: RefCell<MidPage> = RefCell::new(MidPage::default());
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
            buf.reserve(input.len());
            let copy = &mut buf[..input.len()];
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
    use sandpress_core::mid_page::PAGE_OFFSET;

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
