//! `sandpress info`: what a frame holds, from its header, index, chunk
//! headers, metalayers and plugin table.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use sandpress_core::SplitMode;
use sandpress_frame::summary::codec_label;
use sandpress_frame::{ChunkRun, Frame, FrameSummary, plugins};

/// Options of `sandpress info`.
#[derive(Args, Debug, Clone)]
pub struct InfoArgs {
    /// Frame to describe.
    pub input: PathBuf,
    /// List every chunk rather than runs of alike chunks.
    #[arg(long)]
    pub chunks: bool,
}

/// Shows msgpack content as text, or its size when it is not msgpack.
fn preview(bytes: &[u8]) -> String {
    let mut rd = bytes;
    let shown = match rmpv::decode::read_value_with_max_depth(&mut rd, 16) {
        Ok(v) if rd.is_empty() => v.to_string(),
        _ => format!("<{} bytes, not msgpack>", bytes.len()),
    };
    let mut s: String = shown.chars().take(120).collect();
    if s.len() < shown.len() {
        s.push('…');
    }
    s
}

/// `n / c` as a ratio, `-` when nothing is stored.
fn ratio(n: u64, c: u64) -> String {
    if c == 0 {
        "-".to_string()
    } else {
        format!("{:.2}x", n as f64 / c as f64)
    }
}

/// Runs `sandpress info`, writing to `out`.
pub fn run(a: &InfoArgs, out: &mut dyn Write) -> Result<()> {
    let frame = super::open_frame(&a.input)?;
    let summary = frame.summary(a.chunks)?;
    write_layout(out, &a.input, &summary)?;
    write_array(out, &frame)?;
    write_runs(out, &summary.runs)?;
    write_metalayers(out, &frame)?;
    write_plugins(out, &frame)?;
    Ok(())
}

/// The frame's version, chunk layout, sizes and defaults.
fn write_layout(out: &mut dyn Write, path: &Path, s: &FrameSummary) -> Result<()> {
    let path = path.display();
    writeln!(
        out,
        "{path}: Blosc2 contiguous frame, format version {}",
        s.version
    )?;
    let chunksize = s
        .chunksize
        .map_or("variable".into(), |c| format!("{c} bytes"));
    let blocksize = s.blocksize.map_or("automatic".into(), |b| b.to_string());
    writeln!(
        out,
        "  chunks      {} of {chunksize}, typesize {}, blocksize {blocksize}",
        s.nchunks, s.typesize
    )?;
    writeln!(
        out,
        "  size        {} bytes uncompressed, {} in chunks ({}), frame {} bytes ({})",
        s.nbytes,
        s.cbytes,
        ratio(s.nbytes, s.cbytes),
        s.frame_len,
        ratio(s.nbytes, s.frame_len)
    )?;
    writeln!(
        out,
        "  defaults    {} clevel {}, filters {}, split mode {}",
        codec_label(s.codec),
        s.clevel,
        s.filters,
        s.splitmode.map_or("forward-compatible", SplitMode::name)
    )?;
    Ok(())
}

/// The N-d array a `b2nd` metalayer describes: shape, chunk and block
/// shapes, dtype; a metalayer that does not read is shown, not fatal.
fn write_array(out: &mut dyn Write, frame: &Frame) -> Result<()> {
    let tuple = super::npy::python_tuple;
    match frame.array_layout() {
        Ok(None) => {}
        Ok(Some((meta, layout))) => writeln!(
            out,
            "  array       shape {}, chunks {}, blocks {}, dtype {} ({} bytes in C order)",
            tuple(layout.shape()),
            tuple(layout.chunkshape()),
            tuple(layout.blockshape()),
            meta.dtype,
            layout.nbytes()
        )?,
        Err(e) => writeln!(out, "  array       unreadable b2nd metalayer: {e}")?,
    }
    Ok(())
}

/// One line per run of alike chunks.
fn write_runs(out: &mut dyn Write, runs: &[ChunkRun]) -> Result<()> {
    for r in runs {
        let span = if r.first == r.last {
            format!("chunk {}", r.first)
        } else {
            format!("chunks {}-{}", r.first, r.last)
        };
        writeln!(
            out,
            "  {span:<16} {}: {} -> {} bytes ({})",
            r.form,
            r.nbytes,
            r.cbytes,
            ratio(r.nbytes, r.cbytes)
        )?;
    }
    Ok(())
}

/// The metalayers and variable-length metalayers (but the plugin table).
fn write_metalayers(out: &mut dyn Write, frame: &Frame) -> Result<()> {
    for (name, content) in frame.metalayers() {
        writeln!(
            out,
            "  meta   {name} ({} bytes): {}",
            content.len(),
            preview(content)
        )?;
    }
    let names: Vec<String> = frame.vlmeta_names().map(str::to_string).collect();
    for name in names.iter().filter(|n| *n != plugins::VLMETA_NAME) {
        let content = frame.vlmeta(name)?.unwrap_or_default();
        writeln!(
            out,
            "  vlmeta {name} ({} bytes): {}",
            content.len(),
            preview(&content)
        )?;
    }
    Ok(())
}

/// The plugin table.
fn write_plugins(out: &mut dyn Write, frame: &Frame) -> Result<()> {
    for r in frame.plugins() {
        writeln!(
            out,
            "  plugin {} {} {:?} version {:?}, sha256 {}, {}",
            r.meta.kind,
            r.meta.id,
            r.meta.name,
            r.meta.version,
            r.meta.sha256_hex(),
            match &r.component {
                Some(c) => format!("embedded ({} bytes)", c.len()),
                None => "not embedded".into(),
            }
        )?;
    }
    Ok(())
}
