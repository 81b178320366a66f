//! A super-chunk to and from a frame file.

use std::path::Path;

use sandpress_core::SChunk;
use sandpress_core::error::Result;
use sandpress_core::params::DParams;
use sandpress_core::registry::Registry;

use crate::{Frame, FrameStats, FrameWriter};

/// Saving a [`SChunk`] as a frame file and opening one into memory.
pub trait SChunkFile: Sized {
    /// Writes the super-chunk as a Blosc2 frame file at `path`, under a
    /// temporary name renamed into place when complete.
    ///
    /// ```
    /// use sandpress_core::{CParams, Registry, SChunk};
    /// use sandpress_frame::SChunkFile;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("s.b2frame");
    /// let cp = CParams { typesize: 4, ..CParams::default() };
    /// let mut sc = SChunk::new(4000, cp, Default::default(), Registry::new()).unwrap();
    /// sc.append(&vec![7; 10_000]).unwrap();
    /// sc.save(&path).unwrap();
    /// let back = SChunk::open(&path, Registry::new()).unwrap();
    /// assert_eq!(back.nchunks(), 3);
    /// assert_eq!(back.decompress_chunk_vec(2).unwrap(), vec![7; 2000]);
    /// ```
    fn save(&self, path: impl AsRef<Path>) -> Result<FrameStats>;

    /// Reads a frame file into memory; user plugins its chunks need must be
    /// in `registry` (a plugin the frame records with another sha256 is
    /// refused).
    fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self>;
}

impl SChunkFile for SChunk {
    fn save(&self, path: impl AsRef<Path>) -> Result<FrameStats> {
        let mut w = FrameWriter::create(
            path,
            self.cparams().clone(),
            self.chunksize(),
            Vec::new(),
            self.registry().clone(),
        )?;
        for i in 0..self.nchunks() {
            w.append_chunk_unchecked(self.chunk(i)?, self.checksum(i))?;
        }
        w.finish()
    }

    fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self> {
        let mut f = Frame::open(path)?;
        f.set_registry(registry)?;
        let n = f.nchunks();
        let mut stored = Vec::with_capacity(n);
        let mut largest = 0;
        for i in 0..n {
            largest = largest.max(f.chunk_nbytes(i)?);
            stored.push((f.chunk(i)?, f.checksum(i)));
        }
        let chunksize = usize::try_from(f.header().chunksize)
            .ok()
            .filter(|&c| c > 0)
            .unwrap_or(largest.max(1));
        let mut cparams = f.cparams().clone();
        let ts = usize::from(cparams.typesize.max(1));
        if !chunksize.is_multiple_of(ts) {
            cparams.typesize = 1;
        }
        SChunk::from_stored(
            chunksize,
            cparams,
            DParams::default(),
            f.registry().clone(),
            stored,
        )
    }
}
