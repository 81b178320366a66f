//! Helpers shared by the integration tests.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sandpress_core::{CParams, DParams, Registry, SChunk};
use sandpress_sandbox::{Limits, Sandbox};

/// One sandbox for the whole test binary, with short limits so hostile
/// guests are stopped quickly.
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let limits = Limits::default()
            .deadline(Duration::from_millis(200))
            .memory(16 << 20);
        Sandbox::builder().limits(limits).build().expect("sandbox")
    })
}

/// The text of a guest in `tests/guests/`, compiled to component bytes.
pub fn guest(name: &str) -> Vec<u8> {
    let path = format!("{}/guests/{name}", env!("CARGO_MANIFEST_DIR"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Little-endian int32 items.
pub fn ints(range: std::ops::Range<i32>) -> Vec<u8> {
    range.flat_map(i32::to_le_bytes).collect()
}

/// A super-chunk of int32 with `codec` and `filters`, `chunk_items` per chunk.
pub fn schunk(
    registry: Registry,
    codec: u8,
    filters: [u8; 6],
    chunk_items: usize,
    threads: usize,
) -> SChunk {
    let cp = CParams {
        codec,
        typesize: 4,
        filters,
        nthreads: threads,
        ..CParams::default()
    };
    let dp = DParams {
        nthreads: threads,
        ..DParams::default()
    };
    SChunk::new(chunk_items * 4, cp, dp, registry).expect("schunk")
}

/// Every chunk's bytes.
pub fn chunks(s: &SChunk) -> Vec<Vec<u8>> {
    (0..s.nchunks())
        .map(|i| s.chunk(i).unwrap().to_vec())
        .collect()
}

/// A registry holding one codec.
pub fn with_codec(codec: Arc<dyn sandpress_core::plugin::CodecPlugin>) -> Registry {
    let mut r = Registry::new();
    r.register_codec(codec).unwrap();
    r
}
