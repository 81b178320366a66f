//! Compressing one chunk.

use std::cell::RefCell;

use rayon::prelude::*;
use sandpress_format::{
    ChunkHeader, HEADER_LEN, MAX_BUFFERSIZE, MIN_BUFFERSIZE, Special, Stream, ids, put_stream,
    stream_size,
};

use super::resolve::{self, CodecRef, FilterRef, Site};
use super::scratch::{Cur, Scratch, current, step, with_scratch};
use super::special::{repeated_item, special_chunk};
use super::verify::Record;
use crate::error::{Error, Result};
use crate::filters;
use crate::parallel;
use crate::params::CParams;
use crate::plugin::{BlockInfo, PluginKind};
use crate::registry::Registry;

/// Everything a block needs, shared by the workers.
struct Job<'a> {
    data: &'a [u8],
    /// The first block as the filters see it (prefilter applied): delta's reference.
    dref: std::borrow::Cow<'a, [u8]>,
    cp: &'a CParams,
    codec: CodecRef,
    filters: Vec<FilterRef>,
    blocksize: usize,
    split: bool,
    chunk: u64,
    /// Verify on write is on and a user codec or filter is in the pipeline.
    verify: bool,
}

fn check_params(cp: &CParams, nbytes: usize) -> Result<()> {
    if cp.typesize == 0 {
        return Err(Error::InvalidParam {
            name: "typesize",
            reason: "must be 1-255".into(),
        });
    }
    if cp.clevel > 9 {
        return Err(Error::InvalidParam {
            name: "clevel",
            reason: format!("{} is not in 0-9", cp.clevel),
        });
    }
    if nbytes > MAX_BUFFERSIZE as usize {
        return Err(Error::InvalidParam {
            name: "chunk size",
            reason: format!("{nbytes} bytes is over the {MAX_BUFFERSIZE}-byte chunk limit"),
        });
    }
    Ok(())
}

