//! `sandpress bench`: compression and decompression speed of the built-in
//! codecs, the tutorial's plugins as WebAssembly components, and the same
//! plugin algorithms compiled natively, at 1 and 2 threads, measured side by
//! side in one run.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sandpress_core::format::ids;
use sandpress_core::plugin::{CodecPlugin, FilterPlugin};
use sandpress_core::{CParams, DParams, Registry, SChunk};
use sandpress_plugins::native;
use sandpress_sandbox::Sandbox;

/// Options of `sandpress bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Megabytes of int32 data per dataset.
    #[arg(long, default_value_t = 64)]
    pub size_mb: usize,
    /// Thread counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Repetitions per measurement (the fastest is reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Chunk size in bytes.
    #[arg(long, default_value_t = 8 << 20)]
    pub chunksize: usize,
}

/// A generated dataset.
struct Dataset {
    name: &'static str,
    bytes: Vec<u8>,
}

fn datasets(size: usize) -> Vec<Dataset> {
    let n = size / 4;
    let arange: Vec<u8> = (0..n as i32).flat_map(i32::to_le_bytes).collect();
    let repeated: Vec<u8> = std::iter::repeat_n(1234i32, n)
        .flat_map(i32::to_le_bytes)
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v: i32 = 0;
    let walk: Vec<u8> = (0..n)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = v.wrapping_add((x % 21) as i32 - 10);
            v.to_le_bytes()
        })
        .collect();
    vec![
        Dataset {
            name: "arange",
            bytes: arange,
        },
        Dataset {
            name: "repeated value",
            bytes: repeated,
        },
        Dataset {
            name: "random walk",
            bytes: walk,
        },
    ]
}

/// A pipeline to measure: its parameters and the plugins it needs.
struct Pipeline {
    name: String,
    codec: u8,
    filters: [u8; 6],
    registry: Registry,
}

fn registry(
    codecs: Vec<Arc<dyn CodecPlugin>>,
    filters: Vec<Arc<dyn FilterPlugin>>,
) -> Result<Registry> {
    let mut r = Registry::new();
    for c in codecs {
        r.register_codec(c)?;
    }
    for f in filters {
        r.register_filter(f)?;
    }
    Ok(r)
}

fn pipelines(sandbox: &Sandbox) -> Result<Vec<Pipeline>> {
    let shuffle = [0, 0, 0, 0, 0, ids::SHUFFLE];
    let none = [0; 6];
    let delta = [160, 0, 0, 0, 0, 0];
    let user_shuffle = [161, 0, 0, 0, 0, 0];
    let wasm_repeat: Arc<dyn CodecPlugin> =
        sandbox.load_codec("repeat", 160, sandpress_plugins::REPEAT_CODEC)?;
    let wasm_step: Arc<dyn CodecPlugin> =
        sandbox.load_codec("step", 184, sandpress_plugins::STEP_CODEC)?;
    let wasm_delta: Arc<dyn FilterPlugin> =
        sandbox.load_filter(160, sandpress_plugins::DELTA_FILTER)?;
    let wasm_shuffle: Arc<dyn FilterPlugin> =
        sandbox.load_filter(161, sandpress_plugins::BYTE_SHUFFLE)?;
    let p = |name: &str, codec, filters, registry| Pipeline {
        name: name.to_string(),
        codec,
        filters,
        registry,
    };
    Ok(vec![
        p(
            "zstd-1 + shuffle (built-in)",
            ids::ZSTD,
            shuffle,
            Registry::new(),
        ),
        p(
            "lz4-1 + shuffle (built-in)",
            ids::LZ4,
            shuffle,
            Registry::new(),
        ),
        p(
            "repeat codec 160 (wasm)",
            160,
            none,
            registry(vec![wasm_repeat], vec![])?,
        ),
        p(
            "repeat codec 160 (native)",
            160,
            none,
            registry(vec![Arc::new(native::RepeatCodec::new())], vec![])?,
        ),
        p(
            "delta 160 + step 184 (wasm)",
            184,
            delta,
            registry(vec![wasm_step], vec![wasm_delta])?,
        ),
        p(
            "delta 160 + step 184 (native)",
            184,
            delta,
            registry(
                vec![Arc::new(native::StepCodec::new())],
                vec![Arc::new(native::DeltaFilter::new())],
            )?,
        ),
        p(
            "byte-shuffle 161 + lz4 (wasm)",
            ids::LZ4,
            user_shuffle,
            registry(vec![], vec![wasm_shuffle])?,
        ),
        p(
            "byte-shuffle 161 + lz4 (native)",
            ids::LZ4,
            user_shuffle,
            registry(vec![], vec![Arc::new(native::ByteShuffle::new())])?,
        ),
    ])
}

/// One measured row.
struct Row {
    dataset: &'static str,
    pipeline: String,
    threads: usize,
    compress: f64,
    decompress: f64,
    cratio: f64,
}

fn best<T>(repeat: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Duration, T)> {
    let mut fastest = Duration::MAX;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f()?;
        fastest = fastest.min(t.elapsed());
        last = Some(r);
    }
    Ok((fastest, last.context("no repetition ran")?))
}

