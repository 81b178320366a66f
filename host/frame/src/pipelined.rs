//! Writing a frame from a stream on every core: reading, compressing
//! chunks side by side and writing them in order overlap, with a bounded
//! number of chunks in memory.

use super::ordered::{self, CHUNKS_PER_THREAD, SourceAndSink};
use super::writer::{FrameStats, FrameWriter};
use sandpress_core::error::{Error, Result};
use sandpress_core::params::CParams;
use sandpress_core::pipeline::compress_chunk;
use sandpress_core::plugin::PluginKind;
use sandpress_core::registry::Registry;
use sandpress_core::vlmeta::checksums::for_chunk as checksum_of;

/// A [`FrameWriter`] fed from a stream by a chunk-parallel pipeline.
///
/// [`append_from`](Self::append_from) reads chunks on the calling
/// thread, compresses them on the shared pool of
/// [`CParams::nthreads`] workers (each chunk on one worker, with one
/// thread inside: no nested parallelism), and writes them in order, with
/// at most [`CHUNKS_PER_THREAD`] × `nthreads` chunks read and not yet
/// written. The frame is byte for byte the one [`FrameWriter::append`]
/// makes of the same data. With one thread, or when the whole stream fits
/// in one chunk (its blocks are then compressed in parallel instead),
/// everything runs in turn on the calling thread, as `append` does.
///
/// ```
/// use sandpress_core::{CParams, Registry};
/// use sandpress_frame::{Frame, FrameWriter, PipelinedWriter};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("ints.b2frame");
/// let cp = CParams { typesize: 4, nthreads: 2, ..CParams::default() };
/// let w = FrameWriter::create(&path, cp, 4000, Vec::new(), Registry::new()).unwrap();
/// let mut w = PipelinedWriter::new(w);
/// let data: Vec<u8> = (0..2500u32).flat_map(|i| i.to_le_bytes()).collect();
/// let mut input = &data[..];
/// let read = |buf: &mut [u8]| {
///     sandpress_core::io::read_full(&mut input, buf)
///         .map_err(|e| sandpress_core::Error::io("read", "-".as_ref(), e))
/// };
/// w.append_from(read, |_| {}).unwrap();
/// w.finish().unwrap();
/// let f = Frame::open(&path).unwrap();
/// assert_eq!(f.nchunks(), 3);
/// assert_eq!(f.decompress_chunk_vec(2).unwrap(), &data[8000..]);
/// ```
pub struct PipelinedWriter {
    w: FrameWriter,
    cparams: CParams,
    registry: Registry,
    chunksize: usize,
    /// A chunk shorter than the chunk size was written: it is the last.
    closed: bool,
}

impl PipelinedWriter {
    /// Feeds `w` (made by any of [`FrameWriter`]'s constructors, nothing
    /// appended yet) chunk-parallel: with its parameters, chunk size and
    /// registry.
    pub fn new(w: FrameWriter) -> Self {
        PipelinedWriter {
            cparams: w.cparams().clone(),
            registry: w.registry().clone(),
            chunksize: w.chunksize(),
            w,
            closed: false,
        }
    }

    /// Number of chunks written so far.
    pub fn nchunks(&self) -> usize {
        self.w.nchunks()
    }

    /// Uncompressed bytes written so far.
    pub fn nbytes(&self) -> u64 {
        self.w.nbytes()
    }

    /// Compressed bytes written so far.
    pub fn cbytes(&self) -> u64 {
        self.w.cbytes()
    }

    /// As [`FrameWriter::embed_plugin`].
    pub fn embed_plugin(&mut self, kind: PluginKind, id: u8, component: Vec<u8>) {
        self.w.embed_plugin(kind, id, component);
    }

    /// As [`FrameWriter::set_vlmeta`].
    pub fn set_vlmeta(&mut self, name: &str, content: &[u8]) -> Result<()> {
        self.w.set_vlmeta(name, content)
    }

    /// Compresses and writes everything `read` gives, until it gives fewer
    /// bytes than asked for (the end of the stream).
    ///
    /// `read` fills the buffer it is given (a chunk's worth) as far as the
    /// stream goes, as [`read_full`](sandpress_core::io::read_full) does, and says
    /// how many bytes it wrote: fewer than the buffer only at the end.
    /// `progress` is told the uncompressed bytes of each chunk once it is
    /// written. An error of `read` or of a chunk (the first in the
    /// stream's order) stops everything; the frame must then be dropped
    /// (its temporary file goes with it). A stream that ended with a short
    /// chunk takes no more data.
    pub fn append_from<E: From<Error> + Send>(
        &mut self,
        mut read: impl FnMut(&mut [u8]) -> std::result::Result<usize, E>,
        progress: impl FnMut(u64),
    ) -> std::result::Result<(), E> {
        // Every chunk of a stream is read on the calling thread: none at
        // an offset, by a worker.
        let nowhere = |_: u64, _: &mut [u8]| Ok(0);
        self.append(Source::Stream(&mut read), &nowhere, progress)
    }

