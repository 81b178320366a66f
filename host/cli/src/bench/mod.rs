//! `sandpress bench`: compression and decompression speed of the built-in
//! codecs, the tutorial's plugins as WebAssembly components, and the same
//! plugin algorithms compiled natively, at 1 and 2 threads, measured side by
//! side in one run.

mod against;
mod buffer;
mod data;
mod peer;
mod report;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sandpress_core::{CParams, DParams, SChunk};
use sandpress_sandbox::{InstanceReuse, Limits, Sandbox};

use data::{Dataset, Pipeline, datasets, pipelines};

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
    /// How long a worker keeps its instance of a plugin: a fresh one per
    /// call, per chunk (the default), or always the same. Several, comma
    /// separated (`always,per-chunk,per-call`), measure the pipelines with
    /// a plugin once per setting and print what each costs against the
    /// first (ratios, same run).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "per-chunk")]
    pub instance_reuse: Vec<Reuse>,
    /// Also measure every pipeline with a plugin without verify on write,
    /// and without checksums, and print what each costs (ratios, same run).
    #[arg(long)]
    pub integrity: bool,
    /// Measure the built-in pipelines (zstd-1, zstd-5, lz4-1, blosclz-5 ×
    /// shuffle, bitshuffle, none) against another library in the same run,
    /// row by row, and print the ratios.
    #[arg(long, value_enum)]
    pub against: Option<Against>,
    /// The Python with blosc2 and numpy that `--against python-blosc2` runs
    /// (scripts/bench-vs-blosc2 makes one).
    #[arg(long, default_value = "python3", requires = "against")]
    pub python: PathBuf,
    /// With `--against`: only these datasets (arange, repeated-value,
    /// random-walk, sine-noise, text, records).
    #[arg(long, value_delimiter = ',', requires = "against")]
    pub datasets: Vec<String>,
    /// With `--against`: only these codecs (zstd-1, zstd-5, lz4-1, blosclz-5).
    #[arg(long, value_delimiter = ',', requires = "against")]
    pub codecs: Vec<String>,
    /// With `--against`: only these filters (shuffle, bitshuffle, none).
    #[arg(long, value_delimiter = ',', requires = "against")]
    pub filters: Vec<String>,
    /// With `--against`: write and check checksums as sandpress does by
    /// default (python-blosc2 has none, so they are off otherwise).
    #[arg(long, requires = "against")]
    pub checksums: bool,
}

/// A library `sandpress bench --against` measures side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Against {
    /// python-blosc2 (C-Blosc2), run as a child Python process.
    #[value(name = "python-blosc2")]
    PythonBlosc2,
}

/// [`InstanceReuse`] on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reuse {
    /// A fresh instance for every call.
    PerCall,
    /// A fresh instance for every chunk.
    PerChunk,
    /// The same instance for every call.
    Always,
}

impl Reuse {
    /// The name given on the command line.
    fn name(self) -> &'static str {
        match self {
            Reuse::PerCall => "per-call",
            Reuse::PerChunk => "per-chunk",
            Reuse::Always => "always",
        }
    }

    /// What a pipeline's label gets when measured with this setting after
    /// the first.
    fn suffix(self) -> String {
        format!(" [{}]", self.name())
    }
}

impl From<Reuse> for InstanceReuse {
    fn from(reuse: Reuse) -> Self {
        match reuse {
            Reuse::PerCall => InstanceReuse::PerCall,
            Reuse::PerChunk => InstanceReuse::PerChunk,
            Reuse::Always => InstanceReuse::Always,
        }
    }
}

/// Which integrity checks a measurement runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Verify on write and checksums, as by default.
    All,
    /// Checksums, no verify on write.
    NoVerify,
    /// Verify on write, no checksums written or checked.
    NoChecksums,
}

impl Checks {
    fn suffix(self) -> &'static str {
        match self {
            Checks::All => "",
            Checks::NoVerify => " -verify",
            Checks::NoChecksums => " -checksums",
        }
    }
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

/// One row being measured: its data in a buffer like numpy's, the buffer
/// it decompresses into (already touched, so no round pays its page
/// faults), and the fastest round so far.
struct Measuring<'a> {
    data: &'a Dataset,
    pipeline: String,
    registry: sandpress_core::Registry,
    chunksize: usize,
    cp: CParams,
    dp: DParams,
    input: buffer::Buffer,
    out: buffer::Buffer,
    compress: Duration,
    decompress: Duration,
    cratio: f64,
}

