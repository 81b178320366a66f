//! `sandpress compress`: a file (raw bytes or `.npy`) into a frame.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use clap::Args;
use sandpress_core::format::ids;
use sandpress_core::frame::FrameWriter;
use sandpress_core::plugin::PluginKind;
use sandpress_core::{CParams, Registry, SplitMode};

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
    /// Uncompressed bytes per chunk (K, M, G suffixes).
    #[arg(long, default_value = "4M", value_parser = parse_size)]
    pub chunksize: usize,
    /// Bytes per block, 0 for automatic (K, M suffixes).
    #[arg(long, default_value = "0", value_parser = parse_size)]
    pub blocksize: usize,
    /// Split blocks into one stream per byte of the item: always, never, auto.
    #[arg(long, default_value = "auto")]
    pub splitmode: String,
    /// Store the plugins' components in the frame, so it decodes anywhere.
    #[arg(long)]
    pub embed_plugins: bool,
}

/// Parses `4M`, `64K`, `1G` or plain bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (
            &t[..i],
            match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix in {s:?} (K, M, G)")),
            },
        ),
        _ => (t, 1),
    };
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

fn derive_output(input: &Path) -> Result<PathBuf> {
    let mut s = input.as_os_str().to_owned();
    s.push(SUFFIX);
    Ok(PathBuf::from(s))
}

/// Runs `sandpress compress`; returns a one-line summary for stderr.
pub fn run(a: &CompressArgs) -> Result<String> {
    let output = io::resolve_output(
        &a.input,
        a.common.output.as_deref(),
        derive_output,
        a.common.force,
    )?;
    let (mut input, size) = io::open_input(&a.input)?;
    let mut peek = [0u8; 6];
    let got = io::read_full(&mut input, &mut peek)?;
    let is_npy = got == 6 && &peek == b"\x93NUMPY";
    let mut input: Box<dyn Read> =
        Box::new(std::io::Cursor::new(peek[..got].to_vec()).chain(input));
    let npy = if is_npy {
        Some(
            NpyHeader::read(&mut input)
                .with_context(|| format!("reading {}", a.input.display()))?,
        )
    } else {
        None
    };
    let typesize = match (a.typesize, &npy) {
        (Some(t), _) => t,
        (None, Some(h)) => h
            .itemsize()
            .filter(|&s| (1..=255).contains(&s))
            .unwrap_or(1) as u8,
        (None, None) => 8,
    };
    ensure!(typesize > 0, "--typesize must be 1-255");

    let mut registry = Registry::new();
    let mut plugins = Plugins::default();
    let codec = spec::codec(&a.codec)?;
    plugins.load(&codec, Some(PluginKind::Codec), &mut registry)?;
    let filter_specs: Vec<Spec> = match a.filters.as_slice() {
        [] => vec![Spec::Builtin {
            id: ids::SHUFFLE,
            meta: 0,
        }],
        [none] if none == "none" => Vec::new(),
        list => list
            .iter()
            .map(|f| spec::filter(f))
            .collect::<Result<_>>()?,
    };
    ensure!(
        filter_specs.len() <= 6,
        "at most 6 filters ({} given)",
        filter_specs.len()
    );
    for f in &filter_specs {
        plugins.load(f, Some(PluginKind::Filter), &mut registry)?;
    }
    let threads = a.common.threads();
    let mut cp = CParams {
        codec: codec.id(),
        codec_meta: if a.codec_meta != 0 {
            a.codec_meta
        } else {
            codec.meta()
        },
        clevel: a.clevel,
        typesize,
        blocksize: a.blocksize,
        nthreads: threads,
        splitmode: match a.splitmode.as_str() {
            "always" => SplitMode::Always,
            "never" => SplitMode::Never,
            "auto" => SplitMode::Auto,
            other => bail!("--splitmode {other:?}: expected always, never or auto"),
        },
        ..CParams::default()
    };
    // Filters fill the last slots, as python-blosc2 places them.
    cp.filters = [0; 6];
    cp.filters_meta = [0; 6];
    let first = 6 - filter_specs.len();
    for (k, f) in filter_specs.iter().enumerate() {
        cp.filters[first + k] = f.id();
        cp.filters_meta[first + k] = f.meta();
    }
    let ts = usize::from(typesize);
    let chunksize = (a.chunksize / ts).max(1) * ts;

    let metalayers = npy
        .iter()
        .map(|h| (npy::METALAYER.to_string(), h.to_metalayer()))
        .collect();
    let mut w = match &output {
        Some(p) => FrameWriter::create(p, cp, chunksize, metalayers, registry)?,
        None => FrameWriter::create_temp(cp, chunksize, metalayers, registry)?,
    };
    if a.embed_plugins {
        for (loaded, bytes) in &plugins.loaded {
            let m = loaded.meta();
            w.embed_plugin(m.kind, m.id, bytes.clone());
        }
    }
    let bar = progress::bar(size, "compressing");
    let mut buf = vec![0u8; chunksize];
    loop {
        let n = io::read_full(&mut input, &mut buf)
            .with_context(|| format!("reading {}", a.input.display()))?;
        if n == 0 {
            break;
        }
        w.append(&buf[..n])?;
        bar.inc(n as u64);
        if n < buf.len() {
            break;
        }
    }
    bar.finish_and_clear();
    if let Some(h) = &npy
        && let (Some(items), Some(isz)) = (h.items(), h.itemsize())
    {
        let expect = items.saturating_mul(isz);
        ensure!(
            w.nbytes() == expect,
            "{}: the .npy header describes {expect} bytes of data, the file holds {}",
            a.input.display(),
            w.nbytes()
        );
    }
    let stats = match &output {
        Some(_) => w.finish()?,
        None => {
            let (file, stats) = w.finish_temp()?;
            io::copy_to_stdout(file)?;
            stats
        }
    };
    a.common.remove_input(&a.input)?;
    let name = output
        .as_ref()
        .map_or("stdout".into(), |p| p.display().to_string());
    Ok(format!(
        "{name}: {} -> {} bytes in {} chunks (ratio {:.2}x)",
        stats.nbytes,
        stats.frame_len,
        stats.nchunks,
        stats.nbytes as f64 / stats.frame_len.max(1) as f64
    ))
}
