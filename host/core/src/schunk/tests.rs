//! Super-chunk behaviour: slices across chunk edges, edits, codec changes,
//! and failures that leave everything as it was.

use std::sync::Arc;

use sandpress_format::ids;
use sandpress_test_support::u32_le_bytes;

use super::SChunk;
use crate::plugin::{BlockInfo, PluginError, PluginKind, PluginMeta};
use crate::test_plugins::FnCodec;
use crate::{CParams, DParams, Error, FilterChain, Registry};

fn schunk(chunk_items: usize) -> SChunk {
    let cp = CParams {
        typesize: 4,
        ..CParams::default()
    };
    SChunk::new(chunk_items * 4, cp, DParams::default(), Registry::new()).unwrap()
}

/// A codec that stores blocks reversed (then declines: they are stored
/// raw), and fails on a block starting with 0xEE.
fn reverse(id: u8) -> Arc<FnCodec> {
    let meta = PluginMeta {
        id,
        kind: PluginKind::Codec,
        name: format!("reverse{id}"),
        version: "1".into(),
        sha256: [0; 32],
    };
    let encode = |input: &[u8], _: &BlockInfo, out: &mut Vec<u8>| {
        if input.first() == Some(&0xEE) {
            return Err(PluginError::Refused {
                message: "no".into(),
            });
        }
        out.clear();
        out.extend(input.iter().rev().take(input.len() - 1));
        Ok(false)
    };
    let decode = |input: &[u8], _: &BlockInfo, out: &mut [u8]| {
        out.copy_from_slice(input);
        Ok(())
    };
    Arc::new(FnCodec::new(meta, encode, decode))
}

#[test]
fn slices_across_chunk_edges() {
    let mut sc = schunk(100);
    sc.append(&u32_le_bytes(0..1050)).unwrap();
    assert_eq!(sc.nchunks(), 11);
    assert_eq!(sc.nitems(), 1050);
    let mut out = vec![0; 4 * 250];
    sc.get_slice(95..345, &mut out).unwrap();
    assert_eq!(out, u32_le_bytes(95..345));
    // Overwrite across three chunks, and past the end.
    let new = u32_le_bytes(5000..5250);
    sc.set_slice(180, &new).unwrap();
    let mut all = vec![0; 4 * 1050];
    sc.get_slice(0..1050, &mut all).unwrap();
    let mut expect = u32_le_bytes(0..1050);
    expect[180 * 4..430 * 4].copy_from_slice(&new);
    assert_eq!(all, expect);
    sc.set_slice(1000, &u32_le_bytes(0..120)).unwrap();
    assert_eq!(sc.nitems(), 1120);
    let mut tail = vec![0; 120 * 4];
    sc.get_slice(1000..1120, &mut tail).unwrap();
    assert_eq!(tail, u32_le_bytes(0..120));
    assert!(matches!(
        sc.get_slice(1100..1121, &mut [0; 84]),
        Err(Error::OutOfRange { .. })
    ));
}

/// A slice of 32 MiB or more is streamed past the caches: the same bytes,
/// on one thread and on two, whole chunks and the partial ones at its ends.
#[test]
fn large_slices_stream_the_same_bytes() {
    let n = (super::STREAM_ABOVE / 4 + 300_000) as u32;
    for nthreads in [1, 2] {
        let cp = CParams {
            typesize: 4,
            nthreads,
            ..CParams::default()
        };
        let dp = DParams {
            nthreads,
            ..DParams::default()
        };
        let mut sc = SChunk::new(4 << 20, cp, dp, Registry::new()).unwrap();
        let data = u32_le_bytes(0..n);
        sc.append(&data).unwrap();
        let mut out = vec![0; data.len() + 1];
        sc.get_slice(0..u64::from(n), &mut out[1..]).unwrap();
        assert!(out[1..] == data[..], "whole, {nthreads} thread(s)");
        let (a, b) = (1000, n - 1000);
        let mut part = vec![0; (b - a) as usize * 4];
        sc.get_slice(u64::from(a)..u64::from(b), &mut part).unwrap();
        assert!(
            part == data[a as usize * 4..b as usize * 4],
            "part, {nthreads} thread(s)"
        );
    }
}

#[test]
fn append_fills_the_short_last_chunk() {
    let mut sc = schunk(100);
    sc.append(&u32_le_bytes(0..30)).unwrap();
    sc.append(&u32_le_bytes(30..250)).unwrap();
    assert_eq!(sc.nchunks(), 3);
    let mut out = vec![0; 250 * 4];
    sc.get_slice(0..250, &mut out).unwrap();
    assert_eq!(out, u32_le_bytes(0..250));
}

