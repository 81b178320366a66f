//! One plugin call per block, at 64 KiB and 1 MiB: the tutorial's delta
//! filter (forward + backward, typesizes 1, 2, 4 and 8) and step codec
//! (decode) as Wasm components against the same algorithms compiled
//! natively, measured side by side.
//! The delta filter is measured in Rust, C and AssemblyScript; the C and AS
//! components are built from `examples/` first (skipped, with a
//! note, where their compiler is not installed).

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sandpress_core::plugin::{BlockInfo, CodecPlugin, FilterPlugin};
use sandpress_example_plugins::native;
use sandpress_sandbox::Sandbox;

fn block(len: usize) -> Vec<u8> {
    (0..(len / 4) as i32)
        .flat_map(|i| (i * 3 + 7).to_le_bytes())
        .collect()
}

fn delta_round_trip(c: &mut Criterion) {
    let sandbox = Sandbox::new().expect("sandbox");
    let wasm = sandbox
        .load_filter(160, sandpress_example_plugins::DELTA_FILTER)
        .expect("delta");
    let native = native::DeltaFilter::new();
    let mut others = Vec::new();
    for (lang, dir) in [("wasm-c", "c"), ("wasm-as", "assemblyscript")] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(dir)
            .join("delta-filter");
        match sandpress_tooling::build::build(&dir) {
            Ok(b) => others.push((lang, sandbox.load_filter(160, &b.component).expect(lang))),
            Err(e) => eprintln!("{lang}: not measured: {e}"),
        }
    }
    let mut filters: Vec<(&str, &dyn FilterPlugin)> =
        vec![("wasm-rust", &*wasm), ("native", &native)];
    for (lang, f) in &others {
        filters.push((lang, &**f));
    }
    for typesize in [1u32, 2, 4, 8] {
        let mut group =
            c.benchmark_group(format!("delta filter forward+backward typesize {typesize}"));
        for len in [64 << 10, 1 << 20] {
            let input = block(len);
            let mut mid = vec![0; len];
            let mut out = vec![0; len];
            let info = BlockInfo {
                typesize,
                blocksize: len as u32,
                ..BlockInfo::default()
            };
            group.throughput(Throughput::Bytes(len as u64));
            for &(name, f) in &filters {
                group.bench_with_input(BenchmarkId::new(name, len), &input, |b, input| {
                    b.iter(|| {
                        f.forward(black_box(input), 0, &info, &mut mid).unwrap();
                        f.backward(&mid, 0, &info, &mut out).unwrap();
                    })
                });
            }
        }
        group.finish();
    }
}

fn step_decode(c: &mut Criterion) {
    let sandbox = Sandbox::new().expect("sandbox");
    let wasm = sandbox
        .load_codec("step", 184, sandpress_example_plugins::STEP_CODEC)
        .expect("step");
    let native = native::StepCodec::new();
    let codecs: [(&str, &dyn CodecPlugin); 2] = [("wasm", &*wasm), ("native", &native)];
    let mut group = c.benchmark_group("step codec decode");
    for len in [64 << 10, 1 << 20] {
        let encoded = [7i32.to_le_bytes(), 3i32.to_le_bytes()].concat();
        let mut out = vec![0; len];
        let info = BlockInfo {
            typesize: 4,
            blocksize: len as u32,
            ..BlockInfo::default()
        };
        group.throughput(Throughput::Bytes(len as u64));
        for (name, codec) in codecs {
            group.bench_with_input(BenchmarkId::new(name, len), &encoded, |b, encoded| {
                b.iter(|| {
                    codec
                        .decode(black_box(encoded), 0, &info, &mut out)
                        .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, delta_round_trip, step_decode);
criterion_main!(benches);