/// Compresses `data` into one chunk in the Blosc2 format.
///
/// `chunk` is the chunk's index in its super-chunk, passed to plugins and
/// named in errors. The codec and every filter must be built in or registered
/// in `registry`.
///
/// Through a built-in pipeline, a chunk of one item repeated is written as
/// a special-value chunk (the header and the item), and a chunk of zeros
/// as a zeros special (the header alone): both are read back as fast as
/// memory can be written.
///
/// ```
/// use sandpress_core::{CParams, Registry, pipeline};
/// let data: Vec<u8> = (0..4000u32).flat_map(|i| i.to_le_bytes()).collect();
/// let cp = CParams { typesize: 4, ..CParams::default() };
/// let chunk = pipeline::compress_chunk(&data, &cp, &Registry::new(), 0).unwrap();
/// assert!(chunk.len() < data.len());
/// let mut out = vec![0; data.len()];
/// pipeline::decompress_chunk(&chunk, &Default::default(), &Registry::new(), 0, &mut out).unwrap();
/// assert_eq!(out, data);
/// ```
pub fn compress_chunk(
    data: &[u8],
    cp: &CParams,
    registry: &Registry,
    chunk: u64,
) -> Result<Vec<u8>> {
    check_params(cp, data.len())?;
    let codec = resolve::codec(cp.codec, registry, true)?;
    let filters = resolve::filters(&cp.filters, registry)?;
    let blocksize = cp.effective_blocksize(data.len());
    let split = cp.splits(blocksize);
    let verify = cp.verify
        && (matches!(codec, CodecRef::User(_))
            || filters.iter().any(|f| matches!(f, FilterRef::User { .. })));
    let mut job = Job {
        data,
        dref: std::borrow::Cow::Borrowed(&data[..blocksize.min(data.len())]),
        cp,
        codec,
        filters,
        blocksize,
        split,
        chunk,
        verify,
    };
    let mut header = ChunkHeader::new(cp.codec, cp.typesize, data.len() as u32, blocksize as u32);
    header.codec_meta = cp.codec_meta;
    cp.filters.write_to(&mut header);
    header.set_dont_split(!split);

    if cp.clevel == 0 || data.len() < MIN_BUFFERSIZE {
        // Stored raw by choice: C-Blosc2 records neither codec nor split.
        header.flags &= 0x0f;
        header.set_dont_split(false);
        return raw_chunk(&job, header);
    }
    if let Some(chunk) = repeated_value_chunk(&job)? {
        return Ok(chunk);
    }
    if cp.prefilter.is_some() && job.filters.iter().any(|f| matches!(f, FilterRef::Delta)) {
        let mut first = vec![0; job.dref.len()];
        job.prefilter(0, &job.dref, &mut first)?;
        job.dref = std::borrow::Cow::Owned(first);
    }
    let nblocks = data.len().div_ceil(blocksize);
    // Each block is written straight into the chunk, in a slot that holds
    // its worst case (every stream raw, behind its 4-byte size). One thread
    // writes the blocks one after the other; several write each into its
    // own slot, then the blocks are moved together. The buffer is the
    // calling thread's, kept from chunk to chunk.
    let streams = if split { usize::from(cp.typesize) } else { 1 };
    let slot = blocksize + 4 * streams;
    let bstarts_end = HEADER_LEN + 4 * nblocks;
    with_chunk_buffer(bstarts_end + nblocks * slot, |out| {
        let body = &mut out[bstarts_end..];
        let done: Vec<Block> = parallel::run(cp.nthreads, || {
            if cp.nthreads > 1 && nblocks > 1 {
                body.par_chunks_mut(slot)
                    .enumerate()
                    .map(|(j, dst)| with_scratch(|s| job.compress_block(j, dst, s)))
                    .collect::<Result<Vec<_>>>()
            } else {
                let mut at = 0;
                let mut done = Vec::with_capacity(nblocks);
                for j in 0..nblocks {
                    let block =
                        with_scratch(|s| job.compress_block(j, &mut body[at..at + slot], s))?;
                    at += block.len;
                    done.push(block);
                }
                Ok(done)
            }
        })?;
        let parallel = cp.nthreads > 1 && nblocks > 1;
        let mut end = bstarts_end;
        for (j, block) in done.iter().enumerate() {
            if parallel && j > 0 {
                let from = bstarts_end + j * slot;
                out.copy_within(from..from + block.len, end);
            }
            out[HEADER_LEN + 4 * j..HEADER_LEN + 4 * j + 4]
                .copy_from_slice(&(end as u32).to_le_bytes());
            end += block.len;
        }
        let all_zeros = done.iter().all(|b| b.zeros);
        Record::check_all(
            done.into_iter().filter_map(|b| b.record).collect(),
            cp.nthreads,
        )?;

        if end > HEADER_LEN + data.len() {
            return raw_chunk(&job, header);
        }
        if all_zeros {
            header.set_special(Special::Zeros);
            header.cbytes = HEADER_LEN as u32;
            return Ok(header.to_bytes().to_vec());
        }
        header.cbytes = end as u32;
        out[..HEADER_LEN].copy_from_slice(&header.to_bytes());
        Ok(out[..end].to_vec())
    })
}

/// A chunk of one item repeated, not zero, as a special-value chunk
/// (its header and the item: what C-Blosc2's `blosc2_chunk_repeatval`
/// makes, and what it decodes as fast as memory is written), when the
/// pipeline is all built in and leaves the data as it is: no plugin (a
/// codec or filter the user registered runs on every chunk), no
/// prefilter, no `trunc_prec`. An item of zeros is left to the blocks,
/// which make the chunk a zeros special, as C-Blosc2 does.
fn repeated_value_chunk(job: &Job<'_>) -> Result<Option<Vec<u8>>> {
    let built_in_and_lossless = matches!(job.codec, CodecRef::Builtin(_))
        && job.cp.prefilter.is_none()
        && job
            .filters
            .iter()
            .all(|f| !matches!(f, FilterRef::TruncPrec { .. } | FilterRef::User { .. }));
    if !built_in_and_lossless {
        return Ok(None);
    }
    match repeated_item(job.data, usize::from(job.cp.typesize)) {
        Some(item) if item.iter().any(|&b| b != 0) => {
            special_chunk(Special::Value, job.cp.typesize, job.data.len(), item).map(Some)
        }
        _ => Ok(None),
    }
}

/// Chunk buffers larger than this are not kept for the next chunk.
const KEEP_CHUNK_BUFFER: usize = 32 << 20;

thread_local! {
    /// The buffer the chunk is assembled in, kept by each calling thread:
    /// a fresh multi-megabyte buffer per chunk costs page faults (the
    /// allocator gives such buffers back to the system) that took more time
    /// than the compression of fast pipelines.
    static CHUNK_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on at least `len` bytes of this thread's chunk buffer (of a
/// fresh one if the thread's is in use: a plugin that compresses).
fn with_chunk_buffer<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    CHUNK_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            if buffer.len() < len {
                buffer.resize(len, 0);
            }
            let answer = f(&mut buffer[..len]);
            if buffer.len() > KEEP_CHUNK_BUFFER {
                *buffer = Vec::new();
            }
            answer
        }
        Err(_) => f(&mut vec![0; len]),
    })
}

