//! Decompressing a run of a frame's chunks on every core, handing them on
//! in order, with a bounded number of chunks in memory.

use std::ops::Range;

use super::ordered::{self, CHUNKS_PER_THREAD, SourceAndSink};
use super::reader::Frame;
use super::source::ReadAt;
use sandpress_core::error::{Error, Result};
use sandpress_core::params::DParams;
use sandpress_core::pipeline::decompress_chunk;
use sandpress_core::vlmeta::checksums;

impl<S: ReadAt> Frame<S> {
    /// Decompresses chunks `chunks` and gives each to `sink`, in order,
    /// with its index; each is checked against its checksum as
    /// [`decompress_chunk`](Self::decompress_chunk) does.
    ///
    /// With [`DParams::nthreads`] > 1, chunks are read and decompressed
    /// side by side on the shared pool (each on one worker, one thread
    /// inside) while the calling thread hands finished ones to `sink`, at
    /// most [`CHUNKS_PER_THREAD`] × `nthreads` chunks at a time.
    /// A lone chunk has its blocks decompressed in parallel instead.
    /// The first error (of a chunk, in order, or of `sink`) stops
    /// everything and is returned.
    ///
    /// ```
    /// use sandpress_core::{CParams, DParams, Registry};
    /// use sandpress_frame::{Frame, FrameWriter};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("ints.b2frame");
    /// let cp = CParams { typesize: 4, ..CParams::default() };
    /// let data: Vec<u8> = (0..2500u32).flat_map(|i| i.to_le_bytes()).collect();
    /// let mut w = FrameWriter::create(&path, cp, 4000, Vec::new(), Registry::new()).unwrap();
    /// w.append(&data).unwrap();
    /// w.finish().unwrap();
    /// let mut f = Frame::open(&path).unwrap();
    /// f.set_dparams(DParams { nthreads: 2, ..DParams::default() });
    /// let mut back = Vec::new();
    /// f.decompress_in_order(0..f.nchunks(), |_, bytes| {
    ///     back.extend_from_slice(bytes);
    ///     Ok::<_, sandpress_core::Error>(())
    /// })
    /// .unwrap();
    /// assert_eq!(back, data);
    /// ```
    pub fn decompress_in_order<E: From<Error>>(
        &self,
        chunks: Range<usize>,
        sink: impl FnMut(usize, &[u8]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let (threads, inner) = self.chunk_threads(&chunks)?;
        let work = |_: u64, (i, mut buf, n): (usize, Vec<u8>, usize)| {
            let made = self.decode_with(&inner, i, &mut buf[..n]);
            Decoded { made, i, buf, n }
        };
        let mut ends = Chunks {
            frame: self,
            next: chunks,
            sink,
            spare: Vec::new(),
        };
        ordered::run(threads, CHUNKS_PER_THREAD * threads, &mut ends, &work)
    }

    /// Checks that `chunks` are in the frame, and splits the frame's
    /// threads between chunks and blocks: the threads decode one chunk
    /// each (with one thread for its blocks) when there are several
    /// chunks; a single chunk gets them all for its blocks, on the calling
    /// thread.
    pub(super) fn chunk_threads(&self, chunks: &Range<usize>) -> Result<(usize, DParams)> {
        if chunks.end > self.nchunks() {
            return Err(Error::OutOfRange {
                what: "chunk",
                index: chunks.end as u64,
                len: self.nchunks() as u64,
            });
        }
        Ok(if chunks.len() > 1 {
            let one = DParams {
                nthreads: 1,
                ..self.dparams.clone()
            };
            (self.dparams.nthreads, one)
        } else {
            (1, self.dparams.clone())
        })
    }

    /// Decompresses chunk `i` into `out` with `dp`, checked as the
    /// frame's dparams say.
    pub(super) fn decode_with(&self, dp: &DParams, i: usize, out: &mut [u8]) -> Result<()> {
        let chunk = self.chunk(i)?;
        decompress_chunk(&chunk, dp, &self.registry, i as u64, out)?;
        if dp.check && dp.postfilter.is_none() {
            checksums::check(i as u64, self.checksum(i), out)?;
        }
        Ok(())
    }
}

/// A decompressed chunk (or why not) and its buffer.
struct Decoded {
    made: Result<()>,
    i: usize,
    buf: Vec<u8>,
    n: usize,
}

/// The ends of [`Frame::decompress_in_order`].
struct Chunks<'a, S: ReadAt, K> {
    frame: &'a Frame<S>,
    next: Range<usize>,
    sink: K,
    /// Buffers of chunks handed on, to decompress into again.
    spare: Vec<Vec<u8>>,
}

impl<S, K, E> SourceAndSink for Chunks<'_, S, K>
where
    S: ReadAt,
    K: FnMut(usize, &[u8]) -> std::result::Result<(), E>,
    E: From<Error>,
{
    type Item = (usize, Vec<u8>, usize);
    type Output = Decoded;
    type Error = E;

    fn next(&mut self) -> std::result::Result<Option<Self::Item>, E> {
        let Some(i) = self.next.next() else {
            return Ok(None);
        };
        let n = self.frame.chunk_nbytes(i)?;
        let buf = ordered::chunk_buffer(&mut self.spare, n);
        Ok(Some((i, buf, n)))
    }

    fn done(&mut self, out: Decoded) -> std::result::Result<(), E> {
        out.made?;
        (self.sink)(out.i, &out.buf[..out.n])?;
        self.spare.push(out.buf);
        Ok(())
    }
}
