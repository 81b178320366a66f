//! sandpress components inside C-Blosc2 (and so inside python-blosc2): a
//! C-Blosc2 dynamic codec plugin, `libblosc2_sandpress.so`, whose encoder
//! and decoder run the Wasm component registered for the codec id they
//! are called for, sandboxed as in the CLI. Its filter functions are
//! reached through `libblosc2_sandpress_filter.so` (C-Blosc2 looks up the
//! symbol `info` in both kinds of plugin, with different layouts).
//!
//! C-Blosc2 calls these functions from its worker threads: each thread
//! gets its own instance of each component (the sandbox keeps them per
//! thread), so a codec runs on every core. Nothing a component does can
//! end the process: a trap, a deadline, a memory limit or a panic here
//! becomes C-Blosc2's error code, and its message is kept for
//! [`sandpress_last_error`].
//!
//! The Python package (`python/blosc2_sandpress`) loads the library,
//! registers components through [`sandpress_register`] and then names the
//! codec to python-blosc2 (`blosc2.register_codec("sandpress", id)`).

#![allow(unsafe_code)] // the C ABI: every unsafe block says why it holds

pub mod abi;
mod calls;
pub mod plugins;

use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use abi::{CParams, DParams, ERROR_FAILURE, Info};

/// The codec plugin's entry points, as C-Blosc2 looks them up.
#[allow(non_upper_case_globals)]
#[unsafe(no_mangle)]
pub static info: Info = Info {
    first: c"sandpress_encode".as_ptr(),
    second: c"sandpress_decode".as_ptr(),
};

/// The last failure's message, over all threads.
static LAST_ERROR: Mutex<String> = Mutex::new(String::new());

fn set_error(message: String) {
    *LAST_ERROR.lock().unwrap_or_else(|p| p.into_inner()) = message;
}

/// Runs `f` as one C entry point: a failure or a panic is recorded and
/// answered with `ERROR_FAILURE` (a panic must never unwind into C).
fn guarded(f: impl FnOnce() -> Result<c_int, String>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(rc)) => rc,
        Ok(Err(message)) => {
            set_error(message);
            ERROR_FAILURE
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            set_error(format!("sandpress-blosc2 panicked: {what}"));
            ERROR_FAILURE
        }
    }
}

/// Compiles `component` (`len` bytes) and makes it serve `id` as a codec
/// (`kind` 0) or a filter (`kind` 1); writes its sha256 in hex and a NUL
/// into `sha256_out` (65 bytes) if not null. 0, or -1 with the reason in
/// [`sandpress_last_error`].
///
/// # Safety
/// `component` points at `len` readable bytes; `sha256_out` is null or
/// points at 65 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_register(
    kind: c_int,
    id: c_int,
    component: *const u8,
    len: usize,
    sha256_out: *mut c_char,
) -> c_int {
    guarded(|| {
        let kind = match kind {
            0 => plugins::Kind::Codec,
            1 => plugins::Kind::Filter,
            k => return Err(format!("kind {k}: 0 (codec) or 1 (filter)")),
        };
        let id = u8::try_from(id).map_err(|_| format!("id {id} is not 160-255"))?;
        if component.is_null() {
            return Err("no component".into());
        }
        // SAFETY: the caller's promise: `len` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(component, len) };
        let sha = plugins::register(kind, id, bytes)?;
        if !sha256_out.is_null() {
            // SAFETY: the caller's promise: 65 writable bytes; the hex is 64.
            let out = unsafe { std::slice::from_raw_parts_mut(sha256_out.cast::<u8>(), 65) };
            out[..64].copy_from_slice(&sha.as_bytes()[..64]);
            out[64] = 0;
        }
        Ok(0)
    })
}

/// Copies the last failure's message (UTF-8, NUL-terminated, cut to fit)
/// into `buf` of `cap` bytes; its whole length.
///
/// # Safety
/// `buf` is null or points at `cap` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_last_error(buf: *mut c_char, cap: usize) -> usize {
    let message = LAST_ERROR.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if !buf.is_null() && cap > 0 {
        let n = message.len().min(cap - 1);
        // SAFETY: the caller's promise: `cap` writable bytes; n + 1 <= cap.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) };
        out[..n].copy_from_slice(&message.as_bytes()[..n]);
        out[n] = 0;
    }
    message.len()
}

