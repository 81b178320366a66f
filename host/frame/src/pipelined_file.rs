//! Decompressing a run of a frame's chunks into a file on every core:
//! each worker writes the chunk it decoded at its place in the file, so
//! the copies into the file run side by side too.

use std::fs::File;
use std::ops::Range;
use std::path::Path;

use super::ordered::{self, CHUNKS_PER_THREAD, SourceAndSink};
use super::reader::Frame;
use super::source::{ReadAt, write_all_at};
use sandpress_core::error::{Error, Result};

impl<S: ReadAt> Frame<S> {
    /// Decompresses chunks `chunks` into `file`, the first at offset `at`
    /// and each right after the one before, checked as
    /// [`decompress_chunk`](Self::decompress_chunk) does; `name` is the
    /// file's name in errors. `progress` is told the bytes of each chunk
    /// written, in order.
    ///
    /// As [`decompress_in_order`](Self::decompress_in_order), but the
    /// workers write at their chunk's offset themselves (positioned
    /// writes, so a file, not a pipe): with [`DParams::nthreads`](sandpress_core::DParams::nthreads) > 1 the
    /// copies into the file run in parallel as well. The first error
    /// stops everything; what was written is then incomplete.
    ///
    /// ```
    /// use sandpress_core::{CParams, DParams, Registry};
    /// use sandpress_frame::{Frame, FrameWriter};
    /// let dir = tempfile::tempdir().unwrap();
    /// let (path, out) = (dir.path().join("ints.b2frame"), dir.path().join("ints.raw"));
    /// let cp = CParams { typesize: 4, ..CParams::default() };
    /// let data: Vec<u8> = (0..2500u32).flat_map(|i| i.to_le_bytes()).collect();
    /// let mut w = FrameWriter::create(&path, cp, 4000, Vec::new(), Registry::new()).unwrap();
    /// w.append(&data).unwrap();
    /// w.finish().unwrap();
    /// let mut f = Frame::open(&path).unwrap();
    /// f.set_dparams(DParams { nthreads: 2, ..DParams::default() });
    /// let file = std::fs::File::create(&out).unwrap();
    /// f.decompress_to_file(0..f.nchunks(), &file, 0, &out, |_| {}).unwrap();
    /// assert_eq!(std::fs::read(&out).unwrap(), data);
    /// ```
    pub fn decompress_to_file(
        &self,
        chunks: Range<usize>,
        file: &File,
        at: u64,
        name: &Path,
        progress: impl FnMut(u64),
    ) -> Result<()> {
        let (threads, inner) = self.chunk_threads(&chunks)?;
        let work = |_: u64, job: Job| {
            let Job { i, mut buf, n, at } = job;
            let made = self.decode_with(&inner, i, &mut buf[..n]).and_then(|()| {
                write_all_at(file, &buf[..n], at).map_err(|e| Error::io("write", name, e))
            });
            Written { made, buf, n }
        };
        let mut ends = Places {
            frame: self,
            next: chunks,
            at,
            progress,
            spare: Vec::new(),
        };
        ordered::run(threads, CHUNKS_PER_THREAD * threads, &mut ends, &work)
    }
}

/// Chunk `i`, `n` bytes, to decode into `buf` and write at `at`.
struct Job {
    i: usize,
    buf: Vec<u8>,
    n: usize,
    at: u64,
}

/// A chunk written (or why not) and its buffer.
struct Written {
    made: Result<()>,
    buf: Vec<u8>,
    n: usize,
}

/// The ends of [`Frame::decompress_to_file`].
struct Places<'a, S: ReadAt, P> {
    frame: &'a Frame<S>,
    next: Range<usize>,
    /// Where the next chunk goes in the file.
    at: u64,
    progress: P,
    /// Buffers of chunks written, to decompress into again.
    spare: Vec<Vec<u8>>,
}

impl<S: ReadAt, P: FnMut(u64)> SourceAndSink for Places<'_, S, P> {
    type Item = Job;
    type Output = Written;
    type Error = Error;

    fn next(&mut self) -> Result<Option<Job>> {
        let Some(i) = self.next.next() else {
            return Ok(None);
        };
        let n = self.frame.chunk_nbytes(i)?;
        let buf = ordered::chunk_buffer(&mut self.spare, n);
        let at = self.at;
        self.at += n as u64;
        Ok(Some(Job { i, buf, n, at }))
    }

    fn done(&mut self, out: Written) -> Result<()> {
        out.made?;
        (self.progress)(out.n as u64);
        self.spare.push(out.buf);
        Ok(())
    }
}
