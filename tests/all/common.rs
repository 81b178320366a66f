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

/// Data of `len` bytes in one of four shapes, so codecs both compress and
/// decline: one repeated item, an arithmetic sequence of little-endian
/// items, the same after a delta (a start then one repeated step), noise.
pub fn shaped(len: usize, typesize: usize, shape: u8, seed: u8) -> Vec<u8> {
    let ts = typesize.max(1);
    match shape {
        0 => (0..len)
            .map(|i| seed.wrapping_add((i % ts) as u8))
            .collect(),
        1 => (0..len)
            .map(|i| {
                let item = (i / ts) as u64 * 3 + u64::from(seed);
                item.to_le_bytes().get(i % ts).copied().unwrap_or(0)
            })
            .collect(),
        2 => (0..len)
            .map(|i| if i < ts { seed } else { (i % ts) as u8 ^ 0x5a })
            .collect(),
        _ => (0..len)
            .map(|i| {
                (i as u32)
                    .wrapping_mul(2654435761)
                    .wrapping_add(u32::from(seed))
                    .to_le_bytes()[3]
            })
            .collect(),
    }
}

/// The pipelines the tutorial plugins are checked in, as (codec, filters):
/// the user codecs 160 and 184 and filters 160 and 161, alone and mixed
/// with built-ins.
pub fn example_pipelines() -> Vec<(u8, [u8; 6])> {
    vec![
        (160, [0; 6]),
        (184, [160, 0, 0, 0, 0, 0]),
        (184, [0; 6]),
        (sandpress_core::format::ids::LZ4, [161, 0, 0, 0, 0, 0]),
        (sandpress_core::format::ids::ZSTD, [160, 161, 0, 0, 0, 0]),
        (160, [161, 160, 0, 0, 0, 0]),
    ]
}
