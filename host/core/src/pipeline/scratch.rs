//! Per-thread buffers reused across blocks, so the hot path does not allocate.

use std::cell::RefCell;

use crate::mid_page::MidPage;

/// Two block-sized buffers for ping-ponging between filters, and one for a
/// codec's output. The first two are what plugins' calls copy from and
/// into: they start mid-page ([`MidPage`]).
#[derive(Default)]
pub(crate) struct Scratch {
    pub a: MidPage,
    pub b: MidPage,
    pub codec: Vec<u8>,
}

impl Scratch {
    /// Makes `a` and `b` at least `n` bytes long.
    pub fn reserve(&mut self, n: usize) {
        self.a.reserve(n);
        self.b.reserve(n);
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
