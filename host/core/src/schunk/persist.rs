//! A super-chunk to and from a frame file.

use std::path::Path;
use std::sync::Arc;

use super::SChunk;
use crate::error::Result;
use crate::frame::{Frame, FrameStats, FrameWriter};
use crate::params::DParams;
use crate::registry::Registry;

impl SChunk {
    /// Writes the super-chunk as a Blosc2 frame file at `path`, under a
    /// temporary name renamed into place when complete.
    ///
    /// ```
    /// use sandpress_core::{CParams, Registry, SChunk};
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
    pub fn save(&self, path: impl AsRef<Path>) -> Result<FrameStats> {
        let mut w = FrameWriter::create(
            path,
            self.cparams.clone(),
            self.chunksize,
            Vec::new(),
            self.registry.clone(),
        )?;
        for (c, sum) in self.chunks.iter().zip(&self.sums) {
            w.append_chunk_unchecked(c, *sum)?;
        }
        w.finish()
    }

    /// Reads a frame file into memory; user plugins its chunks need must be
    /// in `registry` (a plugin the frame records with another sha256 is
    /// refused).
    pub fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self> {
        let mut f = Frame::open(path)?;
        f.set_registry(registry)?;
        let n = f.nchunks();
        let mut chunks = Vec::with_capacity(n);
        let mut sizes = Vec::with_capacity(n);
        let mut sums = Vec::with_capacity(n);
        for i in 0..n {
            chunks.push(Arc::new(f.chunk(i)?));
            sizes.push(f.chunk_nbytes(i)?);
            sums.push(f.checksum(i));
        }
        let chunksize = usize::try_from(f.header().chunksize)
            .ok()
            .filter(|&c| c > 0)
            .or_else(|| sizes.iter().copied().max())
            .unwrap_or(1);
        let mut cparams = f.cparams().clone();
        let ts = usize::from(cparams.typesize.max(1));
        if !chunksize.is_multiple_of(ts) {
            cparams.typesize = 1;
        }
        let mut sc = SChunk::new(chunksize, cparams, DParams::default(), f.registry().clone())?;
        sc.chunks = chunks;
        sc.sizes = sizes;
        sc.sums = sums;
        Ok(sc)
    }
}
