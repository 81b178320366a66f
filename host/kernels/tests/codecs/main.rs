//! The built-in codecs on their own, through the public API core uses:
//! streams of the interop vectors python-blosc2 wrote (see
//! `tests-data/codecs/`), hostile BloscLZ streams, zlib round trips, and the
//! BloscLZ encoder.

mod vectors;

use proptest::prelude::*;
use sandpress_format::{BlockData, ChunkView, Stream, ids};
use sandpress_kernels::codecs::{blosclz, compress_into, decompress};
use vectors::{BLOSCLZ_VECTORS, vectors};

/// [`compress_into`] with the room the pipeline gives (one byte less than
/// the input): the stream, or `None` when it does not fit.
fn compress(codec: u8, clevel: u8, src: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0; src.len().saturating_sub(1)];
    let n = compress_into(codec, clevel, src, &mut out).unwrap()?;
    out.truncate(n);
    Some(out)
}
/// Every codec stream of the chunks of a vector file.
fn streams(file: &[u8]) -> Vec<(String, Vec<u8>, usize)> {
    let mut out = Vec::new();
    for v in vectors(file) {
        let view = ChunkView::parse(v.chunk).unwrap();
        for j in 0..view.header().nblocks() {
            if let Ok(BlockData::Streams(it)) = view.block(j) {
                let len = it.stream_len();
                for s in it {
                    if let Ok(Stream::Compressed(bytes)) = s {
                        out.push((v.name.clone(), bytes.to_vec(), len));
                    }
                }
            }
        }
    }
    out
}

/// What kinds of instructions a BloscLZ stream holds (a scan of the format,
/// independent of the decoder).
#[derive(Default, Debug)]
struct Kinds {
    literals: usize,
    near: usize,
    far: usize,
    overlapping: usize,
    len_over_255: usize,
    run_over_65535: usize,
    /// Whether the last instruction is a literal run.
    ends_on_literals: bool,
}

fn scan(s: &[u8], kinds: &mut Kinds) {
    let mut i = 1;
    let mut ctrl = s[0] & 31;
    loop {
        kinds.ends_on_literals = ctrl < 32;
        if ctrl < 32 {
            kinds.literals += 1;
            i += usize::from(ctrl) + 1;
        } else {
            let mut len = usize::from(ctrl >> 5) + 2;
            if ctrl >> 5 == 7 {
                while s[i] == 255 {
                    len += 255;
                    i += 1;
                }
                len += usize::from(s[i]);
                i += 1;
            }
            let high = usize::from(ctrl & 31);
            let dist = if high == 31 && s[i] == 255 {
                i += 3;
                8192 + (usize::from(s[i - 2]) << 8 | usize::from(s[i - 1]))
            } else {
                i += 1;
                high * 256 + usize::from(s[i - 1]) + 1
            };
            if dist > 8191 {
                kinds.far += 1;
            } else {
                kinds.near += 1;
            }
            kinds.overlapping += usize::from(dist > 1 && dist < len);
            kinds.len_over_255 += usize::from(len > 255 && dist > 1);
            kinds.run_over_65535 += usize::from(len > 65535 && dist == 1);
        }
        match s.get(i) {
            Some(&c) => ctrl = c,
            None => break,
        }
        i += 1;
    }
}

#[test]
fn blosclz_vectors_cover_every_instruction_kind() {
    let mut k = Kinds::default();
    for (_, s, _) in streams(BLOSCLZ_VECTORS) {
        scan(&s, &mut k);
    }
    assert!(
        k.literals > 0
            && k.near > 0
            && k.far > 0
            && k.overlapping > 0
            && k.len_over_255 > 0
            && k.run_over_65535 > 0,
        "{k:?}"
    );
}

