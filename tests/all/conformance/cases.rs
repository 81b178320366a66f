//! The conformance cases, each written once and run for every language:
//! the pipeline's round trips against the native twins, the tutorial's
//! bytes, and the cross-language checks (every language answers the Rust
//! components' bytes and errors, and decodes the others' output).

use std::sync::Arc;

use proptest::prelude::*;
use sandpress_core::pipeline::{compress_chunk, decompress_chunk};
use sandpress_core::plugin::{BlockInfo, CodecPlugin, PluginError};
use sandpress_core::{CParams, DParams, FilterChain, SplitMode};

use super::{Plugins, decode, encode, filter, info, langs, native_registry, plugins};
use crate::common::{chunks, example_pipelines, first_slots, i32_le_bytes, schunk, shaped};

/// The plugins of every language whose tools are here, Rust's first; a
/// skip line for each other one (see [`langs`]). Called once per test.
fn all() -> Vec<&'static Plugins> {
    langs().into_iter().map(plugins).collect()
}

/// Through the pipeline (filters, split modes, the last short block),
/// every language writes the native plugins' chunks and reads them back,
/// and the native plugins read them too.
#[test]
fn examples_round_trip_and_match_native() {
    let all = all();
    proptest!(ProptestConfig::with_cases(96), |(
        len in prop_oneof![Just(0usize), Just(1), 2usize..200, (1usize..6).prop_map(|k| k * 256), 300usize..3000],
        typesize in 1u8..=16,
        shape in 0u8..6,
        seed in any::<u8>(),
        pipeline in prop::sample::select([example_pipelines(), vec![(160, first_slots(&[160, 160]))]].concat()),
        split in prop_oneof![Just(SplitMode::Always), Just(SplitMode::Never)],
        meta in 0u8..2,
    )| {
        let nat = native_registry();
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
        let n = compress_chunk(&data, &cp, nat, 5).unwrap();
        for p in &all {
            let w = compress_chunk(&data, &cp, &p.registry, 5).unwrap();
            prop_assert_eq!(&w, &n, "{:?} and native chunks differ", p.lang);
            let mut out = vec![0; len];
            decompress_chunk(&w, &DParams::default(), &p.registry, 5, &mut out).unwrap();
            prop_assert_eq!(&out, &data);
            decompress_chunk(&w, &DParams::default(), nat, 5, &mut out).unwrap();
            prop_assert_eq!(&out, &data);
        }
    });
}

#[test]
fn tutorial_pipeline_compresses_and_threads_agree() {
    let data = i32_le_bytes(10_000..10_000 + 300_000);
    for p in all() {
        let mut one = schunk(p.registry.clone(), 184, first_slots(&[160]), 100_000, 1);
        let mut two = schunk(p.registry.clone(), 184, first_slots(&[160]), 100_000, 2);
        one.append(&data).unwrap();
        two.append(&data).unwrap();
        assert_eq!(chunks(&one), chunks(&two), "{:?}", p.lang);
        assert!(
            one.cratio() > 500.0,
            "{:?}: cratio {}",
            p.lang,
            one.cratio()
        );
        let mut out = vec![0; data.len()];
        two.get_slice(0..two.nitems(), &mut out).unwrap();
        assert_eq!(out, data, "{:?}", p.lang);
    }
}

#[test]
fn repeat_codec_writes_the_tutorial_bytes() {
    let data: Vec<u8> = std::iter::repeat_n(1234i32, 1000)
        .flat_map(i32::to_le_bytes)
        .collect();
    for p in all() {
        for (meta, count) in [(0u8, 1000u32.to_le_bytes()), (1, 1000u32.to_be_bytes())] {
            let cp = CParams {
                codec: 160,
                codec_meta: meta,
                typesize: 4,
                filters: FilterChain::new(),
                splitmode: SplitMode::Never,
                ..CParams::default()
            };
            let chunk = compress_chunk(&data, &cp, &p.registry, 0).unwrap();
            // header (32), one block start (4), stream size (4), then value + count.
            assert_eq!(chunk.len(), 48, "{:?}", p.lang);
            assert_eq!(&chunk[36..40], &8i32.to_le_bytes());
            assert_eq!(&chunk[40..44], &1234i32.to_le_bytes());
            assert_eq!(&chunk[44..48], &count);
        }
    }
}

