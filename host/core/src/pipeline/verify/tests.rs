//! Verify on write with native plugins that keep state between calls.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::format::MAX_FILTERS;
use crate::pipeline::{compress_chunk, decompress_chunk};
use crate::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind, PluginMeta, Stopped,
};
use crate::test_plugins::FnCodec;
use crate::{CParams, DParams, Error, FilterChain, Registry};

const ID: u8 = 200;

fn meta(kind: PluginKind) -> PluginMeta {
    PluginMeta {
        id: ID,
        kind,
        name: "test".into(),
        version: String::new(),
        sha256: [0; 32],
    }
}

thread_local! {
    /// What a stashing plugin kept of its last input, on this thread (as a
    /// sandbox instance would keep it in its linear memory).
    static STASH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A codec that "compresses" a block to 4 bytes by keeping it, and
/// "decodes" by answering what it kept: right only where it encoded.
fn stash_codec() -> FnCodec {
    let encode = |input: &[u8], _: &BlockInfo, out: &mut Vec<u8>| {
        STASH.with(|s| *s.borrow_mut() = input.to_vec());
        *out = (input.len() as u32).to_le_bytes().to_vec();
        Ok(true)
    };
    let decode = |_: &[u8], _: &BlockInfo, out: &mut [u8]| {
        STASH.with(|s| {
            let s = s.borrow();
            if s.len() != out.len() {
                return Err(Stopped::WrongSize {
                    expected: out.len(),
                    found: s.len(),
                }
                .into());
            }
            out.copy_from_slice(&s);
            Ok(())
        })
    };
    FnCodec::new(meta(PluginKind::Codec), encode, decode)
}

/// A filter whose backward answers the input its forward last saw.
struct StashFilter(PluginMeta);

impl FilterPlugin for StashFilter {
    fn meta(&self) -> &PluginMeta {
        &self.0
    }
    fn forward(
        &self,
        input: &[u8],
        _: u8,
        _: &BlockInfo,
        out: &mut [u8],
    ) -> Result<(), PluginError> {
        STASH.with(|s| *s.borrow_mut() = input.to_vec());
        out.fill(0x55);
        Ok(())
    }
    fn backward(&self, _: &[u8], _: u8, _: &BlockInfo, out: &mut [u8]) -> Result<(), PluginError> {
        STASH.with(|s| {
            let s = s.borrow();
            let n = s.len().min(out.len());
            out[..n].copy_from_slice(&s[..n]);
        });
        Ok(())
    }
}

/// An honest codec (it halves a block of pairs of equal bytes) that notes
/// which threads encode and which decode.
#[derive(Default)]
struct Watched {
    encoders: Mutex<HashSet<ThreadId>>,
    decoders: Mutex<HashSet<ThreadId>>,
    calls: AtomicU32,
    /// From this many decode calls on, decode answers byte 0 plus one.
    drift_after: Option<u32>,
}

/// The honest codec, watched by `watched`.
fn watched_codec(watched: Arc<Watched>) -> FnCodec {
    let w = watched.clone();
    let encode = move |input: &[u8], _: &BlockInfo, out: &mut Vec<u8>| {
        w.encoders
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        if !input.len().is_multiple_of(2) || input.chunks(2).any(|p| p[0] != p[1]) {
            return Ok(false);
        }
        *out = input.iter().step_by(2).copied().collect();
        Ok(true)
    };
    let decode = move |input: &[u8], _: &BlockInfo, out: &mut [u8]| {
        watched
            .decoders
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        let n = watched.calls.fetch_add(1, Ordering::Relaxed);
        for (pair, &b) in out.chunks_mut(2).zip(input) {
            pair.fill(b);
        }
        if watched.drift_after.is_some_and(|k| n >= k) {
            out[0] = out[0].wrapping_add(1);
        }
        Ok(())
    };
    FnCodec::new(meta(PluginKind::Codec), encode, decode)
}

/// Pairs of equal bytes, not a run.
fn pairs(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i / 2 % 251) as u8).collect()
}