/// Mutations of a valid stream: flipped, inserted and removed bytes, and a cut.
fn mutate(s: &[u8], edits: &[(usize, u8, u8)], cut: usize) -> Vec<u8> {
    let mut s = s.to_vec();
    for &(at, kind, byte) in edits {
        if s.is_empty() {
            break;
        }
        let at = at % s.len();
        match kind % 4 {
            0 => s[at] ^= byte | 1,
            1 => s[at] = byte,
            2 => s.insert(at, byte),
            _ => {
                s.remove(at);
            }
        }
    }
    s.truncate(cut.min(s.len()));
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn blosclz_mutated_streams_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
        slack in -64isize..64,
    ) {
        let all = streams(BLOSCLZ_VECTORS);
        let (_, s, len) = pick.get(&all);
        let m = mutate(s, &edits, cut);
        let mut out = vec![0u8; len.saturating_add_signed(slack)];
        if let Ok(n) = blosclz::decompress(&m, &mut out) {
            prop_assert!(n <= out.len());
        }
        let _ = decompress(ids::BLOSCLZ, &m, &mut out);
    }

    #[test]
    fn blosclz_random_bytes_never_panic(
        s in prop::collection::vec(any::<u8>(), 0..600),
        len in 0usize..4000,
    ) {
        let mut out = vec![0u8; len];
        if let Ok(n) = blosclz::decompress(&s, &mut out) {
            prop_assert!(n <= len);
        }
    }

    #[test]
    fn zlib_round_trips(
        data in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..3000),
            prop::collection::vec(0u8..4, 0..30000),
        ],
        clevel in 0u8..=9,
    ) {
        if let Some(c) = compress(ids::ZLIB, clevel, &data) {
            prop_assert!(c.len() < data.len());
            let mut out = vec![0u8; data.len()];
            decompress(ids::ZLIB, &c, &mut out).unwrap();
            prop_assert_eq!(&out, &data);
            // Too small an output, or a cut stream, is an error.
            if !data.is_empty() {
                prop_assert!(decompress(ids::ZLIB, &c, &mut out[1..]).is_err());
            }
            let mut out = vec![0u8; data.len()];
            prop_assert!(decompress(ids::ZLIB, &c[..c.len() - 1], &mut out).is_err());
        } else {
            prop_assert!(clevel == 0 || data.len() < 64 || data.iter().any(|&b| b > 3));
        }
    }
}

#[test]
fn zlib_streams_have_the_zlib_header_and_level() {
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let c = compress(ids::ZLIB, 9, &data).expect("compressible");
    // CMF 0x78 (deflate, 32 KiB window); FLEVEL 3 (maximum) in FLG.
    assert_eq!(c[0], 0x78);
    assert_eq!(c[1] >> 6, 3);
    assert_eq!((u16::from(c[0]) << 8 | u16::from(c[1])) % 31, 0);
}

/// Test data for the BloscLZ encoder: `kind` picks random bytes, a small
/// alphabet, runs, or random segments repeated up to 80,000 bytes later.
fn encoder_data(kind: u8, len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let r = next();
        match kind % 4 {
            0 => out.push(r as u8),
            1 => out.push((r % 3) as u8),
            2 => out.extend(std::iter::repeat_n(r as u8, (r >> 8) as usize % 300)),
            _ => {
                let back = 1 + (r >> 8) as usize % 80_000;
                let n = 1 + (r >> 32) as usize % 200;
                if back <= out.len() && r % 4 != 0 {
                    let from = out.len() - back;
                    for i in 0..n {
                        out.push(out[from + i]);
                    }
                } else {
                    out.extend((0..n).map(|i| (r >> (i % 8 * 8)) as u8 ^ i as u8));
                }
            }
        }
    }
    out.truncate(len);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn blosclz_encoder_round_trips(
        kind in 0u8..4,
        len in prop_oneof![0usize..100, 100usize..5000, 60_000usize..200_000],
        clevel in 1u8..=9,
        seed in any::<u64>(),
    ) {
        let data = encoder_data(kind, len, seed);
        let mut s = Vec::new();
        if blosclz::compress(clevel, &data, &mut s, usize::MAX) {
            let mut out = vec![0u8; data.len()];
            prop_assert_eq!(blosclz::decompress(&s, &mut out), Ok(data.len()));
            prop_assert!(out == data);
            // C-Blosc2's decoder drops a match that ends the stream.
            let mut k = Kinds::default();
            scan(&s, &mut k);
            prop_assert!(k.ends_on_literals);
            prop_assert!(s[0] & 0x20 != 0, "C-Blosc2's marker");
            // With room for one byte less, it gives up.
            let maxout = s.len() - 1;
            prop_assert!(!blosclz::compress(clevel, &data, &mut s, maxout));
        } else {
            prop_assert!(data.len() < 16);
        }
    }
}

#[test]
fn blosclz_encoder_writes_far_and_long_matches() {
    let data = encoder_data(3, 300_000, 7);
    let mut s = Vec::new();
    assert!(blosclz::compress(9, &data, &mut s, data.len() - 1));
    let mut k = Kinds::default();
    scan(&s, &mut k);
    assert!(k.far > 0 && k.near > 0 && k.overlapping > 0, "{k:?}");
    let runs = [vec![1u8; 10], vec![7; 100_000], vec![2; 10]].concat();
    assert!(blosclz::compress(1, &runs, &mut s, runs.len() - 1));
    let mut k = Kinds::default();
    scan(&s, &mut k);
    assert!(k.run_over_65535 > 0, "{k:?}");
    let mut out = vec![0; runs.len()];
    assert_eq!(blosclz::decompress(&s, &mut out), Ok(runs.len()));
    assert_eq!(out, runs);
}