#[test]
fn the_tutorial_metas_and_layouts() {
    let block: Vec<u8> = std::iter::repeat_n(1234i32, 10_000)
        .flat_map(i32::to_le_bytes)
        .collect();
    let seq = i32_le_bytes(10..110);
    for p in all() {
        let bi = info(block.len(), 4, 5);
        let le = encode(&*p.repeat, &block, 0, &bi).unwrap().unwrap();
        assert_eq!(le, [0xd2, 0x04, 0, 0, 0x10, 0x27, 0, 0], "{:?}", p.lang);
        let be = encode(&*p.repeat, &block, 1, &bi).unwrap().unwrap();
        assert_eq!(be, [0xd2, 0x04, 0, 0, 0, 0, 0x27, 0x10], "{:?}", p.lang);
        // The count is read in the order meta says.
        assert_eq!(decode(&*p.repeat, &be, 1, &bi).unwrap(), block);
        assert!(decode(&*p.repeat, &be, 0, &bi).is_err());

        let bi = info(seq.len(), 4, 5);
        let deltas = filter(&*p.delta, true, &seq, 0, &bi).unwrap();
        assert_eq!(deltas[..8], [10, 0, 0, 0, 1, 0, 0, 0], "{:?}", p.lang);
        let enc = encode(&*p.step, &deltas, 0, &bi).unwrap().unwrap();
        assert_eq!(enc, [10, 0, 0, 0, 1, 0, 0, 0], "{:?}", p.lang);
        let back = decode(&*p.step, &enc, 0, &bi).unwrap();
        assert_eq!(filter(&*p.delta, false, &back, 0, &bi).unwrap(), seq);
    }
}

/// Picks one codec of a language's plugins.
type Pick = fn(&Plugins) -> &Arc<dyn CodecPlugin>;

/// Every language's codec answers Rust's for `input`, and every language
/// decodes that answer; whether it was encoded (not stored raw), or the
/// error all of them answered.
fn codec_agrees(
    all: &[&Plugins],
    codec: Pick,
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
    what: &str,
) -> Result<bool, PluginError> {
    let [rust, others @ ..] = all else {
        unreachable!("Rust is always there")
    };
    let from_rust = encode(&**codec(rust), input, meta, bi);
    for p in others {
        let mine = encode(&**codec(p), input, meta, bi);
        assert_eq!(mine, from_rust, "{:?} encode, {what}", p.lang);
    }
    let Some(enc) = from_rust? else {
        return Ok(false);
    };
    for p in all {
        assert_eq!(
            decode(&**codec(p), &enc, meta, bi).as_deref(),
            Ok(input),
            "{:?} decode, {what}",
            p.lang
        );
    }
    Ok(true)
}

/// Every language's delta filter answers Rust's both ways (backward of
/// arbitrary bytes too), and every language undoes the forward output;
/// that output.
fn delta_agrees(
    all: &[&Plugins],
    input: &[u8],
    meta: u8,
    bi: &BlockInfo,
    what: &str,
) -> Result<Vec<u8>, PluginError> {
    let [rust, others @ ..] = all else {
        unreachable!("Rust is always there")
    };
    let fwd = filter(&*rust.delta, true, input, meta, bi);
    let back = filter(&*rust.delta, false, input, meta, bi);
    for p in others {
        assert_eq!(
            filter(&*p.delta, true, input, meta, bi),
            fwd,
            "{:?} forward, {what}",
            p.lang
        );
        assert_eq!(
            filter(&*p.delta, false, input, meta, bi),
            back,
            "{:?} backward, {what}",
            p.lang
        );
    }
    if let Ok(fwd) = &fwd {
        for p in all {
            assert_eq!(
                filter(&*p.delta, false, fwd, meta, bi).as_deref(),
                Ok(input),
                "{:?} back again, {what}",
                p.lang
            );
        }
    }
    fwd
}

fn repeat(p: &Plugins) -> &Arc<dyn CodecPlugin> {
    &p.repeat
}

fn step(p: &Plugins) -> &Arc<dyn CodecPlugin> {
    &p.step
}

/// Sizes of the cross-language comparisons: 0, 1, odd, block multiples,
/// 64 KiB and 1 MiB.
const SIZES: [usize; 9] = [0, 1, 7, 1001, 256, 4096, 12, 64 << 10, 1 << 20];
const TYPESIZES: [u32; 5] = [1, 2, 4, 8, 3];

#[test]
fn codecs_answer_the_rust_bytes_and_decode_each_other() {
    let all = all();
    for (name, codec) in [("repeat", repeat as Pick), ("step", step)] {
        let mut compressed = 0;
        for &size in &SIZES {
            for &ts in &TYPESIZES {
                for shape in 0..4 {
                    let input = shaped(size, ts as usize, shape, size as u8 ^ 0x31);
                    let bi = info(size, ts, 5);
                    for meta in [0u8, 1] {
                        let what = format!(
                            "{name}: size {size}, typesize {ts}, shape {shape}, meta {meta}"
                        );
                        compressed += usize::from(
                            codec_agrees(&all, codec, &input, meta, &bi, &what) == Ok(true),
                        );
                    }
                }
            }
        }
        // Sizes of at least three items, of the one shape each codec
        // compresses, both metas.
        assert!(compressed >= 40, "{name}: {compressed} blocks compressed");
    }
}

