//! `sandpress info`: what a frame holds, from its header, index, chunk
//! headers, metalayers and plugin table.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use sandpress_core::format::frame::ChunkLoc;
use sandpress_core::format::{ChunkHeader, Special, ids};
use sandpress_core::frame::{Frame, plugins};

/// Options of `sandpress info`.
#[derive(Args, Debug, Clone)]
pub struct InfoArgs {
    /// Frame to describe.
    pub input: PathBuf,
    /// List every chunk rather than runs of alike chunks.
    #[arg(long)]
    pub chunks: bool,
}

fn filters_text(filters: &[u8], metas: &[u8]) -> String {
    let list: Vec<String> = filters
        .iter()
        .zip(metas)
        .filter(|(f, _)| **f != 0)
        .map(|(&f, &m)| match (ids::filter_name(f), m) {
            (name, 0) => name.to_string(),
            (name, m) => format!("{name}:{m}"),
        })
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(" + ")
    }
}

fn codec_text(id: u8) -> String {
    if id >= ids::USER_START {
        format!("user codec {id}")
    } else {
        ids::codec_name(id).to_string()
    }
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

/// One chunk's description.
fn describe(frame: &Frame, i: usize) -> Result<(String, u64)> {
    Ok(match frame.chunk_loc(i) {
        Some(ChunkLoc::Special(s)) => (format!("special {s:?} (index only)"), 0),
        _ => {
            let c = frame.chunk(i)?;
            let h = ChunkHeader::parse(&c)?;
            let what = match h.special() {
                Special::None if h.memcpyed() => {
                    format!("stored raw, {}", filters_text(&h.filters, &h.filters_meta))
                }
                Special::None => format!(
                    "{} + {}{}",
                    codec_text(h.codec()),
                    filters_text(&h.filters, &h.filters_meta),
                    if h.dont_split() { "" } else { ", split" }
                ),
                s => format!("special {s:?}"),
            };
            (what, u64::from(h.cbytes))
        }
    })
}

/// Runs `sandpress info`, writing to `out`.
pub fn run(a: &InfoArgs, out: &mut dyn Write) -> Result<()> {
    let frame = super::open_frame(&a.input)?;
    let h = frame.header();
    let path = a.input.display();
    writeln!(
        out,
        "{path}: Blosc2 contiguous frame, format version {}",
        h.version
    )?;
    let chunksize = if h.chunksize > 0 {
        format!("{} bytes", h.chunksize)
    } else {
        "variable".into()
    };
    writeln!(
        out,
        "  chunks      {} of {chunksize}, typesize {}, blocksize {}",
        frame.nchunks(),
        h.typesize,
        if h.blocksize > 0 {
            h.blocksize.to_string()
        } else {
            "automatic".into()
        }
    )?;
    let mut cbytes = 0;
    let mut rows: Vec<(usize, usize, String, u64, u64)> = Vec::new();
    for i in 0..frame.nchunks() {
        let (what, cb) = describe(&frame, i)?;
        let nb = frame.chunk_nbytes(i)? as u64;
        cbytes += cb;
        match rows.last_mut() {
            Some(r) if !a.chunks && r.2 == what => {
                r.1 = i;
                r.3 += nb;
                r.4 += cb;
            }
            _ => rows.push((i, i, what, nb, cb)),
        }
    }
    let ratio = |n: u64, c: u64| {
        if c == 0 {
            "-".to_string()
        } else {
            format!("{:.2}x", n as f64 / c as f64)
        }
    };
    writeln!(
        out,
        "  size        {} bytes uncompressed, {cbytes} in chunks ({}), frame {} bytes ({})",
        frame.nbytes(),
        ratio(frame.nbytes(), cbytes),
        frame.frame_len(),
        ratio(frame.nbytes(), frame.frame_len())
    )?;
    writeln!(
        out,
        "  defaults    {} clevel {}, filters {}, split mode {}",
        codec_text(h.codec),
        h.clevel,
        filters_text(&h.filters, &h.filters_meta),
        match h.splitmode {
            1 => "always",
            2 => "never",
            3 => "auto",
            _ => "forward-compatible",
        }
    )?;
    for (first, last, what, nb, cb) in &rows {
        let span = if first == last {
            format!("chunk {first}")
        } else {
            format!("chunks {first}-{last}")
        };
        writeln!(
            out,
            "  {span:<16} {what}: {nb} -> {cb} bytes ({})",
            ratio(*nb, *cb)
        )?;
    }
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
