//! `sandpress compress`: a file (raw bytes or `.npy`) into a frame.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use clap::Args;
use sandpress_core::params::DEFAULT_CHUNKSIZE;
use sandpress_core::plugin::PluginKind;
use sandpress_core::{CParams, FilterChain, Registry, SplitMode, parse_size};
use sandpress_frame::{FrameStats, FrameWriter, PipelinedWriter};

use super::io::{self, SUFFIX};
use super::npy::{self, NpyHeader};
use super::progress;
use super::spec::{self, Plugins, Spec};

/// Options of `sandpress compress`.
#[derive(Args, Debug, Clone)]
pub struct CompressArgs {
    /// File to compress (raw bytes or a NumPy .npy), or - for stdin; the
    /// frame is INPUT.b2frame unless -o says otherwise.
    pub input: PathBuf,
    /// Output, overwriting, input removal and threads.
    #[command(flatten)]
    pub common: io::CommonArgs,
    /// Compression level 0-9 (also -0 .. -9).
    #[arg(short = 'l', long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=9))]
    pub clevel: u8,
    /// Codec: zstd, lz4, zlib, blosclz, or ID=plugin.wasm (160-255).
    #[arg(long, default_value = "zstd")]
    pub codec: String,
    /// The codec's meta byte.
    #[arg(long, default_value_t = 0)]
    pub codec_meta: u8,
    /// Filter, up to 6, applied in order: shuffle, bitshuffle, delta,
    /// trunc_prec:BITS, ID[:META]=plugin.wasm, or none (default: shuffle).
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// Bytes per item (default: the .npy dtype's, else 8 as python-blosc2).
    #[arg(long)]
    pub typesize: Option<u8>,
    /// Uncompressed bytes per chunk (K, M, G suffixes); 0 is refused.
    #[arg(long, default_value_t = DEFAULT_CHUNKSIZE, value_parser = parse_size)]
    pub chunksize: usize,
    /// Bytes per block, 0 for automatic (K, M suffixes).
    #[arg(long, default_value = "0", value_parser = parse_size)]
    pub blocksize: usize,
    /// Split blocks into one stream per byte of the item: always, never, auto.
    #[arg(long, default_value = "auto")]
    pub splitmode: SplitMode,
    /// Store the plugins' components in the frame, so it decodes anywhere.
    #[arg(long)]
    pub embed_plugins: bool,
    /// Do not verify on write (by default every block a plugin codec or
    /// filter encodes is decoded again, by another instance, and compared).
    #[arg(long)]
    pub no_verify: bool,
}

fn derive_output(input: &Path) -> Result<PathBuf> {
    let mut s = input.as_os_str().to_owned();
    s.push(SUFFIX);
    Ok(PathBuf::from(s))
}

/// Runs `sandpress compress`; returns a one-line summary for stderr.
pub fn run(a: &CompressArgs) -> Result<String> {
    ensure!(
        a.chunksize > 0,
        "--chunksize 0: a chunk holds at least one item (the default is {DEFAULT_CHUNKSIZE})"
    );
    let output = io::resolve_output(
        &a.input,
        a.common.output.as_deref(),
        derive_output,
        a.common.force,
    )?;
    let (input, npy) = sniff_npy(io::open_input(&a.input)?, &a.input)?;
    if let Some(h) = &npy {
        refuse_object_dtype(h, &a.input)?;
    }
    let mut registry = Registry::new();
    let mut plugins = Plugins::new(a.common.limits.limits());
    let mut cp = cparams(
        a,
        typesize(a.typesize, npy.as_ref())?,
        &mut plugins,
        &mut registry,
    )?;
    let chunksize = cp.whole_items(a.chunksize);
    cp.nthreads = a
        .common
        .threads_for(input.len().map(|n| n.div_ceil(chunksize as u64)));
    let job = Job {
        input,
        npy,
        cparams: cp,
        chunksize,
        plugins,
        registry,
    };
    match &output {
        Some(p) => write(a, job, p).map_err(|e| io::name_output(e, p)),
        None => write_stdout(a, job),
    }
}

