//! The parts of C-Blosc2's ABI the plugin depends on, pinned to C-Blosc2
//! 3.3.5 (the version python-blosc2 4.14.1 bundles; `include/blosc2.h`,
//! `include/blosc2/codecs-registry.h`, `filters-registry.h`). The offsets
//! are checked at compile time against the numbers a C compiler gives for
//! that header.
//!
//! - A codec plugin exports `info`, a `codec_info` naming its encoder and
//!   decoder; a filter plugin exports `info`, a `filter_info` naming its
//!   forward and backward functions. C-Blosc2 dlopens
//!   `libblosc2_<name>.so` and looks the names up with `dlsym`.
//! - encoder: `int(const u8* in, i32 in_len, u8* out, i32 out_len, u8 meta,
//!   blosc2_cparams*, const void* chunk)`: the compressed size; 0 or
//!   `in_len`: store the block raw; negative: an error.
//! - decoder: the same with `blosc2_dparams*`; must return exactly `out_len`.
//!   `chunk` is the compressed chunk, header first: byte 22 is the codec id
//!   of a chunk whose codec is a user codec (`BLOSC_UDCODEC_FORMAT`).
//! - forward/backward: `int(const u8* in, u8* out, i32 size, u8 meta,
//!   blosc2_cparams* | blosc2_dparams*, u8 id)`: 0 on success.
//!
//! Only the fields read here are relied on; the params structs are copies
//! C-Blosc2 makes on its worker threads, some fields left uninitialised.

use std::ffi::{c_char, c_int, c_void};

/// `blosc2_cparams`, as far as `typesize` (the rest is never read).
#[repr(C)]
pub struct CParams {
    /// The codec id.
    pub compcode: u8,
    /// The codec's meta byte.
    pub compcode_meta: u8,
    /// The compression level.
    pub clevel: u8,
    /// Whether a dictionary is used.
    pub use_dict: c_int,
    /// Bytes per item.
    pub typesize: i32,
}

/// `blosc2_dparams`, as far as `typesize`.
#[repr(C)]
pub struct DParams {
    /// Threads.
    pub nthreads: i16,
    /// The super-chunk, or null.
    pub schunk: *mut c_void,
    /// The postfilter.
    pub postfilter: *mut c_void,
    /// Its parameters.
    pub postparams: *mut c_void,
    /// Bytes per item.
    pub typesize: i32,
}

const _: () = {
    assert!(std::mem::offset_of!(CParams, compcode) == 0);
    assert!(std::mem::offset_of!(CParams, compcode_meta) == 1);
    assert!(std::mem::offset_of!(CParams, typesize) == 8);
    assert!(std::mem::offset_of!(DParams, typesize) == 32);
};

/// `codec_info` and `filter_info`: two C strings naming the functions.
#[repr(C)]
pub struct Info {
    /// The encoder (codecs) or the forward function (filters).
    pub first: *const c_char,
    /// The decoder (codecs) or the backward function (filters).
    pub second: *const c_char,
}

// SAFETY: the pointers are to 'static string literals, never written.
#[allow(unsafe_code)]
unsafe impl Sync for Info {}

/// C-Blosc2's generic failure.
pub const ERROR_FAILURE: c_int = -1;

/// The chunk header's flags byte says the codec is a user codec...
pub const UDCODEC_FORMAT: u8 = 6;

/// ...whose id is this byte of the header.
pub const UDCODEC_ID_AT: usize = 22;

/// The codec id a compressed chunk names, from its header.
///
/// # Safety
/// `chunk` is null or points at a chunk header of at least 32 bytes (what
/// C-Blosc2 passes to a decoder).
#[allow(unsafe_code)]
pub unsafe fn chunk_codec(chunk: *const c_void) -> Option<u8> {
    if chunk.is_null() {
        return None;
    }
    // SAFETY: the caller's promise: a chunk header is at least 32 bytes.
    let header = unsafe { std::slice::from_raw_parts(chunk.cast::<u8>(), 32) };
    (header[2] >> 5 == UDCODEC_FORMAT).then_some(header[UDCODEC_ID_AT])
}
