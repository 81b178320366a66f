//! What writers share: the frame header for given parameters, the user
//! plugins a chunk needs, and the tail (offsets index, trailer) of a frame.

use std::collections::BTreeMap;

use sandpress_format::frame::{ChunkLoc, FrameHeader, Trailer};
use sandpress_format::{ChunkHeader, Special, ids};

use super::index;
use sandpress_core::error::{Error, Result};
use sandpress_core::filter_chain::FilterChain;
use sandpress_core::params::{CParams, SplitMode};
use sandpress_core::pipeline::special_chunk;
use sandpress_core::plugin::{PluginKind, PluginMeta};
use sandpress_core::registry::Registry;
use sandpress_core::vlmeta::checksums;
use sandpress_core::vlmeta::plugins::{self, PluginRecord};

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
    h.filters = cp.filters.ids();
    h.filters_meta = cp.filters.metas();
    h.codec_meta = cp.codec_meta;
    h.splitmode = cp.splitmode.code();
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
        filters: FilterChain::from_slots(h.filters, h.filters_meta),
        splitmode: SplitMode::from_code(h.splitmode).unwrap_or_default(),
        prefilter: None,
        verify: true,
        checksums: true,
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

/// Sets or replaces the checksum table of `trailer` for chunks at `locs`,
/// removing it when no stored chunk has a checksum.
pub(crate) fn set_checksums(
    trailer: &mut Trailer,
    locs: &[ChunkLoc],
    sums: &[Option<u64>],
) -> Result<()> {
    match checksums::encode(locs, sums) {
        Some(table) => set_vlmeta(trailer, checksums::VLMETA_NAME, &table),
        None => {
            trailer.vlmeta.retain(|(n, _)| n != checksums::VLMETA_NAME);
            Ok(())
        }
    }
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
        && !h.variable_chunks
        && let Some(&first) = sizes.first()
    {
        h.chunksize = first as i32;
    }
    if !regular(sizes, h.chunksize) && !sizes.is_empty() {
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

/// Where a chunk goes in a frame. C-Blosc2 reads all-zero, NaN and
/// uninitialized chunks only as index entries (no bytes stored), and
/// stored special chunks only of the repeated-value kind.
pub(crate) enum Placement {
    /// An index entry only.
    Index(Special),
    /// These bytes (the chunk, or a repeated-value chunk standing for it).
    Stored(Vec<u8>),
}

/// How to store `chunk` (header `h`) in a frame of `chunksize`-byte chunks.
pub(crate) fn place(chunk: &[u8], h: &ChunkHeader, chunksize: i32) -> Result<Placement> {
    match h.special() {
        s @ (Special::Zeros | Special::Nans | Special::Uninit) => {
            if chunksize > 0 && h.nbytes == chunksize as u32 {
                Ok(Placement::Index(s))
            } else {
                stored_special(s, h.typesize, h.nbytes as usize).map(Placement::Stored)
            }
        }
        _ => Ok(Placement::Stored(chunk[..h.cbytes as usize].to_vec())),
    }
}

/// A chunk C-Blosc2 reads with the content of special chunk `s`.
pub(crate) fn stored_special(s: Special, typesize: u8, nbytes: usize) -> Result<Vec<u8>> {
    let ts = usize::from(typesize.max(1));
    let value: Vec<u8> = match (s, ts) {
        (Special::Nans, 4) => f32::NAN.to_le_bytes().to_vec(),
        (Special::Nans, 8) => f64::NAN.to_le_bytes().to_vec(),
        _ => vec![0; ts],
    };
    if nbytes.is_multiple_of(ts) {
        return special_chunk(Special::Value, typesize.max(1), nbytes, &value);
    }
    if value.iter().all(|&b| b == 0) {
        return special_chunk(Special::Value, 1, nbytes, &[0]);
    }
    // A NaN chunk with a partial last item: stored raw.
    let data: Vec<u8> = value.iter().copied().cycle().take(nbytes).collect();
    let mut h = ChunkHeader::new(
        ids::BLOSCLZ,
        typesize.max(1),
        nbytes as u32,
        nbytes.max(1) as u32,
    );
    h.set_memcpyed(true);
    h.cbytes = (sandpress_format::HEADER_LEN + nbytes) as u32;
    let mut out = h.to_bytes().to_vec();
    out.extend_from_slice(&data);
    Ok(out)
}

/// Whether chunks of `sizes` fit the fixed-size rule for `chunksize`.
pub(crate) fn regular(sizes: &[u32], chunksize: i32) -> bool {
    let cs = chunksize.max(0) as u32;
    let n = sizes.len();
    cs > 0
        && sizes
            .iter()
            .enumerate()
            .all(|(i, &s)| s == cs || (i + 1 == n && s < cs))
}

/// In a frame whose chunks vary in size, index-only special chunks cannot
/// be read: the chunks (index, bytes) to store for them instead.
pub(crate) fn unindex_specials(
    locs: &[ChunkLoc],
    sizes: &[u32],
    typesize: u8,
) -> Result<Vec<(usize, Vec<u8>)>> {
    locs.iter()
        .zip(sizes)
        .enumerate()
        .filter_map(|(i, (loc, &size))| match loc {
            ChunkLoc::Special(s) => {
                Some(stored_special(*s, typesize, size as usize).map(|c| (i, c)))
            }
            ChunkLoc::At(_) => None,
        })
        .collect()
}
