//! Helpers shared by the integration tests.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sandpress_core::format::MAX_FILTERS;
use sandpress_core::{CParams, DParams, FilterChain, Registry, SChunk};
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

pub use sandpress_test_support::i32_le_bytes;
/// [`i32_le_bytes`] under the name the service tests (`service/`) use.
pub use sandpress_test_support::i32_le_bytes as ints;

/// A super-chunk of int32 with `codec` and `filters`, `chunk_items` per chunk.
pub fn schunk(
    registry: Registry,
    codec: u8,
    filters: FilterChain,
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

/// Data of `len` bytes in one of six shapes, so codecs both compress and
/// decline: 0, one repeated item; 1, an arithmetic sequence of
/// little-endian items; 2, a first item then another one repeated; 3,
/// noise; 4, the sequence after a delta (its first item, then the step
/// repeated); 5, one repeated item whose last byte differs.
pub fn shaped(len: usize, typesize: usize, shape: u8, seed: u8) -> Vec<u8> {
    let ts = typesize.max(1);
    let item = |k: usize, i: usize| -> u8 {
        let v = (k as u64).wrapping_mul(3).wrapping_add(u64::from(seed));
        v.to_le_bytes().get(i).copied().unwrap_or(0)
    };
    match shape {
        4 => (0..len)
            .map(|i| item(usize::from(i >= ts), i % ts))
            .collect(),
        5 => {
            let mut out = shaped(len, typesize, 0, seed);
            if let Some(last) = out.last_mut() {
                *last ^= 0x80;
            }
            out
        }
        0 => (0..len)
            .map(|i| seed.wrapping_add((i % ts) as u8))
            .collect(),
        1 => (0..len).map(|i| item(i / ts, i % ts)).collect(),
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
pub fn example_pipelines() -> Vec<(u8, FilterChain)> {
    vec![
        (160, FilterChain::new()),
        (184, first_slots(&[160])),
        (184, FilterChain::new()),
        (sandpress_core::format::ids::LZ4, first_slots(&[161])),
        (sandpress_core::format::ids::ZSTD, first_slots(&[160, 161])),
        (160, first_slots(&[161, 160])),
    ]
}

/// Filters `ids` (meta 0) in the first slots, as python-blosc2 pads a
/// list of filters given to its cparams.
pub fn first_slots(ids: &[u8]) -> FilterChain {
    let mut slots = [0; MAX_FILTERS];
    slots[..ids.len()].copy_from_slice(ids);
    FilterChain::from_slots(slots, [0; MAX_FILTERS])
}

/// Runs `sandpress ARGS` in process, as the binary would; returns (exit code, stdout, stderr).
pub fn run_cli(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("sandpress")
        .chain(args.iter().copied())
        .map(Into::into);
    let code = sandpress::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// A temporary path as the `&str` a command line takes.
pub fn path_arg(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

pub use sandpress_test_support::noise;