/// What compressing one block left in its slot.
struct Block {
    /// Bytes written.
    len: usize,
    /// Every stream is zeros.
    zeros: bool,
    /// The user plugin calls to verify, when verifying.
    record: Option<Record>,
}

/// The byte `stream` repeats, if it is one byte repeated.
///
/// Compares in slices of 256 bytes with no early exit inside one, which the
/// compiler turns into wide vector compares; a byte-at-a-time loop costs
/// more than the codec on data with long runs (high byte planes of small
/// integers).
fn run_byte(stream: &[u8]) -> Option<u8> {
    let &first = stream.first()?;
    let differs = |part: &[u8]| part.iter().fold(0u8, |acc, &b| acc | (b ^ first)) != 0;
    let mut parts = stream.chunks_exact(256);
    if parts.any(differs) || differs(parts.remainder()) {
        return None;
    }
    Some(first)
}

/// A memcpyed chunk: the header, then each block raw (after the prefilter, if any).
fn raw_chunk(job: &Job<'_>, mut header: ChunkHeader) -> Result<Vec<u8>> {
    header.set_memcpyed(true);
    header.cbytes = (HEADER_LEN + job.data.len()) as u32;
    let mut out = header.to_bytes().to_vec();
    match &job.cp.prefilter {
        None => out.extend_from_slice(job.data),
        Some(_) => {
            out.resize(HEADER_LEN + job.data.len(), 0);
            let body = &mut out[HEADER_LEN..];
            for (j, dst) in body.chunks_mut(job.blocksize.max(1)).enumerate() {
                let src = &job.data[j * job.blocksize..j * job.blocksize + dst.len()];
                job.prefilter(j, src, dst)?;
            }
        }
    }
    Ok(out)
}

