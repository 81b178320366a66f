//! `NdArray` end to end: compress in C order, read slices back, and count
//! what a slice decodes.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use sandpress_format::ids;

use super::{ArrayError, Layout, NdArray, SliceError, SliceStats};
use crate::plugin::{BlockInfo, PluginError, PluginKind, PluginMeta};
use crate::test_plugins::FnCodec;
use crate::{CParams, DParams, FilterChain, Registry, SplitMode};

fn f64s(n: u64) -> Vec<u8> {
    (0..n)
        .flat_map(|i| (i as f64 * 0.5).to_le_bytes())
        .collect()
}

/// The slice of a C-order array, item by item.
fn reference(data: &[u8], shape: &[u64], itemsize: usize, slice: &[Range<u64>]) -> Vec<u8> {
    let mut out = Vec::new();
    let dims = Layout::slice_shape(slice);
    let n: u64 = dims.iter().product();
    for o in 0..n {
        let (mut rest, mut k) = (o, 0u64);
        let mut idx = vec![0; dims.len()];
        for a in (0..dims.len()).rev() {
            idx[a] = rest % dims[a];
            rest /= dims[a];
        }
        for a in 0..dims.len() {
            k = k * shape[a] + idx[a] + slice[a].start;
        }
        let k = k as usize * itemsize;
        out.extend_from_slice(&data[k..k + itemsize]);
    }
    out
}

/// LZ4 as a user codec, counting its decode calls in `decodes`.
fn counting_lz4(decodes: Arc<AtomicUsize>) -> FnCodec {
    let meta = PluginMeta {
        id: 200,
        kind: PluginKind::Codec,
        name: "counting-lz4".into(),
        version: "1".into(),
        sha256: [0; 32],
    };
    let encode = |input: &[u8], _: &BlockInfo, out: &mut Vec<u8>| {
        out.resize(input.len() + input.len() / 255 + 16, 0);
        let n = crate::codecs::compress_into(ids::LZ4, 5, input, out)
            .map_err(|message| PluginError::Refused { message })?;
        match n {
            Some(n) => {
                out.truncate(n);
                Ok(true)
            }
            None => Ok(false),
        }
    };
    let decode = move |input: &[u8], _: &BlockInfo, out: &mut [u8]| {
        decodes.fetch_add(1, Ordering::SeqCst);
        crate::codecs::decompress(ids::LZ4, input, out)
            .map_err(|message| PluginError::Refused { message })
    };
    FnCodec::new(meta, encode, decode)
}

#[test]
fn a_slice_decodes_only_the_blocks_it_touches() {
    let decodes = Arc::new(AtomicUsize::new(0));
    let codec = Arc::new(counting_lz4(decodes.clone()));
    let mut reg = Registry::new();
    reg.register_codec(codec.clone()).unwrap();
    let cp = CParams {
        codec: 200,
        splitmode: SplitMode::Never,
        filters: FilterChain::of(&[(ids::SHUFFLE, 0)]).unwrap(),
        ..CParams::default()
    };
    // (30, 40) float64 in chunks (10, 20), blocks (5, 10): 6 chunks of 4 blocks.
    let layout = Layout::new(&[30, 40], &[10, 20], &[5, 10], 8).unwrap();
    let data = f64s(1200);
    let a = NdArray::from_c_order(layout, "<f8", cp, DParams::default(), reg, &data).unwrap();
    let cases: [(&[Range<u64>], SliceStats); 4] = [
        // Inside one block.
        (
            &[2..4, 3..7],
            SliceStats {
                chunks: 1,
                blocks: 1,
            },
        ),
        // One block of one chunk, not its first.
        (
            &[6..9, 11..13],
            SliceStats {
                chunks: 1,
                blocks: 1,
            },
        ),
        // One block in each of four chunks.
        (
            &[8..12, 18..22],
            SliceStats {
                chunks: 4,
                blocks: 4,
            },
        ),
        // Every block of chunk 0: decoded whole.
        (
            &[4..6, 8..12],
            SliceStats {
                chunks: 1,
                blocks: 4,
            },
        ),
    ];
    for (slice, want) in cases {
        decodes.store(0, Ordering::SeqCst);
        let mut out = vec![0; Layout::slice_shape(slice).iter().product::<u64>() as usize * 8];
        let stats = a.slice_into(slice, &mut out).unwrap();
        assert_eq!(out, reference(&data, &[30, 40], 8, slice), "{slice:?}");
        assert_eq!(stats, want, "{slice:?}");
        assert_eq!(
            decodes.load(Ordering::SeqCst) as u64,
            want.blocks,
            "{slice:?}"
        );
    }
}

