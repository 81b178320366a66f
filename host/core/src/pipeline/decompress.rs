//! Decompressing one chunk.

use rayon::prelude::*;
use sandpress_format::{BlockData, ChunkView, FormatError, Special, Stream};
use sandpress_kernels::stream::stream_bytes;

use super::resolve::{self, CodecRef, FilterRef, Site};
use super::scratch::{Cur, Scratch, current, step, with_scratch};
use super::special::fill_repeated;
use crate::error::{Error, Result};
use crate::filter_chain::FilterChain;
use crate::filters;
use crate::parallel;
use crate::params::{DParams, Transform};
use crate::plugin::{BlockInfo, PluginKind};
use crate::registry::Registry;

/// The uncompressed size a chunk declares, after checking its header.
pub fn decompressed_len(chunk: &[u8]) -> Result<usize, FormatError> {
    Ok(ChunkView::parse(chunk)?.header().nbytes as usize)
}

/// One backward step of the pipeline.
#[derive(Clone, Copy)]
enum Step<'f> {
    Filter(&'f FilterRef),
    Postfilter(&'f Transform),
}

pub(super) struct Job<'a> {
    view: ChunkView<'a>,
    codec: Option<CodecRef>,
    filters: Vec<FilterRef>,
    postfilter: Option<&'a Transform>,
    chunk: u64,
}

/// Decompresses `chunk` into `out`, which must be exactly as long as the
/// chunk's uncompressed size.
///
/// Memory is touched only as blocks are really decoded: a caller that
/// allocates `out` zeroed (`vec![0; n]`, which large allocations get as
/// untouched pages) pays for a chunk's claimed size only as far as its
/// blocks decode. A block of a user codec fails, before anything of its
/// size is written, unless the plugin answers exactly that many bytes.
///
/// `chunk` is named in errors and passed to plugins as the chunk index. The
/// chunk's codec and filters must be built in or registered in `registry`.
pub fn decompress_chunk(
    chunk: &[u8],
    dp: &DParams,
    registry: &Registry,
    index: u64,
    out: &mut [u8],
) -> Result<()> {
    decompress_chunk_to(chunk, dp, registry, index, out, Landing::Cached)
}

/// [`decompress_chunk`] for an output far larger than the caches that will
/// not be read again soon (a whole array decompressed into the caller's
/// buffer): each block whose last pass is a filter's or a postfilter's is
/// decoded in a buffer its thread keeps, then written to `out` with
/// non-temporal stores ([`sandpress_kernels::stream::stream_bytes`]),
/// which do not read the output's cache lines in first. Blocks a built-in
/// codec writes itself (no filter), and blocks over 4 MiB, are decoded in
/// place as by [`decompress_chunk`].
pub fn decompress_chunk_streaming(
    chunk: &[u8],
    dp: &DParams,
    registry: &Registry,
    index: u64,
    out: &mut [u8],
) -> Result<()> {
    decompress_chunk_to(chunk, dp, registry, index, out, Landing::Streamed)
}

/// How decoded blocks reach the output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// Decoded in place, with ordinary stores.
    Cached,
    /// Decoded in a thread's buffer, then streamed out.
    Streamed,
}

/// The largest block decoded in a thread's buffer before streaming.
const STREAMED_BLOCK_MAX: usize = 4 << 20;

