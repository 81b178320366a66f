//! Round trips of the native plugins over generated blocks (sizes 0, 1,
//! odd and whole multiples of the item size; item sizes 1 to 16), and the
//! tutorial's byte layouts.

use proptest::prelude::*;

use super::*;

/// How the items of a generated block relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Independent random bytes.
    Random,
    /// One random item repeated.
    Repeated,
    /// An arithmetic sequence: items of 1, 2, 4 or 8 bytes are
    /// little-endian integers `start + k * step`; other sizes are byte
    /// lanes that each step on their own (what the delta filter undoes).
    Arithmetic,
}

/// A generated block.
#[derive(Debug, Clone)]
struct Block {
    data: Vec<u8>,
    typesize: usize,
    items: usize,
    /// Trailing bytes after the whole items (`0..typesize`).
    extra: usize,
    shape: Shape,
}

impl Block {
    fn info(&self) -> BlockInfo {
        BlockInfo {
            typesize: self.typesize as u32,
            blocksize: self.data.len() as u32,
            ..BlockInfo::default()
        }
    }
}

/// splitmix64: a tiny deterministic generator, so a block is a function of
/// its seed (and proptest shrinks the seed, not megabytes of bytes).
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..len).map(|_| next() as u8).collect()
}

fn arithmetic(typesize: usize, items: usize, start: &[u8], step: &[u8]) -> Vec<u8> {
    let word = |bytes: &[u8]| {
        let mut buf = [0u8; 8];
        buf[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        u64::from_le_bytes(buf)
    };
    let mut out = Vec::with_capacity(items * typesize);
    for k in 0..items as u64 {
        if matches!(typesize, 1 | 2 | 4 | 8) {
            let value = word(start).wrapping_add(word(step).wrapping_mul(k));
            out.extend_from_slice(&value.to_le_bytes()[..typesize]);
        } else {
            out.extend(
                start
                    .iter()
                    .zip(step)
                    .map(|(s, d)| s.wrapping_add(d.wrapping_mul(k as u8))),
            );
        }
    }
    out
}

fn make_block(typesize: usize, items: usize, extra: usize, shape: Shape, seed: u64) -> Block {
    let random = random_bytes(seed, (items + 2) * typesize + extra);
    let mut data = match shape {
        Shape::Random => random[..items * typesize].to_vec(),
        Shape::Repeated => random[..typesize].repeat(items),
        Shape::Arithmetic => arithmetic(
            typesize,
            items,
            &random[..typesize],
            &random[typesize..2 * typesize],
        ),
    };
    data.extend_from_slice(&random[random.len() - extra..]);
    Block {
        data,
        typesize,
        items,
        extra,
        shape,
    }
}

/// Blocks of every shape: 0 to 3 items, up to 300, or 1024; a third of
/// them whole items, the others with 1 to `typesize - 1` trailing bytes.
fn block() -> impl Strategy<Value = Block> {
    let items = prop_oneof![0usize..=3, 4usize..=300, Just(1024)];
    let shape = prop_oneof![
        Just(Shape::Random),
        Just(Shape::Repeated),
        Just(Shape::Arithmetic)
    ];
    (1usize..=16, items, any::<usize>(), shape, any::<u64>()).prop_map(
        |(typesize, items, extra, shape, seed)| {
            let extra = if extra % 3 == 0 { 0 } else { extra % typesize };
            make_block(typesize, items, extra, shape, seed)
        },
    )
}

/// Arithmetic sequences of at least three whole items.
fn sequence() -> impl Strategy<Value = Block> {
    (1usize..=16, 3usize..=300, any::<u64>())
        .prop_map(|(typesize, items, seed)| make_block(typesize, items, 0, Shape::Arithmetic, seed))
}

/// Encodes then, if the codec accepted, decodes; returns the encoded bytes.
fn codec_round_trip(codec: &dyn CodecPlugin, block: &Block, meta: u8) -> Option<Vec<u8>> {
    let info = block.info();
    let mut encoded = vec![0xee; 3];
    if !codec
        .encode(&block.data, meta, &info, &mut encoded)
        .unwrap()
    {
        assert_eq!(encoded, [0xee; 3], "a declining encoder leaves `out` alone");
        return None;
    }
    assert!(
        encoded.len() < block.data.len(),
        "accepted but did not shrink"
    );
    let mut decoded = vec![0; block.data.len()];
    codec.decode(&encoded, meta, &info, &mut decoded).unwrap();
    assert_eq!(decoded, block.data);
    Some(encoded)
}

/// Forward then backward; returns the forward output.
fn filter_round_trip(filter: &dyn FilterPlugin, block: &Block, meta: u8) -> Vec<u8> {
    let info = block.info();
    let mut forward = vec![0; block.data.len()];
    filter
        .forward(&block.data, meta, &info, &mut forward)
        .unwrap();
    let mut backward = vec![0; block.data.len()];
    filter
        .backward(&forward, meta, &info, &mut backward)
        .unwrap();
    assert_eq!(backward, block.data);
    let body = block.items * block.typesize;
    assert_eq!(
        forward[body..],
        block.data[body..],
        "trailing bytes are kept"
    );
    forward
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn repeat_codec_round_trips(block in block(), meta in 0u8..=2) {
        let encoded = codec_round_trip(&RepeatCodec::new(), &block, meta);
        let bytes = block.data.len();
        let should = block.extra == 0
            && block.typesize + 4 < bytes
            && (block.shape == Shape::Repeated || block.items == 1);
        if should {
            let encoded = encoded.expect("a repeated block is encoded");
            prop_assert_eq!(&encoded[..block.typesize], &block.data[..block.typesize]);
            prop_assert_eq!(encoded.len(), block.typesize + 4);
        }
    }

    #[test]
    fn step_codec_round_trips(block in block(), meta in any::<u8>()) {
        let encoded = codec_round_trip(&StepCodec::new(), &block, meta);
        if block.shape == Shape::Repeated && block.extra == 0 && block.items >= 3 {
            prop_assert_eq!(encoded.map(|e| e.len()), Some(2 * block.typesize));
        }
    }

    #[test]
    fn delta_filter_round_trips(block in block(), meta in any::<u8>()) {
        let forward = filter_round_trip(&DeltaFilter::new(), &block, meta);
        let first = block.typesize.min(block.items * block.typesize);
        prop_assert_eq!(&forward[..first], &block.data[..first]);
    }

    #[test]
    fn byte_shuffle_round_trips(block in block(), meta in any::<u8>()) {
        let forward = filter_round_trip(&ByteShuffle::new(), &block, meta);
        let (n, t) = (block.items, block.typesize);
        for i in 0..n {
            for j in 0..t {
                prop_assert_eq!(forward[j * n + i], block.data[i * t + j]);
            }
        }
    }

    /// The tutorial's pipeline: the delta filter turns an arithmetic
    /// sequence into `start, step, step, ...`, which the step codec stores
    /// in two items.
    #[test]
    fn delta_then_step_stores_a_sequence_in_two_items(block in sequence()) {
        let filtered = filter_round_trip(&DeltaFilter::new(), &block, 0);
        let filtered = Block { data: filtered, ..block.clone() };
        let encoded = codec_round_trip(&StepCodec::new(), &filtered, 0);
        prop_assert_eq!(encoded.map(|e| e.len()), Some(2 * block.typesize));
    }
}

fn int32s(values: impl IntoIterator<Item = i32>) -> Vec<u8> {
    values.into_iter().flat_map(i32::to_le_bytes).collect()
}

#[test]
fn repeat_codec_writes_the_tutorials_bytes_for_both_metas() {
    // The tutorial: np.full(10_000, 1234, dtype=int32); output = value, then
    // the count in 4 bytes, little-endian if meta == 0 else big-endian.
    let codec = RepeatCodec::new();
    let block = int32s([1234; 10_000]);
    let info = BlockInfo {
        typesize: 4,
        blocksize: 40_000,
        ..BlockInfo::default()
    };
    let mut value = 1234i32.to_le_bytes().to_vec();
    for (meta, count) in [(0, 10_000u32.to_le_bytes()), (1, 10_000u32.to_be_bytes())] {
        let mut out = Vec::new();
        assert!(codec.encode(&block, meta, &info, &mut out).unwrap());
        value.truncate(4);
        value.extend_from_slice(&count);
        assert_eq!(out, value, "meta {meta}");
        let mut back = vec![0; block.len()];
        codec.decode(&out, meta, &info, &mut back).unwrap();
        assert_eq!(back, block);
    }
    assert_eq!(
        int32s([1234, 0]).as_slice(),
        [0xd2, 0x04, 0, 0, 0, 0, 0, 0],
        "1234 is d2 04 little-endian"
    );
}

#[test]
fn tutorial_pipeline_on_arange() {
    // new_data = np.arange(chunk_len, chunk_len * 4, dtype=int32), one block.
    let block = int32s(10_000..40_000);
    let info = BlockInfo {
        typesize: 4,
        blocksize: block.len() as u32,
        ..BlockInfo::default()
    };
    let mut filtered = vec![0; block.len()];
    DeltaFilter::new()
        .forward(&block, 0, &info, &mut filtered)
        .unwrap();
    let mut encoded = Vec::new();
    assert!(
        StepCodec::new()
            .encode(&filtered, 0, &info, &mut encoded)
            .unwrap()
    );
    assert_eq!(encoded, int32s([10_000, 1]));
}

#[test]
fn decoders_refuse_bad_input_with_the_algorithms_message() {
    let info = BlockInfo {
        typesize: 4,
        blocksize: 16,
        ..BlockInfo::default()
    };
    let mut out = [0u8; 16];
    let err = RepeatCodec::new()
        .decode(&[1, 2, 3], 0, &info, &mut out)
        .unwrap_err();
    assert_eq!(
        err,
        PluginError::Refused {
            message: "encoded block holds 3 bytes where 8 were expected".into()
        }
    );
    let err = StepCodec::new()
        .decode(
            &[0; 8],
            0,
            &BlockInfo {
                typesize: 0,
                ..info
            },
            &mut out,
        )
        .unwrap_err();
    assert!(matches!(err, PluginError::Refused { .. }), "{err}");
    let err = DeltaFilter::new()
        .forward(&[0; 4], 0, &info, &mut out)
        .unwrap_err();
    assert!(err.to_string().contains("output holds 16 bytes"), "{err}");
}

#[test]
fn metas_and_lookups() {
    let expected = [
        ("repeat-codec", PluginKind::Codec, 160),
        ("delta-filter", PluginKind::Filter, 160),
        ("step-codec", PluginKind::Codec, 184),
        ("byte-shuffle", PluginKind::Filter, 161),
    ];
    for (name, kind, id) in expected {
        let meta = match kind {
            PluginKind::Codec => codec(name).unwrap().meta().clone(),
            _ => filter(name).unwrap().meta().clone(),
        };
        assert_eq!((meta.name.as_str(), meta.kind, meta.id), (name, kind, id));
        assert_eq!(meta.sha256, [0; 32]);
        let example = crate::example(name).unwrap();
        assert_eq!((example.kind, example.id), (kind, id));
    }
    assert!(codec("delta-filter").is_none());
    assert!(filter("repeat-codec").is_none());
}
