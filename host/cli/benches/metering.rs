//! What CPU metering costs: the tutorial's delta filter (forward +
//! backward, 64 KiB and 1 MiB blocks) in Rust, C and AssemblyScript, in
//! four wasmtime engines that differ only in metering: none, epoch
//! interruption (the sandbox's default), fuel, and both (the sandbox with
//! `Limits::fuel`). Engines are configured as the sandbox's (Cranelift at
//! `OptLevel::Speed`); the C and AS components are built from
//! `examples/` first (skipped, with a note, where their compiler is
//! not installed).
//!
//! Run with `cargo bench -p sandpress --bench metering`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasmtime::component::{Component, ComponentType, Func, Linker, Lower};
use wasmtime::{Config, Engine, OptLevel, Store};

/// `block-info` as the canonical ABI lowers it.
#[derive(ComponentType, Lower, Clone, Copy)]
#[component(record)]
struct Info {
    typesize: u32,
    blocksize: u32,
    #[component(name = "chunk-index")]
    chunk_index: u64,
    #[component(name = "block-index")]
    block_index: u32,
    offset: u32,
}

const METERING: [(&str, bool, bool); 4] = [
    ("none", false, false),
    ("epoch", true, false),
    ("fuel", false, true),
    ("epoch+fuel", true, true),
];

fn engine(epoch: bool, fuel: bool) -> Engine {
    let mut config = Config::new();
    config
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_component_model(true)
        .epoch_interruption(epoch)
        .consume_fuel(fuel);
    Engine::new(&config).expect("engine")
}

/// A store with an instance of `bytes` and its forward and backward.
fn instance(engine: &Engine, bytes: &[u8], fuel: bool) -> (Store<()>, Func, Func) {
    let component = Component::from_binary(engine, bytes).expect("compiles");
    let mut store = Store::new(engine, ());
    store.set_epoch_deadline(u64::MAX / 2);
    if fuel {
        store.set_fuel(u64::MAX / 2).expect("fuel");
    }
    let instance = Linker::new(engine)
        .instantiate(&mut store, &component)
        .expect("instantiates");
    let iface = component
        .get_export_index(None, "sandpress:plugin/filter@0.1.0")
        .expect("filter interface");
    let mut func = |name: &str| {
        let index = component
            .get_export_index(Some(&iface), name)
            .expect("function");
        instance.get_func(&mut store, index).expect("exported")
    };
    let (forward, backward) = (func("forward"), func("backward"));
    (store, forward, backward)
}

/// Calls `func` (forward or backward) on `input`.
fn call(store: &mut Store<()>, func: Func, input: &[u8], info: Info) -> Vec<u8> {
    let typed = func
        .typed::<(&[u8], u8, Info), (Result<Vec<u8>, String>,)>(&*store)
        .expect("the contract's type");
    let (out,) = typed.call(&mut *store, (input, 0, info)).expect("runs");
    out.expect("ok")
}

fn block(len: usize) -> Vec<u8> {
    (0..(len / 4) as i32)
        .flat_map(|i| (i * 3 + 7).to_le_bytes())
        .collect()
}

fn components() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = vec![("rust", sandpress_example_plugins::DELTA_FILTER.to_vec())];
    for (lang, dir) in [("c", "c"), ("as", "assemblyscript")] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(dir)
            .join("delta-filter");
        match sandpress_tooling::build::build(&dir) {
            Ok(b) => out.push((lang, b.component)),
            Err(e) => eprintln!("{lang}: not measured: {e}"),
        }
    }
    out
}

fn metering(c: &mut Criterion) {
    let mut group = c.benchmark_group("delta filter forward+backward, metering");
    for (lang, bytes) in components() {
        for (meter, epoch, fuel) in METERING {
            let engine = engine(epoch, fuel);
            let (mut store, forward, backward) = instance(&engine, &bytes, fuel);
            for len in [64 << 10, 1 << 20] {
                let input = block(len);
                let info = Info {
                    typesize: 4,
                    blocksize: len as u32,
                    chunk_index: 0,
                    block_index: 0,
                    offset: 0,
                };
                group.throughput(Throughput::Bytes(len as u64));
                let id = BenchmarkId::new(format!("{lang}/{meter}"), len);
                group.bench_with_input(id, &input, |b, input| {
                    b.iter(|| {
                        let mid = call(&mut store, forward, black_box(input), info);
                        black_box(call(&mut store, backward, &mid, info));
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, metering);
criterion_main!(benches);