thread_local! {
    /// Each thread's buffer for blocks on their way to a streamed output.
    static LANDING: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn decompress_chunk_to(
    chunk: &[u8],
    dp: &DParams,
    registry: &Registry,
    index: u64,
    out: &mut [u8],
    landing: Landing,
) -> Result<()> {
    let job = Job::new(chunk, dp, registry, index)?;
    let h = job.view.header().clone();
    let nbytes = h.nbytes as usize;
    if out.len() != nbytes {
        return Err(Error::BufferSize {
            expected: nbytes,
            found: out.len(),
        });
    }
    if nbytes == 0 {
        return Ok(());
    }
    let bs = h.blocksize as usize;
    // A special chunk's blocks are all alike: fill at once, rather than
    // block by block (40 bytes may declare 48 MB in blocks of 1 byte).
    // Blocks of whole items make one run of items: fill it all. Otherwise
    // each block starts the item afresh: fill the first, double it (the
    // filled part stays a whole number of blocks).
    if h.special() != Special::None && job.postfilter.is_none() {
        if bs.is_multiple_of(usize::from(h.typesize.max(1))) {
            return job.fill_special(0, h.special(), out);
        }
        let mut done = bs.min(nbytes);
        job.fill_special(0, h.special(), &mut out[..done])?;
        while done < nbytes {
            let n = done.min(nbytes - done);
            out.copy_within(..n, done);
            done += n;
        }
        return Ok(());
    }
    if let (Some(raw), None) = (job.view.memcpyed_data(), job.postfilter) {
        out.copy_from_slice(raw);
        return Ok(());
    }
    let has_delta = job.needs_first();
    parallel::run(dp.nthreads, || {
        // Delta decodes every block against the decoded first block: do it first.
        let (first, rest, skip) = if has_delta {
            let (first, rest) = out.split_at_mut(bs.min(nbytes));
            with_scratch(|s| job.decode_block(0, &[], first, s))?;
            (&*first, rest, 1)
        } else {
            (&[][..], &mut out[..], 0)
        };
        let streamed =
            landing == Landing::Streamed && bs <= STREAMED_BLOCK_MAX && job.streaming_pays();
        let one = |(j, dst): (usize, &mut [u8])| {
            with_scratch(|s| {
                if !streamed {
                    return job.decode_block(j + skip, first, dst, s);
                }
                LANDING.with_borrow_mut(|land| {
                    let n = dst.len();
                    if land.len() < n {
                        land.resize(n, 0);
                    }
                    job.decode_block(j + skip, first, &mut land[..n], s)?;
                    stream_bytes(dst, &land[..n]);
                    Ok(())
                })
            })
        };
        if dp.nthreads > 1 && rest.len() > bs {
            rest.par_chunks_mut(bs).enumerate().try_for_each(one)
        } else {
            rest.chunks_mut(bs).enumerate().try_for_each(one)
        }
    })
}

impl<'a> Job<'a> {
    /// Parses `chunk` and resolves its codec and filters (none for a
    /// special or memcpyed chunk) in `registry`.
    pub(super) fn new(
        chunk: &'a [u8],
        dp: &'a DParams,
        registry: &Registry,
        index: u64,
    ) -> Result<Self> {
        let view = ChunkView::parse(chunk).map_err(|source| Error::Format {
            chunk: index,
            source,
        })?;
        let h = view.header();
        let coded = h.special() == Special::None && !h.memcpyed() && h.nbytes > 0;
        let codec = if coded {
            Some(resolve::codec(h.codec(), registry, false)?)
        } else {
            None
        };
        let filters = if coded {
            resolve::filters(&FilterChain::of_header(h), registry)?
                .into_iter()
                .filter(|f| !matches!(f, FilterRef::TruncPrec { .. }))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Job {
            view,
            codec,
            filters,
            postfilter: dp.postfilter.as_ref(),
            chunk: index,
        })
    }

    /// The chunk's header.
    pub(super) fn header(&self) -> &sandpress_format::ChunkHeader {
        self.view.header()
    }

    /// Whether blocks past the first decode against the decoded first
    /// block (the delta filter).
    pub(super) fn needs_first(&self) -> bool {
        self.filters.iter().any(|f| matches!(f, FilterRef::Delta))
    }

    /// Whether a block decoded in a buffer and streamed out reaches a
    /// streamed output sooner than one decoded in place: yes when a filter
    /// or a postfilter writes the block's last pass (a pass as fast as a
    /// copy, which the extra pass then pays for by skipping the reads of
    /// ordinary stores); no when a built-in codec writes the block itself,
    /// more slowly than the extra pass costs (measured both ways per
    /// pipeline; the figures are in the commit that made this choice).
    fn streaming_pays(&self) -> bool {
        let codec_writes_last = matches!(self.codec, Some(CodecRef::Builtin(_)));
        !(self.filters.is_empty() && self.postfilter.is_none() && codec_writes_last)
    }

    fn site(&self, block: usize) -> Site {
        Site {
            chunk: self.chunk,
            block: block as u32,
        }
    }

    fn info(&self, block: usize, offset: usize, len: usize) -> BlockInfo {
        BlockInfo {
            typesize: u32::from(self.view.header().typesize),
            blocksize: len as u32,
            chunk_index: self.chunk,
            block_index: block as u32,
            offset: offset as u32,
        }
    }

    fn steps(&self) -> impl Iterator<Item = Step<'_>> {
        self.filters
            .iter()
            .rev()
            .flat_map(|f| {
                let rounds = match f {
                    FilterRef::Shuffle { rounds } => usize::from(*rounds) + 1,
                    _ => 1,
                };
                std::iter::repeat_n(Step::Filter(f), rounds)
            })
            .chain(self.postfilter.map(Step::Postfilter))
    }

    /// Decodes block `j` into `dst`; `dref` is the decoded first block (for delta).
    pub(super) fn decode_block(
        &self,
        j: usize,
        dref: &[u8],
        dst: &mut [u8],
        s: &mut Scratch,
    ) -> Result<()> {
        let n = dst.len();
        let offset = j * self.view.header().blocksize as usize;
        let nsteps = self.steps().count();
        if nsteps == 0 {
            return self.decode_source(j, dst);
        }
        if matches!(self.codec, Some(CodecRef::User(_))) {
            // A user codec's block is as large as its header claims only if
            // the plugin really answers that many bytes: decode into `dst`
            // first (untouched until then), so no scratch the size of the
            // claim is filled for a block that fails.
            self.decode_source(j, dst)?;
            s.reserve(n);
            s.a[..n].copy_from_slice(dst);
        } else {
            s.reserve(n);
            self.decode_source(j, &mut s.a[..n])?;
        }
        let mut cur = Cur::A;
        for (i, st) in self.steps().enumerate() {
            if i + 1 == nsteps {
                let input = current(cur, &[], s, n);
                self.backward(&st, j, offset, dref, input, dst)?;
            } else {
                let (input, output, next) = step(cur, &[], s, n);
                self.backward(&st, j, offset, dref, input, output)?;
                cur = next;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        st: &Step<'_>,
        j: usize,
        offset: usize,
        dref: &[u8],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<()> {
        let ts = usize::from(self.view.header().typesize);
        match st {
            Step::Filter(FilterRef::Shuffle { .. }) => filters::unshuffle(ts, input, output),
            Step::Filter(FilterRef::BitShuffle) if self.view.header().version <= 2 => {
                filters::bitunshuffle_format2(ts, input, output)
            }
            Step::Filter(FilterRef::BitShuffle) => filters::bitunshuffle(ts, input, output),
            Step::Filter(FilterRef::Delta) => {
                output.copy_from_slice(input);
                filters::delta_decode(dref, offset, ts, output);
            }
            Step::Filter(FilterRef::TruncPrec { .. }) => output.copy_from_slice(input),
            Step::Filter(FilterRef::User { plugin, meta }) => {
                let info = self.info(j, offset, input.len());
                plugin
                    .backward(input, *meta, &info, output)
                    .map_err(|e| self.site(j).plugin(PluginKind::Filter, plugin.meta().id, e))?;
            }
            Step::Postfilter(t) => {
                let info = self.info(j, offset, input.len());
                t.plugin
                    .apply(input, t.meta, &info, output)
                    .map_err(|e| self.site(j).plugin(PluginKind::Postfilter, 0, e))?;
            }
        }
        Ok(())
    }

    /// Fills `dst` with block `j` as stored: raw, special, or decoded streams.
    fn decode_source(&self, j: usize, dst: &mut [u8]) -> Result<()> {
        let fmt = |source| Error::Format {
            chunk: self.chunk,
            source,
        };
        match self.view.block(j).map_err(fmt)? {
            BlockData::Raw(raw) => dst.copy_from_slice(raw),
            BlockData::Special(special) => self.fill_special(j, special, dst)?,
            BlockData::Streams(streams) => {
                let neblock = streams.stream_len();
                let offset = j * self.view.header().blocksize as usize;
                for (k, (stream, out)) in streams.zip(dst.chunks_mut(neblock.max(1))).enumerate() {
                    match stream.map_err(fmt)? {
                        Stream::Zeros => out.fill(0),
                        Stream::Run(v) => out.fill(v),
                        Stream::Raw(raw) => out.copy_from_slice(raw),
                        Stream::Compressed(bytes) => {
                            self.decode_stream(j, offset + k * neblock, bytes, out)?
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn decode_stream(&self, j: usize, offset: usize, bytes: &[u8], out: &mut [u8]) -> Result<()> {
        match &self.codec {
            Some(CodecRef::Builtin(id)) => {
                crate::codecs::decompress(*id, bytes, out).map_err(|m| {
                    self.site(j)
                        .builtin(sandpress_format::ids::codec_name(*id), m)
                })
            }
            Some(CodecRef::User(plugin)) => {
                let info = self.info(j, offset, out.len());
                plugin
                    .decode(bytes, self.view.header().codec_meta, &info, out)
                    .map_err(|e| self.site(j).plugin(PluginKind::Codec, plugin.meta().id, e))
            }
            None => Err(self
                .site(j)
                .builtin("codec", "stream in a chunk without a codec")),
        }
    }

    fn fill_special(&self, j: usize, special: Special, dst: &mut [u8]) -> Result<()> {
        let ts = usize::from(self.view.header().typesize);
        match special {
            Special::None | Special::Zeros | Special::Uninit => dst.fill(0),
            Special::Value => fill_repeated(dst, self.view.special_value().unwrap_or(&[])),
            Special::Nans => {
                let nan: &[u8] = match ts {
                    4 => &[0x00, 0x00, 0xc0, 0x7f],
                    8 => &[0, 0, 0, 0, 0, 0, 0xf8, 0x7f],
                    _ => {
                        return Err(self
                            .site(j)
                            .builtin("nan chunk", format!("typesize {ts} is not a float size")));
                    }
                };
                fill_repeated(dst, nan);
            }
        }
        Ok(())
    }
}
