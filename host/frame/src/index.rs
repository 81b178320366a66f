//! The two kinds of chunk a frame holds besides data: the offsets index
//! (little-endian `i64` per chunk) and variable-length metalayer values.
//! Both are ordinary Blosc2 chunks; C-Blosc2 writes them with BloscLZ,
//! sandpress with LZ4, and either reads both.

use sandpress_format::frame::{ChunkLoc, FrameError};
use sandpress_format::{ChunkHeader, ids};

use sandpress_core::error::{Error, Result};
use sandpress_core::filter_chain::FilterChain;
use sandpress_core::params::{CParams, DParams, SplitMode};
use sandpress_core::pipeline::{compress_chunk, decompress_chunk};
use sandpress_core::registry::Registry;

/// Parameters for metadata chunks: LZ4, with byte shuffle for the offsets.
fn meta_cparams(typesize: u8) -> CParams {
    let mut cp = CParams {
        codec: ids::LZ4,
        clevel: 5,
        typesize,
        nthreads: 1,
        splitmode: SplitMode::Never,
        ..CParams::default()
    };
    cp.filters = if typesize > 1 {
        FilterChain::shuffle()
    } else {
        FilterChain::new()
    };
    cp
}

/// Decompresses a metadata chunk at `offset` of the frame, refusing one
/// that claims more than `max_nbytes` uncompressed bytes.
pub(crate) fn decode_meta_chunk(
    chunk: &[u8],
    what: &str,
    offset: u64,
    max_nbytes: u64,
) -> Result<Vec<u8>> {
    let wrap = |source| {
        Error::Frame(FrameError::Chunk {
            what: what.to_string(),
            offset,
            source,
        })
    };
    let h = ChunkHeader::parse(chunk).map_err(wrap)?;
    if u64::from(h.nbytes) > max_nbytes {
        return Err(Error::Frame(FrameError::BadField {
            field: "metadata chunk size",
            offset: offset + 4,
            found: i64::from(h.nbytes),
            reason: "larger than the frame can justify",
        }));
    }
    let mut out = vec![0; h.nbytes as usize];
    decompress_chunk(chunk, &DParams::default(), &Registry::new(), 0, &mut out).map_err(
        |e| match e {
            Error::Format { source, .. } => wrap(source),
            other => other,
        },
    )?;
    Ok(out)
}

/// Decodes the offsets index (already decompressed).
pub(crate) fn decode_offsets(raw: &[u8], offset: u64) -> Result<Vec<ChunkLoc>> {
    if !raw.len().is_multiple_of(8) {
        return Err(Error::Frame(FrameError::BadField {
            field: "offsets index size",
            offset,
            found: raw.len() as i64,
            reason: "not a multiple of 8",
        }));
    }
    raw.chunks_exact(8)
        .enumerate()
        .map(|(i, b)| {
            let v = i64::from_le_bytes(b.try_into().unwrap_or_default());
            ChunkLoc::decode(v).ok_or(Error::Frame(FrameError::BadOffset {
                chunk: i as u64,
                offset: v,
                limit: 0,
            }))
        })
        .collect()
}

/// The offsets index chunk for `locs`.
pub(crate) fn encode_offsets(locs: &[ChunkLoc]) -> Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(locs.len() * 8);
    for (i, loc) in locs.iter().enumerate() {
        let v = loc.encode().ok_or_else(|| Error::InvalidParam {
            name: "chunk",
            reason: format!("chunk {i}: {loc:?} cannot be recorded in a frame index"),
        })?;
        raw.extend_from_slice(&v.to_le_bytes());
    }
    compress_chunk(&raw, &meta_cparams(8), &Registry::new(), 0)
}

/// A variable-length metalayer value as a chunk.
pub(crate) fn encode_vlmeta(content: &[u8]) -> Result<Vec<u8>> {
    compress_chunk(content, &meta_cparams(1), &Registry::new(), 0)
}
