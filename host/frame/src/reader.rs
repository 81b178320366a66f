//! Opening a frame: the header, trailer and offsets index are read and
//! checked; chunks are read on demand.

use std::fs::File;
use std::path::{Path, PathBuf};

use sandpress_format::frame::{
    ChunkLoc, FrameError, FrameHeader, HEADER_MINLEN, TRAILER_LEN_OFFSET, Trailer,
};
use sandpress_format::{ChunkHeader, HEADER_LEN, Special};

use super::source::ReadAt;
use super::stored::Extents;
use super::{index, layout};
use sandpress_core::error::{Error, Result};
use sandpress_core::params::{CParams, DParams};
use sandpress_core::pipeline::{decompress_chunk, decompressed_len, special_chunk};
use sandpress_core::registry::Registry;
use sandpress_core::vlmeta::checksums;
use sandpress_core::vlmeta::plugins::{self, PluginRecord};

/// A frame may list at most this many chunks per byte of file, plus
/// [`INDEX_SLACK`]: special chunks take no room, but an index claiming
/// billions of them in a small file is refused before it is allocated.
const CHUNKS_PER_BYTE: u64 = 64;
const INDEX_SLACK: u64 = 1 << 20;

/// A Blosc2 contiguous frame opened for reading: its header, metalayers,
/// variable-length metalayers and chunk index are in memory; chunks are read
/// from the source when asked for.
///
/// ```no_run
/// use sandpress_frame::Frame;
/// let frame = Frame::open("data.b2frame").unwrap();
/// let first = frame.decompress_chunk_vec(0).unwrap();
/// println!("{} chunks, first holds {} bytes", frame.nchunks(), first.len());
/// ```
pub struct Frame<S: ReadAt = File> {
    pub(crate) src: S,
    pub(crate) name: PathBuf,
    pub(crate) header: FrameHeader,
    pub(crate) trailer: Trailer,
    pub(crate) locs: Vec<ChunkLoc>,
    /// Uncompressed size of each chunk.
    pub(crate) sizes: Vec<u32>,
    pub(crate) plugins: Vec<PluginRecord>,
    /// The recorded checksum of each chunk, if it has one.
    pub(crate) checksums: Vec<Option<u64>>,
    /// Where stored chunks start, sorted: where each ends at most.
    pub(crate) extents: Extents,
    pub(crate) registry: Registry,
    pub(crate) dparams: DParams,
    pub(crate) cparams: CParams,
    pub(crate) writable: bool,
}

impl<S: ReadAt> std::fmt::Debug for Frame<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("name", &self.name)
            .field("nchunks", &self.locs.len())
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Frame<File> {
    /// Opens the frame file at `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        Frame::from_source(file, path)
    }

    /// Opens the frame file at `path` for reading and editing (see
    /// [`append`](Self::append) and the other edits).
    pub fn open_rw(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| Error::io("open", path, e))?;
        let mut frame = Frame::from_source(file, path)?;
        frame.writable = true;
        Ok(frame)
    }
}

impl Frame<Vec<u8>> {
    /// A frame held in memory (as `to_cframe` gives it in python-blosc2).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Frame::from_source(bytes, Path::new("<memory>"))
    }
}

impl<S: ReadAt> Frame<S> {
    /// Reads and checks the header, trailer and index from `src`, and the
    /// header of every stored chunk; `name` appears in errors.
    pub fn from_source(src: S, name: &Path) -> Result<Self> {
        Frame::open_source(src, name, false)
    }

    /// Like [`from_source`](Self::from_source), but reads the header,
    /// trailer and index only when the frame says its chunks all have its
    /// chunk size (the last may be shorter): the chunks' sizes then come
    /// from the header, and each chunk's header is checked when the chunk
    /// is read. For sources where each read is a round trip (an object
    /// store). A frame whose chunks vary in size is opened as by
    /// `from_source`.
    ///
    /// ```
    /// use sandpress_core::{CParams, Registry};
    /// use sandpress_frame::{Frame, FrameWriter};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.b2frame");
    /// let mut w = FrameWriter::create(&path, CParams::default(), 1000, Vec::new(), Registry::new()).unwrap();
    /// w.append(&[7u8; 2500]).unwrap();
    /// w.finish().unwrap();
    /// let f = Frame::from_source_lazy(std::fs::read(&path).unwrap(), &path).unwrap();
    /// assert_eq!(f.chunk_nbytes(2).unwrap(), 500);
    /// assert_eq!(f.decompress_chunk_vec(2).unwrap(), vec![7u8; 500]);
    /// ```
    pub fn from_source_lazy(src: S, name: &Path) -> Result<Self> {
        Frame::open_source(src, name, true)
    }

