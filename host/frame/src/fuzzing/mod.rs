//! Fuzz bodies: what the cargo-fuzz targets in `fuzz/` and the regression
//! tests in `tests/all/corpus/` run on arbitrary bytes.
//!
//! Each body must return (never panic, never hang) on any input; errors are
//! expected and ignored. What they decompress is capped: a frame may
//! legitimately describe gigabytes of special (all-zero) chunks in a few
//! bytes, which is not a bug but would make a fuzzer crawl.
//!
//! ```
//! sandpress_frame::fuzzing::frame(b"not a frame");
//! sandpress_frame::fuzzing::chunk(&[5, 1, 0x37, 1, 0, 0, 0, 0]);
//! ```

mod pipeline;

pub use pipeline::pipeline;

use crate::Frame;
use sandpress_core::pipeline::{decompress_chunk, decompressed_len};
use sandpress_core::{DParams, Registry};

/// Chunks declaring more uncompressed bytes than this are not decompressed.
pub const MAX_CHUNK_NBYTES: usize = 64 << 20;
/// A frame's chunks are decompressed until this many bytes have been made.
pub const MAX_FRAME_NBYTES: usize = 128 << 20;

/// Opens `bytes` as a frame, then reads every chunk (and decompresses those
/// within the caps), every variable-length metalayer and the plugin table.
pub fn frame(bytes: &[u8]) {
    let Ok(frame) = Frame::from_bytes(bytes.to_vec()) else {
        return;
    };
    let mut budget = MAX_FRAME_NBYTES;
    for i in 0..frame.nchunks() {
        let Ok(size) = frame.chunk_nbytes(i) else {
            continue;
        };
        if let Ok(chunk) = frame.chunk(i)
            && let Ok(declared) = decompressed_len(&chunk)
        {
            assert_eq!(declared, size, "chunk {i}: header and index disagree");
        }
        if size <= MAX_CHUNK_NBYTES && size <= budget {
            budget -= size;
            if let Ok(out) = frame.decompress_chunk_vec(i) {
                assert_eq!(out.len(), size, "chunk {i}: decompressed length");
            }
        }
    }
    for name in frame.vlmeta_names() {
        let _ = frame.vlmeta(name);
    }
    let _ = frame.plugins().len();
    let _ = frame.metalayers().len();
}

/// Decompresses `bytes` as one chunk, if it declares at most
/// [`MAX_CHUNK_NBYTES`].
pub fn chunk(bytes: &[u8]) {
    let Ok(n) = decompressed_len(bytes) else {
        return;
    };
    if n > MAX_CHUNK_NBYTES {
        return;
    }
    let mut out = vec![0; n];
    let _ = decompress_chunk(bytes, &DParams::default(), &Registry::new(), 0, &mut out);
}
