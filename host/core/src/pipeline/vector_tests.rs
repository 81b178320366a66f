//! Whole chunks of the built-in BloscLZ and zlib codecs through the
//! pipeline: the interop vectors python-blosc2 wrote (kept with the codecs,
//! in `host/kernels/tests-data/codecs/`) decoded, and zlib chunks round
//! tripped. The codecs' own tests are in `host/kernels/tests/codecs/`.

use proptest::prelude::*;
use sandpress_format::{ChunkView, ids};

use crate::pipeline::{compress_chunk, decompress_chunk};
use crate::{CParams, DParams, FilterChain, Registry, SplitMode};

/// The vector files and their parser, shared with the kernels' tests.
#[path = "../../../kernels/tests/codecs/vectors.rs"]
mod vectors;
use vectors::{BLOSCLZ_VECTORS, ZLIB_VECTORS, crc32, vectors};

/// Decodes every chunk of a vector file through the pipeline and checks it;
/// returns the number of chunks and the failures.
fn check_vectors(file: &[u8], codec: u8) -> (usize, Vec<String>) {
    let vs = vectors(file);
    let mut failures = Vec::new();
    for v in &vs {
        let mut out = vec![0xA5; v.nbytes];
        let ok = ChunkView::parse(v.chunk)
            .map_err(|e| e.to_string())
            .and_then(|view| match view.header().codec() {
                c if c == codec || view.header().nbytes == 0 => Ok(()),
                c => Err(format!("codec {c}")),
            })
            .and_then(|()| {
                decompress_chunk(v.chunk, &DParams::default(), &Registry::new(), 0, &mut out)
                    .map_err(|e| e.to_string())
            })
            .and_then(|()| match crc32(&out) == v.crc {
                true => Ok(()),
                false => Err("wrong data".into()),
            });
        if let Err(e) = ok {
            failures.push(format!("{}: {e}", v.name));
        }
    }
    (vs.len(), failures)
}

#[test]
fn blosclz_vectors_from_python_blosc2_decode() {
    assert_eq!(check_vectors(BLOSCLZ_VECTORS, ids::BLOSCLZ), (67, vec![]));
}

#[test]
fn zlib_vectors_from_python_blosc2_decode() {
    assert_eq!(check_vectors(ZLIB_VECTORS, ids::ZLIB), (3, vec![]));
}

/// A larger set, from `gen_vectors.py --full DIR`:
/// `SANDPRESS_VECTORS=DIR cargo test -p sandpress-core --lib vector_tests -- --ignored`.
#[test]
#[ignore = "needs SANDPRESS_VECTORS, a folder written by gen_vectors.py --full"]
fn blosclz_full_vectors_decode() {
    let dir = std::env::var("SANDPRESS_VECTORS").expect("SANDPRESS_VECTORS");
    let file = std::fs::read(format!("{dir}/blosclz_full.bin")).unwrap();
    let (n, failures) = check_vectors(&file, ids::BLOSCLZ);
    println!("{n} chunks, {} failures", failures.len());
    assert!(failures.is_empty(), "{failures:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn zlib_chunks_round_trip(
        filters in prop_oneof![Just(FilterChain::new()), Just(FilterChain::shuffle()), Just(FilterChain::of(&[(ids::BITSHUFFLE, 0)]).unwrap())],
        len in 0usize..20000,
        typesize in 1u8..=8,
        clevel in 0u8..=9,
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never)],
        seed in any::<u64>(),
    ) {
        let data: Vec<u8> = (0..len as u64)
            .map(|i| ((i.wrapping_mul(seed | 1) >> 7) % 13) as u8)
            .collect();
        let cp = CParams { codec: ids::ZLIB, clevel, typesize, filters, splitmode: split, ..CParams::default() };
        let chunk = compress_chunk(&data, &cp, &Registry::new(), 0).unwrap();
        let mut out = vec![0u8; len];
        decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 0, &mut out).unwrap();
        prop_assert_eq!(out, data);
    }
}