fn cparams(codec: u8, filters: FilterChain, nthreads: usize) -> CParams {
    CParams {
        codec,
        typesize: 2,
        blocksize: 1024,
        filters,
        nthreads,
        ..CParams::default()
    }
}

fn codec_registry(codec: impl CodecPlugin + 'static) -> Registry {
    let mut r = Registry::new();
    r.register_codec(Arc::new(codec)).unwrap();
    r
}

#[test]
fn a_codec_that_decodes_from_its_stash_is_caught() {
    for nthreads in [1, 2] {
        let r = codec_registry(stash_codec());
        let err = compress_chunk(
            &pairs(8192),
            &cparams(ID, FilterChain::new(), nthreads),
            &r,
            5,
        )
        .expect_err("the verify instance has no stash");
        assert!(
            matches!(
                err,
                Error::Plugin {
                    kind: PluginKind::Codec,
                    id: ID,
                    chunk: 5,
                    source: PluginError::Stopped(Stopped::WrongSize { .. }),
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn without_verify_the_stash_codec_goes_unnoticed() {
    let r = codec_registry(stash_codec());
    let cp = CParams {
        verify: false,
        ..cparams(ID, FilterChain::new(), 1)
    };
    compress_chunk(&pairs(1024), &cp, &r, 0).expect("not verified");
}

#[test]
fn a_filter_whose_backward_answers_its_stash_is_caught() {
    let mut r = Registry::new();
    r.register_filter(Arc::new(StashFilter(meta(PluginKind::Filter))))
        .unwrap();
    // The verify thread's stash is empty: backward leaves zeros.
    let err = compress_chunk(
        &pairs(4096),
        &cparams(
            crate::format::ids::LZ4,
            FilterChain::from_slots([ID, 0, 0, 0, 0, 0], [0; MAX_FILTERS]),
            2,
        ),
        &r,
        1,
    )
    .expect_err("caught");
    assert!(
        matches!(err, Error::Verify { kind: PluginKind::Filter, id: ID, chunk: 1, reason, .. } if reason.offset == 0 && reason.len == 1024),
        "{err}"
    );
}

#[test]
fn verify_decodes_on_threads_that_never_encode() {
    for nthreads in [1, 2] {
        let watched = Arc::new(Watched::default());
        let r = codec_registry(watched_codec(watched.clone()));
        let data = pairs(64 << 10);
        let chunk =
            compress_chunk(&data, &cparams(ID, FilterChain::new(), nthreads), &r, 0).unwrap();
        let encoders = watched.encoders.lock().unwrap().clone();
        let decoders = watched.decoders.lock().unwrap().clone();
        assert!(!decoders.is_empty(), "nothing was verified");
        assert!(
            encoders.is_disjoint(&decoders),
            "a thread both encoded and verified"
        );
        let mut out = vec![0; data.len()];
        decompress_chunk(&chunk, &DParams::default(), &r, 0, &mut out).unwrap();
        assert_eq!(out, data);
    }
}

#[test]
fn a_decoder_that_drifts_with_its_call_count_is_caught_at_the_block() {
    let watched = Arc::new(Watched {
        drift_after: Some(3),
        ..Watched::default()
    });
    let r = codec_registry(watched_codec(watched));
    let err = compress_chunk(&pairs(8192), &cparams(ID, FilterChain::new(), 1), &r, 2)
        .expect_err("caught");
    assert!(
        matches!(
            err,
            Error::Verify {
                kind: PluginKind::Codec,
                id: ID,
                chunk: 2,
                block: 3,
                reason: crate::error::VerifyMismatch {
                    offset: 0,
                    len: 1024,
                    first_difference: 0
                },
            }
        ),
        "{err}"
    );
}

#[test]
fn builtin_pipelines_are_not_verified() {
    // Nothing to observe but that they still round-trip with verify on.
    let data = pairs(10_000);
    let cp = cparams(crate::format::ids::ZSTD, FilterChain::shuffle(), 2);
    let chunk = compress_chunk(&data, &cp, &Registry::new(), 0).unwrap();
    let mut out = vec![0; data.len()];
    decompress_chunk(&chunk, &DParams::default(), &Registry::new(), 0, &mut out).unwrap();
    assert_eq!(out, data);
}
