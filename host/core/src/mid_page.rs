//! A buffer whose bytes start half a page past a page boundary.
//!
//! A copy whose destination lies a few bytes past its source, modulo
//! 4 KiB, runs an order of magnitude slower where `memcpy` uses
//! `rep movsb` (seen on AMD EPYC). Large allocations start on
//! a page boundary, and so do the buffers plugins' allocators hand out, give
//! or take a few bytes: a block copied from one into the other hits that
//! case. A [`MidPage`] buffer starts half a page away from both.

use std::ops::{Deref, DerefMut};

/// Where a [`MidPage`] buffer's bytes start within a 4 KiB page.
pub const PAGE_OFFSET: usize = 2048;

/// A zero-filled buffer whose bytes start [`PAGE_OFFSET`] bytes past a
/// page boundary; it grows, never shrinks.
#[derive(Default)]
pub struct MidPage {
    bytes: Vec<u8>,
    start: usize,
}

impl MidPage {
    /// Makes the buffer at least `n` bytes long (its bytes are then
    /// unspecified).
    pub fn reserve(&mut self, n: usize) {
        if self.len() >= n {
            return;
        }
        self.bytes = vec![0; n + 4096];
        let at = self.bytes.as_ptr() as usize % 4096;
        self.start = (PAGE_OFFSET + 4096 - at) % 4096;
    }
}

impl Deref for MidPage {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }
}

impl DerefMut for MidPage {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.bytes.get_mut(self.start..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_half_a_page_in_and_grows() {
        let mut b = MidPage::default();
        assert!(b.is_empty());
        for n in [1, 5000, 100, 70_000] {
            b.reserve(n);
            assert!(b.len() >= n);
            assert_eq!(b.as_ptr() as usize % 4096, PAGE_OFFSET);
        }
    }
}
