//! How long a thread keeps its instance: fresh per call, per chunk, or
//! always reused (`Limits::instance_reuse`). The counter filter puts its
//! instance's call count in byte 0, so the counts show which instance ran.

use sandpress_core::plugin::{BlockInfo, FilterPlugin};
use sandpress_sandbox::{InstanceReuse, Sandbox};

use crate::common::{block, guest, limits};

/// The counts seen by calls on chunks `chunks`, in order, with `reuse`.
fn counts(reuse: InstanceReuse, chunks: &[u64]) -> Vec<u8> {
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().instance_reuse(reuse))
        .build()
        .expect("sandbox");
    let filter = sandbox
        .load_filter(210, &guest("counter_filter.wat"))
        .expect("loads");
    let input = block(0, 256);
    let mut out = vec![0; input.len()];
    chunks
        .iter()
        .map(|&chunk_index| {
            let info = BlockInfo {
                typesize: 1,
                blocksize: 256,
                chunk_index,
                ..BlockInfo::default()
            };
            filter.forward(&input, 0, &info, &mut out).expect("forward");
            out[0]
        })
        .collect()
}

const CHUNKS: [u64; 6] = [0, 0, 0, 1, 1, 0];

#[test]
fn per_call_gives_every_call_a_fresh_instance() {
    assert_eq!(counts(InstanceReuse::PerCall, &CHUNKS), [1, 1, 1, 1, 1, 1]);
}

#[test]
fn per_chunk_starts_afresh_at_each_new_chunk() {
    assert_eq!(counts(InstanceReuse::PerChunk, &CHUNKS), [1, 2, 3, 1, 2, 1]);
    assert_eq!(
        sandpress_sandbox::Limits::default().get_instance_reuse(),
        InstanceReuse::PerChunk
    );
}

#[test]
fn always_keeps_the_instance() {
    assert_eq!(counts(InstanceReuse::Always, &CHUNKS), [1, 2, 3, 4, 5, 6]);
}

/// `forward` of the stash filter on `input` (chunk `chunk`).
fn stash(filter: &dyn FilterPlugin, input: &[u8], chunk_index: u64) -> Vec<u8> {
    let info = BlockInfo {
        typesize: 1,
        blocksize: u32::try_from(input.len()).expect("small block"),
        chunk_index,
        ..BlockInfo::default()
    };
    let mut out = vec![0; input.len()];
    filter.forward(input, 0, &info, &mut out).expect("forward");
    out
}

#[test]
fn no_byte_of_one_owner_reaches_another() {
    let secret: Vec<u8> = (0..4096).map(|i| (i % 200 + 50) as u8).collect();
    let other = vec![7u8; 4096];
    for reuse in [
        InstanceReuse::PerCall,
        InstanceReuse::PerChunk,
        InstanceReuse::Always,
    ] {
        let owner = || {
            let sandbox = Sandbox::builder()
                .no_cache()
                .limits(limits().instance_reuse(reuse))
                .max_instances(4)
                .build()
                .expect("sandbox");
            let filter = sandbox
                .load_filter(210, &guest("stash_filter.wat"))
                .expect("loads");
            (sandbox, filter)
        };
        let (_a, filter_a) = owner();
        let (_b, filter_b) = owner();
        // Owner A's data goes in (twice, the second call sees it: same
        // owner, same chunk, unless every call is fresh), then owner B
        // calls on the same thread, in the same chunk.
        assert!(stash(&*filter_a, &secret, 0).iter().all(|&b| b == 0));
        let again = stash(&*filter_a, &secret, 0);
        assert_eq!(
            again == secret,
            reuse != InstanceReuse::PerCall,
            "{reuse:?}"
        );
        for chunk in [0, 1] {
            let seen = stash(&*filter_b, &other, chunk);
            assert!(
                !seen.iter().any(|&b| b >= 50),
                "{reuse:?}: owner B saw owner A's bytes"
            );
        }
    }
}

#[test]
fn a_pool_slot_passed_on_carries_nothing() {
    // One instance slot: each call's instance is dropped and its memory
    // slot handed to the next plugin's instance.
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().instance_reuse(InstanceReuse::PerCall))
        .max_instances(1)
        .build()
        .expect("sandbox");
    let a = sandbox
        .load_filter(210, &guest("stash_filter.wat"))
        .expect("loads");
    let b = sandbox
        .load_filter(211, &guest("stash_filter.wat"))
        .expect("loads");
    let secret = vec![0xA5u8; 4096];
    for _ in 0..3 {
        assert!(stash(&*a, &secret, 0).iter().all(|&x| x == 0));
        assert!(stash(&*b, &[1u8; 4096], 0).iter().all(|&x| x == 0));
    }
}

/// One `forward` of `filter` (the counter filter): the count its instance
/// puts in byte 0.
fn count_once(filter: &dyn FilterPlugin) -> u8 {
    let input = block(0, 256);
    let mut out = vec![0; input.len()];
    let info = BlockInfo {
        typesize: 1,
        blocksize: 256,
        ..BlockInfo::default()
    };
    filter.forward(&input, 0, &info, &mut out).expect("forward");
    out[0]
}

#[test]
fn an_ended_threads_instance_serves_the_next_new_thread() {
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().instance_reuse(InstanceReuse::Always))
        .build()
        .expect("sandbox");
    let filter = sandbox
        .load_filter(210, &guest("counter_filter.wat"))
        .expect("loads");
    assert_eq!(sandbox.live_instances(), 0, "loading makes no instance");
    let (ready, wait) = std::sync::mpsc::channel();
    let (done, finish) = std::sync::mpsc::channel::<()>();
    let worker = {
        let filter = filter.clone();
        std::thread::spawn(move || {
            let counts = [count_once(&*filter), count_once(&*filter)];
            ready.send(()).unwrap();
            finish.recv().unwrap();
            counts
        })
    };
    wait.recv().unwrap();
    assert_eq!(count_once(&*filter), 1, "this thread's own instance");
    assert_eq!(sandbox.live_instances(), 2, "one per thread that called");
    assert!(sandbox.memory_in_use() >= 2 * 65536);
    done.send(()).unwrap();
    assert_eq!(worker.join().unwrap(), [1, 2]);
    assert_eq!(sandbox.live_instances(), 2, "the ended thread's is kept");

    // A new thread takes it (its third call) rather than making one.
    let filter_for_next = filter.clone();
    let next = std::thread::spawn(move || count_once(&*filter_for_next));
    assert_eq!(next.join().unwrap(), 3);
    assert_eq!(sandbox.live_instances(), 2);

    // Dropping the plugin drops them all: the kept one and this thread's.
    drop(filter);
    assert_eq!(sandbox.live_instances(), 0);
}

#[test]
fn kept_instances_give_way_to_new_ones() {
    // Two instance slots, both taken by instances of plugin A that two
    // ended threads left: plugin B still gets one.
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits().instance_reuse(InstanceReuse::Always))
        .max_instances(2)
        .build()
        .expect("sandbox");
    let a = sandbox
        .load_filter(210, &guest("counter_filter.wat"))
        .expect("loads");
    let b = sandbox
        .load_filter(211, &guest("counter_filter.wat"))
        .expect("loads");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (a, barrier) = (a.clone(), barrier.clone());
            std::thread::spawn(move || {
                let count = count_once(&*a);
                // Both threads hold their instance at once.
                barrier.wait();
                count
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 1);
    }
    assert_eq!(sandbox.live_instances(), 2, "both kept, every slot taken");
    assert_eq!(count_once(&*b), 1, "B made room for its instance");
    assert_eq!(sandbox.live_instances(), 1);
}
