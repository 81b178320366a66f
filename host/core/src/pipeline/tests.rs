//! Round trips of the built-in pipeline, and malformed chunks.

use proptest::prelude::*;
use sandpress_format::{MAX_FILTERS, Special, ids};

use super::*;
use crate::{CParams, DParams, Error, FilterChain, Registry, SplitMode};

fn data(len: usize, seed: u64) -> Vec<u8> {
    // A random walk of small steps: compressible, not trivial.
    let mut x = seed;
    let mut v = 0u8;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v = v.wrapping_add((x >> 61) as u8);
            v
        })
        .collect()
}

fn round_trip(input: &[u8], cp: &CParams) -> Vec<u8> {
    let chunk = compress_chunk(input, cp, &Registry::new(), 3).unwrap();
    assert_eq!(decompressed_len(&chunk).unwrap(), input.len());
    let mut out = vec![0xAA; input.len()];
    decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 3, &mut out).unwrap();
    // Streamed past the caches, into a destination at an odd address: the
    // same bytes.
    let mut streamed = vec![0x55; input.len() + 3];
    let dp = DParams::default();
    decompress_chunk_streaming(&chunk, &dp, &Registry::new(), 3, &mut streamed[3..]).unwrap();
    assert_eq!(streamed[3..], out[..], "streamed");
    out
}

/// Chains as headers may lay them out: right-aligned as sandpress and
/// python-blosc2 write them, and left-aligned as a list given to
/// python-blosc2's cparams is padded.
fn filter_sets() -> Vec<FilterChain> {
    [
        [0; MAX_FILTERS],
        [0, 0, 0, 0, 0, ids::SHUFFLE],
        [0, 0, 0, 0, 0, ids::BITSHUFFLE],
        [0, 0, 0, 0, ids::DELTA, ids::SHUFFLE],
        [ids::DELTA, 0, 0, 0, 0, 0],
        [ids::SHUFFLE, ids::BITSHUFFLE, 0, 0, 0, 0],
    ]
    .into_iter()
    .map(|slots| FilterChain::from_slots(slots, [0; MAX_FILTERS]))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn builtins_round_trip(
        len in prop_oneof![Just(0usize), Just(1), 2usize..100, (1usize..8).prop_map(|k| k * 512), 1000usize..5000],
        typesize in 1u8..=16,
        codec in prop_oneof![Just(ids::ZSTD), Just(ids::LZ4), Just(ids::ZLIB), Just(ids::BLOSCLZ)],
        clevel in 0u8..=9,
        filters in prop::sample::select(filter_sets()),
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never), Just(SplitMode::Auto)],
        blocksize in prop_oneof![Just(0usize), Just(512), Just(1000)],
        seed in any::<u64>(),
    ) {
        let input = data(len, seed);
        let cp = CParams { codec, clevel, typesize, filters, splitmode: split, blocksize, ..CParams::default() };
        prop_assert_eq!(round_trip(&input, &cp), input);
    }

    #[test]
    fn malformed_chunks_never_panic(codec in prop_oneof![Just(ids::ZSTD), Just(ids::LZ4), Just(ids::ZLIB), Just(ids::BLOSCLZ)], seed in any::<u64>(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let input = data(3000, seed);
        let cp = CParams { codec, typesize: 4, blocksize: 512, ..CParams::default() };
        let mut chunk = compress_chunk(&input, &cp, &Registry::new(), 0).unwrap();
        for (i, b) in flips {
            let i = i.index(chunk.len());
            chunk[i] = b;
        }
        let mut out = vec![0; input.len()];
        // Any result but a panic is fine: corrupt data may even decode.
        let _ = decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 0, &mut out);
        let _ = decompress_chunk_streaming(&chunk, &DParams::default(), &Registry::new(), 0, &mut out);
        let _ = decompressed_len(&chunk[..chunk.len() / 2]);
    }
}

#[test]
fn threads_give_identical_bytes() {
    let input = data(1 << 20, 7);
    for codec in [ids::ZSTD, ids::LZ4, ids::ZLIB, ids::BLOSCLZ] {
        let cp1 = CParams {
            codec,
            typesize: 4,
            blocksize: 32 << 10,
            ..CParams::default()
        };
        let cp2 = CParams {
            nthreads: 2,
            ..cp1.clone()
        };
        let a = compress_chunk(&input, &cp1, &Registry::new(), 0).unwrap();
        let b = compress_chunk(&input, &cp2, &Registry::new(), 0).unwrap();
        assert_eq!(a, b);
        let mut out = vec![0; input.len()];
        let dp = DParams {
            nthreads: 2,
            ..DParams::default()
        };
        decompress_chunk(&b, &dp, &Registry::new(), 0, &mut out).unwrap();
        assert_eq!(out, input);
        let mut streamed = vec![0; input.len() + 1];
        decompress_chunk_streaming(&b, &dp, &Registry::new(), 0, &mut streamed[1..]).unwrap();
        assert_eq!(streamed[1..], input[..]);
    }
}

#[test]
fn trunc_prec_keeps_leading_bits() {
    let input: Vec<u8> = (0..1000)
        .flat_map(|i| (i as f32 * 1.1).to_le_bytes())
        .collect();
    let mut filters = [0; MAX_FILTERS];
    filters[0] = ids::TRUNC_PREC;
    let mut meta = [0; MAX_FILTERS];
    meta[0] = 10;
    let cp = CParams {
        typesize: 4,
        filters: FilterChain::from_slots(filters, meta),
        ..CParams::default()
    };
    let out = round_trip(&input, &cp);
    for (a, b) in input.chunks(4).zip(out.chunks(4)) {
        let a = f32::from_le_bytes(a.try_into().unwrap());
        let b = f32::from_le_bytes(b.try_into().unwrap());
        assert!((a - b).abs() <= a.abs() / 512.0, "{a} vs {b}");
    }
}