#[test]
fn delta_answers_the_rust_bytes_both_ways() {
    let all = all();
    for &size in &SIZES {
        for ts in TYPESIZES.into_iter().chain([5, 16, 0]) {
            for shape in [1, 3] {
                let input = shaped(size, ts as usize, shape, 0x77);
                let bi = info(size, ts, 5);
                for meta in [0u8, 1] {
                    let what = format!("size {size}, typesize {ts}, shape {shape}, meta {meta}");
                    let _ = delta_agrees(&all, &input, meta, &bi, &what);
                }
            }
        }
    }
}

/// The tutorial's pipeline step by step: the delta filter on every shape,
/// then the codecs on the data and on its deltas, in blocks of every index.
#[test]
fn pipeline_steps_answer_the_rust_bytes() {
    let all = all();
    const STEP_SIZES: [usize; 9] = [0, 1, 7, 1001, 256, 4096, 65_536, 65_536 + 3, 1 << 20];
    let mut encoded = [0usize; 2];
    for len in STEP_SIZES {
        for ts in [1u32, 2, 4, 8] {
            for meta in [0u8, 1] {
                for (block, shape) in [0u8, 1, 4, 5, 3].into_iter().enumerate() {
                    let input = shaped(len, ts as usize, shape, len as u8 ^ meta);
                    let bi = info(len, ts, block as u32);
                    let what = format!("len {len} typesize {ts} meta {meta} shape {shape}");
                    let fwd = delta_agrees(&all, &input, meta, &bi, &what).unwrap();
                    for data in [&input, &fwd] {
                        for (n, codec) in [repeat as Pick, step].into_iter().enumerate() {
                            let encodes = codec_agrees(&all, codec, data, meta, &bi, &what);
                            encoded[n] += usize::from(encodes.expect("encodes or declines"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        encoded[0] > 30 && encoded[1] > 30,
        "too few blocks encoded: {encoded:?}"
    );
}

/// The errors are the Rust plugins' too, word for word.
#[test]
fn decoders_refuse_what_the_rust_decoders_refuse_with_the_same_words() {
    let bi = |typesize: u32, blocksize: u32| BlockInfo {
        typesize,
        blocksize,
        ..BlockInfo::default()
    };
    let decodes: [(&[u8], BlockInfo); 11] = [
        (&[1, 0, 0, 0, 3, 0, 0], bi(4, 12)),
        (&[1, 0, 0, 0, 4, 0, 0, 0], bi(4, 12)),
        (&[1, 0, 0, 0, 0, 0, 0, 3], bi(4, 12)),
        (&[1, 2, 3, 4, 5, 6, 7, 8], bi(4, 6)),
        (&[1, 2], bi(1, 0)),
        (&[], bi(1, 0)),
        (&[1, 2, 3], bi(2, 6)),
        (&[1, 2, 3, 4], bi(0, 8)),
        (&[1, 2, 3, 4], bi(0, 12)),
        (&[], bi(4, 16)),
        (&[0xff; 8], bi(u32::MAX, 16)),
    ];
    let all = all();
    let [rust, others @ ..] = &all[..] else {
        unreachable!("Rust is always there")
    };
    for p in others {
        let mut refused = 0;
        for (input, bi) in &decodes {
            for meta in [0, 1] {
                for (mine, theirs) in [(&p.repeat, &rust.repeat), (&p.step, &rust.step)] {
                    let answer = decode(&**mine, input, meta, bi);
                    assert_eq!(
                        answer,
                        decode(&**theirs, input, meta, bi),
                        "{:?}: {input:?} {bi:?}",
                        p.lang
                    );
                    refused += usize::from(matches!(answer, Err(PluginError::Refused { .. })));
                }
            }
        }
        assert!(refused >= 20, "{:?}: {refused}", p.lang);
    }
    let zero = bi(0, 4);
    for p in &all {
        for data in [&[1u8, 2, 3, 4][..], &[]] {
            let mine = filter(&*p.delta, true, data, 0, &zero);
            assert!(
                matches!(&mine, Err(PluginError::Refused { message }) if message == "typesize is 0"),
                "{:?}: {mine:?}",
                p.lang
            );
            assert_eq!(
                filter(&*p.delta, false, data, 0, &zero),
                filter(&*rust.delta, false, data, 0, &zero),
                "{:?}",
                p.lang
            );
            assert_eq!(encode(&*p.repeat, data, 0, &zero), Ok(None), "{:?}", p.lang);
            assert_eq!(encode(&*p.step, data, 0, &zero), Ok(None), "{:?}", p.lang);
        }
    }
}
