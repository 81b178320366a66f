//! A super-chunk in memory: an ordered list of chunks with the parameters
//! that make and read them.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use sandpress_format::{ChunkView, MAX_BUFFERSIZE};

use crate::error::{Error, Result};
use crate::parallel;
use crate::params::{CParams, DParams};
use crate::pipeline::{compress_chunk, decompress_chunk, decompress_chunk_streaming};
use crate::registry::Registry;
use crate::vlmeta::checksums::{self, for_chunk as checksum_of};

/// Outputs from this size up are streamed past the caches (see `get_slice`).
const STREAM_ABOVE: usize = 32 << 20;

/// One stored chunk. An `Arc` so that staging an edit clones the list, not
/// the chunks; of a `Vec` so that a chunk just compressed is moved in, not
/// copied (an `Arc<[u8]>` made from a `Vec` copies it into fresh pages,
/// which cost as much as a fast codec's work).
type Chunk = Arc<Vec<u8>>;

/// A chunk just made, with the checksum of its uncompressed bytes.
type Made = (Chunk, Option<u64>);

/// An ordered list of Blosc2 chunks, all of `chunksize` uncompressed bytes
/// except possibly the last.
///
/// Every operation either succeeds or leaves the super-chunk exactly as it
/// was: new chunks are made first and swapped in only when all succeeded.
///
/// ```
/// use sandpress_core::{CParams, Registry, schunk::SChunk};
/// let cp = CParams { typesize: 4, ..CParams::default() };
/// let mut sc = SChunk::new(4000, cp, Default::default(), Registry::new()).unwrap();
/// let data: Vec<u8> = (0..2500u32).flat_map(|i| i.to_le_bytes()).collect();
/// sc.append(&data).unwrap();
/// assert_eq!(sc.nchunks(), 3);
/// let mut out = vec![0; 8];
/// sc.get_slice(999..1001, &mut out).unwrap();
/// assert_eq!(out, [231, 3, 0, 0, 232, 3, 0, 0]);
/// ```
#[derive(Debug, Clone)]
pub struct SChunk {
    chunksize: usize,
    cparams: CParams,
    dparams: DParams,
    registry: Registry,
    chunks: Vec<Chunk>,
    /// Uncompressed size of each chunk.
    sizes: Vec<usize>,
    /// Checksum of each chunk's uncompressed bytes, when known
    /// ([`crate::vlmeta::checksums`]).
    sums: Vec<Option<u64>>,
}

impl SChunk {
    /// An empty super-chunk whose chunks hold `chunksize` bytes.
    pub fn new(
        chunksize: usize,
        cparams: CParams,
        dparams: DParams,
        registry: Registry,
    ) -> Result<Self> {
        let ts = usize::from(cparams.typesize.max(1));
        if chunksize == 0 || !chunksize.is_multiple_of(ts) || chunksize > MAX_BUFFERSIZE as usize {
            return Err(Error::InvalidParam {
                name: "chunksize",
                reason: format!(
                    "{chunksize} must be a positive multiple of typesize {ts} under 2 GB"
                ),
            });
        }
        Ok(SChunk {
            chunksize,
            cparams,
            dparams,
            registry,
            chunks: Vec::new(),
            sizes: Vec::new(),
            sums: Vec::new(),
        })
    }

    /// Uncompressed bytes per chunk.
    pub fn chunksize(&self) -> usize {
        self.chunksize
    }

    /// Parameters for chunks made from now on.
    pub fn cparams(&self) -> &CParams {
        &self.cparams
    }

    /// Changes the parameters for chunks made from now on (existing chunks
    /// keep theirs: each decodes with the codec its header names).
    pub fn set_cparams(&mut self, cparams: CParams) -> Result<()> {
        if cparams.typesize != self.cparams.typesize && !self.chunks.is_empty() {
            return Err(Error::InvalidParam {
                name: "typesize",
                reason: "cannot change once the super-chunk holds data".into(),
            });
        }
        self.cparams = cparams;
        Ok(())
    }

    /// Decompression parameters.
    pub fn dparams(&self) -> &DParams {
        &self.dparams
    }

    /// Changes the decompression parameters.
    pub fn set_dparams(&mut self, dparams: DParams) {
        self.dparams = dparams;
    }

    /// The plugins chunks are made and read with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The plugins, to register more.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Number of chunks.
    pub fn nchunks(&self) -> usize {
        self.chunks.len()
    }

    /// Uncompressed bytes.
    pub fn nbytes(&self) -> u64 {
        self.sizes.iter().map(|&s| s as u64).sum()
    }