fn measure(opts: &Options, data: &Dataset, p: &Pipeline, threads: usize) -> Result<Row> {
    let cp = CParams {
        codec: p.codec,
        clevel: 1,
        typesize: 4,
        nthreads: threads,
        filters: p.filters,
        ..CParams::default()
    };
    let dp = DParams {
        nthreads: threads,
        ..DParams::default()
    };
    let (ctime, schunk) = best(opts.repeat, || {
        let mut s = SChunk::new(opts.chunksize, cp.clone(), dp.clone(), p.registry.clone())?;
        s.append(&data.bytes)?;
        Ok(s)
    })?;
    let mut out = vec![0u8; data.bytes.len()];
    let (dtime, ()) = best(opts.repeat, || {
        Ok(schunk.get_slice(0..schunk.nitems(), &mut out)?)
    })?;
    anyhow::ensure!(
        out == data.bytes,
        "{} on {} did not round-trip",
        p.name,
        data.name
    );
    let mb = data.bytes.len() as f64 / 1e6;
    Ok(Row {
        dataset: data.name,
        pipeline: p.name.clone(),
        threads,
        compress: mb / ctime.as_secs_f64(),
        decompress: mb / dtime.as_secs_f64(),
        cratio: schunk.cratio(),
    })
}

fn find<'r>(rows: &'r [Row], dataset: &str, pipeline: &str, threads: usize) -> Option<&'r Row> {
    rows.iter()
        .find(|r| r.dataset == dataset && r.pipeline == pipeline && r.threads == threads)
}

fn summary(out: &mut dyn Write, rows: &[Row], threads: &[usize]) -> Result<()> {
    writeln!(out, "\nRatios (same run):")?;
    let one = threads.contains(&1).then_some(1);
    let two = threads.iter().copied().find(|&t| t >= 2);
    for t in threads {
        for (ds, wasm, native) in [
            (
                "arange",
                "delta 160 + step 184 (wasm)",
                "delta 160 + step 184 (native)",
            ),
            (
                "repeated value",
                "repeat codec 160 (wasm)",
                "repeat codec 160 (native)",
            ),
            (
                "random walk",
                "byte-shuffle 161 + lz4 (wasm)",
                "byte-shuffle 161 + lz4 (native)",
            ),
        ] {
            if let (Some(w), Some(n)) = (find(rows, ds, wasm, *t), find(rows, ds, native, *t)) {
                writeln!(
                    out,
                    "  {t} thread(s), {ds}: native / wasm = {:.2}x compress, {:.2}x decompress",
                    n.compress / w.compress,
                    n.decompress / w.decompress
                )?;
            }
        }
    }
    if let (Some(a), Some(b)) = (one, two) {
        for ds in ["arange", "repeated value", "random walk"] {
            for p in [
                "delta 160 + step 184 (wasm)",
                "repeat codec 160 (wasm)",
                "zstd-1 + shuffle (built-in)",
            ] {
                if let (Some(x), Some(y)) = (find(rows, ds, p, a), find(rows, ds, p, b)) {
                    writeln!(
                        out,
                        "  {ds}, {p}: {b} threads / 1 thread = {:.2}x compress, {:.2}x decompress",
                        y.compress / x.compress,
                        y.decompress / x.decompress
                    )?;
                }
            }
        }
    }
    if let Some(r) = find(rows, "arange", "delta 160 + step 184 (wasm)", 1) {
        writeln!(
            out,
            "  tutorial delta + step codec, wasm, 1 thread, decompress: {:.0} MB/s = {:.0}x python-blosc2's 25 MB/s \
             (python-blosc2 figure from TOOLCHAIN.md, not this run)",
            r.decompress,
            r.decompress / 25.0
        )?;
    }
    for (p, c, d) in [
        ("zstd-1 + shuffle (built-in)", 1000.0, 2400.0),
        ("lz4-1 + shuffle (built-in)", 1800.0, 4100.0),
    ] {
        if let Some(r) = find(rows, "random walk", p, 1) {
            writeln!(
                out,
                "  {p}, random walk, 1 thread: {:.2}x compress, {:.2}x decompress of python-blosc2 \
                 ({c:.0} / {d:.0} MB/s, TOOLCHAIN.md)",
                r.compress / c,
                r.decompress / d
            )?;
        }
    }
    Ok(())
}

/// Runs the benchmark and prints a table and the ratios that matter.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<()> {
    let sandbox = Sandbox::new().context("starting the sandbox")?;
    let sets = datasets(opts.size_mb << 20);
    let pipes = pipelines(&sandbox)?;
    writeln!(
        out,
        "sandpress bench: {} MB of int32 per dataset, chunks of {} bytes, clevel 1, best of {}",
        opts.size_mb, opts.chunksize, opts.repeat
    )?;
    writeln!(
        out,
        "{:<15} {:<34} {:>3} {:>11} {:>11} {:>10}",
        "dataset", "pipeline", "thr", "comp MB/s", "decomp MB/s", "cratio"
    )?;
    let mut rows = Vec::new();
    for data in &sets {
        for p in &pipes {
            for &t in &opts.threads {
                let r = measure(opts, data, p, t)?;
                writeln!(
                    out,
                    "{:<15} {:<34} {:>3} {:>11.0} {:>11.0} {:>10.2}",
                    r.dataset, r.pipeline, r.threads, r.compress, r.decompress, r.cratio
                )?;
                out.flush()?;
                rows.push(r);
            }
        }
    }
    summary(out, &rows, &opts.threads)
}
