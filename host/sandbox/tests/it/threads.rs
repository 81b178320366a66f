//! Instances per thread, and their cleanup.

use std::sync::{Arc, Barrier, mpsc};

use sandpress_core::plugin::FilterPlugin;
use sandpress_sandbox::Sandbox;

use crate::common::{block, guest, info, limits, sandbox};

/// Calls the counter filter `calls` times, waiting at `met` (if any) after
/// the first call; returns the first output byte of each call (this
/// instance's call count) and the last output.
fn count_calls(
    filter: &dyn FilterPlugin,
    calls: usize,
    met: Option<&Barrier>,
) -> (Vec<u8>, Vec<u8>) {
    let input = block(0, 256);
    let mut out = vec![0; input.len()];
    let mut counts = Vec::new();
    for call in 0..calls {
        filter
            .forward(&input, 0, &info(input.len()), &mut out)
            .expect("forward");
        counts.push(out[0]);
        if let (0, Some(met)) = (call, met) {
            met.wait();
        }
    }
    (counts, out)
}

#[test]
fn each_thread_has_its_own_instance_and_the_results_agree() {
    let filter = sandbox()
        .load_filter(210, &guest("counter_filter.wat"))
        .expect("loads");
    let expected: Vec<u8> = (1..=40).collect();
    // Both threads hold an instance at once (the barrier), so neither can
    // take the other's when it ends.
    let met = Barrier::new(2);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| count_calls(&*filter, 40, Some(&met)));
        let b = s.spawn(|| count_calls(&*filter, 40, Some(&met)));
        (a.join().expect("thread a"), b.join().expect("thread b"))
    });
    assert_eq!(a.0, expected, "thread a shared its instance");
    assert_eq!(b.0, expected, "thread b shared its instance");
    assert_eq!(a.1, b.1);
    // This thread has not called it yet: it takes the instance one of the
    // ended threads left, 40 calls in.
    assert_eq!(count_calls(&*filter, 2, None).0, vec![41, 42]);
}

#[test]
fn instances_of_dropped_plugins_are_released_by_other_threads() {
    // A pool of two instances: if the worker kept the instance of each
    // dropped plugin, the third plugin could not be instantiated.
    let sandbox = Sandbox::builder()
        .no_cache()
        .limits(limits())
        .max_instances(2)
        .build()
        .expect("sandbox");
    let bytes = guest("identity_filter.wat");
    let (to_worker, jobs) = mpsc::channel::<Arc<sandpress_sandbox::WasmFilter>>();
    let (to_main, done) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        for filter in jobs {
            let input = block(1, 64);
            let mut out = vec![0; 64];
            let result = filter.forward(&input, 0, &info(64), &mut out);
            drop(filter);
            to_main.send(result).expect("main is waiting");
        }
    });
    for id in 0..6 {
        let filter = sandbox.load_filter(200 + id, &bytes).expect("loads");
        to_worker
            .send(Arc::clone(&filter))
            .expect("worker is running");
        assert_eq!(done.recv().expect("worker answers"), Ok(()), "plugin {id}");
        // The last reference goes here, on another thread than the worker's
        // instance: the worker must notice and release it.
        drop(filter);
    }
    drop(to_worker);
    worker.join().expect("worker");
}
