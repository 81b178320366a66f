//! How a guest's answer reaches the caller: copied once into the caller's
//! destination (a slice filled exactly, or a `Vec` whose allocation is
//! reused), never partly, and with the guest's memory flat across calls.

use std::time::Duration;

use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin, PluginError, Stopped};
use sandpress_test_support::i32_le_bytes;

use crate::common::{block, guest, info, limits, sandbox, sandbox_with};

/// Block info for `len` bytes of `typesize`-byte items.
fn items(len: usize, typesize: u32) -> BlockInfo {
    BlockInfo {
        typesize,
        ..info(len)
    }
}

#[test]
fn answers_of_every_size_land_exactly_in_the_destination() {
    let filter = sandbox()
        .load_filter(161, &guest("identity_filter.wat"))
        .expect("loads");
    for len in [0, 1, 7, 4096, 65536, (1 << 20) + 3] {
        let input = block(9, len);
        let mut out = vec![0x55; len];
        filter
            .forward(&input, 0, &info(len), &mut out)
            .expect("forward");
        assert_eq!(out, input, "{len} bytes");
    }
}

#[test]
fn a_wrong_size_answer_is_refused_and_leaves_the_destination_untouched() {
    let codec = sandbox()
        .load_codec("ident", 180, &guest("identity_codec.wat"))
        .expect("loads");
    for (answer, block_len) in [(3, 64), (65, 64), (0, 64), (64, 0)] {
        let mut out = vec![0x55; block_len];
        assert_eq!(
            codec.decode(&block(1, answer), 0, &info(block_len), &mut out),
            Err(PluginError::Stopped(Stopped::WrongSize {
                expected: block_len,
                found: answer
            }))
        );
        assert!(out.iter().all(|&b| b == 0x55), "nothing copied");
    }
    let input = block(1, 64);
    let mut out = vec![0; 64];
    assert_eq!(codec.decode(&input, 0, &info(64), &mut out), Ok(()));
    assert_eq!(out, input, "the next call answers");
}

#[test]
fn an_encoders_answer_replaces_the_vec_in_its_own_allocation() {
    let codec = sandbox()
        .load_codec("ident", 180, &guest("identity_codec.wat"))
        .expect("loads");
    let mut out = Vec::with_capacity(1 << 16);
    out.extend_from_slice(&[0xEE; 100]);
    let first = out.as_ptr();
    for len in [300, 1 << 16, 10] {
        let input = block(1, len);
        assert_eq!(codec.encode(&input, 0, &info(len), &mut out), Ok(true));
        assert_eq!(out, input);
        assert_eq!(out.as_ptr(), first, "no new allocation for {len} bytes");
    }
    // ok(none) and err clear it.
    let codec = sandbox()
        .load_codec("err", 181, &guest("err_codec.wat"))
        .expect("loads");
    out.extend_from_slice(&[1, 2, 3]);
    assert_eq!(
        codec.encode(&block(0xFD, 10), 0, &info(10), &mut out),
        Ok(false)
    );
    assert!(out.is_empty());
}

#[test]
fn a_rust_plugins_memory_stays_flat_across_calls() {
    // 404 calls on 1 MiB blocks: the tests' 50 ms deadline is wall time,
    // which one call can overrun when the whole suite shares two cores.
    // What this test checks is memory, so the deadline is a roomy one.
    let sandbox = sandbox_with(limits().deadline(Duration::from_secs(10)));
    let delta = sandbox
        .load_filter(160, sandpress_example_plugins::DELTA_FILTER)
        .expect("delta");
    let step = sandbox
        .load_codec("step", 184, sandpress_example_plugins::STEP_CODEC)
        .expect("step");
    let len = 1 << 20;
    // int32 items counting by 3 from 7: the delta filter makes them
    // `7, 3, 3, ...`, which the step codec encodes in 8 bytes.
    let input = i32_le_bytes((0..len as i32 / 4).map(|i| i * 3 + 7));
    let mut mid = vec![0; len];
    let mut back = vec![0; len];
    let mut steps = vec![0; len];
    delta
        .forward(&input, 0, &items(len, 4), &mut steps)
        .expect("forward");
    let mut encoded = Vec::new();
    let mut round = |typesize| {
        let info = items(len, typesize);
        delta.forward(&input, 0, &info, &mut mid).expect("forward");
        delta.backward(&mid, 0, &info, &mut back).expect("backward");
        assert_eq!(back, input);
        let info = items(len, 4);
        assert_eq!(step.encode(&steps, 0, &info, &mut encoded), Ok(true));
        assert_eq!(encoded.len(), 8);
        step.decode(&encoded, 0, &info, &mut back).expect("decode");
        assert_eq!(back, steps);
    };
    round(4);
    let after_first = sandbox.memory_in_use();
    for call in 0..100 {
        round([1, 2, 4, 8][call % 4]);
    }
    assert_eq!(
        sandbox.memory_in_use(),
        after_first,
        "no memory.grow after the first round"
    );
}
