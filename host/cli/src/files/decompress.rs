//! `sandpress decompress`: a frame back into its bytes (or its `.npy`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use sandpress_core::format::b2nd::B2ndMeta;
use sandpress_core::ndarray::{ArrayError, Layout, SliceSpec, SliceStats};
use sandpress_core::plugin::PluginKind;
use sandpress_core::{DParams, Registry};
use sandpress_frame::Frame;

use super::io::{self, AtomicFile, SUFFIX};
use super::npy::{self, NpyHeader};
use super::progress;
use super::spec::{self, Plugins};

/// Options of `sandpress decompress`.
#[derive(Args, Debug, Clone)]
pub struct DecompressArgs {
    /// Frame to decompress, or - for stdin; the output is INPUT without
    /// .b2frame unless -o says otherwise.
    pub input: PathBuf,
    /// Output, overwriting, input removal and threads.
    #[command(flatten)]
    pub common: io::CommonArgs,
    /// A plugin the frame needs and does not embed: ID=plugin.wasm.
    #[arg(long = "plugin")]
    pub plugins: Vec<String>,
    /// Write the raw bytes even when the frame came from a .npy.
    #[arg(long)]
    pub raw: bool,
    /// Do not check chunks against the checksums the frame records.
    #[arg(long)]
    pub no_check: bool,
    /// Only this slice of an array frame (b2nd), indexed as in NumPy:
    /// 10:20,:,3 (steps of 1; an integer drops its axis). Decodes only the
    /// chunks and blocks the slice touches.
    #[arg(long, value_name = "INDEX", allow_hyphen_values = true)]
    pub slice: Option<String>,
}

fn derive_output(input: &Path) -> Result<PathBuf> {
    let s = input.to_string_lossy();
    match s.strip_suffix(SUFFIX) {
        Some(stem) if !stem.is_empty() => Ok(PathBuf::from(stem)),
        _ => bail!(
            "{} does not end in {SUFFIX}: name the output with -o",
            input.display()
        ),
    }
}

/// Opens a frame from a path, or from stdin copied to a temporary file
/// (the index is at the end of a frame).
fn open(path: &Path) -> Result<(Frame, Option<tempfile::NamedTempFile>)> {
    if io::is_dash(path) {
        let mut tmp = io::temp_file()?;
        std::io::copy(&mut std::io::stdin().lock(), tmp.as_file_mut()).context("reading stdin")?;
        let f = Frame::open(tmp.path()).context("reading the frame from stdin")?;
        return Ok((f, Some(tmp)));
    }
    let f = super::open_frame(path)?;
    Ok((f, None))
}

/// Loads the plugins a frame needs: `--plugin` components, then the ones it
/// embeds; refuses a frame whose recorded plugins are missing.
pub fn registry_for(frame: &mut Frame, specs: &[String], plugins: &mut Plugins) -> Result<()> {
    let mut registry = Registry::new();
    for s in specs {
        let spec = spec::plugin(s)?;
        let kind = frame
            .plugins()
            .iter()
            .find(|r| r.meta.id == spec.id())
            .map(|r| r.meta.kind)
            .or_else(|| (frame.header().codec == spec.id()).then_some(PluginKind::Codec));
        plugins.load(&spec, kind, &mut registry)?;
    }
    if frame.plugins().iter().any(|r| r.component.is_some()) {
        let records = frame.plugins().to_vec();
        plugins
            .sandbox()?
            .register_embedded(&records, &mut registry)
            .context("loading the plugins embedded in the frame")?;
    }
    for r in frame.plugins() {
        let present = match r.meta.kind {
            PluginKind::Codec => registry.codec(r.meta.id).is_some(),
            _ => registry.filter(r.meta.id).is_some(),
        };
        if !present {
            bail!(
                "the frame needs {} {} ({:?}, sha256 {}), which it does not embed: pass --plugin {}=FILE.wasm",
                r.meta.kind,
                r.meta.id,
                r.meta.name,
                r.meta.sha256_hex(),
                r.meta.id
            );
        }
    }
    frame.set_registry(registry)?;
    Ok(())
}

/// Runs `sandpress decompress`; returns a one-line summary for stderr.
pub fn run(a: &DecompressArgs) -> Result<String> {
    let output = io::resolve_output(
        &a.input,
        a.common.output.as_deref(),
        derive_output,
        a.common.force,
    )?;
    let (mut frame, _stdin_copy) = open(&a.input)?;
    let mut plugins = Plugins::new(a.common.limits.limits());
    registry_for(&mut frame, &a.plugins, &mut plugins)?;
    frame.set_dparams(DParams {
        nthreads: a.common.threads_for(Some(frame.nchunks() as u64)),
        check: !a.no_check,
        ..DParams::default()
    });
    if let Some((meta, layout)) = frame
        .array_layout()
        .with_context(|| a.input.display().to_string())?
    {
        return run_array(a, &frame, &meta, &layout, output.as_deref());
    }
    if a.slice.is_some() {
        bail!(
            "{}: --slice needs an N-d array frame (a b2nd metalayer), and this frame has none",
            a.input.display()
        );
    }
    let npy = match (a.raw, frame.metalayer(npy::METALAYER)) {
        (false, Some(m)) => Some(NpyHeader::from_metalayer(m)?),
        _ => None,
    };
    let mut atomic = output.as_deref().map(AtomicFile::create).transpose()?;
    match (&mut atomic, &output) {
        (Some(f), Some(path)) => write_file(&frame, npy.as_ref(), f.file(), path, &a.input)?,
        _ => write_out(&frame, npy.as_ref(), std::io::stdout().lock(), &a.input)?,
    }
    if let Some(f) = atomic {
        f.commit()?;
    }
    a.common.finish(&a.input, output.as_deref())?;
    let name = output
        .as_ref()
        .map_or("stdout".into(), |p| p.display().to_string());
    Ok(format!(
        "{name}: {} bytes from {} chunks",
        frame.nbytes(),
        frame.nchunks()
    ))
}

