//! The deny-all WASI is deterministic: seeded random, frozen clocks.

use sandpress_core::plugin::{FilterPlugin, PluginError, Stopped};

use sandpress_sandbox::Sandbox;

use crate::common::{block, guest, info, limits, sandbox};

/// Two forward calls of a fresh instance of the WASI random filter.
fn two_calls() -> Vec<Vec<u8>> {
    let filter = sandbox()
        .load_filter(200, &guest("wasi_random_filter.wat"))
        .expect("loads");
    (0..2)
        .map(|_| {
            let input = block(1, 32);
            let mut out = vec![0; 32];
            filter
                .forward(&input, 0, &info(32), &mut out)
                .expect("forward");
            out
        })
        .collect()
}

#[test]
fn random_and_clocks_are_the_same_on_every_run() {
    let first = two_calls();
    let second = two_calls();
    assert_eq!(first, second, "random bytes differ between two sandboxes");
    // The generator moves on within an instance; the clock does not.
    assert_ne!(first[0][..16], first[1][..16]);
    assert_eq!(
        first[0][16..24],
        [0; 8],
        "the monotonic clock is frozen at 0"
    );
    assert_eq!(first[1][16..24], [0; 8]);
}

/// Calls `backward` of the filter `wat` on `hostile`, which must trap with
/// a one-line message (returned), then on another block, which must work.
fn traps_in_one_line_then_works(wat: &str, hostile: &[u8]) -> String {
    let filter = sandbox().load_filter(200, &guest(wat)).expect("loads");
    let mut out = vec![0; hostile.len()];
    let message = match filter.backward(hostile, 0, &info(hostile.len()), &mut out) {
        Err(PluginError::Stopped(Stopped::Trap { message })) => message,
        other => panic!("expected a trap, got {other:?}"),
    };
    assert!(!message.contains('\n'), "{message}");
    let input = block(1, 32);
    let mut out = vec![0; 32];
    filter
        .backward(&input, 0, &info(32), &mut out)
        .expect("next call works");
    assert_eq!(out, input);
    message
}

#[test]
fn too_much_random_is_one_line_and_the_next_call_works() {
    traps_in_one_line_then_works("wasi_random_filter.wat", &block(0xFF, 32));
}

/// A block asking wasi_sleep_filter.wat's `backward` for `n` pollables.
fn pollables(n: u16) -> Vec<u8> {
    let mut b = block(0xFF, 32);
    b[1..3].copy_from_slice(&n.to_le_bytes());
    b
}

#[test]
fn a_flood_of_pollables_stops_at_the_resource_limit_in_one_line() {
    // Each pollable lives in the host's memory, outside the guest's memory
    // limit: past Limits::wasi_resources (1,024 by default) per instance,
    // creating one traps.
    let message = traps_in_one_line_then_works("wasi_sleep_filter.wat", &pollables(2000));
    assert!(message.contains("resource table"), "{message}");
}

#[test]
fn the_resource_limit_is_set_in_the_limits() {
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().wasi_resources(4096))
        .build()
        .expect("sandbox");
    let filter = sandbox
        .load_filter(200, &guest("wasi_sleep_filter.wat"))
        .expect("loads");
    let input = pollables(2000);
    let mut out = vec![0; input.len()];
    filter
        .backward(&input, 0, &info(input.len()), &mut out)
        .expect("2,000 pollables are within a limit of 4,096");
    assert_eq!(out, input);
}