    /// Compressed bytes (chunk headers included).
    pub fn cbytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.len() as u64).sum()
    }

    /// `nbytes / cbytes` (0 when empty).
    pub fn cratio(&self) -> f64 {
        match self.cbytes() {
            0 => 0.0,
            c => self.nbytes() as f64 / c as f64,
        }
    }

    /// Number of items (`nbytes / typesize`).
    pub fn nitems(&self) -> u64 {
        self.nbytes() / u64::from(self.cparams.typesize.max(1))
    }

    /// The compressed bytes of chunk `i`.
    pub fn chunk(&self, i: usize) -> Result<&[u8]> {
        self.chunks
            .get(i)
            .map(|c| &c[..])
            .ok_or(self.out_of_range(i))
    }

    fn out_of_range(&self, i: usize) -> Error {
        Error::OutOfRange {
            what: "chunk",
            index: i as u64,
            len: self.chunks.len() as u64,
        }
    }

    /// A super-chunk of chunks stored elsewhere (a frame file's), in
    /// order, each with its checksum if it has one. Each chunk's header is
    /// checked against its bytes; unlike [`SChunk::append_chunk`], the
    /// chunks may be of any size up to `chunksize` (a frame written by
    /// another tool may vary them) and of another typesize.
    pub fn from_stored(
        chunksize: usize,
        cparams: CParams,
        dparams: DParams,
        registry: Registry,
        stored: impl IntoIterator<Item = (Vec<u8>, Option<u64>)>,
    ) -> Result<Self> {
        let mut sc = SChunk::new(chunksize, cparams, dparams, registry)?;
        for (i, (chunk, sum)) in stored.into_iter().enumerate() {
            let view = ChunkView::parse(&chunk).map_err(|source| Error::Format {
                chunk: i as u64,
                source,
            })?;
            let size = view.header().nbytes as usize;
            sc.sizes.push(size);
            sc.chunks.push(Arc::new(chunk));
            sc.sums.push(sum);
        }
        Ok(sc)
    }

    /// The checksum recorded for chunk `i` (xxh3-64 of its uncompressed
    /// bytes), if it has one.
    pub fn checksum(&self, i: usize) -> Option<u64> {
        self.sums.get(i).copied().flatten()
    }

    /// Decompresses chunk `i` into `out` (exactly its uncompressed size),
    /// checked against its checksum (see [`DParams::check`]).
    pub fn decompress_chunk(&self, i: usize, out: &mut [u8]) -> Result<()> {
        self.decompress_chunk_into(i, out, false)
    }

    /// [`decompress_chunk`](Self::decompress_chunk), the blocks streamed
    /// into `out` past the caches when `streamed`.
    fn decompress_chunk_into(&self, i: usize, out: &mut [u8], streamed: bool) -> Result<()> {
        let chunk = self.chunk(i)?;
        let (dp, registry, index) = (&self.dparams, &self.registry, i as u64);
        if streamed {
            decompress_chunk_streaming(chunk, dp, registry, index, out)?;
        } else {
            decompress_chunk(chunk, dp, registry, index, out)?;
        }
        if self.dparams.check && self.dparams.postfilter.is_none() {
            checksums::check(i as u64, self.checksum(i), out)?;
        }
        Ok(())
    }

    /// Decompresses chunk `i` into a new vector.
    pub fn decompress_chunk_vec(&self, i: usize) -> Result<Vec<u8>> {
        let mut out = vec![0; *self.sizes.get(i).ok_or(self.out_of_range(i))?];
        self.decompress_chunk(i, &mut out)?;
        Ok(out)
    }

    /// Compresses `data` (at most `chunksize` bytes) as chunk number
    /// `index`; returns it with its checksum.
    fn make_chunk(&self, data: &[u8], index: usize) -> Result<Made> {
        let chunk = compress_chunk(data, &self.cparams, &self.registry, index as u64)?;
        Ok((Arc::new(chunk), checksum_of(&self.cparams, data)))
    }

    /// Compresses consecutive pieces of `data` as chunks `first..`, in
    /// parallel when `nthreads` > 1.
    fn make_chunks(&self, data: &[u8], first: usize) -> Result<Vec<Made>> {
        let pieces: Vec<&[u8]> = data.chunks(self.chunksize).collect();
        let n = self.cparams.nthreads;
        parallel::run(n, || {
            if n > 1 && pieces.len() > 1 {
                pieces
                    .par_iter()
                    .enumerate()
                    .map(|(k, p)| self.make_chunk(p, first + k))
                    .collect()
            } else {
                pieces
                    .iter()
                    .enumerate()
                    .map(|(k, p)| self.make_chunk(p, first + k))
                    .collect()
            }
        })
    }

    /// Checks a chunk made elsewhere and returns its uncompressed size.
    fn check_chunk(&self, chunk: &[u8], index: usize) -> Result<usize> {
        let view = ChunkView::parse(chunk).map_err(|source| Error::Format {
            chunk: index as u64,
            source,
        })?;
        let h = view.header();
        if h.cbytes as usize != chunk.len() {
            return Err(Error::InvalidParam {
                name: "chunk",
                reason: format!("{} bytes where the header says {}", chunk.len(), h.cbytes),
            });
        }
        if h.typesize != self.cparams.typesize {
            return Err(Error::InvalidParam {
                name: "chunk",
                reason: format!(
                    "typesize {} in a super-chunk of typesize {}",
                    h.typesize, self.cparams.typesize
                ),
            });
        }
        Ok(h.nbytes as usize)
    }

    /// Appends `data`, filling the last chunk if it is short, then adding
    /// chunks of `chunksize`. Returns the number of chunks afterwards.
    pub fn append(&mut self, data: &[u8]) -> Result<usize> {
        let ts = usize::from(self.cparams.typesize.max(1));
        if !data.len().is_multiple_of(ts) {
            return Err(Error::BufferSize {
                expected: data.len() - data.len() % ts + ts,
                found: data.len(),
            });
        }
        let mut head: Option<(usize, Vec<u8>)> = None;
        let mut rest = data;
        if let Some(&last) = self.sizes.last()
            && last < self.chunksize
            && !data.is_empty()
        {
            let i = self.chunks.len() - 1;
            let mut buf = self.decompress_chunk_vec(i)?;
            let take = (self.chunksize - last).min(data.len());
            buf.extend_from_slice(&data[..take]);
            rest = &data[take..];
            head = Some((i, buf));
        }
        let head = match head {
            Some((i, buf)) => Some((i, self.make_chunk(&buf, i)?, buf.len())),
            None => None,
        };
        let new = self.make_chunks(rest, self.chunks.len())?;
        if let Some((i, (chunk, sum), len)) = head {
            self.chunks[i] = chunk;
            self.sizes[i] = len;
            self.sums[i] = sum;
        }
        for (k, (c, sum)) in new.into_iter().enumerate() {
            self.sizes
                .push(rest.len().min((k + 1) * self.chunksize) - k * self.chunksize);
            self.chunks.push(c);
            self.sums.push(sum);
        }
        Ok(self.chunks.len())
    }

    /// Appends a chunk made elsewhere (checked first). Every chunk but the
    /// last must hold exactly `chunksize` bytes.
    pub fn append_chunk(&mut self, chunk: Vec<u8>) -> Result<usize> {
        self.insert_chunk(self.chunks.len(), chunk)
    }

    /// Inserts a chunk made elsewhere before chunk `i` (it has no checksum).
    pub fn insert_chunk(&mut self, i: usize, chunk: Vec<u8>) -> Result<usize> {
        if i > self.chunks.len() {
            return Err(self.out_of_range(i));
        }
        let size = self.check_chunk(&chunk, i)?;
        let mut sizes = self.sizes.clone();
        sizes.insert(i, size);
        self.check_sizes(&sizes)?;
        self.sizes = sizes;
        self.chunks.insert(i, Arc::new(chunk));
        self.sums.insert(i, None);
        Ok(self.chunks.len())
    }

    /// Replaces chunk `i` with a chunk made elsewhere (it has no checksum).
    pub fn update_chunk(&mut self, i: usize, chunk: Vec<u8>) -> Result<()> {
        if i >= self.chunks.len() {
            return Err(self.out_of_range(i));
        }
        let size = self.check_chunk(&chunk, i)?;
        let mut sizes = self.sizes.clone();
        sizes[i] = size;
        self.check_sizes(&sizes)?;
        self.sizes = sizes;
        self.chunks[i] = Arc::new(chunk);
        self.sums[i] = None;
        Ok(())
    }

    /// Removes chunk `i`.
    pub fn delete_chunk(&mut self, i: usize) -> Result<usize> {
        if i >= self.chunks.len() {
            return Err(self.out_of_range(i));
        }
        let mut sizes = self.sizes.clone();
        sizes.remove(i);
        self.check_sizes(&sizes)?;
        self.sizes = sizes;
        self.chunks.remove(i);
        self.sums.remove(i);
        Ok(self.chunks.len())
    }

    fn check_sizes(&self, sizes: &[usize]) -> Result<()> {
        let n = sizes.len();
        match sizes
            .iter()
            .take(n.saturating_sub(1))
            .position(|&s| s != self.chunksize)
        {
            None if sizes.last().is_none_or(|&s| s <= self.chunksize) => Ok(()),
            _ => Err(Error::InvalidParam {
                name: "chunk",
                reason: format!(
                    "every chunk but the last must hold {} bytes",
                    self.chunksize
                ),
            }),
        }
    }

    fn byte_range(&self, items: &Range<u64>) -> Result<Range<usize>> {
        let ts = u64::from(self.cparams.typesize.max(1));
        if items.start > items.end {
            return Err(Error::OutOfRange {
                what: "slice start",
                index: items.start,
                len: items.end,
            });
        }
        Ok((items.start * ts) as usize..(items.end * ts) as usize)
    }

    /// Copies items `items` into `out` (exactly their size in bytes),
    /// decompressing only the chunks they touch.
    ///
    /// Outputs of 32 MiB or more are written with non-temporal stores where
    /// a filter writes a block's last pass
    /// ([`decompress_chunk_streaming`]).
    pub fn get_slice(&self, items: Range<u64>, out: &mut [u8]) -> Result<()> {
        let bytes = self.byte_range(&items)?;
        if bytes.end as u64 > self.nbytes() {
            return Err(Error::OutOfRange {
                what: "item",
                index: items.end,
                len: self.nitems(),
            });
        }
        if out.len() != bytes.len() {
            return Err(Error::BufferSize {
                expected: bytes.len(),
                found: out.len(),
            });
        }
        let cs = self.chunksize;
        // An output past the last-level cache (32 MiB on the machines this
        // was measured on) is not in cache when it is next read anyway:
        // write it past the caches, which is up to twice as fast.
        let streamed = out.len() >= STREAM_ABOVE;
        let pieces = split_by_chunk(bytes.clone(), cs, out);
        let n = self.dparams.nthreads;
        parallel::run(n, || {
            let one = |(i, within, dst): (usize, Range<usize>, &mut [u8])| -> Result<()> {
                if within.start == 0 && within.end == self.sizes[i] {
                    self.decompress_chunk_into(i, dst, streamed)
                } else {
                    let full = self.decompress_chunk_vec(i)?;
                    dst.copy_from_slice(&full[within]);
                    Ok(())
                }
            };
            if n > 1 && pieces.len() > 1 {
                pieces.into_par_iter().try_for_each(one)
            } else {
                pieces.into_iter().try_for_each(one)
            }
        })
    }

    /// Writes `data` at item `start`, across chunk boundaries, appending what
    /// goes past the end. `start` must not be past the end.
    pub fn set_slice(&mut self, start: u64, data: &[u8]) -> Result<()> {
        let ts = usize::from(self.cparams.typesize.max(1));
        if !data.len().is_multiple_of(ts) {
            return Err(Error::BufferSize {
                expected: data.len() - data.len() % ts + ts,
                found: data.len(),
            });
        }
        let begin = start as usize * ts;
        let nbytes = self.nbytes() as usize;
        if begin > nbytes {
            return Err(Error::OutOfRange {
                what: "item",
                index: start,
                len: self.nitems(),
            });
        }
        let inside = data.len().min(nbytes - begin);
        let (overwrite, tail) = data.split_at(inside);
        let cs = self.chunksize;
        let mut updates = Vec::new();
        let mut at = begin;
        for (i, within) in chunk_spans(begin..begin + inside, cs) {
            let mut buf = self.decompress_chunk_vec(i)?;
            let len = within.len();
            buf[within].copy_from_slice(&overwrite[at - begin..at - begin + len]);
            at += len;
            updates.push((i, self.make_chunk(&buf, i)?));
        }
        let mut staged = self.clone();
        for (i, (c, sum)) in updates {
            staged.chunks[i] = c;
            staged.sums[i] = sum;
        }
        staged.append(tail)?;
        *self = staged;
        Ok(())
    }
}

/// The chunks a byte range touches, with the range within each.
fn chunk_spans(bytes: Range<usize>, cs: usize) -> impl Iterator<Item = (usize, Range<usize>)> {
    let first = bytes.start / cs;
    let last = bytes.end.div_ceil(cs);
    (first..last).filter_map(move |i| {
        let lo = bytes.start.max(i * cs);
        let hi = bytes.end.min((i + 1) * cs);
        (lo < hi).then(|| (i, lo - i * cs..hi - i * cs))
    })
}

/// Splits `out` along the chunks that `bytes` touches.
fn split_by_chunk(
    bytes: Range<usize>,
    cs: usize,
    mut out: &mut [u8],
) -> Vec<(usize, Range<usize>, &mut [u8])> {
    let mut pieces = Vec::new();
    for (i, within) in chunk_spans(bytes, cs) {
        let (dst, rest) = out.split_at_mut(within.len());
        out = rest;
        pieces.push((i, within, dst));
    }
    pieces
}

#[cfg(test)]
mod tests;