#[test]
fn shape_of_no_axes_and_size_zero() {
    let one = NdArray::from_c_order(
        Layout::new(&[], &[], &[], 16).unwrap(),
        "<c16",
        CParams::default(),
        DParams::default(),
        Registry::new(),
        &[7; 16],
    )
    .unwrap();
    assert_eq!(one.schunk().nchunks(), 1);
    assert_eq!(one.to_c_order().unwrap(), [7; 16]);
    let empty = NdArray::from_c_order(
        Layout::new(&[0, 5], &[0, 5], &[0, 5], 2).unwrap(),
        "<i2",
        CParams::default(),
        DParams::default(),
        Registry::new(),
        &[],
    )
    .unwrap();
    assert_eq!(empty.schunk().nchunks(), 0);
    assert!(empty.to_c_order().unwrap().is_empty());
    assert_eq!(
        empty.meta().to_bytes().unwrap().len(),
        3 + 3 + 2 * 19 + 6 + 3
    );
}

#[test]
fn bad_slices_buffers_and_super_chunks_are_typed_errors() {
    let layout = Layout::new(&[6, 4], &[4, 4], &[2, 2], 1).unwrap();
    let a = NdArray::from_c_order(
        layout,
        "|u1",
        CParams::default(),
        DParams::default(),
        Registry::new(),
        &[1; 24],
    )
    .unwrap();
    assert!(matches!(
        a.get_slice(&[0..7, 0..4]),
        Err(ArrayError::Slice(SliceError::Range { axis: 0, .. }))
    ));
    assert!(matches!(
        a.slice_into(&[0..2, 0..2], &mut [0; 5]),
        Err(ArrayError::BufferSize {
            expected: 4,
            found: 5
        })
    ));
    let (sc, mut meta) = a.into_parts();
    meta.shape[0] = 9;
    assert!(matches!(
        NdArray::from_schunk(sc.clone(), &meta),
        Err(ArrayError::Chunk { chunk: 2, .. })
    ));
    meta.shape[0] = 6;
    assert_eq!(
        NdArray::from_schunk(sc, &meta)
            .unwrap()
            .to_c_order()
            .unwrap(),
        [1; 24]
    );
    let wrong = NdArray::from_c_order(
        Layout::new(&[2], &[2], &[1], 1).unwrap(),
        "|u1",
        CParams::default(),
        DParams::default(),
        Registry::new(),
        &[1; 3],
    );
    assert!(matches!(
        wrong,
        Err(ArrayError::BufferSize {
            expected: 2,
            found: 3
        })
    ));
}

/// Shape, chunk, block, slice start and end of one axis.
type Axis = (u64, u64, u64, u64, u64);

/// Axes, item size, codec, threads.
fn case() -> impl Strategy<Value = (Vec<Axis>, usize, u8, usize)> {
    (1..=4usize, 1..=3usize).prop_flat_map(|(nd, itemsize)| {
        let max: u64 = if nd <= 2 { 40 } else { 9 };
        // Weighted towards chunks smaller than the axis, blocks as long as
        // the chunk and slices of the whole axis (chunks decoded whole, in
        // place), with the rest random (chunks decoded block by block).
        let axis = (1..=max)
            .prop_flat_map(|s: u64| (Just(s), prop_oneof![3 => 1..=s, 1 => 1..=s + 2]))
            .prop_flat_map(|(s, c)| {
                let b = prop_oneof![Just(c), 1..=c];
                (Just(s), Just(c), b, prop::bool::weighted(0.4), 0..=s)
            })
            .prop_flat_map(|(s, c, b, whole, lo)| {
                let (lo, hi) = if whole {
                    (0, Just(s).boxed())
                } else {
                    (lo, (lo..=s).boxed())
                };
                (Just(s), Just(c), Just(b), Just(lo), hi)
            });
        (
            prop::collection::vec(axis, nd),
            Just(itemsize),
            prop_oneof![Just(ids::ZSTD), Just(ids::LZ4), Just(ids::BLOSCLZ)],
            1..=2usize,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn slices_equal_the_array((axes, itemsize, codec, nthreads) in case(), seed in any::<u8>()) {
        let shape: Vec<u64> = axes.iter().map(|a| a.0).collect();
        let chunks: Vec<u64> = axes.iter().map(|a| a.1).collect();
        let blocks: Vec<u64> = axes.iter().map(|a| a.2).collect();
        let slice: Vec<Range<u64>> = axes.iter().map(|a| a.3..a.4).collect();
        let layout = Layout::new(&shape, &chunks, &blocks, itemsize).unwrap();
        let data: Vec<u8> = (0..layout.nbytes()).map(|i| (i / 3) as u8 ^ seed).collect();
        let cp = CParams { codec, nthreads, filters: FilterChain::of(&[(ids::SHUFFLE, 0)]).unwrap(), ..CParams::default() };
        let dp = DParams { nthreads, ..DParams::default() };
        let a = NdArray::from_c_order(layout, "|V", cp, dp, Registry::new(), &data).unwrap();
        prop_assert_eq!(a.get_slice(&slice).unwrap(), reference(&data, &shape, itemsize, &slice));
        prop_assert_eq!(a.to_c_order().unwrap(), data);
    }
}
