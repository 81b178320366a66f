//! Hostile plugins inside the pipeline: each failure is the exact typed
//! error naming plugin, chunk and block; the super-chunk is left as it was;
//! the next call on the same plugin works.

use sandpress_core::plugin::{
    BlockInfo, CodecPlugin, FilterPlugin, PluginError, PluginKind, Stopped,
};
use sandpress_core::{Error, FilterChain, SChunk};

use crate::common::{chunks, guest, ints, sandbox, schunk, with_codec};

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
    s.append(&ints(0..3 * CHUNK_ITEMS as i32))
        .expect("well-behaved data compresses");
    s
}

/// Data whose second chunk's first block starts with 0xFF (the guests' trigger).
fn poisoned() -> Vec<u8> {
    let mut data = ints(0..2 * CHUNK_ITEMS as i32);
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
    s.set_slice(0, &ints(5..5 + 2 * CHUNK_ITEMS as i32))
        .expect("next call works");
    let mut out = vec![0; 3 * CHUNK_ITEMS * 4];
    s.get_slice(0..3 * CHUNK_ITEMS as u64, &mut out).unwrap();
    let mut expect = ints(5..5 + 2 * CHUNK_ITEMS as i32);
    expect.extend(ints(2 * CHUNK_ITEMS as i32..3 * CHUNK_ITEMS as i32));
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

#[test]
fn wrong_output_size_is_refused_then_the_next_call_works() {
    let codec = sandbox()
        .load_codec("wrong", ID, &guest("wrong_size_codec.wat"))
        .unwrap();
    let info = BlockInfo {
        typesize: 1,
        blocksize: 16,
        ..BlockInfo::default()
    };
    let mut out = [0u8; 16];
    let mut bad = [1u8; 16];
    bad[0] = 0xFF;
    assert_eq!(
        codec.decode(&bad, 0, &info, &mut out),
        Err(PluginError::Stopped(Stopped::WrongSize {
            expected: 16,
            found: 17
        }))
    );
    codec
        .decode(&[7; 16], 0, &info, &mut out)
        .expect("next call works");
    assert_eq!(out, [7; 16]);
}

#[test]
fn a_wasi_plugin_sees_no_environment() {
    // SAFETY of the test: only this test sets the variable it checks for.
    let filter = sandbox()
        .load_filter(171, &guest("wasi_env_filter.wat"))
        .unwrap();
    let info = BlockInfo {
        typesize: 1,
        blocksize: 8,
        ..BlockInfo::default()
    };
    let mut out = [9u8; 8];
    filter.forward(&[1; 8], 0, &info, &mut out).unwrap();
    assert_eq!(
        out[0], 0,
        "the guest saw environment variables or arguments"
    );
}

#[test]
fn without_signal_handlers_a_trap_is_still_caught_and_the_next_call_works() {
    // As the python-blosc2 plugin runs: traps by explicit checks, no
    // signal handler of wasmtime's in the process.
    let sandbox = sandpress_sandbox::Sandbox::builder()
        .no_cache()
        .signals_based_traps(false)
        .build()
        .unwrap();
    let codec = sandbox
        .load_codec("trap", ID, &guest("trap_codec.wat"))
        .unwrap();
    let info = BlockInfo {
        typesize: 4,
        blocksize: 8,
        ..BlockInfo::default()
    };
    let mut out = Vec::new();
    let err = codec
        .encode(&[0xFF, 1, 2, 3, 4, 5, 6, 7], 0, &info, &mut out)
        .unwrap_err();
    assert!(
        matches!(err, PluginError::Stopped(Stopped::Trap { .. })),
        "{err:?}"
    );
    codec
        .encode(&[0, 1, 2, 3, 4, 5, 6, 7], 0, &info, &mut out)
        .expect("the next call works");
}
