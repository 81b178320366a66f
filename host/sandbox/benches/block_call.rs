//! One plugin call per block, as the pipeline makes them: the WAT identity
//! filter's `forward` at 64 KiB and 1 MiB (input copied into the guest,
//! answer copied out into the caller's buffer), next to the two native
//! memcpys that are the floor of such a call.
//!
//! Run with `cargo bench -p sandpress-sandbox --bench block_call`.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sandpress_core::plugin::{BlockInfo, FilterPlugin};
use sandpress_sandbox::Sandbox;

fn identity_filter() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/identity_filter.wat");
    let text = std::fs::read_to_string(&path).expect("read identity_filter.wat");
    wat::parse_str(text).expect("identity_filter.wat parses")
}

fn block_call(c: &mut Criterion) {
    let sandbox = Sandbox::builder().no_cache().build().expect("sandbox");
    let filter = sandbox
        .load_filter(200, &identity_filter())
        .expect("identity filter loads");

    let mut group = c.benchmark_group("block_call");
    for (label, size) in [("64KiB", 64 << 10), ("1MiB", 1 << 20)] {
        let input: Vec<u8> = (0..size).map(|i| (i * 7 % 256) as u8).collect();
        let mut out = vec![0u8; size];
        let info = BlockInfo {
            typesize: 4,
            blocksize: u32::try_from(size).expect("fits"),
            ..BlockInfo::default()
        };
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(format!("wasm_identity_forward/{label}"), |b| {
            b.iter(|| {
                filter
                    .forward(black_box(&input), 0, &info, &mut out)
                    .expect("forward");
            })
        });
        let mut scratch = vec![0u8; size];
        group.bench_function(format!("native_two_memcpy/{label}"), |b| {
            b.iter(|| {
                scratch.copy_from_slice(black_box(&input));
                out.copy_from_slice(black_box(&scratch));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, block_call);
criterion_main!(benches);
