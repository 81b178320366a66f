//! Writing a new frame file as a stream of chunks: the file is built under
//! a temporary name next to its destination and renamed into place only
//! when complete, so a crash or error never leaves a half-written frame
//! where a good file was.

use std::collections::BTreeMap;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sandpress_format::frame::{ChunkLoc, FrameHeader, Trailer};
use tempfile::NamedTempFile;

use super::layout::{self, Placement, UsedPlugins};
use sandpress_core::error::{Error, Result};
use sandpress_core::params::CParams;
use sandpress_core::pipeline::compress_chunk;
use sandpress_core::plugin::PluginKind;
use sandpress_core::registry::Registry;
use sandpress_core::vlmeta::checksums;
use sandpress_core::vlmeta::plugins::PluginRecord;

/// What a finished frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameStats {
    /// Number of chunks.
    pub nchunks: usize,
    /// Uncompressed bytes.
    pub nbytes: u64,
    /// Length of the frame file.
    pub frame_len: u64,
}

/// Writes a new frame chunk by chunk; memory stays bounded by one chunk
/// plus the index (8 bytes per chunk).
///
/// ```
/// use sandpress_core::{CParams, Registry};
/// use sandpress_frame::{Frame, FrameWriter};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("ints.b2frame");
/// let cp = CParams { typesize: 4, ..CParams::default() };
/// let mut w = FrameWriter::create(&path, cp, 4000, Vec::new(), Registry::new()).unwrap();
/// let data: Vec<u8> = (0..2500u32).flat_map(|i| i.to_le_bytes()).collect();
/// w.append(&data).unwrap();
/// w.finish().unwrap();
/// let f = Frame::open(&path).unwrap();
/// assert_eq!(f.nchunks(), 3);
/// assert_eq!(f.decompress_chunk_vec(2).unwrap(), &data[8000..]);
/// ```
pub struct FrameWriter {
    out: BufWriter<NamedTempFile>,
    dest: Option<PathBuf>,
    header: FrameHeader,
    cparams: CParams,
    chunksize: usize,
    registry: Registry,
    locs: Vec<ChunkLoc>,
    sizes: Vec<u32>,
    /// The checksum of each chunk, when known.
    sums: Vec<Option<u64>>,
    /// Bytes written after the header.
    cbytes: u64,
    /// A short chunk was appended: no more data may follow.
    closed: bool,
    pending: Vec<u8>,
    trailer: Trailer,
    used: UsedPlugins,
    embed: BTreeMap<(PluginKind, u8), Vec<u8>>,
    kept: Vec<PluginRecord>,
    /// Sync the file to disk before it is renamed into place.
    sync: bool,
}

impl FrameWriter {
    /// Starts a frame that will be renamed to `path` by [`finish`](Self::finish).
    /// Chunks hold `chunksize` bytes of data compressed with `cparams` and
    /// the user plugins of `registry`; `metalayers` are fixed for the life
    /// of the frame.
    pub fn create(
        path: impl AsRef<Path>,
        cparams: CParams,
        chunksize: usize,
        metalayers: Vec<(String, Vec<u8>)>,
        registry: Registry,
    ) -> Result<Self> {
        let path = path.as_ref();
        let tmp = temp_beside(path)?;
        Self::start(
            tmp,
            Some(path.to_path_buf()),
            cparams,
            chunksize,
            metalayers,
            registry,
        )
    }

    /// Like [`create`](Self::create) but into an anonymous temporary file,
    /// returned by [`finish_temp`](Self::finish_temp) (for writing a frame to
    /// a pipe).
    pub fn create_temp(
        cparams: CParams,
        chunksize: usize,
        metalayers: Vec<(String, Vec<u8>)>,
        registry: Registry,
    ) -> Result<Self> {
        Self::create_temp_in(
            &std::env::temp_dir(),
            cparams,
            chunksize,
            metalayers,
            registry,
        )
    }

