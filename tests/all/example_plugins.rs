//! The Rust example plugins, as sandboxed components, round-trip through the
//! pipeline and write exactly the bytes their native twins write.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use sandpress_core::pipeline::{compress_chunk, decompress_chunk};
use sandpress_core::plugin::{CodecPlugin, FilterPlugin};
use sandpress_core::{CParams, DParams, Registry, SplitMode};
use sandpress_plugins::native;

use crate::common::{chunks, example_pipelines, ints, sandbox, schunk, shaped};

/// Wasm and native registries with the four examples: codecs 160 (repeat)
/// and 184 (step), filters 160 (delta) and 161 (byte-shuffle).
fn registries() -> &'static (Registry, Registry) {
    static R: OnceLock<(Registry, Registry)> = OnceLock::new();
    R.get_or_init(|| {
        let sb = sandbox();
        let mut wasm = Registry::new();
        wasm.register_codec(
            sb.load_codec("repeat", 160, sandpress_plugins::REPEAT_CODEC)
                .unwrap(),
        )
        .unwrap();
        wasm.register_codec(
            sb.load_codec("step", 184, sandpress_plugins::STEP_CODEC)
                .unwrap(),
        )
        .unwrap();
        wasm.register_filter(
            sb.load_filter(160, sandpress_plugins::DELTA_FILTER)
                .unwrap(),
        )
        .unwrap();
        wasm.register_filter(
            sb.load_filter(161, sandpress_plugins::BYTE_SHUFFLE)
                .unwrap(),
        )
        .unwrap();
        let mut nat = Registry::new();
        let codecs: [Arc<dyn CodecPlugin>; 2] = [
            Arc::new(native::RepeatCodec::new()),
            Arc::new(native::StepCodec::new()),
        ];
        for c in codecs {
            nat.register_codec(c).unwrap();
        }
        let filters: [Arc<dyn FilterPlugin>; 2] = [
            Arc::new(native::DeltaFilter::new()),
            Arc::new(native::ByteShuffle::new()),
        ];
        for f in filters {
            nat.register_filter(f).unwrap();
        }
        (wasm, nat)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn examples_round_trip_and_match_native(
        len in prop_oneof![Just(0usize), Just(1), 2usize..200, (1usize..6).prop_map(|k| k * 256), 300usize..3000],
        typesize in 1u8..=16,
        // Repeated item, sequence, noise (the shapes of `shaped` without the delta one).
        shape in prop::sample::select(vec![0u8, 1, 3]),
        seed in any::<u8>(),
        pipeline in prop::sample::select(example_pipelines()),
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never)],
        meta in 0u8..2,
    ) {
        let (wasm, nat) = registries();
        let data = shaped(len, usize::from(typesize), shape, seed);
        let cp = CParams {
            codec: pipeline.0,
            codec_meta: meta,
            typesize,
            filters: pipeline.1,
            blocksize: 256,
            splitmode: split,
            ..CParams::default()
        };
        let w = compress_chunk(&data, &cp, wasm, 5).unwrap();
        let n = compress_chunk(&data, &cp, nat, 5).unwrap();
        prop_assert_eq!(&w, &n, "Wasm and native chunks differ");
        let mut out = vec![0; len];
        decompress_chunk(&w, &DParams::default(), wasm, 5, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
        decompress_chunk(&w, &DParams::default(), nat, 5, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
    }
}

#[test]
fn tutorial_pipeline_compresses_and_threads_agree() {
    let (wasm, _) = registries();
    let data = ints(10_000..10_000 + 300_000);
    let mut one = schunk(wasm.clone(), 184, [160, 0, 0, 0, 0, 0], 100_000, 1);
    let mut two = schunk(wasm.clone(), 184, [160, 0, 0, 0, 0, 0], 100_000, 2);
    one.append(&data).unwrap();
    two.append(&data).unwrap();
    assert_eq!(chunks(&one), chunks(&two));
    assert!(one.cratio() > 500.0, "cratio {}", one.cratio());
    let mut out = vec![0; data.len()];
    two.get_slice(0..two.nitems(), &mut out).unwrap();
    assert_eq!(out, data);
}

#[test]
fn repeat_codec_writes_the_tutorial_bytes() {
    let (wasm, _) = registries();
    let data: Vec<u8> = std::iter::repeat_n(1234i32, 1000)
        .flat_map(i32::to_le_bytes)
        .collect();
    for (meta, count) in [(0u8, 1000u32.to_le_bytes()), (1, 1000u32.to_be_bytes())] {
        let cp = CParams {
            codec: 160,
            codec_meta: meta,
            typesize: 4,
            filters: [0; 6],
            splitmode: SplitMode::Never,
            ..CParams::default()
        };
        let chunk = compress_chunk(&data, &cp, wasm, 0).unwrap();
        // header (32), one block start (4), stream size (4), then value + count.
        assert_eq!(chunk.len(), 48);
        assert_eq!(&chunk[36..40], &8i32.to_le_bytes());
        assert_eq!(&chunk[40..44], &1234i32.to_le_bytes());
        assert_eq!(&chunk[44..48], &count);
    }
}