    /// As [`append_from`](Self::append_from), from a source read at
    /// offsets: `read_at(offset, buf)` fills `buf` with the source's bytes
    /// from `offset` as far as the source goes, as
    /// [`read_full_at`](sandpress_core::io::read_full_at) does for a file, and says
    /// how many bytes it wrote. The source ends at the first chunk it
    /// cannot fill.
    ///
    /// Each worker reads the chunk it compresses, so the reads (copies out
    /// of the page cache, for a file) run on every core as well, and a
    /// chunk is compressed while its bytes are still in the worker's
    /// cache. A few reads past the end may be made and are then ignored.
    pub fn append_from_at<E: From<Error> + Send>(
        &mut self,
        read_at: impl Fn(u64, &mut [u8]) -> std::result::Result<usize, E> + Sync,
        progress: impl FnMut(u64),
    ) -> std::result::Result<(), E> {
        let mut first = |buf: &mut [u8]| read_at(0, buf);
        self.append(
            Source::At {
                first: &mut first,
                next: self.chunksize as u64,
            },
            &read_at,
            progress,
        )
    }

    /// The pipeline of both: the first chunk read on the calling thread,
    /// which decides between one chunk (its blocks in parallel), one
    /// thread (in turn) and chunks in parallel.
    fn append<E, R>(
        &mut self,
        mut source: Source<'_, R>,
        read_at: &(impl Fn(u64, &mut [u8]) -> std::result::Result<usize, E> + Sync),
        mut progress: impl FnMut(u64),
    ) -> std::result::Result<(), E>
    where
        E: From<Error> + Send,
        R: FnMut(&mut [u8]) -> std::result::Result<usize, E>,
    {
        let mut first = vec![0u8; self.chunksize];
        let (Source::Stream(read) | Source::At { first: read, .. }) = &mut source;
        let n = self.fill(*read, &mut first)?;
        if n == 0 {
            return Ok(());
        }
        let threads = self.cparams.nthreads;
        if n < self.chunksize || threads <= 1 {
            // One chunk (its blocks in parallel), or one thread: in turn.
            self.write_one(&first[..n])?;
            progress(n as u64);
            if n < self.chunksize {
                return Ok(());
            }
        }
        let inner = CParams {
            nthreads: 1,
            ..self.cparams.clone()
        };
        let base = self.w.nchunks() as u64;
        let registry = self.registry.clone();
        let work = |i: u64, (mut buf, fill): (Vec<u8>, Fill)| {
            let n = match fill {
                Fill::Read(n) => Ok::<_, E>(n),
                Fill::At(offset) => read_at(offset, &mut buf).and_then(|n| {
                    check_len(n, buf.len())?;
                    Ok(n)
                }),
            };
            let made = n.and_then(|n| {
                if n == 0 {
                    return Ok(Compressed::default());
                }
                let data = &buf[..n];
                let chunk = compress_chunk(data, &inner, &registry, base + i)?;
                let sum = checksum_of(&inner, data);
                Ok(Compressed { n, chunk, sum })
            });
            Made { made, buf }
        };
        let mut ends = Stream {
            writer: self,
            source,
            progress: &mut progress,
            first: (threads > 1).then_some(first),
            spare: Vec::new(),
            ended: false,
        };
        ordered::run(threads, CHUNKS_PER_THREAD * threads, &mut ends, &work)
    }

    /// Fills `buf` from `read`; refuses data after a short chunk.
    fn fill<E: From<Error>>(
        &mut self,
        read: &mut impl FnMut(&mut [u8]) -> std::result::Result<usize, E>,
        buf: &mut [u8],
    ) -> std::result::Result<usize, E> {
        let n = read(buf)?;
        check_len(n, buf.len())?;
        self.took(n)?;
        Ok(n)
    }

    /// Takes a chunk of `n` bytes: an error after a short chunk, which
    /// must be the last.
    fn took(&mut self, n: usize) -> Result<()> {
        if n > 0 && self.closed {
            return Err(Error::InvalidParam {
                name: "chunk",
                reason: "a chunk shorter than the chunk size must be the last".into(),
            });
        }
        self.closed = n > 0 && n < self.chunksize;
        Ok(())
    }