/// Refuses a `.npy` whose dtype holds Python objects (`O`, alone or as a
/// field of a structured dtype): its bytes are pointers into the process
/// that saved it, not data.
pub fn refuse_object_dtype(h: &NpyHeader, path: &Path) -> Result<()> {
    ensure!(
        !has_object_dtype(&h.descr),
        "{}: dtype {} holds Python objects: object arrays hold pointers, not data",
        path.display(),
        h.descr
    );
    Ok(())
}

/// Whether a `.npy` dtype (`|O`, or a structured dtype's list such as
/// `[('a', '<i4'), ('b', '|O')]`) has an object type in it. In a list a
/// type follows a comma (a field's name follows a parenthesis).
fn has_object_dtype(descr: &str) -> bool {
    let is_object = |t: &str| {
        let body = t.strip_prefix(['<', '>', '|', '=']).unwrap_or(t);
        body.strip_prefix('O')
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
    };
    if !descr.trim_start().starts_with('[') {
        return is_object(descr.trim());
    }
    let mut last = ' ';
    let mut chars = descr.chars();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            let quoted: String = chars.by_ref().take_while(|&q| q != c).collect();
            if last == ',' && is_object(&quoted) {
                return true;
            }
            last = c;
        } else if !c.is_whitespace() {
            last = c;
        }
    }
    false
}

/// What is compressed, and how.
struct Job {
    input: Data,
    npy: Option<NpyHeader>,
    cparams: CParams,
    chunksize: usize,
    plugins: Plugins,
    registry: Registry,
}

impl Job {
    /// Starts a frame (at `output`, else in a temporary file), unsynced:
    /// [`io::CommonArgs::finish`] syncs the output when the data is at
    /// stake.
    fn start(&mut self, output: Option<&Path>) -> Result<FrameWriter> {
        let (cp, registry) = (self.cparams.clone(), std::mem::take(&mut self.registry));
        let layers = metalayers(self.npy.as_ref());
        let mut fw = match output {
            Some(p) => FrameWriter::create(p, cp, self.chunksize, layers, registry)?,
            None => FrameWriter::create_temp(cp, self.chunksize, layers, registry)?,
        };
        fw.set_sync(false);
        Ok(fw)
    }

    /// Compresses the whole input into `fw`.
    fn fill(self, a: &CompressArgs, fw: FrameWriter) -> Result<PipelinedWriter> {
        let mut w = PipelinedWriter::new(fw);
        if a.embed_plugins {
            embed(&mut w, &self.plugins);
        }
        append_all(self.input, &mut w, &a.input)?;
        if let Some(h) = &self.npy {
            check_npy_size(h, w.nbytes(), &a.input)?;
        }
        Ok(w)
    }
}

/// Compresses into a frame at `output`.
fn write(a: &CompressArgs, mut job: Job, output: &Path) -> Result<String> {
    let fw = job.start(Some(output))?;
    let stats = job.fill(a, fw)?.finish()?;
    a.common.finish(&a.input, Some(output))?;
    Ok(summary(Some(output), &stats))
}

/// Compresses to stdout. A frame's header, at its start, holds totals
/// known only at its end, and a pipe cannot be rewound: the frame is built
/// in a temporary file (which the page cache mostly keeps in memory) and
/// copied out once complete.
fn write_stdout(a: &CompressArgs, mut job: Job) -> Result<String> {
    let fw = job.start(None)?;
    let (file, stats) = job.fill(a, fw)?.finish_temp()?;
    io::copy_to_stdout(file)?;
    a.common.finish(&a.input, None)?;
    Ok(summary(None, &stats))
}

/// The metalayers of a frame: the `.npy` header's, when there is one.
fn metalayers(npy: Option<&NpyHeader>) -> Vec<(String, Vec<u8>)> {
    npy.iter()
        .map(|h| (npy::METALAYER.to_string(), h.to_metalayer()))
        .collect()
}

