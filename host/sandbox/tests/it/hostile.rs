//! Hostile guests: each test asserts the exact failure, then that the next
//! call on the same plugin object succeeds.

use std::sync::Arc;
use std::time::Duration;

use sandpress_core::plugin::{BlockInfo, CodecPlugin, PluginError, Stopped};
use sandpress_sandbox::{Sandbox, WasmCodec};

use crate::common::{DEADLINE, MEMORY, block, guest, info, limits, sandbox};

fn codec(sandbox: &Sandbox, file: &str) -> Arc<WasmCodec> {
    sandbox
        .load_codec("hostile", 200, &guest(file))
        .expect("loads")
}

/// Encodes a benign block and checks the identity answer.
fn assert_encode_works(codec: &WasmCodec) {
    let input = block(1, 300);
    let mut out = Vec::new();
    let encoded = codec.encode(&input, 0, &info(input.len()), &mut out);
    assert_eq!(encoded, Ok(true));
    assert_eq!(out, input);
}

fn encode_error(codec: &WasmCodec, first: u8) -> PluginError {
    let input = block(first, 100);
    let mut out = Vec::new();
    codec
        .encode(&input, 0, &info(input.len()), &mut out)
        .expect_err("the hostile branch must fail")
}

#[test]
fn unreachable_is_a_trap_and_the_next_call_runs_in_a_fresh_instance() {
    let codec = codec(&sandbox(), "trap_codec.wat");
    assert_encode_works(&codec);
    match encode_error(&codec, 0xFF) {
        PluginError::Stopped(Stopped::Trap { message }) => {
            assert!(message.contains("unreachable"), "{message}")
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    assert_encode_works(&codec);
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline() {
    let codec = codec(&sandbox(), "loop_codec.wat");
    assert_eq!(
        encode_error(&codec, 0xFF),
        PluginError::Stopped(Stopped::Deadline { limit: DEADLINE })
    );
    assert_encode_works(&codec);
}

#[test]
fn an_endless_loop_runs_out_of_fuel_when_fuel_is_on() {
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(
            limits()
                .fuel(Some(1_000_000))
                .deadline(Duration::from_secs(30)),
        )
        .build()
        .expect("sandbox");
    let codec = codec(&sandbox, "loop_codec.wat");
    assert_eq!(
        encode_error(&codec, 0xFF),
        PluginError::Stopped(Stopped::OutOfFuel { limit: 1_000_000 })
    );
    assert_encode_works(&codec);
}

#[test]
fn unbounded_memory_growth_is_stopped_at_the_memory_limit() {
    let codec = codec(&sandbox(), "grow_codec.wat");
    assert_eq!(
        encode_error(&codec, 0xFF),
        PluginError::Stopped(Stopped::MemoryLimit { limit: MEMORY })
    );
    assert_encode_works(&codec);
}

#[test]
fn a_decoder_answering_the_wrong_size_is_stopped() {
    let codec = codec(&sandbox(), "wrong_size_codec.wat");
    let input = block(0xFF, 64);
    let mut out = vec![0; 64];
    assert_eq!(
        codec.decode(&input, 0, &info(64), &mut out),
        Err(PluginError::Stopped(Stopped::WrongSize {
            expected: 64,
            found: 65
        }))
    );
    let input = block(1, 64);
    assert_eq!(codec.decode(&input, 0, &info(64), &mut out), Ok(()));
    assert_eq!(out, input);
}

#[test]
fn a_decoder_output_of_another_size_than_the_block_is_stopped() {
    let codec = codec(&sandbox(), "identity_codec.wat");
    let mut out = vec![0; 64];
    assert_eq!(
        codec.decode(&[1, 2, 3], 0, &info(64), &mut out),
        Err(PluginError::Stopped(Stopped::WrongSize {
            expected: 64,
            found: 3
        }))
    );
}

#[test]
fn err_is_refused_with_the_guest_message() {
    let codec = codec(&sandbox(), "err_codec.wat");
    assert_eq!(
        encode_error(&codec, 0xFF),
        PluginError::Refused {
            message: "block refused by err_codec".to_owned()
        }
    );
    assert_encode_works(&codec);
}

#[test]
fn a_long_err_message_is_cut_to_1_kib() {
    let codec = codec(&sandbox(), "err_codec.wat");
    match encode_error(&codec, 0xFE) {
        PluginError::Refused { message } => {
            assert!(message.starts_with(&"x".repeat(1024)), "{message}");
            assert!(message.ends_with("... (4000 bytes in all)"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_encode_works(&codec);
}

#[test]
fn ok_none_means_store_raw() {
    let codec = codec(&sandbox(), "err_codec.wat");
    let input = block(0xFD, 10);
    let mut out = vec![9; 3];
    assert_eq!(codec.encode(&input, 0, &info(10), &mut out), Ok(false));
    assert!(out.is_empty());
}

#[test]
fn the_answer_is_read_before_post_return_can_poison_it() {
    use sandpress_core::plugin::FilterPlugin;
    let filter = sandbox()
        .load_filter(201, &guest("scrub_filter.wat"))
        .expect("loads");
    let input = block(7, 4096);
    let mut out = vec![0; input.len()];
    for _ in 0..3 {
        filter
            .forward(&input, 0, &info(input.len()), &mut out)
            .expect("forward");
        assert_eq!(out, input);
    }
}

#[test]
fn a_trap_in_the_start_function_is_one_line_naming_the_trap() {
    let codec = codec(&sandbox(), "start_trap_codec.wat");
    for _ in 0..2 {
        match encode_error(&codec, 1) {
            PluginError::Stopped(Stopped::Instantiate { message }) => {
                assert!(message.contains("unreachable"), "{message}");
                assert!(!message.contains('\n'), "{message}");
                assert!(!message.contains("backtrace"), "{message}");
            }
            other => panic!("expected an instantiation failure, got {other:?}"),
        }
    }
}

#[test]
fn an_err_message_with_newlines_and_escapes_is_one_escaped_line() {
    let codec = codec(&sandbox(), "err_codec.wat");
    assert_eq!(
        encode_error(&codec, 0xFC),
        PluginError::Refused {
            message: r"bad\n\u{1b}[31mred\u{1b}[0m\r\nsandpress: fake line".to_owned()
        }
    );
    assert_encode_works(&codec);
}

#[test]
fn without_signal_handlers_a_trap_is_still_caught_and_the_next_call_works() {
    // As the python-blosc2 plugin runs: traps by explicit checks, no
    // signal handler of wasmtime's in the process.
    let sandbox = Sandbox::builder()
        .no_cache()
        .signals_based_traps(false)
        .build()
        .unwrap();
    let codec = sandbox
        .load_codec("trap", 200, &guest("trap_codec.wat"))
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
