//! Per-thread buffers reused across blocks, so the hot path does not allocate.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

/// Two block-sized buffers for ping-ponging between filters, and one for a
/// codec's output.
#[derive(Default)]
pub(crate) struct Scratch {
    pub a: Block,
    pub b: Block,
    pub codec: Vec<u8>,
}

impl Scratch {
    /// Makes `a` and `b` at least `n` bytes long.
    pub fn reserve(&mut self, n: usize) {
        self.a.reserve(n);
        self.b.reserve(n);
    }
}

/// Where a [`Block`]'s bytes start within a 4 KiB page.
const PAGE_OFFSET: usize = 2048;

/// A block buffer whose bytes start half a page past a page boundary.
///
/// These buffers are what a plugin's calls copy into the guest's memory,
/// whose allocators hand out blocks just past a page boundary. A copy
/// whose destination lies a few bytes past its source, modulo 4 KiB, runs
/// far slower where `memcpy` uses `rep movsb` (on this project's AMD
/// machine, 16 KiB copied 8 bytes ahead: 3 GB/s against 80), and a large
/// allocation starts on a page boundary, so a plain `Vec` lands there:
/// with mimalloc, a Wasm delta filter's backward pass spent half its time
/// in that copy.
#[derive(Default)]
pub(crate) struct Block {
    bytes: Vec<u8>,
    start: usize,
}

impl Block {
    /// Makes the block at least `n` bytes long.
    fn reserve(&mut self, n: usize) {
        if self.len() >= n {
            return;
        }
        self.bytes = vec![0; n + 4096];
        let at = self.bytes.as_ptr() as usize % 4096;
        self.start = (PAGE_OFFSET + 4096 - at) % 4096;
    }
}

impl Deref for Block {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }
}

impl DerefMut for Block {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.bytes.get_mut(self.start..).unwrap_or_default()
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        // Re-entered (a plugin running the pipeline): use fresh buffers.
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Which buffer holds the current state of a block as it moves through the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cur {
    /// The caller's input.
    Input,
    /// Scratch `a`.
    A,
    /// Scratch `b`.
    B,
}

/// Splits the buffers into (current input, next output) for one step of `n` bytes.
pub(crate) fn step<'s>(
    cur: Cur,
    input: &'s [u8],
    s: &'s mut Scratch,
    n: usize,
) -> (&'s [u8], &'s mut [u8], Cur) {
    match cur {
        Cur::Input => (input, &mut s.a[..n], Cur::A),
        Cur::A => (&s.a[..n], &mut s.b[..n], Cur::B),
        Cur::B => (&s.b[..n], &mut s.a[..n], Cur::A),
    }
}

/// The bytes `cur` designates.
pub(crate) fn current<'s>(cur: Cur, input: &'s [u8], s: &'s Scratch, n: usize) -> &'s [u8] {
    match cur {
        Cur::Input => input,
        Cur::A => &s.a[..n],
        Cur::B => &s.b[..n],
    }
}