#[test]
fn zeros_become_a_special_chunk() {
    let cp = CParams {
        typesize: 4,
        ..CParams::default()
    };
    let chunk = compress_chunk(&vec![0; 4096], &cp, &Registry::new(), 0).unwrap();
    assert_eq!(chunk.len(), 32);
    assert_eq!(round_trip(&vec![0; 4096], &cp), vec![0; 4096]);
}

#[test]
fn special_chunks_decode() {
    for (special, value, expect) in [
        (Special::Zeros, vec![], vec![0u8; 16]),
        (Special::Uninit, vec![], vec![0u8; 16]),
        (Special::Value, vec![1, 2, 3, 4], [1u8, 2, 3, 4].repeat(4)),
        (Special::Nans, vec![], f32::NAN.to_le_bytes().repeat(4)),
    ] {
        let chunk = special_chunk(special, 4, 16, &value).unwrap();
        let mut out = vec![9; 16];
        decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 0, &mut out).unwrap();
        assert_eq!(out, expect, "{special:?}");
    }
    assert!(special_chunk(Special::Value, 4, 16, &[1]).is_err());
    assert!(special_chunk(Special::Zeros, 4, 15, &[]).is_err());
}

#[test]
fn a_chunk_of_one_repeated_item_is_a_special_value_chunk() {
    let chains = [
        FilterChain::new(),
        FilterChain::of(&[(ids::SHUFFLE, 0)]).unwrap(),
        FilterChain::of(&[(ids::DELTA, 0), (ids::BITSHUFFLE, 0)]).unwrap(),
    ];
    // Typesizes whose patterns end short of 4 KiB, data longer and shorter
    // than one pattern.
    for (ts, items) in [(1, 70_000), (3, 5000), (4, 300), (8, 9000), (255, 40)] {
        let item: Vec<u8> = (0..ts).map(|i| (i * 37 + 11) as u8).collect();
        let input = item.repeat(items);
        for filters in &chains {
            for codec in [ids::ZSTD, ids::LZ4, ids::BLOSCLZ] {
                let cp = CParams {
                    typesize: ts as u8,
                    codec,
                    filters: *filters,
                    ..CParams::default()
                };
                let chunk = compress_chunk(&input, &cp, &Registry::new(), 0).unwrap();
                let h = sandpress_format::ChunkHeader::parse(&chunk).unwrap();
                assert_eq!(h.special(), Special::Value, "typesize {ts}");
                assert_eq!(chunk.len(), 32 + ts, "the header and the item");
                assert!(round_trip(&input, &cp) == input, "typesize {ts}");
            }
        }
        // One byte off, first or last: compressed as usual.
        for at in [0, input.len() - 1] {
            let mut other = input.clone();
            other[at] ^= 1;
            let cp = CParams {
                typesize: ts as u8,
                ..CParams::default()
            };
            let chunk = compress_chunk(&other, &cp, &Registry::new(), 0).unwrap();
            let h = sandpress_format::ChunkHeader::parse(&chunk).unwrap();
            assert_eq!(h.special(), Special::None, "typesize {ts}, byte {at}");
            assert!(round_trip(&other, &cp) == other, "typesize {ts}, byte {at}");
        }
    }
    // trunc_prec changes the data first: left to the blocks.
    let input = 1.5f32.to_le_bytes().repeat(2000);
    let cp = CParams {
        typesize: 4,
        filters: FilterChain::of(&[(ids::TRUNC_PREC, 10)]).unwrap(),
        ..CParams::default()
    };
    let chunk = compress_chunk(&input, &cp, &Registry::new(), 0).unwrap();
    let h = sandpress_format::ChunkHeader::parse(&chunk).unwrap();
    assert_eq!(h.special(), Special::None);
    // A chunk that ends inside an item: left to the blocks.
    let mut input = [1u8, 2, 3, 4].repeat(1000);
    input.push(1);
    let cp = CParams {
        typesize: 4,
        ..CParams::default()
    };
    let chunk = compress_chunk(&input, &cp, &Registry::new(), 0).unwrap();
    let h = sandpress_format::ChunkHeader::parse(&chunk).unwrap();
    assert_eq!(h.special(), Special::None);
    assert!(round_trip(&input, &cp) == input);
}

#[test]
fn refuses_unknown_ids_with_typed_errors() {
    let input = data(1000, 1);
    let cp = CParams {
        codec: 170,
        ..CParams::default()
    };
    let err = compress_chunk(&input, &cp, &Registry::new(), 0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnknownCodec {
                id: 170,
                name: "user codec"
            }
        ),
        "{err}"
    );
    let cp = CParams {
        filters: FilterChain::of(&[(200, 0)]).unwrap(),
        ..CParams::default()
    };
    assert!(matches!(
        compress_chunk(&input, &cp, &Registry::new(), 0),
        Err(Error::UnknownFilter { id: 200, .. })
    ));
    // Id 3 was Snappy, which Blosc2 dropped.
    let cp = CParams {
        codec: 3,
        ..CParams::default()
    };
    assert!(matches!(
        compress_chunk(&input, &cp, &Registry::new(), 0),
        Err(Error::UnknownCodec { id: 3, .. })
    ));
}

#[test]
fn wrong_output_size_is_refused() {
    let input = data(1000, 1);
    let chunk = compress_chunk(&input, &CParams::default(), &Registry::new(), 0).unwrap();
    let mut out = vec![0; 999];
    let err =
        decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 0, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BufferSize {
                expected: 1000,
                found: 999
            }
        ),
        "{err}"
    );
}
