//! C-Blosc2's entry point for sandpress filters: a filter plugin exports
//! `info` as a `filter_info` (forward, backward), which a codec plugin's
//! `info` cannot also be, so the filter functions of
//! `libblosc2_sandpress.so` are reached through this small library.
//! The Python package gives it their addresses
//! ([`sandpress_filter_connect`]) before any filter runs; until then a
//! call fails with C-Blosc2's error code.

#![allow(unsafe_code)] // the C ABI: every unsafe block says why it holds

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A filter function of C-Blosc2's: `(in, out, size, meta, params, id)`.
type FilterFn = unsafe extern "C" fn(*const u8, *mut u8, i32, u8, *const c_void, u8) -> c_int;

/// `filter_info`: the names C-Blosc2 looks up in this library.
#[repr(C)]
pub struct FilterInfo {
    /// The forward function's name.
    pub forward: *const c_char,
    /// The backward function's name.
    pub backward: *const c_char,
}

// SAFETY: the pointers are to 'static string literals, never written.
unsafe impl Sync for FilterInfo {}

/// The filter plugin's entry points, as C-Blosc2 looks them up.
#[allow(non_upper_case_globals)]
#[unsafe(no_mangle)]
pub static info: FilterInfo = FilterInfo {
    forward: c"sandpress_filter_forward".as_ptr(),
    backward: c"sandpress_filter_backward".as_ptr(),
};

static FORWARD: AtomicUsize = AtomicUsize::new(0);
static BACKWARD: AtomicUsize = AtomicUsize::new(0);

/// Connects the shim to `libblosc2_sandpress.so`'s `sandpress_forward`
/// and `sandpress_backward`.
///
/// # Safety
/// Both are null or those functions, which stay loaded for the process's
/// life.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_filter_connect(forward: *const c_void, backward: *const c_void) {
    FORWARD.store(forward as usize, Ordering::Release);
    BACKWARD.store(backward as usize, Ordering::Release);
}

/// Calls the connected function in `slot`, or fails (-1) if there is none.
///
/// # Safety
/// C-Blosc2's contract for filter functions.
unsafe fn call(
    slot: &AtomicUsize,
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    params: *const c_void,
    id: u8,
) -> c_int {
    let f = slot.load(Ordering::Acquire);
    if f == 0 {
        return -1;
    }
    // SAFETY: a non-zero slot holds a FilterFn (sandpress_filter_connect's
    // promise), and the arguments are C-Blosc2's, passed on unchanged.
    unsafe {
        let f: FilterFn = std::mem::transmute::<usize, FilterFn>(f);
        f(input, output, size, meta, params, id)
    }
}

/// C-Blosc2's forward filter function.
///
/// # Safety
/// C-Blosc2's contract: `input` and `output` have `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_filter_forward(
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    cparams: *const c_void,
    id: u8,
) -> c_int {
    // SAFETY: passed on as C-Blosc2 gave them.
    unsafe { call(&FORWARD, input, output, size, meta, cparams, id) }
}

/// C-Blosc2's backward filter function.
///
/// # Safety
/// C-Blosc2's contract: `input` and `output` have `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_filter_backward(
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    dparams: *const c_void,
    id: u8,
) -> c_int {
    // SAFETY: passed on as C-Blosc2 gave them.
    unsafe { call(&BACKWARD, input, output, size, meta, dparams, id) }
}