/// The data to compress: a regular file from an offset, or a stream.
enum Data {
    /// The file's bytes from `start` (past a `.npy` header) to its `end`.
    File { file: File, start: u64, end: u64 },
    /// A stream, its `.npy` header read off.
    Stream(Box<dyn Read>),
}

impl Data {
    /// Bytes to compress, when known (a file's).
    fn len(&self) -> Option<u64> {
        match self {
            Data::File { start, end, .. } => Some(end.saturating_sub(*start)),
            Data::Stream(_) => None,
        }
    }
}

/// The input with its `.npy` header read off, when it starts with one.
fn sniff_npy(input: io::Input, path: &Path) -> Result<(Data, Option<NpyHeader>)> {
    let (file, end) = match input {
        io::Input::File(file, end) => (file, end),
        io::Input::Stream(s) => {
            let (s, npy) = sniff_npy_stream(s, path)?;
            return Ok((Data::Stream(s), npy));
        }
    };
    let mut peek = [0u8; npy::MAGIC.len()];
    let got = io::read_full_at(&file, &mut peek, 0)
        .with_context(|| format!("reading {}", path.display()))?;
    if &peek[..got] != npy::MAGIC {
        return Ok((
            Data::File {
                file,
                start: 0,
                end,
            },
            None,
        ));
    }
    let mut reader = &file;
    // From the start: a positioned read moves the cursor on Windows.
    reader
        .seek(std::io::SeekFrom::Start(0))
        .with_context(|| format!("reading {}", path.display()))?;
    let header =
        NpyHeader::read(&mut reader).with_context(|| format!("reading {}", path.display()))?;
    let start = reader
        .stream_position()
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((Data::File { file, start, end }, Some(header)))
}

/// A stream with its `.npy` header read off, when it starts with one.
fn sniff_npy_stream(
    mut input: Box<dyn Read>,
    path: &Path,
) -> Result<(Box<dyn Read>, Option<NpyHeader>)> {
    let mut peek = [0u8; npy::MAGIC.len()];
    let got = io::read_full(&mut input, &mut peek)?;
    let mut input: Box<dyn Read> =
        Box::new(std::io::Cursor::new(peek[..got].to_vec()).chain(input));
    if &peek[..got] != npy::MAGIC {
        return Ok((input, None));
    }
    let header =
        NpyHeader::read(&mut input).with_context(|| format!("reading {}", path.display()))?;
    Ok((input, Some(header)))
}

/// `--typesize`, else the `.npy` dtype's item size (1 when it has none
/// that fits), else 8 as python-blosc2.
fn typesize(asked: Option<u8>, npy: Option<&NpyHeader>) -> Result<u8> {
    let typesize = match (asked, npy) {
        (Some(t), _) => t,
        (None, Some(h)) => h
            .itemsize()
            .filter(|&s| (1..=255).contains(&s))
            .unwrap_or(1) as u8,
        (None, None) => CParams::default().typesize,
    };
    ensure!(typesize > 0, "--typesize must be 1-255");
    Ok(typesize)
}

/// The compression parameters the arguments ask for; the plugins they
/// name are loaded into `registry`.
fn cparams(
    a: &CompressArgs,
    typesize: u8,
    plugins: &mut Plugins,
    registry: &mut Registry,
) -> Result<CParams> {
    let codec = spec::codec(&a.codec)?;
    plugins.load(&codec, Some(PluginKind::Codec), registry)?;
    let filters = filter_chain(&a.filters, plugins, registry)?;
    Ok(CParams {
        codec: codec.id(),
        codec_meta: if a.codec_meta != 0 {
            a.codec_meta
        } else {
            codec.meta()
        },
        clevel: a.clevel,
        typesize,
        blocksize: a.blocksize,
        // Set by `run` once the number of chunks is known.
        nthreads: 1,
        filters,
        splitmode: a.splitmode,
        verify: !a.no_verify,
        ..CParams::default()
    })
}