impl Job<'_> {
    fn site(&self, block: usize) -> Site {
        Site {
            chunk: self.chunk,
            block: block as u32,
        }
    }

    fn info(&self, block: usize, offset: usize, len: usize) -> BlockInfo {
        BlockInfo {
            typesize: u32::from(self.cp.typesize),
            blocksize: len as u32,
            chunk_index: self.chunk,
            block_index: block as u32,
            offset: offset as u32,
        }
    }

    fn prefilter(&self, j: usize, src: &[u8], dst: &mut [u8]) -> Result<()> {
        let Some(t) = &self.cp.prefilter else {
            dst.copy_from_slice(src);
            return Ok(());
        };
        let info = self.info(j, j * self.blocksize, src.len());
        t.plugin
            .apply(src, t.meta, &info, dst)
            .map_err(|e| self.site(j).plugin(PluginKind::Prefilter, 0, e))
    }

    /// Runs block `j` through the prefilter, filters and codec, writing its
    /// streams at the start of `dst` (its slot, long enough for every
    /// stream raw).
    fn compress_block(&self, j: usize, dst: &mut [u8], s: &mut Scratch) -> Result<Block> {
        let offset = j * self.blocksize;
        let n = self.blocksize.min(self.data.len() - offset);
        let src = &self.data[offset..offset + n];
        s.reserve(n);
        let mut record = self.verify.then(|| {
            let codec = match &self.codec {
                CodecRef::User(p) => Some((p.clone(), self.cp.codec_meta)),
                CodecRef::Builtin(_) => None,
            };
            Record::new(self.site(j), codec)
        });
        let mut cur = Cur::Input;
        if self.cp.prefilter.is_some() {
            let (input, output, next) = step(cur, src, s, n);
            self.prefilter(j, input, output)?;
            cur = next;
        }
        for f in &self.filters {
            cur = self.forward(f, j, offset, src, cur, s, n, record.as_mut())?;
        }
        let leftover = n < self.blocksize;
        let nstreams = if self.split && !leftover {
            usize::from(self.cp.typesize)
        } else {
            1
        };
        let neblock = n / nstreams;
        let mut codec_buf = std::mem::take(&mut s.codec);
        let block = current(cur, src, s, n);
        let result = (|| -> Result<Block> {
            let mut done = Block {
                len: 0,
                zeros: true,
                record: None,
            };
            for k in 0..nstreams {
                let stream = &block[k * neblock..(k + 1) * neblock];
                let at = (k * neblock, offset + k * neblock);
                let out = &mut dst[done.len..];
                let (len, zeros) =
                    self.encode_stream(j, at, stream, &mut codec_buf, out, record.as_mut())?;
                done.len += len;
                done.zeros &= zeros;
            }
            Ok(done)
        })();
        s.codec = codec_buf;
        let mut done = result?;
        done.record = record;
        Ok(done)
    }

    /// Applies one filter's forward direction; returns where the result is.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        f: &FilterRef,
        j: usize,
        offset: usize,
        src: &[u8],
        cur: Cur,
        s: &mut Scratch,
        n: usize,
        mut record: Option<&mut Record>,
    ) -> Result<Cur> {
        let rounds = match f {
            FilterRef::Shuffle { rounds } => usize::from(*rounds) + 1,
            _ => 1,
        };
        let mut cur = cur;
        for _ in 0..rounds {
            let (input, output, next) = step(cur, src, s, n);
            self.forward_once(f, j, offset, input, output, record.as_deref_mut())?;
            cur = next;
        }
        Ok(cur)
    }

    fn forward_once(
        &self,
        f: &FilterRef,
        j: usize,
        offset: usize,
        input: &[u8],
        output: &mut [u8],
        record: Option<&mut Record>,
    ) -> Result<()> {
        let ts = usize::from(self.cp.typesize);
        match f {
            FilterRef::Shuffle { .. } => filters::shuffle(ts, input, output),
            FilterRef::BitShuffle => filters::bitshuffle(ts, input, output),
            // The first block is its own reference; the others refer to it.
            FilterRef::Delta if offset == 0 => filters::delta_encode(input, 0, ts, input, output),
            FilterRef::Delta => filters::delta_encode(&self.dref, offset, ts, input, output),
            FilterRef::TruncPrec { bits } => filters::trunc_prec(*bits, ts, input, output)
                .map_err(|e| self.site(j).builtin("trunc_prec", e.to_string()))?,
            FilterRef::User { plugin, meta } => {
                let info = self.info(j, offset, input.len());
                plugin
                    .forward(input, *meta, &info, output)
                    .map_err(|e| self.site(j).plugin(PluginKind::Filter, plugin.meta().id, e))?;
                if let Some(record) = record {
                    record.filter(plugin, *meta, info, input, output);
                }
            }
        }
        Ok(())
    }

    /// Writes one stream at the start of `out`: a run, the codec's output,
    /// or the raw bytes, behind its size. `at` is the stream's offset in
    /// its block and in its chunk. Returns the bytes written and whether the
    /// stream is all zeros.
    fn encode_stream(
        &self,
        j: usize,
        at: (usize, usize),
        stream: &[u8],
        buf: &mut Vec<u8>,
        out: &mut [u8],
        record: Option<&mut Record>,
    ) -> Result<(usize, bool)> {
        let (in_block, offset) = at;
        if let Some(first) = run_byte(stream) {
            let run = if first == 0 {
                Stream::Zeros
            } else {
                Stream::Run(first)
            };
            return Ok((put_stream(out, run), first == 0));
        }
        // A stream no shorter than the input is stored raw.
        let maxout = stream.len() - 1;
        let (size, body) = out.split_at_mut(4);
        let compressed = match &self.codec {
            CodecRef::Builtin(id) => {
                crate::codecs::compress_into(*id, self.cp.clevel, stream, &mut body[..maxout])
                    .map_err(|m| self.site(j).builtin(ids::codec_name(*id), m))?
            }
            CodecRef::User(plugin) => {
                let info = self.info(j, offset, stream.len());
                let encoded = plugin
                    .encode(stream, self.cp.codec_meta, &info, buf)
                    .map_err(|e| self.site(j).plugin(PluginKind::Codec, plugin.meta().id, e))?;
                if encoded && !buf.is_empty() && buf.len() <= maxout {
                    if let Some(record) = record {
                        record.stream(info, in_block, stream, buf);
                    }
                    body[..buf.len()].copy_from_slice(buf);
                    Some(buf.len())
                } else {
                    None
                }
            }
        };
        match compressed {
            Some(len) if len > 0 => {
                size.copy_from_slice(&stream_size(len));
                Ok((4 + len, false))
            }
            _ => Ok((put_stream(out, Stream::Raw(stream)), false)),
        }
    }
}