    /// Compresses one chunk with every thread on its blocks.
    fn write_one(&mut self, data: &[u8]) -> Result<()> {
        let index = self.w.nchunks() as u64;
        let chunk = compress_chunk(data, &self.cparams, &self.registry, index)?;
        self.w
            .append_chunk_unchecked(&chunk, checksum_of(&self.cparams, data))
    }

    /// Writes the index and trailer and renames the file into place.
    pub fn finish(self) -> Result<FrameStats> {
        self.w.finish()
    }

    /// Completes a frame made by [`FrameWriter::create_temp`] and
    /// returns its file, positioned at the start.
    pub fn finish_temp(self) -> Result<(std::fs::File, FrameStats)> {
        self.w.finish_temp()
    }
}

/// A reader's answer of `n` bytes into a buffer of `len`: more is an error.
fn check_len(n: usize, len: usize) -> Result<()> {
    if n > len {
        return Err(Error::InvalidParam {
            name: "read",
            reason: format!("{n} bytes read into a buffer of {len}"),
        });
    }
    Ok(())
}

/// Where the chunks come from.
enum Source<'a, R> {
    /// A stream, read in order on the calling thread.
    Stream(&'a mut R),
    /// Bytes read at offsets: the first chunk by `first` on the calling
    /// thread, the others by the workers, `next` the offset of the next.
    At { first: &'a mut R, next: u64 },
}

/// A chunk's buffer, and its bytes or where to read them.
enum Fill {
    /// Read already: this many bytes.
    Read(usize),
    /// To read at this offset, by the worker.
    At(u64),
}

/// A chunk compressed: its uncompressed length (0 when the source had
/// ended before it), the chunk and its checksum.
#[derive(Default)]
struct Compressed {
    n: usize,
    chunk: Vec<u8>,
    sum: Option<u64>,
}

/// A compressed chunk (or why not) and the buffer it was made from.
struct Made<E> {
    made: std::result::Result<Compressed, E>,
    buf: Vec<u8>,
}

/// The reading and writing ends of [`PipelinedWriter::append_from`] and
/// [`PipelinedWriter::append_from_at`].
struct Stream<'a, R, P> {
    writer: &'a mut PipelinedWriter,
    source: Source<'a, R>,
    progress: &'a mut P,
    /// The chunk read before the pipeline started, not yet compressed.
    first: Option<Vec<u8>>,
    /// Buffers of written chunks, to read into again.
    spare: Vec<Vec<u8>>,
    /// A source read at offsets has ended.
    ended: bool,
}

impl<R, P, E> SourceAndSink for Stream<'_, R, P>
where
    R: FnMut(&mut [u8]) -> std::result::Result<usize, E>,
    P: FnMut(u64),
    E: From<Error> + Send,
{
    type Item = (Vec<u8>, Fill);
    type Output = Made<E>;
    type Error = E;

    fn next(&mut self) -> std::result::Result<Option<Self::Item>, E> {
        if let Some(first) = self.first.take() {
            let n = first.len();
            return Ok(Some((first, Fill::Read(n))));
        }
        if self.writer.closed || self.ended {
            return Ok(None);
        }
        let mut buf = self
            .spare
            .pop()
            .unwrap_or_else(|| vec![0; self.writer.chunksize]);
        match &mut self.source {
            Source::Stream(read) => {
                let n = self.writer.fill(*read, &mut buf)?;
                Ok((n > 0).then_some((buf, Fill::Read(n))))
            }
            Source::At { next, .. } => {
                let at = *next;
                *next += buf.len() as u64;
                Ok(Some((buf, Fill::At(at))))
            }
        }
    }

    fn done(&mut self, out: Made<E>) -> std::result::Result<(), E> {
        self.spare.push(out.buf);
        if self.ended {
            // Read past the end of a source read at offsets: dropped, and
            // so is an error there.
            return Ok(());
        }
        let c = out.made?;
        if let Source::At { .. } = self.source {
            // Read by a worker: the source ends at the first chunk it
            // could not fill, what was read past it is dropped.
            self.ended = c.n < self.writer.chunksize;
            if c.n == 0 {
                return Ok(());
            }
            self.writer.took(c.n)?;
        }
        self.writer.w.append_chunk_unchecked(&c.chunk, c.sum)?;
        (self.progress)(c.n as u64);
        Ok(())
    }
}
