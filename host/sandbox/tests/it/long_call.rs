//! The long-call hook: run at every epoch tick of a call after its first,
//! while the deadline counts the ticks the call itself ran.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sandpress_core::plugin::{CodecPlugin, PluginError, Stopped};
use sandpress_sandbox::Sandbox;

use crate::common::{block, guest, info, limits};

#[test]
fn a_looping_call_runs_the_hook_each_tick_until_its_deadline() {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().deadline(Duration::from_millis(100)))
        .on_long_call(move || {
            seen.fetch_add(1, Ordering::Relaxed);
            // A hook that gives the core away meanwhile.
            std::thread::sleep(Duration::from_millis(5));
        })
        .build()
        .expect("sandbox");
    let spin = sandbox
        .load_codec("spin", 170, &guest("spin_codec.wat"))
        .expect("loads");
    let input = block(0, 1024);
    let mut out = Vec::new();
    let e = spin.encode(&input, 0, &info(1024), &mut out).unwrap_err();
    assert!(
        matches!(e, PluginError::Stopped(Stopped::Deadline { .. })),
        "{e}"
    );
    // 100 ms is 11 ticks of 10 ms (one of margin): the hook runs at each
    // but the first, and not at the 11th, which ends the call; the
    // deadline counts them whatever the hook did. (A count of runs, never
    // a time: it does not depend on load.)
    assert_eq!(calls.load(Ordering::Relaxed), 9);

    let identity = sandbox
        .load_codec("identity", 171, &guest("identity_codec.wat"))
        .expect("loads");
    // A call shorter than a tick (10 ms) crosses at most one tick (ticks
    // are at least 10 ms apart), its first, so it never sees the hook.
    // Under load a call can be put off for longer than that; those calls
    // say nothing and are tried again.
    let mut short_calls = 0;
    for _ in 0..100 {
        let before = calls.load(Ordering::Relaxed);
        let started = Instant::now();
        identity
            .encode(&input, 0, &info(1024), &mut out)
            .expect("a short call");
        if started.elapsed() < Duration::from_millis(10) {
            assert_eq!(
                calls.load(Ordering::Relaxed),
                before,
                "a short call never sees it"
            );
            short_calls += 1;
        }
    }
    assert!(short_calls > 0, "no call took under 10 ms");
}
