//! What writers share: the frame header for given parameters, the user
//! plugins a chunk needs, and the tail (offsets index, trailer) of a frame.

use std::collections::BTreeMap;

use sandpress_format::frame::{ChunkLoc, FrameHeader, Trailer};
use sandpress_format::{ChunkHeader, ids};

use super::index;
use super::plugins::{self, PluginRecord};
use crate::error::{Error, Result};
use crate::params::{CParams, SplitMode};
use crate::plugin::{PluginKind, PluginMeta};
use crate::registry::Registry;

/// A header for a new frame of chunks of `chunksize` bytes made with `cp`.
pub(crate) fn new_header(
    cp: &CParams,
    chunksize: usize,
    metalayers: Vec<(String, Vec<u8>)>,
) -> FrameHeader {
    let mut h = FrameHeader::new(
        cp.codec,
        cp.clevel,
        i32::from(cp.typesize),
        chunksize as i32,
    );
    h.blocksize = cp.blocksize.min(i32::MAX as usize) as i32;
    h.filters = cp.filters;
    h.filters_meta = cp.filters_meta;
    h.codec_meta = cp.codec_meta;
    h.splitmode = match cp.splitmode {
        SplitMode::Always => 1,
        SplitMode::Never => 2,
        SplitMode::Auto => 3,
    };
    h.nthreads_c = cp.nthreads.min(i16::MAX as usize) as i16;
    h.metalayers = metalayers;
    h
}

/// The compression parameters a frame's header records.
pub(crate) fn cparams_of(h: &FrameHeader) -> CParams {
    CParams {
        codec: h.codec,
        codec_meta: h.codec_meta,
        clevel: h.clevel,
        typesize: h.typesize.clamp(1, 255) as u8,
        blocksize: usize::try_from(h.blocksize).unwrap_or(0),
        nthreads: 1,
        filters: h.filters,
        filters_meta: h.filters_meta,
        splitmode: match h.splitmode {
            1 => SplitMode::Always,
            2 => SplitMode::Never,
            _ => SplitMode::Auto,
        },
        prefilter: None,
    }
}

/// User plugins a frame's chunks need, keyed by kind and id.
#[derive(Debug, Default, Clone)]
pub(crate) struct UsedPlugins(BTreeMap<(u8, u8), ()>);

impl UsedPlugins {
    /// Records the user codec and filters of `chunk`.
    pub(crate) fn note(&mut self, chunk: &[u8]) {
        let Ok(h) = ChunkHeader::parse_prefix(chunk) else {
            return;
        };
        let codec = h.codec();
        if codec >= ids::USER_START {
            self.0.insert((0, codec), ());
        }
        for f in h.filters {
            if f >= ids::USER_START {
                self.0.insert((1, f), ());
            }
        }
    }

    /// Table rows for the used plugins: existing rows are kept, new ones
    /// come from `registry`, with components from `embed` when given.
    pub(crate) fn records(
        &self,
        existing: &[PluginRecord],
        registry: &Registry,
        embed: &BTreeMap<(PluginKind, u8), Vec<u8>>,
    ) -> Result<Vec<PluginRecord>> {
        let mut out: Vec<PluginRecord> = existing.to_vec();
        for &(k, id) in self.0.keys() {
            let kind = if k == 0 {
                PluginKind::Codec
            } else {
                PluginKind::Filter
            };
            if out.iter().any(|r| r.meta.kind == kind && r.meta.id == id) {
                continue;
            }
            let meta: PluginMeta = match kind {
                PluginKind::Codec => registry.codec(id).map(|p| p.meta().clone()),
                _ => registry.filter(id).map(|p| p.meta().clone()),
            }
            .ok_or(match kind {
                PluginKind::Codec => Error::UnknownCodec {
                    id,
                    name: "user codec",
                },
                _ => Error::UnknownFilter {
                    id,
                    name: "user filter",
                },
            })?;
            out.push(PluginRecord {
                component: embed.get(&(kind, id)).cloned(),
                meta,
            });
        }
        for r in &mut out {
            if r.component.is_none() {
                r.component = embed.get(&(r.meta.kind, r.meta.id)).cloned();
            }
        }
        Ok(out)
    }
}

/// Sets or replaces the plugin table entry of `trailer` (as a compressed
/// chunk), removing it when `records` is empty.
pub(crate) fn set_plugin_table(trailer: &mut Trailer, records: &[PluginRecord]) -> Result<()> {
    if records.is_empty() {
        trailer.vlmeta.retain(|(n, _)| n != plugins::VLMETA_NAME);
        return Ok(());
    }
    set_vlmeta(trailer, plugins::VLMETA_NAME, &plugins::encode(records))
}

/// Sets variable-length metalayer `name` of `trailer` to `content`.
pub(crate) fn set_vlmeta(trailer: &mut Trailer, name: &str, content: &[u8]) -> Result<()> {
    let chunk = index::encode_vlmeta(content)?;
    match trailer.vlmeta.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = chunk,
        None => trailer.vlmeta.push((name.to_string(), chunk)),
    }
    Ok(())
}

/// Sets the header's totals from the chunk sizes and decides whether the
/// chunks all have the header's chunk size (the last may be shorter).
pub(crate) fn set_totals(h: &mut FrameHeader, sizes: &[u32], cbytes: u64, has_vlmeta: bool) {
    h.nbytes = sizes.iter().map(|&s| i64::from(s)).sum();
    h.cbytes = cbytes as i64;
    h.has_vlmeta = has_vlmeta;
    if h.chunksize <= 0
        && let Some(&first) = sizes.first()
    {
        h.chunksize = first as i32;
    }
    let cs = h.chunksize.max(0) as u32;
    let n = sizes.len();
    let regular = sizes
        .iter()
        .enumerate()
        .all(|(i, &s)| s == cs || (i + 1 == n && s < cs));
    if !regular {
        // python-blosc2 counts chunks as nbytes / chunksize unless the
        // frame says its chunks vary (C-Blosc2 then writes version 3).
        h.variable_chunks = true;
        h.chunksize = 0;
        h.version = h.version.max(3);
    }
}

/// The offsets index and trailer bytes that end a frame.
pub(crate) fn tail(locs: &[ChunkLoc], trailer: &Trailer) -> Result<Vec<u8>> {
    let mut out = if locs.is_empty() {
        Vec::new()
    } else {
        index::encode_offsets(locs)?
    };
    out.extend_from_slice(&trailer.to_bytes()?);
    Ok(out)
}
