//! Editing a frame file in place without ever leaving it unreadable.
//!
//! Every edit writes new chunks, a new offsets index and a new trailer
//! after the current end of the frame, syncs them, and only then rewrites
//! the 87 fixed bytes of the header (one small write in the first sector)
//! to point at them. A crash or error before that write leaves the old
//! header, which still describes the old, untouched frame: readers (this
//! one and C-Blosc2's) go by the header's frame length and ignore bytes
//! past it. The old index and trailer become a hole in the chunks section,
//! as C-Blosc2's own updates leave; [`Frame::compact`] rewrites the file
//! without holes.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use sandpress_format::ChunkHeader;
use sandpress_format::frame::{ChunkLoc, HEADER_MINLEN};

use super::layout::{self, Placement, UsedPlugins};
use super::source::write_all_at;
use super::{Frame, FrameWriter};
use sandpress_core::error::{Error, Result};
use sandpress_core::pipeline::compress_chunk;
use sandpress_core::vlmeta::checksums::for_chunk as checksum_of;

/// A change to the chunk list.
enum Edit {
    Insert(usize),
    Update(usize),
    Delete(usize),
    None,
}

impl Frame<File> {
    fn check_writable(&self) -> Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(Error::InvalidParam {
                name: "frame",
                reason: format!(
                    "{} was opened read-only (use Frame::open_rw)",
                    self.name.display()
                ),
            })
        }
    }

    /// Compresses `data` with [`cparams`](Self::cparams) into chunks of the
    /// frame's chunk size and appends them in one commit.
    pub fn append(&mut self, data: &[u8]) -> Result<()> {
        let cs = usize::try_from(self.header.chunksize).unwrap_or(0);
        let cs = if cs == 0 { data.len().max(1) } else { cs };
        let base = self.locs.len() as u64;
        let chunks = data
            .chunks(cs)
            .enumerate()
            .map(|(i, part)| compress_chunk(part, &self.cparams, &self.registry, base + i as u64))
            .collect::<Result<Vec<_>>>()?;
        let sums = data
            .chunks(cs)
            .map(|part| checksum_of(&self.cparams, part))
            .collect();
        let end = self.locs.len();
        self.commit(chunks, sums, Edit::None, end)
    }

    /// Appends compressed chunks in one commit (without checksums: the
    /// frame does not know what they decode to).
    pub fn append_chunks(&mut self, chunks: Vec<Vec<u8>>) -> Result<()> {
        let end = self.locs.len();
        let sums = vec![None; chunks.len()];
        self.commit(chunks, sums, Edit::None, end)
    }

    /// Inserts a compressed chunk before chunk `i` (without a checksum).
    pub fn insert_chunk(&mut self, i: usize, chunk: Vec<u8>) -> Result<()> {
        self.check_index(i, self.locs.len() + 1)?;
        self.commit(vec![chunk], vec![None], Edit::Insert(i), i)
    }

    /// Replaces chunk `i` with a compressed chunk (without a checksum).
    pub fn update_chunk(&mut self, i: usize, chunk: Vec<u8>) -> Result<()> {
        self.check_index(i, self.locs.len())?;
        self.commit(vec![chunk], vec![None], Edit::Update(i), i)
    }

    /// Removes chunk `i` (and its checksum).
    pub fn delete_chunk(&mut self, i: usize) -> Result<()> {
        self.check_index(i, self.locs.len())?;
        self.commit(Vec::new(), Vec::new(), Edit::Delete(i), i)
    }

    /// Sets variable-length metalayer `name` to `content`.
    pub fn set_vlmeta(&mut self, name: &str, content: &[u8]) -> Result<()> {
        self.check_writable()?;
        let mut trailer = self.trailer.clone();
        layout::set_vlmeta(&mut trailer, name, content)?;
        let old = std::mem::replace(&mut self.trailer, trailer);
        let end = self.locs.len();
        let r = self.commit(Vec::new(), Vec::new(), Edit::None, end);
        if r.is_err() {
            self.trailer = old;
        }
        r
    }

    fn check_index(&self, i: usize, len: usize) -> Result<()> {
        if i < len {
            Ok(())
        } else {
            Err(Error::OutOfRange {
                what: "chunk",
                index: i as u64,
                len: self.locs.len() as u64,
            })
        }
    }

    /// Writes `chunks` (with checksums `new_sums`) after the frame, then
    /// the new index and trailer, then the header. On error the file keeps
    /// its old frame.
    fn commit(
        &mut self,
        chunks: Vec<Vec<u8>>,
        new_sums: Vec<Option<u64>>,
        edit: Edit,
        at: usize,
    ) -> Result<()> {
        self.check_writable()?;
        let mut headers = Vec::with_capacity(chunks.len());
        for (k, c) in chunks.iter().enumerate() {
            let h = ChunkHeader::parse(c).map_err(|source| Error::Format {
                chunk: (at + k) as u64,
                source,
            })?;
            headers.push(h);
        }
        let header_len = u64::from(self.header.header_len);
        let old_end = self.header.frame_len;
        let chunksize = match (self.header.chunksize, headers.first()) {
            (cs, _) if cs > 0 || self.header.variable_chunks => cs,
            (_, Some(h)) => h.nbytes as i32,
            (cs, None) => cs,
        };
        // What to write after the frame, and where each new chunk goes.
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        let mut pos = old_end;
        let mut used = UsedPlugins::default();
        let mut store = |bytes: Vec<u8>, pos: &mut u64| {
            used.note(&bytes);
            let at = ChunkLoc::At(*pos - header_len);
            *pos += bytes.len() as u64;
            blobs.push(bytes);
            at
        };
        let mut new_locs = Vec::with_capacity(chunks.len());
        for (c, h) in chunks.iter().zip(&headers) {
            let loc = match layout::place(c, h, chunksize)? {
                Placement::Index(s) => ChunkLoc::Special(s),
                Placement::Stored(bytes) => store(bytes, &mut pos),
            };
            new_locs.push((loc, h.nbytes));
        }
        let mut locs = self.locs.clone();
        let mut sizes = self.sizes.clone();
        let mut sums = self.checksums.clone();
        sums.resize(locs.len(), None);
        match edit {
            Edit::Insert(i) => {
                locs.insert(i, new_locs[0].0);
                sizes.insert(i, new_locs[0].1);
                sums.insert(i, new_sums[0]);
            }
            Edit::Update(i) => {
                locs[i] = new_locs[0].0;
                sizes[i] = new_locs[0].1;
                sums[i] = new_sums[0];
            }
            Edit::Delete(i) => {
                locs.remove(i);
                sizes.remove(i);
                sums.remove(i);
            }
            Edit::None => {
                for ((l, s), sum) in new_locs.into_iter().zip(new_sums) {
                    locs.push(l);
                    sizes.push(s);
                    sums.push(sum);
                }
            }
        }
        if !layout::regular(&sizes, chunksize) {
            let ts = self.header.typesize.clamp(1, 255) as u8;
            for (i, bytes) in layout::unindex_specials(&locs, &sizes, ts)? {
                locs[i] = store(bytes, &mut pos);
            }
        }
        let mut trailer = self.trailer.clone();
        let records = used.records(&self.plugins, &self.registry, &BTreeMap::new())?;
        layout::set_plugin_table(&mut trailer, &records)?;
        layout::set_checksums(&mut trailer, &locs, &sums)?;
        let mut header = self.header.clone();
        header.chunksize = chunksize;
        layout::set_totals(
            &mut header,
            &sizes,
            pos - header_len,
            !trailer.vlmeta.is_empty(),
        );
        let tail = layout::tail(&locs, &trailer)?;
        header.frame_len = pos + tail.len() as u64;
        let fixed = header.to_bytes()?;

        let result = (|| -> std::io::Result<()> {
            let mut p = old_end;
            for b in &blobs {
                write_all_at(&self.src, b, p)?;
                p += b.len() as u64;
            }
            write_all_at(&self.src, &tail, p)?;
            self.src.sync_data()?;
            write_all_at(&self.src, &fixed[..HEADER_MINLEN], 0)?;
            self.src.set_len(header.frame_len)?;
            self.src.sync_all()
        })();
        if let Err(e) = result {
            // The old header still stands; drop what was written past it.
            let _ = self.src.set_len(old_end);
            return Err(Error::io("write", &self.name, e));
        }
        self.header = header;
        self.extents = super::stored::Extents::of(&locs);
        self.locs = locs;
        self.sizes = sizes;
        self.trailer = trailer;
        self.plugins = records;
        self.checksums = sums;
        Ok(())
    }

    /// Rewrites the frame without holes (under a temporary name, renamed
    /// into place when complete) and reopens it.
    pub fn compact(&mut self) -> Result<()> {
        self.check_writable()?;
        let path = self.name.clone();
        self.copy_to(&path)?;
        let registry = self.registry.clone();
        let (cp, dp) = (self.cparams.clone(), self.dparams.clone());
        *self = Frame::open_rw(&path)?;
        self.registry = registry;
        self.cparams = cp;
        self.dparams = dp;
        Ok(())
    }
}

impl<S: super::ReadAt> Frame<S> {
    /// Writes a copy of this frame, without holes, to `path` (atomically).
    pub fn copy_to(&self, path: &Path) -> Result<()> {
        let cs = usize::try_from(self.header.chunksize)
            .ok()
            .filter(|&c| c > 0)
            .or_else(|| self.sizes.iter().map(|&s| s as usize).max())
            .unwrap_or(1)
            .max(1);
        let cs = cs.next_multiple_of(usize::from(self.cparams.typesize.max(1)));
        let mut w = FrameWriter::create(
            path,
            self.cparams.clone(),
            cs,
            self.header.metalayers.clone(),
            self.registry.clone(),
        )?;
        w.keep_plugins(self.plugins.clone());
        for (name, chunk) in &self.trailer.vlmeta {
            if name != sandpress_core::vlmeta::plugins::VLMETA_NAME
                && name != sandpress_core::vlmeta::checksums::VLMETA_NAME
            {
                w.set_raw_vlmeta(name, chunk.clone());
            }
        }
        for i in 0..self.locs.len() {
            w.append_chunk_unchecked(&self.chunk(i)?, self.checksum(i))?;
        }
        w.finish()?;
        Ok(())
    }
}