    /// Like [`create_temp`](Self::create_temp), the file in `dir` (a
    /// server cleans its own directory of what a crash left there).
    pub fn create_temp_in(
        dir: &Path,
        cparams: CParams,
        chunksize: usize,
        metalayers: Vec<(String, Vec<u8>)>,
        registry: Registry,
    ) -> Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix())
            .suffix(TEMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io("create a file in", dir, e))?;
        Self::start(tmp, None, cparams, chunksize, metalayers, registry)
    }

    fn start(
        tmp: NamedTempFile,
        dest: Option<PathBuf>,
        cparams: CParams,
        chunksize: usize,
        metalayers: Vec<(String, Vec<u8>)>,
        registry: Registry,
    ) -> Result<Self> {
        let ts = usize::from(cparams.typesize.max(1));
        if chunksize == 0
            || !chunksize.is_multiple_of(ts)
            || chunksize > sandpress_format::MAX_BUFFERSIZE as usize
        {
            return Err(Error::InvalidParam {
                name: "chunksize",
                reason: format!(
                    "{chunksize} must be a positive multiple of typesize {ts} under 2 GB"
                ),
            });
        }
        let header = layout::new_header(&cparams, chunksize, metalayers);
        let bytes = header.to_bytes()?;
        let mut out = BufWriter::with_capacity(1 << 20, tmp);
        let path = out.get_ref().path().to_path_buf();
        out.write_all(&bytes)
            .map_err(|e| Error::io("write", &path, e))?;
        Ok(FrameWriter {
            out,
            dest,
            header: FrameHeader {
                header_len: bytes.len() as u32,
                ..header
            },
            cparams,
            chunksize,
            registry,
            locs: Vec::new(),
            sizes: Vec::new(),
            sums: Vec::new(),
            cbytes: 0,
            closed: false,
            pending: Vec::new(),
            trailer: Trailer::default(),
            used: UsedPlugins::default(),
            embed: BTreeMap::new(),
            sync: true,
            kept: Vec::new(),
        })
    }

    /// The compression parameters of every chunk.
    pub fn cparams(&self) -> &CParams {
        &self.cparams
    }

    /// The size of every chunk but the last.
    pub fn chunksize(&self) -> usize {
        self.chunksize
    }

    /// The plugins the chunks are compressed with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Number of chunks written so far.
    pub fn nchunks(&self) -> usize {
        self.locs.len()
    }

    /// Uncompressed bytes given so far (a partial chunk included).
    pub fn nbytes(&self) -> u64 {
        self.sizes.iter().map(|&s| u64::from(s)).sum::<u64>() + self.pending.len() as u64
    }

    /// Compressed bytes written so far.
    pub fn cbytes(&self) -> u64 {
        self.cbytes
    }

    /// Records the component bytes of a user plugin so the frame embeds
    /// them in its plugin table (the frame then decodes where the plugin
    /// is not registered).
    pub fn embed_plugin(&mut self, kind: PluginKind, id: u8, component: Vec<u8>) {
        self.embed.insert((kind, id), component);
    }

    /// Sets variable-length metalayer `name` (msgpack content is what
    /// python-blosc2 expects).
    pub fn set_vlmeta(&mut self, name: &str, content: &[u8]) -> Result<()> {
        layout::set_vlmeta(&mut self.trailer, name, content)
    }

    /// Appends data: whole chunks are compressed and written, the rest is
    /// kept until more data or [`finish`](Self::finish).
    pub fn append(&mut self, mut data: &[u8]) -> Result<()> {
        if !self.pending.is_empty() {
            let take = (self.chunksize - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < self.chunksize {
                return Ok(());
            }
            let chunk = std::mem::take(&mut self.pending);
            self.compress_and_write(&chunk)?;
        }
        while data.len() >= self.chunksize {
            let (head, rest) = data.split_at(self.chunksize);
            self.compress_and_write(head)?;
            data = rest;
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    fn compress_and_write(&mut self, data: &[u8]) -> Result<()> {
        let chunk = compress_chunk(data, &self.cparams, &self.registry, self.locs.len() as u64)?;
        self.append_checked(&chunk, checksums::for_chunk(&self.cparams, data))
    }

    /// Keeps plugin table rows (of a frame being copied).
    pub(crate) fn keep_plugins(&mut self, records: Vec<PluginRecord>) {
        self.kept = records;
    }

    /// Sets a variable-length metalayer to an already compressed chunk.
    pub(crate) fn set_raw_vlmeta(&mut self, name: &str, chunk: Vec<u8>) {
        self.trailer.vlmeta.retain(|(n, _)| n != name);
        self.trailer.vlmeta.push((name.to_string(), chunk));
    }

    /// Appends a chunk of any size (the frame is marked as having chunks
    /// of variable size if they differ) with its checksum, if known.
    pub(crate) fn append_chunk_unchecked(&mut self, chunk: &[u8], sum: Option<u64>) -> Result<()> {
        let h = self.parse(chunk)?;
        self.write_chunk(chunk, &h, sum)
    }

    fn parse(&self, chunk: &[u8]) -> Result<sandpress_format::ChunkHeader> {
        sandpress_format::ChunkHeader::parse(chunk).map_err(|source| Error::Format {
            chunk: self.locs.len() as u64,
            source,
        })
    }

    /// Appends an already compressed chunk. Every chunk but the last must
    /// hold exactly the frame's chunk size. It gets no checksum (the writer
    /// does not know what it decodes to).
    pub fn append_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        self.append_checked(chunk, None)
    }

    fn append_checked(&mut self, chunk: &[u8], sum: Option<u64>) -> Result<()> {
        let h = self.parse(chunk)?;
        if self.closed {
            return Err(Error::InvalidParam {
                name: "chunk",
                reason: "a chunk shorter than the chunk size must be the last".into(),
            });
        }
        if h.nbytes as usize > self.chunksize {
            return Err(Error::InvalidParam {
                name: "chunk",
                reason: format!(
                    "{} bytes exceed the chunk size {}",
                    h.nbytes, self.chunksize
                ),
            });
        }
        self.closed = (h.nbytes as usize) < self.chunksize;
        self.write_chunk(chunk, &h, sum)
    }

    fn write_chunk(
        &mut self,
        chunk: &[u8],
        h: &sandpress_format::ChunkHeader,
        sum: Option<u64>,
    ) -> Result<()> {
        match layout::place(chunk, h, self.header.chunksize)? {
            Placement::Index(s) => self.locs.push(ChunkLoc::Special(s)),
            Placement::Stored(bytes) => {
                let at = self.write_bytes(&bytes)?;
                self.locs.push(ChunkLoc::At(at));
            }
        }
        self.sizes.push(h.nbytes);
        self.sums.push(sum);
        Ok(())
    }

    /// Writes a stored chunk; returns its offset in the chunks section.
    fn write_bytes(&mut self, chunk: &[u8]) -> Result<u64> {
        let path = self.out.get_ref().path().to_path_buf();
        self.out
            .write_all(chunk)
            .map_err(|e| Error::io("write", &path, e))?;
        self.used.note(chunk);
        let at = self.cbytes;
        self.cbytes += chunk.len() as u64;
        Ok(at)
    }

    fn complete(mut self) -> Result<(NamedTempFile, Option<PathBuf>, FrameStats)> {
        if !self.pending.is_empty() {
            let chunk = std::mem::take(&mut self.pending);
            self.compress_and_write(&chunk)?;
        }
        if !layout::regular(&self.sizes, self.header.chunksize) {
            let ts = self.cparams.typesize;
            for (i, bytes) in layout::unindex_specials(&self.locs, &self.sizes, ts)? {
                self.locs[i] = ChunkLoc::At(self.write_bytes(&bytes)?);
            }
        }
        let records = self.used.records(&self.kept, &self.registry, &self.embed)?;
        layout::set_plugin_table(&mut self.trailer, &records)?;
        layout::set_checksums(&mut self.trailer, &self.locs, &self.sums)?;
        let has_vlmeta = !self.trailer.vlmeta.is_empty();
        layout::set_totals(&mut self.header, &self.sizes, self.cbytes, has_vlmeta);
        let tail = layout::tail(&self.locs, &self.trailer)?;
        self.header.frame_len = u64::from(self.header.header_len) + self.cbytes + tail.len() as u64;
        let header = self.header.to_bytes()?;
        let path = self.out.get_ref().path().to_path_buf();
        let io = |e: std::io::Error| Error::io("write", &path, e);
        self.out.write_all(&tail).map_err(io)?;
        let mut file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&header).map_err(io)?;
        if self.sync {
            file.as_file().sync_all().map_err(io)?;
        }
        let stats = FrameStats {
            nchunks: self.locs.len(),
            nbytes: self.header.nbytes as u64,
            frame_len: self.header.frame_len,
        };
        Ok((file, self.dest, stats))
    }

    /// Whether [`finish`](Self::finish) syncs the file (and the rename) to
    /// disk; it does by default. Without it a crash soon after may lose
    /// the frame, as with `zstd` and `gzip` (which sync only when asked):
    /// a caller that removes the input afterwards should sync. Without it
    /// too, a file already at the destination is removed just before the
    /// rename rather than renamed over: ext4 writes back a file renamed
    /// over another before the rename returns (its `auto_da_alloc`),
    /// which is most of the time a rename takes (134 ms for 200 MB).
    pub fn set_sync(&mut self, sync: bool) {
        self.sync = sync;
    }

    /// Writes the index and trailer and renames the file into place.
    pub fn finish(self) -> Result<FrameStats> {
        let sync = self.sync;
        let (file, dest, stats) = self.complete()?;
        let Some(dest) = dest else {
            return Err(Error::InvalidParam {
                name: "destination",
                reason: "a temporary frame is finished with finish_temp".into(),
            });
        };
        if !sync {
            // See `set_sync`: a file replaced by a rename is flushed first.
            unlink_existing(&dest);
        }
        file.persist(&dest)
            .map_err(|e| Error::io("rename a temporary file to", &dest, e.error))?;
        if sync {
            sync_dir(&dest);
        }
        Ok(stats)
    }

    /// Completes a frame made by [`create_temp`](Self::create_temp) and
    /// returns its file, positioned at the start.
    pub fn finish_temp(self) -> Result<(std::fs::File, FrameStats)> {
        let (file, _, stats) = self.complete()?;
        let path = file.path().to_path_buf();
        let mut f = file.into_file();
        f.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io("read", &path, e))?;
        Ok((f, stats))
    }
}

/// The start of the names of this process's temporary files,
/// `.sandpress-PID-`: a front end can find its own (to remove them when
/// interrupted) and tell those of a process that is gone.
pub fn temp_prefix() -> String {
    format!(".sandpress-{}-", std::process::id())
}

/// The end of the names of temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file in the directory of `dest` (so that renaming it to
/// `dest` is atomic), removed if dropped before it is persisted.
pub fn temp_beside(dest: &Path) -> Result<NamedTempFile> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file in", dir, e))
}

/// Removes the regular file at `dest`, if there is one, so that a rename
/// to it does not replace a file (see [`FrameWriter::set_sync`]).
pub fn unlink_existing(dest: &Path) {
    if std::fs::symlink_metadata(dest).is_ok_and(|m| m.is_file()) {
        let _ = std::fs::remove_file(dest);
    }
}

/// Makes a rename durable (best effort: not every platform can open a
/// directory).
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}