/// C-Blosc2's encoder: runs the codec registered for `cparams.compcode`.
///
/// # Safety
/// C-Blosc2's contract: `input` has `input_len` readable bytes, `output`
/// `output_len` writable ones, `cparams` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_encode(
    input: *const u8,
    input_len: i32,
    output: *mut u8,
    output_len: i32,
    meta: u8,
    cparams: *const CParams,
    _chunk: *const c_void,
) -> c_int {
    guarded(|| {
        // SAFETY: C-Blosc2's contract, above.
        let (input, output, params) = unsafe {
            (
                slice(input, input_len)?,
                slice_mut(output, output_len)?,
                cparams.as_ref().ok_or("no cparams")?,
            )
        };
        calls::encode(params.compcode, input, output, meta, params.typesize)
    })
}

/// C-Blosc2's decoder: runs the codec the chunk's header names.
///
/// # Safety
/// C-Blosc2's contract: `input` has `input_len` readable bytes, `output`
/// `output_len` writable ones, `dparams` is valid, `chunk` is the
/// compressed chunk.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_decode(
    input: *const u8,
    input_len: i32,
    output: *mut u8,
    output_len: i32,
    meta: u8,
    dparams: *const DParams,
    chunk: *const c_void,
) -> c_int {
    guarded(|| {
        // SAFETY: C-Blosc2's contract, above.
        let (input, output, typesize, id) = unsafe {
            (
                slice(input, input_len)?,
                slice_mut(output, output_len)?,
                dparams.as_ref().map_or(1, |d| d.typesize),
                abi::chunk_codec(chunk).ok_or("the chunk does not name a user codec")?,
            )
        };
        calls::decode(id, input, output, meta, typesize)
    })
}

/// The filter's forward transform (reached through
/// `libblosc2_sandpress_filter.so`).
///
/// # Safety
/// C-Blosc2's contract: `input` and `output` have `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_forward(
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    cparams: *const CParams,
    id: u8,
) -> c_int {
    // SAFETY: C-Blosc2's contract, above.
    let typesize = unsafe { cparams.as_ref() }.map_or(1, |c| c.typesize);
    // SAFETY: C-Blosc2's contract, above.
    unsafe { filter_entry(true, input, output, size, meta, typesize, id) }
}

/// The filter's backward transform.
///
/// # Safety
/// C-Blosc2's contract: `input` and `output` have `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sandpress_backward(
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    dparams: *const DParams,
    id: u8,
) -> c_int {
    // SAFETY: C-Blosc2's contract, above.
    let typesize = unsafe { dparams.as_ref() }.map_or(1, |d| d.typesize);
    // SAFETY: C-Blosc2's contract, above.
    unsafe { filter_entry(false, input, output, size, meta, typesize, id) }
}

/// Runs filter `id` forward or backward as one C entry point.
///
/// # Safety
/// C-Blosc2's contract: `input` and `output` have `size` bytes.
unsafe fn filter_entry(
    forward: bool,
    input: *const u8,
    output: *mut u8,
    size: i32,
    meta: u8,
    typesize: i32,
    id: u8,
) -> c_int {
    guarded(|| {
        // SAFETY: the caller's promise.
        let (input, output) = unsafe { (slice(input, size)?, slice_mut(output, size)?) };
        calls::filter(id, forward, input, output, meta, typesize)
    })
}

/// `len` bytes at `p` (empty for a null pointer or no bytes).
///
/// # Safety
/// `p` is null or points at `len` readable bytes.
unsafe fn slice<'a>(p: *const u8, len: i32) -> Result<&'a [u8], String> {
    let len = usize::try_from(len).map_err(|_| format!("a length of {len}"))?;
    if p.is_null() || len == 0 {
        return Ok(&[]);
    }
    // SAFETY: the caller's promise.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// `len` writable bytes at `p`.
///
/// # Safety
/// `p` is null or points at `len` writable bytes no one else uses now.
unsafe fn slice_mut<'a>(p: *mut u8, len: i32) -> Result<&'a mut [u8], String> {
    let len = usize::try_from(len).map_err(|_| format!("a length of {len}"))?;
    if p.is_null() || len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: the caller's promise.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}