#[test]
fn chunk_edits() {
    let mut sc = schunk(100);
    sc.append(&u32_le_bytes(0..300)).unwrap();
    let c0 = sc.chunk(0).unwrap().to_vec();
    let c2 = sc.chunk(2).unwrap().to_vec();
    sc.insert_chunk(1, c2.clone()).unwrap();
    assert_eq!(sc.decompress_chunk_vec(1).unwrap(), u32_le_bytes(200..300));
    sc.update_chunk(1, c0).unwrap();
    assert_eq!(sc.decompress_chunk_vec(1).unwrap(), u32_le_bytes(0..100));
    sc.delete_chunk(0).unwrap();
    assert_eq!(sc.nchunks(), 3);
    assert_eq!(sc.decompress_chunk_vec(2).unwrap(), u32_le_bytes(200..300));
    assert!(sc.delete_chunk(3).is_err());
    // A short chunk may only be last.
    let mut short = schunk(100);
    short.append(&u32_le_bytes(0..10)).unwrap();
    let short_chunk = short.chunk(0).unwrap().to_vec();
    assert!(sc.insert_chunk(0, short_chunk.clone()).is_err());
    assert_eq!(sc.nchunks(), 3);
    sc.append_chunk(short_chunk).unwrap();
    assert_eq!(sc.nitems(), 310);
    assert!(sc.update_chunk(0, vec![1, 2, 3]).is_err());
}

#[test]
fn codec_can_change_between_appends() {
    let mut sc = schunk(1000);
    sc.registry_mut().register_codec(reverse(170)).unwrap();
    sc.append(&u32_le_bytes(0..1000)).unwrap();
    let cp = CParams {
        codec: ids::LZ4,
        typesize: 4,
        ..CParams::default()
    };
    sc.set_cparams(cp).unwrap();
    sc.append(&u32_le_bytes(1000..2000)).unwrap();
    let cp = CParams {
        codec: 170,
        typesize: 4,
        filters: FilterChain::new(),
        ..CParams::default()
    };
    sc.set_cparams(cp).unwrap();
    sc.append(&u32_le_bytes(2000..3000)).unwrap();
    assert_eq!(sc.chunk(1).unwrap()[2] >> 5, 1);
    assert_eq!(sc.chunk(2).unwrap()[22], 170);
    let mut out = vec![0; 3000 * 4];
    sc.get_slice(0..3000, &mut out).unwrap();
    assert_eq!(out, u32_le_bytes(0..3000));
}

#[test]
fn failed_operations_leave_the_schunk_as_it_was() {
    let mut sc = schunk(100);
    sc.registry_mut().register_codec(reverse(170)).unwrap();
    let cp = CParams {
        codec: 170,
        typesize: 4,
        filters: FilterChain::new(),
        ..CParams::default()
    };
    sc.set_cparams(cp).unwrap();
    sc.append(&u32_le_bytes(0..250)).unwrap();
    let before: Vec<Vec<u8>> = (0..sc.nchunks())
        .map(|i| sc.chunk(i).unwrap().to_vec())
        .collect();
    let mut bad = u32_le_bytes(0..200);
    bad[100 * 4] = 0xEE;
    let err = sc.set_slice(100, &bad).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Plugin {
                kind: PluginKind::Codec,
                id: 170,
                chunk: 2,
                block: 0,
                ..
            }
        ),
        "{err}"
    );
    // Appending fills chunk 2 with 50 items, then chunk 3 starts at item 50.
    let mut bad = u32_le_bytes(0..200);
    bad[50 * 4] = 0xEE;
    let err = sc.append(&bad).unwrap_err();
    assert!(matches!(err, Error::Plugin { id: 170, .. }), "{err}");
    let after: Vec<Vec<u8>> = (0..sc.nchunks())
        .map(|i| sc.chunk(i).unwrap().to_vec())
        .collect();
    assert_eq!(before, after);
    assert_eq!(sc.nitems(), 250);
}

#[test]
fn registry_refusals() {
    let mut r = Registry::new();
    assert!(matches!(
        r.register_codec(reverse(100)),
        Err(crate::registry::RegistryError::IdOutOfRange { id: 100, .. })
    ));
    r.register_codec(reverse(200)).unwrap();
    assert!(matches!(
        r.register_codec(reverse(200)),
        Err(crate::registry::RegistryError::IdTaken { id: 200, .. })
    ));
}