/// The `--filter` arguments as a chain (the default chain when there are
/// none, no filter for `none`); the plugins among them are loaded into
/// `registry`.
fn filter_chain(
    args: &[String],
    plugins: &mut Plugins,
    registry: &mut Registry,
) -> Result<FilterChain> {
    let specs: Vec<Spec> = match args {
        [] => return Ok(CParams::default().filters),
        [none] if none == "none" => return Ok(FilterChain::new()),
        list => list
            .iter()
            .map(|f| spec::filter(f))
            .collect::<Result<_>>()?,
    };
    let pairs: Vec<(u8, u8)> = specs.iter().map(|f| (f.id(), f.meta())).collect();
    let chain = FilterChain::of(&pairs)?;
    for f in &specs {
        plugins.load(f, Some(PluginKind::Filter), registry)?;
    }
    Ok(chain)
}

/// Records the components of the plugins loaded in the frame.
fn embed(w: &mut PipelinedWriter, plugins: &Plugins) {
    for (loaded, bytes) in &plugins.loaded {
        let m = loaded.meta();
        w.embed_plugin(m.kind, m.id, bytes.clone());
    }
}

/// Appends `data` to `w` (reading, compressing chunks on every thread
/// and writing overlap), showing progress against its size when known.
/// The workers read a file's chunks themselves, at their offsets, so
/// those reads run on every core too; a stream is read in order.
fn append_all(data: Data, w: &mut PipelinedWriter, path: &Path) -> Result<()> {
    let reading = || format!("reading {}", path.display());
    match data {
        Data::File { file, start, end } => {
            let bar = progress::bar(Some(end.saturating_sub(start)), "compressing");
            w.append_from_at(
                |at, buf| {
                    // Up to the size seen at the start: a file that grows
                    // meanwhile is taken as it was.
                    let left = end.saturating_sub(start + at);
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    io::read_full_at(&file, &mut buf[..want], start + at).with_context(reading)
                },
                |n| bar.inc(n),
            )?;
            bar.finish_and_clear();
        }
        Data::Stream(mut input) => {
            let bar = progress::bar(None, "compressing");
            w.append_from(
                |buf| io::read_full(&mut input, buf).with_context(reading),
                |n| bar.inc(n),
            )?;
            bar.finish_and_clear();
        }
    }
    Ok(())
}

/// Refuses a `.npy` whose data is not as long as its header says.
fn check_npy_size(h: &NpyHeader, nbytes: u64, path: &Path) -> Result<()> {
    if let (Some(items), Some(isz)) = (h.items(), h.itemsize()) {
        let expect = items.saturating_mul(isz);
        ensure!(
            nbytes == expect,
            "{}: the .npy header describes {expect} bytes of data, the file holds {nbytes}",
            path.display(),
        );
    }
    Ok(())
}

/// `out.b2frame: 1000 -> 300 bytes in 1 chunks (ratio 3.33x)`.
fn summary(output: Option<&Path>, stats: &FrameStats) -> String {
    let name = output.map_or("stdout".into(), |p| p.display().to_string());
    format!(
        "{name}: {} -> {} bytes in {} chunks (ratio {:.2}x)",
        stats.nbytes,
        stats.frame_len,
        stats.nchunks,
        stats.nbytes as f64 / stats.frame_len.max(1) as f64
    )
}

#[cfg(test)]
mod tests {
    use super::has_object_dtype;

    #[test]
    fn object_dtypes_are_found_alone_and_in_fields() {
        for d in [
            "|O",
            "O",
            "<O8",
            "[('a', '<i4'), ('b', '|O')]",
            "[(\"x\", [('y', 'O')])]",
        ] {
            assert!(has_object_dtype(d), "{d}");
        }
        for d in [
            "<i4",
            "|S10",
            "[('O', '<i4')]",
            "[('a', '<f8'), ('Ob', '|u1')]",
        ] {
            assert!(!has_object_dtype(d), "{d}");
        }
    }
}
