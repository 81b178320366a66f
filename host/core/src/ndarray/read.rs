//! Reading a hyperslab of an N-d array from its chunks, wherever they are
//! stored, decoding only the chunks and blocks it touches.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

use rayon::prelude::*;

use super::error::ArrayError;
use super::layout::{ChunkHit, Layout};
use crate::error::Error;
use crate::parallel;
use crate::params::DParams;
use crate::pipeline::{BlockDecoder, decompress_chunk};
use crate::registry::Registry;
use crate::schunk::SChunk;
use crate::vlmeta::checksums;

/// Where an array's compressed chunks come from: a super-chunk in memory,
/// a frame file, an object store.
pub trait ChunkSource: Sync {
    /// The compressed bytes of chunk `i`.
    fn chunk(&self, i: u64) -> Result<Cow<'_, [u8]>, Error>;

    /// Chunk `i` with at least what decoding `blocks` needs (its header,
    /// its block starts, those blocks' streams); other bytes may be zeros.
    /// A source where a read costs (a file, an object store) reads only
    /// those; the default is the whole chunk.
    fn chunk_for_blocks(&self, i: u64, blocks: &[usize]) -> Result<Cow<'_, [u8]>, Error> {
        let _ = blocks;
        self.chunk(i)
    }

    /// The checksum recorded for chunk `i`'s uncompressed bytes, if any
    /// ([`checksums`]); checked when a whole chunk is decoded.
    fn checksum(&self, _i: u64) -> Option<u64> {
        None
    }
}

impl ChunkSource for SChunk {
    fn chunk(&self, i: u64) -> Result<Cow<'_, [u8]>, Error> {
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        SChunk::chunk(self, i).map(Cow::Borrowed)
    }

    fn checksum(&self, i: u64) -> Option<u64> {
        SChunk::checksum(self, usize::try_from(i).ok()?)
    }
}

/// What reading a slice decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SliceStats {
    /// Chunks fetched from the source.
    pub chunks: u64,
    /// Blocks decoded (a chunk touched whole counts all its blocks).
    pub blocks: u64,
}

impl std::ops::Add for SliceStats {
    type Output = SliceStats;
    fn add(self, o: SliceStats) -> SliceStats {
        SliceStats {
            chunks: self.chunks + o.chunks,
            blocks: self.blocks + o.blocks,
        }
    }
}

thread_local! {
    /// Each thread's buffer for a decoded chunk or block.
    static LANDING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a buffer of `n` bytes, the thread's own unless it is in
/// use (rayon may run another slice's work on this thread while it waits).
fn with_buffer<R>(n: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    LANDING.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => {
            if v.len() < n {
                v.resize(n, 0);
            }
            f(&mut v[..n])
        }
        Err(_) => f(&mut vec![0; n]),
    })
}

/// Reads slices of the array `layout` describes from the chunks of `src`.
pub struct ArrayReader<'a, S: ChunkSource> {
    /// Where each item lies.
    pub layout: &'a Layout,
    /// The chunks.
    pub src: &'a S,
    /// Threads, postfilter, checksum checks.
    pub dparams: &'a DParams,
    /// The plugins the chunks need.
    pub registry: &'a Registry,
}

