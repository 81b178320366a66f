//! Where a guest's `list<u8>` answer lands: copied once, straight from the
//! guest's memory into the caller's destination, while wasmtime lifts the
//! call's result.
//!
//! Since wasmtime 48 a typed call runs the guest's `post-return` (which
//! frees the answer, and may write over it) before it returns to us, so a
//! [`WasmList`] view cannot be read after the call, and lifting a
//! `Vec<u8>` costs an allocation (fresh pages from the host allocator for
//! big blocks) and a second copy into the destination. A [`Landed`] is
//! lifted instead: it checks the list as `WasmList<u8>` does (bounds,
//! alignment, the lift's fuel), then copies the bytes into the
//! destination that [`Landing`] set for the call on this thread, before
//! `post-return` runs.
//!
//! Two kinds of destination: a slice the answer must fill exactly (a
//! decoder, a filter, a transform; an answer of any other length is not
//! copied and its length is reported) and a `Vec` the answer replaces (an
//! encoder; its capacity is reused across calls).

// The component model's `ComponentType` and `Lift` traits are `unsafe` to
// implement, and a destination slice lives in a thread-local as a raw
// pointer for the duration of one call; both are confined to this file.
#![allow(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::ptr::NonNull;

use sandpress_kernels::copy::{copy_bytes, replace_bytes};
use wasmtime::ValRaw;
use wasmtime::component::__internal::{CanonicalAbiInfo, InstanceType, InterfaceType, LiftContext};
use wasmtime::component::{ComponentType, Lift, WasmList};

/// The length of a guest's `list<u8>` answer, already copied into the
/// call's destination when [`Landed::copied`] says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Landed {
    len: usize,
    copied: bool,
}

impl Landed {
    /// Bytes the guest answered.
    pub(crate) fn len(self) -> usize {
        self.len
    }

    /// Whether the answer was copied: always for a `Vec` destination; for
    /// a slice, only when the answer had exactly its length.
    pub(crate) fn copied(self) -> bool {
        self.copied
    }
}

/// A slice destination, as a raw pointer valid while its [`Landing`] lives.
#[derive(Clone, Copy)]
struct RawSlice {
    ptr: NonNull<u8>,
    len: usize,
}

thread_local! {
    /// The slice the current call's answer lands in, taken by the lift.
    static SLICE: Cell<Option<RawSlice>> = const { Cell::new(None) };
    /// The `Vec` the current call's answer replaces, taken by the lift and
    /// given back by [`Landing`].
    static VEC: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// The destination of one call's answer on this thread, set for as long
/// as it lives.
pub(crate) struct Landing<'a> {
    /// Where to give a `Vec` destination back.
    vec: Option<&'a mut Vec<u8>>,
    /// What was set before (a nested call, which plugins cannot make today).
    saved: (Option<RawSlice>, Option<Vec<u8>>),
    /// The slice is borrowed, exclusively, as long as the landing lives.
    _slice: PhantomData<&'a mut [u8]>,
}

impl<'a> Landing<'a> {
    /// Answers land in `out`, which they must fill exactly.
    pub(crate) fn slice(out: &'a mut [u8]) -> Self {
        let raw = RawSlice {
            ptr: NonNull::from(&mut *out).cast(),
            len: out.len(),
        };
        Landing {
            vec: None,
            saved: (SLICE.replace(Some(raw)), VEC.take()),
            _slice: PhantomData,
        }
    }

    /// Answers replace the bytes of `out` (its capacity is reused).
    pub(crate) fn vec(out: &'a mut Vec<u8>) -> Self {
        let mut buffer = std::mem::take(out);
        buffer.clear();
        let saved = (SLICE.take(), VEC.replace(Some(buffer)));
        Landing {
            vec: Some(out),
            saved,
            _slice: PhantomData,
        }
    }
}

impl Drop for Landing<'_> {
    fn drop(&mut self) {
        SLICE.set(self.saved.0.take());
        let buffer = VEC.replace(self.saved.1.take());
        if let Some(out) = self.vec.take() {
            // Cleared when the landing was made, filled only by a lift: a
            // call that answered no list leaves it empty.
            *out = buffer.unwrap_or_default();
        }
    }
}

/// Copies `bytes`, the guest's answer, into this thread's destination.
fn land(bytes: &[u8]) -> wasmtime::Result<Landed> {
    let len = bytes.len();
    if let Some(raw) = SLICE.take() {
        if raw.len != len {
            return Ok(Landed { len, copied: false });
        }
        // SAFETY: `raw` was made by `Landing::slice` from a `&mut [u8]` of
        // `raw.len` bytes that the landing borrows exclusively for as long
        // as it lives, and the landing (which clears `SLICE` when dropped)
        // lives across the whole call this lift runs in, on this thread.
        // `take` leaves `None` behind, so this is the only reference made
        // from the pointer. `bytes` is guest memory, which the destination,
        // a host slice, cannot overlap.
        let out = unsafe { std::slice::from_raw_parts_mut(raw.ptr.as_ptr(), raw.len) };
        copy_bytes(out, bytes);
        return Ok(Landed { len, copied: true });
    }
    VEC.with_borrow_mut(|vec| match vec {
        Some(out) => {
            replace_bytes(out, bytes);
            Ok(Landed { len, copied: true })
        }
        None => wasmtime::bail!("the host set no destination for the plugin's answer"),
    })
}

/// The guest's answer `(ptr, len)` after `WasmList<u8>` checked it.
fn land_checked(cx: &LiftContext<'_>, ptr: u32, len: u32) -> wasmtime::Result<Landed> {
    let start = usize::try_from(ptr)?;
    let end = start.saturating_add(usize::try_from(len)?);
    let bytes = cx
        .memory()
        .get(start..end)
        .ok_or_else(|| wasmtime::format_err!("list pointer/length out of bounds of memory"))?;
    land(bytes)
}

// SAFETY: a `Landed` is lowered and typed exactly as a `WasmList<u8>` (a
// pointer and a length, two flat values, the canonical ABI's pointer pair),
// so the representation, ABI and type check are that type's.
unsafe impl ComponentType for Landed {
    type Lower = [ValRaw; 2];

    const ABI: CanonicalAbiInfo = <WasmList<u8> as ComponentType>::ABI;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        <WasmList<u8> as ComponentType>::typecheck(ty, types)
    }
}

// SAFETY: both lifts first lift a `WasmList<u8>` from the same values (its
// checks: bounds, alignment, fuel), then read the pointer pair the same way
// wasmtime does, and only read guest memory through `cx.memory()`.
unsafe impl Lift for Landed {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        let _checked = WasmList::<u8>::linear_lift_from_flat(cx, ty, src)?;
        land_checked(cx, src[0].get_u32(), src[1].get_u32())
    }

    fn linear_lift_from_memory(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        let _checked = WasmList::<u8>::linear_lift_from_memory(cx, ty, bytes)?;
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .ok_or_else(|| wasmtime::format_err!("list pointer pair out of bounds"))
        };
        land_checked(cx, word(0)?, word(4)?)
    }
}