impl<'a> Measuring<'a> {
    fn new(
        opts: &Options,
        data: &'a Dataset,
        p: &Pipeline,
        threads: usize,
        checks: Checks,
        label: &str,
    ) -> Result<Measuring<'a>> {
        let cp = CParams {
            codec: p.codec,
            clevel: p.clevel,
            typesize: data.typesize,
            nthreads: threads,
            filters: p.filters,
            verify: checks != Checks::NoVerify,
            checksums: checks != Checks::NoChecksums,
            ..CParams::default()
        };
        let dp = DParams {
            nthreads: threads,
            check: checks != Checks::NoChecksums,
            ..DParams::default()
        };
        let mut out = buffer::Buffer::zeroed(data.bytes.len())?;
        out.fill(1);
        Ok(Measuring {
            data,
            pipeline: format!("{}{}{label}", p.name, checks.suffix()),
            registry: p.registry.clone(),
            chunksize: data.chunksize(opts.chunksize),
            cp,
            dp,
            input: buffer::Buffer::copy_of(&data.bytes)?,
            out,
            compress: Duration::MAX,
            decompress: Duration::MAX,
            cratio: 0.0,
        })
    }

    /// Compresses the data into a new super-chunk, decompresses it into the
    /// buffer, checks the round trip, and keeps the fastest times.
    fn round(&mut self) -> Result<()> {
        let t = Instant::now();
        let mut s = SChunk::new(
            self.chunksize,
            self.cp.clone(),
            self.dp.clone(),
            self.registry.clone(),
        )?;
        s.append(&self.input)?;
        self.compress = self.compress.min(t.elapsed());
        let t = Instant::now();
        s.get_slice(0..s.nitems(), &mut self.out)?;
        self.decompress = self.decompress.min(t.elapsed());
        anyhow::ensure!(
            *self.out == self.data.bytes[..],
            "{} on {} did not round-trip",
            self.pipeline,
            self.data.name
        );
        self.cratio = s.cratio();
        Ok(())
    }

    /// The row: MB/s of the fastest rounds.
    fn row(self) -> Row {
        let mb = self.data.bytes.len() as f64 / 1e6;
        Row {
            dataset: self.data.name,
            pipeline: self.pipeline,
            threads: self.cp.nthreads,
            compress: mb / self.compress.as_secs_f64(),
            decompress: mb / self.decompress.as_secs_f64(),
            cratio: self.cratio,
        }
    }
}

/// Measures one row: the fastest of `opts.repeat` rounds.
fn measure(
    opts: &Options,
    data: &Dataset,
    p: &Pipeline,
    threads: usize,
    checks: Checks,
    label: &str,
) -> Result<Row> {
    let mut m = Measuring::new(opts, data, p, threads, checks, label)?;
    for _ in 0..opts.repeat.max(1) {
        m.round()?;
    }
    Ok(m.row())
}

fn find<'r>(rows: &'r [Row], dataset: &str, pipeline: &str, threads: usize) -> Option<&'r Row> {
    rows.iter()
        .find(|r| r.dataset == dataset && r.pipeline == pipeline && r.threads == threads)
}

/// Runs the benchmark and prints a table and the ratios that matter.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<()> {
    if opts.against == Some(Against::PythonBlosc2) {
        return against::run(opts, out);
    }
    let modes = if opts.instance_reuse.is_empty() {
        vec![Reuse::PerChunk]
    } else {
        opts.instance_reuse.clone()
    };
    let sets = datasets(opts.size_mb << 20);
    // One sandbox, and so one set of plugin instances, per reuse setting.
    let mut pipes = Vec::new();
    for &mode in &modes {
        let limits = Limits::default().instance_reuse(mode.into());
        let sandbox = Sandbox::builder()
            .limits(limits)
            .build()
            .context("starting the sandbox")?;
        pipes.push(pipelines(&sandbox)?);
    }
    writeln!(
        out,
        "sandpress bench: {} MB of int32 per dataset, chunks of {} bytes, clevel 1, best of {}, instance reuse {}",
        opts.size_mb,
        opts.chunksize,
        opts.repeat,
        modes
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(" then ")
    )?;
    writeln!(
        out,
        "{:<15} {:<45} {:>3} {:>11} {:>11} {:>10}",
        "dataset", "pipeline", "thr", "comp MB/s", "decomp MB/s", "cratio"
    )?;
    let mut rows = Vec::new();
    for data in &sets {
        for (k, (&mode, mode_pipes)) in modes.iter().zip(&pipes).enumerate() {
            for p in mode_pipes {
                let wasm = p.name.contains("(wasm)");
                if k > 0 && !wasm {
                    continue;
                }
                let label = if k > 0 { mode.suffix() } else { String::new() };
                let variants: &[Checks] = if opts.integrity && wasm && k == 0 {
                    &[Checks::All, Checks::NoVerify, Checks::NoChecksums]
                } else {
                    &[Checks::All]
                };
                for &t in &opts.threads {
                    for &checks in variants {
                        let r = measure(opts, data, p, t, checks, &label)?;
                        writeln!(
                            out,
                            "{:<15} {:<45} {:>3} {:>11.0} {:>11.0} {:>10.2}",
                            r.dataset, r.pipeline, r.threads, r.compress, r.decompress, r.cratio
                        )?;
                        out.flush()?;
                        rows.push(r);
                    }
                }
            }
        }
    }
    report::summary(out, &rows, &opts.threads)?;
    if opts.integrity {
        report::integrity_summary(out, &rows, &pipes[0])?;
    }
    report::reuse_summary(out, &rows, &pipes[0], &modes)?;
    Ok(())
}