impl<S: ChunkSource> ArrayReader<'_, S> {
    /// Writes the items of `slice` (a range per axis) into `out` in C
    /// order; `out` must be exactly their size. Only the chunks the slice
    /// touches are fetched, and of a chunk it touches only in part only the
    /// blocks it touches are decoded; a chunk touched whole is decoded at
    /// once (its blocks on `dparams.nthreads` threads) and checked against
    /// its checksum. Parts of the output that lie in different rows of
    /// chunks along the first axis are filled in parallel.
    pub fn slice_into(
        &self,
        slice: &[Range<u64>],
        out: &mut [u8],
    ) -> Result<SliceStats, ArrayError> {
        let l = self.layout;
        let hits = l.chunks_touched(slice)?;
        let extents = Layout::slice_shape(slice);
        let items = extents.iter().try_fold(1u64, |a, &e| a.checked_mul(e));
        let expected = items.and_then(|n| n.checked_mul(l.itemsize() as u64));
        if expected != Some(out.len() as u64) {
            return Err(ArrayError::BufferSize {
                expected: expected.unwrap_or(u64::MAX),
                found: out.len() as u64,
            });
        }
        let groups = self.split_rows(slice, hits, out);
        let n = self.dparams.nthreads;
        if n > 1 && groups.len() > 1 {
            let inner = DParams {
                nthreads: 1,
                ..self.dparams.clone()
            };
            parallel::run(n, || {
                groups
                    .into_par_iter()
                    .map(|(sub, hits, piece)| self.read_group(&sub, &hits, piece, &inner))
                    .try_reduce(SliceStats::default, |a, b| Ok(a + b))
            })
        } else {
            groups
                .into_iter()
                .try_fold(SliceStats::default(), |acc, (sub, hits, piece)| {
                    Ok(acc + self.read_group(&sub, &hits, piece, self.dparams)?)
                })
        }
    }

    /// Splits the chunks touched, the slice and `out` by the chunk row along
    /// the first axis: each part is a contiguous piece of `out`.
    #[allow(clippy::type_complexity)]
    fn split_rows<'o>(
        &self,
        slice: &[Range<u64>],
        hits: Vec<ChunkHit>,
        mut out: &'o mut [u8],
    ) -> Vec<(Vec<Range<u64>>, Vec<ChunkHit>, &'o mut [u8])> {
        if slice.is_empty() {
            return vec![(Vec::new(), hits, out)];
        }
        let c0 = self.layout.chunkshape()[0];
        let row: u64 = slice[1..].iter().map(|r| r.end - r.start).product::<u64>()
            * self.layout.itemsize() as u64;
        let mut groups: Vec<(Vec<Range<u64>>, Vec<ChunkHit>, &'o mut [u8])> = Vec::new();
        for hit in hits {
            if let Some(g) = groups.last_mut()
                && g.1[0].coords[0] == hit.coords[0]
            {
                g.1.push(hit);
                continue;
            }
            let k = hit.coords[0];
            let lo = slice[0].start.max(k * c0);
            let hi = slice[0].end.min((k + 1) * c0);
            let (piece, rest) = std::mem::take(&mut out).split_at_mut(((hi - lo) * row) as usize);
            out = rest;
            let mut sub = slice.to_vec();
            sub[0] = lo..hi;
            groups.push((sub, vec![hit], piece));
        }
        groups
    }

    fn read_group(
        &self,
        sub: &[Range<u64>],
        hits: &[ChunkHit],
        out: &mut [u8],
        dp: &DParams,
    ) -> Result<SliceStats, ArrayError> {
        hits.iter().try_fold(SliceStats::default(), |acc, hit| {
            Ok(acc + self.read_chunk(hit, sub, out, dp)?)
        })
    }

    /// Copies what `slice` needs of one chunk into `out`.
    fn read_chunk(
        &self,
        hit: &ChunkHit,
        slice: &[Range<u64>],
        out: &mut [u8],
        dp: &DParams,
    ) -> Result<SliceStats, ArrayError> {
        let l = self.layout;
        let blocks = l.blocks_touched(&hit.coords, slice);
        let partial = blocks.len() < l.blocks_per_chunk();
        let bytes = if partial {
            let wanted: Vec<usize> = blocks.iter().map(|b| b.index).collect();
            self.src.chunk_for_blocks(hit.index, &wanted)?
        } else {
            self.src.chunk(hit.index)?
        };
        let dec = BlockDecoder::new(&bytes, dp, self.registry, hit.index)?;
        let h = dec.header();
        if h.nbytes as usize != l.chunk_nbytes() {
            return Err(ArrayError::Chunk {
                chunk: hit.index,
                reason: format!(
                    "{} bytes where the layout's chunks hold {}",
                    h.nbytes,
                    l.chunk_nbytes()
                ),
            });
        }
        let bn = l.block_nbytes();
        if h.blocksize as usize == bn && partial {
            with_buffer(bn, |buf| -> Result<(), ArrayError> {
                for b in &blocks {
                    dec.decode(b.index, buf)?;
                    l.block_to_slice(&hit.coords, &b.coords, buf, slice, out);
                }
                Ok(())
            })?;
            // A delta chunk decodes its first block too, as the reference.
            let first = dec.decoded_first() && blocks.first().is_some_and(|b| b.index > 0);
            let blocks = blocks.len() as u64 + u64::from(first);
            return Ok(SliceStats { chunks: 1, blocks });
        }
        let nblocks = h.nblocks() as u64;
        drop(dec);
        // Only some blocks were read: read it all.
        let bytes = if partial {
            self.src.chunk(hit.index)?
        } else {
            bytes
        };
        let check = dp.check && dp.postfilter.is_none();
        if let Some(run) = l.chunk_run_in(&hit.coords, slice).filter(|_| !partial) {
            // The chunk is a run of the output: decode it there.
            let dst = &mut out[run];
            decompress_chunk(&bytes, dp, self.registry, hit.index, dst)?;
            if check {
                checksums::check(hit.index, self.src.checksum(hit.index), dst)?;
            }
            return Ok(SliceStats {
                chunks: 1,
                blocks: nblocks,
            });
        }
        // Touched whole, or stored in blocks of another size: decode it all.
        with_buffer(l.chunk_nbytes(), |buf| -> Result<(), ArrayError> {
            decompress_chunk(&bytes, dp, self.registry, hit.index, buf)?;
            if check {
                checksums::check(hit.index, self.src.checksum(hit.index), buf)?;
            }
            for b in &blocks {
                l.block_to_slice(
                    &hit.coords,
                    &b.coords,
                    &buf[b.index * bn..(b.index + 1) * bn],
                    slice,
                    out,
                );
            }
            Ok(())
        })?;
        Ok(SliceStats {
            chunks: 1,
            blocks: nblocks,
        })
    }
}
