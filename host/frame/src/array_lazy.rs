//! Reading only some blocks of a stored chunk: its header and block starts
//! first, then the byte ranges of the blocks asked for (what C-Blosc2's
//! lazy chunks do), so that a small slice of an array in a large chunk
//! reads kilobytes, not the chunk.

use sandpress_core::FilterChain;
use sandpress_core::error::{Error, Result};
use sandpress_format::frame::ChunkLoc;
use sandpress_format::{HEADER_LEN, Special, ids};

use super::Frame;
use super::source::ReadAt;

/// Chunks up to this size are read whole (one read is cheaper than two).
const READ_WHOLE_BELOW: u32 = 256 << 10;

impl<S: ReadAt> Frame<S> {
    /// Chunk `i` as a buffer of its full compressed length in which the
    /// header, the block starts and the bytes of `blocks` (and of block 0
    /// when the chunk has the delta filter, which decodes against it) are
    /// read and the rest is zeros; small, special and raw-stored chunks
    /// are read whole. Each block's bytes run from its start to the next
    /// block start above it (or the chunk's end); adjacent ranges are read
    /// together.
    pub(crate) fn chunk_for_blocks(&self, i: usize, blocks: &[usize]) -> Result<Vec<u8>> {
        self.chunk_part(i, blocks, READ_WHOLE_BELOW)
    }

    /// [`chunk_for_blocks`](Self::chunk_for_blocks), chunks below
    /// `whole_below` compressed bytes read whole.
    pub(crate) fn chunk_part(
        &self,
        i: usize,
        blocks: &[usize],
        whole_below: u32,
    ) -> Result<Vec<u8>> {
        let nbytes = self.chunk_nbytes(i)?;
        let off = match self.locs[i] {
            ChunkLoc::At(off) => off,
            ChunkLoc::Special(_) => return self.chunk(i),
        };
        let section = self.header.cbytes as u64;
        self.check_offset(i as u64, off, section)?;
        let head = (HEADER_LEN as u64).min(section - off) as usize;
        let start = u64::from(self.header.header_len) + off;
        let io = |e| Error::io("read", &self.name, e);
        let mut prefix = [0; HEADER_LEN];
        self.src
            .read_exact_at(&mut prefix[..head], start)
            .map_err(io)?;
        let h = self.parse_stored(i as u64, off, section, &prefix[..head])?;
        let whole = h.cbytes < whole_below
            || h.special() != Special::None
            || h.memcpyed()
            || h.blocksize == 0
            || h.nbytes as usize != nbytes;
        if whole {
            return self.read_stored(i, off);
        }
        let cbytes = h.cbytes as usize;
        let table_end = h.header_len() + 4 * h.nblocks();
        if table_end > cbytes {
            // Malformed: let the whole chunk's parse say so.
            return self.read_stored(i, off);
        }
        let mut buf = vec![0; cbytes];
        self.src
            .read_exact_at(&mut buf[..table_end], start)
            .map_err(io)?;
        let table = &buf[h.header_len()..table_end];
        let bstart = |j: usize| {
            let b = &table[4 * j..4 * j + 4];
            i32::from_le_bytes([b[0], b[1], b[2], b[3]])
        };
        let mut starts: Vec<usize> = (0..h.nblocks())
            .filter_map(|j| usize::try_from(bstart(j)).ok())
            .filter(|&s| s >= table_end && s < cbytes)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let mut wanted: Vec<usize> = blocks
            .iter()
            .copied()
            .filter(|&j| j < h.nblocks())
            .collect();
        if FilterChain::of_header(&h).contains(ids::DELTA) {
            wanted.push(0);
        }
        let mut ranges: Vec<(usize, usize)> = wanted
            .into_iter()
            .filter_map(|j| usize::try_from(bstart(j)).ok())
            .filter(|&s| s >= table_end && s < cbytes)
            .map(|s| {
                let next = starts.partition_point(|&x| x <= s);
                (s, starts.get(next).copied().unwrap_or(cbytes))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        for (s, e) in merged {
            self.src
                .read_exact_at(&mut buf[s..e], start + s as u64)
                .map_err(io)?;
        }
        Ok(buf)
    }
}
