//! Hostile plugins inside the pipeline: each failure is the exact typed
//! error naming plugin, chunk and block; the super-chunk is left as it was;
//! the next call on the same plugin works. What a hostile guest does to
//! one call, outside a pipeline, is the sandbox's and is tested with it
//! (`host/sandbox/tests/it/hostile.rs`).

use sandpress_core::plugin::{PluginError, PluginKind, Stopped};
use sandpress_core::{Error, FilterChain, SChunk};

use crate::common::{chunks, guest, i32_le_bytes, sandbox, schunk, with_codec};

const ID: u8 = 170;
const CHUNK_ITEMS: usize = 1000;

/// A super-chunk of three chunks made with the guest codec `wat`.
fn filled(wat: &str, threads: usize) -> SChunk {
    let codec = sandbox()
        .load_codec(wat, ID, &guest(wat))
        .expect("guest loads");
    let mut s = schunk(
        with_codec(codec),
        ID,
        FilterChain::new(),
        CHUNK_ITEMS,
        threads,
    );
    s.append(&i32_le_bytes(0..3 * CHUNK_ITEMS as i32))
        .expect("well-behaved data compresses");
    s
}

/// Data whose second chunk's first block starts with 0xFF (the guests' trigger).
fn poisoned() -> Vec<u8> {
    let mut data = i32_le_bytes(0..2 * CHUNK_ITEMS as i32);
    data[CHUNK_ITEMS * 4] = 0xFF;
    data
}

/// Overwrites with poisoned data, checks the error and that nothing changed,
/// then checks that the same plugin works again.
fn fails_then_recovers(wat: &str, threads: usize, check: impl Fn(&PluginError) -> bool) {
    let mut s = filled(wat, threads);
    let before = chunks(&s);
    let err = s
        .set_slice(0, &poisoned())
        .expect_err("the guest must fail");
    match &err {
        Error::Plugin {
            kind: PluginKind::Codec,
            id: ID,
            chunk: 1,
            block: 0,
            source,
        } => assert!(check(source), "{wat}: unexpected failure {source:?}"),
        other => panic!("{wat}: expected a plugin error on chunk 1, block 0, got {other}"),
    }
    assert_eq!(chunks(&s), before, "{wat}: the super-chunk changed");
    // The same plugin, on good data, right after.
    s.set_slice(0, &i32_le_bytes(5..5 + 2 * CHUNK_ITEMS as i32))
        .expect("next call works");
    let mut out = vec![0; 3 * CHUNK_ITEMS * 4];
    s.get_slice(0..3 * CHUNK_ITEMS as u64, &mut out).unwrap();
    let mut expect = i32_le_bytes(5..5 + 2 * CHUNK_ITEMS as i32);
    expect.extend(i32_le_bytes(2 * CHUNK_ITEMS as i32..3 * CHUNK_ITEMS as i32));
    assert_eq!(out, expect);
}

#[test]
fn trap_fails_the_chunk_and_the_next_call_works() {
    for threads in [1, 2] {
        fails_then_recovers("trap_codec.wat", threads, |e| {
            matches!(e, PluginError::Stopped(Stopped::Trap { .. }))
        });
    }
}

#[test]
fn endless_loop_is_stopped_at_the_deadline() {
    fails_then_recovers("loop_codec.wat", 1, |e| {
        matches!(e, PluginError::Stopped(Stopped::Deadline { .. }))
    });
}

#[test]
fn unbounded_memory_growth_is_stopped_at_the_limit() {
    fails_then_recovers(
        "grow_codec.wat",
        2,
        |e| matches!(e, PluginError::Stopped(Stopped::MemoryLimit { limit }) if *limit == 16 << 20),
    );
}

#[test]
fn an_error_answer_is_reported_as_the_plugins_own() {
    fails_then_recovers(
        "err_codec.wat",
        1,
        |e| matches!(e, PluginError::Refused { message } if message == "block refused by err_codec"),
    );
}