    fn open_source(src: S, name: &Path, lazy: bool) -> Result<Self> {
        let io = |op, e: std::io::Error| Error::io(op, name, e);
        let size = src.size().map_err(|e| io("read", e))?;
        let read = |offset: u64, len: u64, what: &'static str| -> Result<Vec<u8>> {
            if offset.checked_add(len).is_none_or(|end| end > size) {
                return Err(Error::Frame(FrameError::Truncated {
                    what,
                    offset,
                    needed: len,
                    available: size.saturating_sub(offset),
                }));
            }
            let mut buf = vec![0; len as usize];
            src.read_exact_at(&mut buf, offset)
                .map_err(|e| io("read", e))?;
            Ok(buf)
        };
        let prefix = read(0, (HEADER_MINLEN as u64).min(size), "frame header")?;
        let header_len = FrameHeader::peek_len(&prefix)?;
        let header = FrameHeader::parse(&read(0, u64::from(header_len), "frame header")?)?;
        if header.frame_len > size {
            return Err(Error::Frame(FrameError::ShorterThanHeader {
                header_says: header.frame_len,
                file_has: size,
            }));
        }
        let frame_len = header.frame_len;
        let tail_len = (TRAILER_LEN_OFFSET as u64 + 1).min(frame_len);
        let tail = read(frame_len - tail_len, tail_len, "trailer length")?;
        let trailer_len = u64::from(Trailer::peek_len(&tail, frame_len)?);
        let trailer_start = frame_len - trailer_len;
        let index_start = u64::from(header_len) + header.cbytes as u64;
        if index_start > trailer_start {
            return Err(Error::Frame(FrameError::BadField {
                field: "cbytes",
                offset: 39,
                found: header.cbytes,
                reason: "the chunks section runs into the trailer",
            }));
        }
        let trailer = Trailer::parse(&read(trailer_start, trailer_len, "trailer")?, trailer_start)?;
        let index_len = trailer_start - index_start;
        let locs = if index_len == 0 {
            Vec::new()
        } else {
            let chunk = read(index_start, index_len, "offsets index")?;
            let max = (size.saturating_mul(CHUNKS_PER_BYTE) + INDEX_SLACK) * 8;
            let raw = index::decode_meta_chunk(&chunk, "offsets index", index_start, max)?;
            index::decode_offsets(&raw, index_start)?
        };
        let extents = Extents::of(&locs);
        let mut frame = Frame {
            src,
            name: name.to_path_buf(),
            header,
            trailer,
            locs,
            sizes: Vec::new(),
            plugins: Vec::new(),
            checksums: Vec::new(),
            extents,
            registry: Registry::new(),
            dparams: DParams::default(),
            cparams: CParams::default(),
            writable: false,
        };
        frame.cparams = layout::cparams_of(&frame.header);
        frame.sizes = match lazy.then(|| frame.sizes_from_header()).flatten() {
            Some(sizes) => sizes,
            None => frame.chunk_sizes()?,
        };
        frame.plugins = match frame.vlmeta(plugins::VLMETA_NAME)? {
            Some(bytes) => plugins::decode(&bytes)?,
            None => Vec::new(),
        };
        frame.checksums = match frame.vlmeta(checksums::VLMETA_NAME)? {
            Some(bytes) => checksums::decode(&bytes, &frame.locs)?,
            None => vec![None; frame.locs.len()],
        };
        Ok(frame)
    }

    /// The checksum recorded for chunk `i` (xxh3-64 of its uncompressed
    /// bytes), if it has one.
    pub fn checksum(&self, i: usize) -> Option<u64> {
        self.checksums.get(i).copied().flatten()
    }

    /// Checks decoded chunk `i` against its checksum, as the dparams ask.
    fn check(&self, i: usize, data: &[u8]) -> Result<()> {
        if !self.dparams.check || self.dparams.postfilter.is_some() {
            return Ok(());
        }
        checksums::check(i as u64, self.checksum(i), data)
    }

    /// Checks every chunk's place and reads the size of stored chunks from
    /// their headers; the sizes must add up to the header's `nbytes`.
    fn chunk_sizes(&self) -> Result<Vec<u32>> {
        let n = self.locs.len() as u64;
        let section = self.header.cbytes as u64;
        let chunksize = u64::try_from(self.header.chunksize).unwrap_or(0);
        let nbytes = self.header.nbytes as u64;
        let mut sizes = Vec::with_capacity(self.locs.len());
        for (i, loc) in self.locs.iter().enumerate() {
            let i = i as u64;
            let size = match *loc {
                ChunkLoc::At(off) => {
                    let h = self.stored_header(i, off, section)?;
                    u64::from(h.nbytes)
                }
                ChunkLoc::Special(_) if chunksize == 0 => {
                    return Err(Error::Frame(FrameError::Unsupported(format!(
                        "chunk {i} is special in a frame without a fixed chunk size"
                    ))));
                }
                ChunkLoc::Special(_) if i + 1 == n && !nbytes.is_multiple_of(chunksize) => {
                    nbytes % chunksize
                }
                ChunkLoc::Special(_) => chunksize,
            };
            sizes.push(size.min(u64::from(u32::MAX)) as u32);
        }
        let total: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
        if total != nbytes {
            return Err(Error::Frame(FrameError::BadField {
                field: "nbytes",
                offset: 30,
                found: self.header.nbytes,
                reason: "differs from the sum of the chunks' sizes",
            }));
        }
        Ok(sizes)
    }

    /// The header of the stored chunk `i` at `off` in the chunks section.
    fn stored_header(&self, i: u64, off: u64, section: u64) -> Result<ChunkHeader> {
        self.check_offset(i, off, section)?;
        let start = u64::from(self.header.header_len) + off;
        let len = (HEADER_LEN as u64).min(section - off);
        let mut buf = vec![0; len as usize];
        self.src
            .read_exact_at(&mut buf, start)
            .map_err(|e| Error::io("read", &self.name, e))?;
        self.parse_stored(i, off, section, &buf)
    }

    /// The frame's header fields.
    pub fn header(&self) -> &FrameHeader {
        &self.header
    }

    /// Number of chunks.
    pub fn nchunks(&self) -> usize {
        self.locs.len()
    }

    /// Where chunk `i` is stored.
    pub fn chunk_loc(&self, i: usize) -> Option<ChunkLoc> {
        self.locs.get(i).copied()
    }

    /// Uncompressed bytes of all chunks.
    pub fn nbytes(&self) -> u64 {
        self.header.nbytes as u64
    }

    /// Uncompressed bytes of chunk `i`.
    pub fn chunk_nbytes(&self, i: usize) -> Result<usize> {
        self.sizes
            .get(i)
            .map(|&s| s as usize)
            .ok_or(Error::OutOfRange {
                what: "chunk",
                index: i as u64,
                len: self.locs.len() as u64,
            })
    }

    /// Length of the frame in bytes.
    pub fn frame_len(&self) -> u64 {
        self.header.frame_len
    }

    /// The fixed-length metalayers, name and content.
    pub fn metalayers(&self) -> &[(String, Vec<u8>)] {
        &self.header.metalayers
    }

    /// The content of metalayer `name`.
    pub fn metalayer(&self, name: &str) -> Option<&[u8]> {
        self.header
            .metalayers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Names of the variable-length metalayers.
    pub fn vlmeta_names(&self) -> impl Iterator<Item = &str> {
        self.trailer.vlmeta.iter().map(|(n, _)| n.as_str())
    }

    /// The content of variable-length metalayer `name`, decompressed.
    pub fn vlmeta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some((_, chunk)) = self.trailer.vlmeta.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        let max = (chunk.len() as u64).saturating_mul(256) + (1 << 20);
        let what = format!("vlmeta {name:?}");
        index::decode_meta_chunk(chunk, &what, self.frame_len(), max).map(Some)
    }

    /// The plugin table recorded by sandpress (empty for other frames).
    pub fn plugins(&self) -> &[PluginRecord] {
        &self.plugins
    }

    /// The registry chunks are decoded with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Sets the registry chunks are decoded with, refusing it if a plugin
    /// the frame records is registered under the same id with another
    /// component (an error naming both hashes).
    pub fn set_registry(&mut self, registry: Registry) -> Result<()> {
        plugins::check(&self.plugins, &registry)?;
        self.registry = registry;
        Ok(())
    }

    /// The parameters new chunks are compressed with (from the header's
    /// defaults until set).
    pub fn cparams(&self) -> &CParams {
        &self.cparams
    }

    /// Sets the parameters new chunks are compressed with.
    pub fn set_cparams(&mut self, cparams: CParams) {
        self.cparams = cparams;
    }

    /// Sets the decompression parameters (threads, postfilter).
    pub fn set_dparams(&mut self, dparams: DParams) {
        self.dparams = dparams;
    }

    /// The bytes of chunk `i` as a Blosc2 chunk; a special chunk recorded
    /// only in the index is rebuilt as a 32-byte special chunk.
    pub fn chunk(&self, i: usize) -> Result<Vec<u8>> {
        let size = self.chunk_nbytes(i)?;
        match self.locs[i] {
            ChunkLoc::Special(s) => {
                let ts = self.header.typesize.clamp(1, 255) as u8;
                let s = if s == Special::Nans && ts != 4 && ts != 8 {
                    Special::Zeros
                } else {
                    s
                };
                special_chunk(s, ts, size, &[])
            }
            ChunkLoc::At(off) => self.read_stored(i, off),
        }
    }

    /// Decompresses chunk `i` into `out` (exactly its uncompressed size),
    /// checked against its checksum (see [`DParams::check`]).
    pub fn decompress_chunk(&self, i: usize, out: &mut [u8]) -> Result<()> {
        self.decode_with(&self.dparams, i, out)
    }

    /// Decompresses chunk `i` into a new vector.
    pub fn decompress_chunk_vec(&self, i: usize) -> Result<Vec<u8>> {
        let chunk = self.chunk(i)?;
        // Check the chunk (header, block starts) before allocating the size
        // it claims: a few bytes may claim 2 GB.
        decompressed_len(&chunk).map_err(|source| Error::Format {
            chunk: i as u64,
            source,
        })?;
        let mut out = vec![0; self.chunk_nbytes(i)?];
        decompress_chunk(&chunk, &self.dparams, &self.registry, i as u64, &mut out)?;
        self.check(i, &out)?;
        Ok(out)
    }
}