/// Decompresses a frame holding an N-d array (`b2nd`): its items in C
/// order, after a `.npy` header with its shape and dtype when the output's
/// name ends in `.npy` (and `--raw` is not given).
fn run_array(
    a: &DecompressArgs,
    frame: &Frame,
    meta: &B2ndMeta,
    layout: &Layout,
    output: Option<&Path>,
) -> Result<String> {
    if a.slice.is_some() && a.common.rm {
        bail!("--rm with --slice would remove the array after writing a part of it");
    }
    let spec =
        SliceSpec::parse(a.slice.as_deref().unwrap_or(""), layout.shape()).context("--slice")?;
    let shape = spec.shape();
    let npy = output
        .filter(|p| !a.raw && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")))
        .map(|_| NpyHeader {
            descr: meta.dtype.clone(),
            fortran_order: false,
            shape: shape.clone(),
        });
    let nbytes = shape.iter().product::<u64>() * layout.itemsize() as u64;
    let mut atomic = output.map(AtomicFile::create).transpose()?;
    let write =
        |sink: &mut dyn Write| write_array(frame, &spec, nbytes, npy.as_ref(), sink, &a.input);
    let stats = match &mut atomic {
        Some(f) => write(f.file())?,
        None => write(&mut std::io::stdout().lock())?,
    };
    if let Some(f) = atomic {
        f.commit()?;
    }
    a.common.finish(&a.input, output)?;
    let name = output.map_or("stdout".into(), |p| p.display().to_string());
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    Ok(format!(
        "{name}: array ({}) of {}, {nbytes} bytes; {} chunk reads, {} blocks decoded",
        dims.join(", "),
        meta.dtype,
        stats.chunks,
        stats.blocks
    ))
}

/// Writes the items of `spec` (`nbytes` of them) of the array of `frame`
/// in C order, after `npy`'s header if any, to `sink`, a bounded piece at
/// a time.
fn write_array(
    frame: &Frame,
    spec: &SliceSpec,
    nbytes: u64,
    npy: Option<&NpyHeader>,
    sink: &mut dyn Write,
    input: &Path,
) -> Result<SliceStats> {
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    if let Some(h) = npy {
        out.write_all(&h.to_bytes()).context("writing the output")?;
    }
    let bar = progress::bar(Some(nbytes), "decompressing");
    let stats = frame
        .array_slice_in_order(&spec.ranges, |bytes: &[u8]| {
            out.write_all(bytes).context("writing the output")?;
            bar.inc(bytes.len() as u64);
            Ok::<_, anyhow::Error>(())
        })
        .map_err(|e| match e.downcast::<ArrayError>() {
            Ok(array) => anyhow::Error::new(array).context(input.display().to_string()),
            Err(other) => other,
        })?;
    bar.finish_and_clear();
    out.flush().context("writing the output")?;
    Ok(stats)
}

/// Writes the bytes of `frame` (after `npy`'s header, if any) into
/// `file`, named `path`: each chunk is decompressed and written at its
/// place by a worker, so that with several threads the copies into the
/// file run side by side too.
fn write_file(
    frame: &Frame,
    npy: Option<&NpyHeader>,
    file: &mut File,
    path: &Path,
    input: &Path,
) -> Result<()> {
    let header = npy.map(NpyHeader::to_bytes).unwrap_or_default();
    file.write_all(&header).context("writing the output")?;
    let bar = progress::bar(Some(frame.nbytes()), "decompressing");
    frame
        .decompress_to_file(0..frame.nchunks(), file, header.len() as u64, path, |n| {
            bar.inc(n)
        })
        .map_err(|e| match e {
            sandpress_core::Error::Io { .. } => anyhow::Error::new(e),
            other => anyhow::Error::new(other).context(input.display().to_string()),
        })?;
    bar.finish_and_clear();
    Ok(())
}

/// Writes the bytes of `frame` (after `npy`'s header, if any) to `sink`:
/// chunks are decompressed side by side on the frame's threads and
/// written in order as they come, a bounded number at a time (no
/// temporary file, whatever `sink` is).
fn write_out(frame: &Frame, npy: Option<&NpyHeader>, sink: impl Write, input: &Path) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    if let Some(h) = npy {
        out.write_all(&h.to_bytes()).context("writing the output")?;
    }
    let bar = progress::bar(Some(frame.nbytes()), "decompressing");
    frame
        .decompress_in_order(0..frame.nchunks(), |_, chunk| {
            out.write_all(chunk).context("writing the output")?;
            bar.inc(chunk.len() as u64);
            Ok::<_, anyhow::Error>(())
        })
        .map_err(|e| match e.downcast::<sandpress_core::Error>() {
            Ok(core) => anyhow::Error::new(core).context(input.display().to_string()),
            Err(other) => other,
        })?;
    bar.finish_and_clear();
    out.flush().context("writing the output")
}
