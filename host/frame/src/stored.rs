//! Reading stored chunks where each read may be a round trip (a frame in
//! an object store): a chunk in one read, and chunk sizes taken from the
//! header when the frame's chunks all have its chunk size.
//!
//! A stored chunk ends at most where the next stored chunk (by offset)
//! starts, or at the end of the chunks section: in a frame without holes
//! that is exactly its end. One read of that extent (capped by what a
//! chunk of its size can hold) gets the header and the whole chunk; a
//! chunk longer than the read (only past holes) costs a second one.

use sandpress_format::frame::{ChunkLoc, FrameError};
use sandpress_format::{ChunkHeader, HEADER_LEN, MIN_HEADER_LEN};

use super::Frame;
use super::source::ReadAt;
use sandpress_core::error::{Error, Result};

/// The start offsets of a frame's stored chunks, sorted and unique.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extents(Vec<u64>);

impl Extents {
    /// The starts of the chunks stored at `locs`.
    pub(crate) fn of(locs: &[ChunkLoc]) -> Extents {
        let mut starts: Vec<u64> = locs
            .iter()
            .filter_map(|l| match l {
                ChunkLoc::At(off) => Some(*off),
                ChunkLoc::Special(_) => None,
            })
            .collect();
        starts.sort_unstable();
        starts.dedup();
        Extents(starts)
    }

    /// Where a chunk starting at `off` ends at most, in a chunks section
    /// of `section` bytes.
    fn end_of(&self, off: u64, section: u64) -> u64 {
        let next = self.0.partition_point(|&s| s <= off);
        self.0.get(next).map_or(section, |&s| s.min(section))
    }
}

/// The longest a chunk of `nbytes` bytes is expected to be: its data
/// stored raw plus its header and block starts, with room to spare. A
/// longer one is read in two reads.
fn likely_len(nbytes: u32) -> u64 {
    let n = u64::from(nbytes);
    n + n / 16 + 1024
}

impl<S: ReadAt> Frame<S> {
    /// Chunk sizes from the header alone, when the frame says its chunks
    /// all have its chunk size but the last (shorter, not empty) and its
    /// totals agree; `None` otherwise (the sizes are then read from the
    /// chunks' headers).
    pub(crate) fn sizes_from_header(&self) -> Option<Vec<u32>> {
        if self.header.variable_chunks {
            return None;
        }
        let cs = u32::try_from(self.header.chunksize)
            .ok()
            .filter(|&c| c > 0)?;
        let n = self.locs.len() as u64;
        let nbytes = u64::try_from(self.header.nbytes).ok()?;
        if n == 0 {
            return (nbytes == 0).then(Vec::new);
        }
        let last = nbytes.checked_sub((n - 1).checked_mul(u64::from(cs))?)?;
        if last == 0 || last > u64::from(cs) {
            return None;
        }
        let mut sizes = vec![cs; self.locs.len()];
        if let Some(l) = sizes.last_mut() {
            *l = last as u32;
        }
        Some(sizes)
    }

    /// Refuses an offset in the chunks section where no chunk header fits.
    pub(crate) fn check_offset(&self, i: u64, off: u64, section: u64) -> Result<()> {
        if off
            .checked_add(MIN_HEADER_LEN as u64)
            .is_none_or(|e| e > section)
        {
            return Err(Error::Frame(FrameError::BadOffset {
                chunk: i,
                offset: off as i64,
                limit: section,
            }));
        }
        Ok(())
    }

    /// Parses the header of stored chunk `i` (at `off`) from `prefix`, the
    /// first bytes there (up to a full header), and checks it fits the
    /// section.
    pub(crate) fn parse_stored(
        &self,
        i: u64,
        off: u64,
        section: u64,
        prefix: &[u8],
    ) -> Result<ChunkHeader> {
        let start = u64::from(self.header.header_len) + off;
        let h = ChunkHeader::parse_prefix(prefix).map_err(|source| {
            Error::Frame(FrameError::Chunk {
                what: format!("chunk {i}"),
                offset: start,
                source,
            })
        })?;
        if off + u64::from(h.cbytes) > section {
            return Err(Error::Frame(FrameError::BadField {
                field: "chunk cbytes",
                offset: start + 12,
                found: i64::from(h.cbytes),
                reason: "the chunk runs past the chunks section",
            }));
        }
        Ok(h)
    }

    /// The bytes of stored chunk `i` at `off`, in one read (two past a
    /// hole); its header must give the size the frame has for it.
    pub(crate) fn read_stored(&self, i: usize, off: u64) -> Result<Vec<u8>> {
        let section = self.header.cbytes as u64;
        self.check_offset(i as u64, off, section)?;
        let nbytes = self.sizes.get(i).copied().unwrap_or(0);
        let room = section - off;
        let head = (HEADER_LEN as u64).min(room);
        let guess = (self.extents.end_of(off, section) - off)
            .min(likely_len(nbytes))
            .max(head);
        let start = u64::from(self.header.header_len) + off;
        let io = |e| Error::io("read", &self.name, e);
        let mut buf = vec![0; guess as usize];
        self.src.read_exact_at(&mut buf, start).map_err(io)?;
        let h = self.parse_stored(i as u64, off, section, &buf[..head as usize])?;
        if h.nbytes != nbytes {
            return Err(Error::Frame(FrameError::BadField {
                field: "chunk nbytes",
                offset: start + 4,
                found: i64::from(h.nbytes),
                reason: "differs from the size the frame gives the chunk",
            }));
        }
        let cbytes = h.cbytes as usize;
        if cbytes <= buf.len() {
            buf.truncate(cbytes);
        } else {
            let have = buf.len();
            buf.resize(cbytes, 0);
            self.src
                .read_exact_at(&mut buf[have..], start + have as u64)
                .map_err(io)?;
        }
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::FrameWriter;
    use sandpress_core::{CParams, Registry};

    /// Bytes in memory that log every read (offset, length).
    struct Logged(Vec<u8>, Mutex<Vec<(u64, usize)>>);

    impl ReadAt for Logged {
        fn size(&self) -> std::io::Result<u64> {
            Ok(self.0.len() as u64)
        }
        fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
            self.1.lock().unwrap().push((offset, buf.len()));
            self.0.read_exact_at(buf, offset)
        }
    }

    impl Logged {
        fn take(&self) -> Vec<(u64, usize)> {
            std::mem::take(&mut *self.1.lock().unwrap())
        }
    }

    /// A frame of `n` bytes (varied, so chunks differ in length) in
    /// chunks of 1000.
    fn frame(n: usize) -> (Vec<u8>, Vec<u8>) {
        frame_of((0..n).map(|i| (i * i / 7 % 251) as u8).collect())
    }

    fn frame_of(data: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.b2frame");
        let mut w =
            FrameWriter::create(&path, CParams::default(), 1000, Vec::new(), Registry::new())
                .unwrap();
        w.append(&data).unwrap();
        w.finish().unwrap();
        (std::fs::read(&path).unwrap(), data)
    }

    #[test]
    fn a_lazy_open_reads_no_chunk_and_a_chunk_is_one_read() {
        let (bytes, data) = frame(9_500);
        let len = bytes.len() as u64;
        let f = Frame::from_source_lazy(Logged(bytes, Mutex::default()), "f".as_ref()).unwrap();
        let opening = f.src.take();
        let index_start = u64::from(f.header.header_len) + f.header.cbytes as u64;
        assert!(
            opening
                .iter()
                .all(|&(o, l)| o + l as u64 <= u64::from(f.header.header_len) || o >= index_start),
            "{opening:?}"
        );
        assert_eq!(f.nchunks(), 10);
        assert_eq!(f.chunk_nbytes(9).unwrap(), 500);
        for i in 0..f.nchunks() {
            let got = f.decompress_chunk_vec(i).unwrap();
            assert_eq!(got, data[i * 1000..(i * 1000 + 1000).min(data.len())]);
            let reads = f.src.take();
            let ChunkLoc::At(off) = f.locs[i] else {
                panic!("chunk {i} is special")
            };
            let start = u64::from(f.header.header_len) + off;
            let cbytes = f.chunk(i).unwrap().len();
            f.src.take();
            assert_eq!(reads, [(start, cbytes)], "chunk {i}");
        }
        // The eager open reads every chunk's header too.
        let logged = Logged(f.src.0.clone(), Mutex::default());
        let eager = Frame::from_source(logged, "f".as_ref()).unwrap();
        assert_eq!(eager.src.take().len(), opening.len() + 10);
        assert_eq!(eager.sizes, f.sizes);
        assert!(len > 0);
    }

    #[test]
    fn a_lazy_open_checks_each_chunk_when_read() {
        let (mut bytes, _) = frame_of((0..3000).map(|i| (i / 50) as u8).collect());
        let f = Frame::from_bytes(bytes.clone()).unwrap();
        let ChunkLoc::At(off) = f.locs[1] else {
            panic!()
        };
        // Chunk 1 claims 1001 bytes.
        let at = (u64::from(f.header.header_len) + off) as usize + 4;
        bytes[at..at + 4].copy_from_slice(&1001u32.to_le_bytes());
        let lazy = Frame::from_source_lazy(bytes.clone(), "f".as_ref()).unwrap();
        assert!(lazy.decompress_chunk_vec(0).is_ok());
        let e = lazy.decompress_chunk_vec(1).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Frame(FrameError::BadField {
                    field: "chunk nbytes",
                    found: 1001,
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(Frame::from_bytes(bytes).is_err());
    }

    #[test]
    fn a_chunk_past_a_hole_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.b2frame");
        let (bytes, data) = frame(5_000);
        std::fs::write(&path, &bytes).unwrap();
        let mut f = Frame::open_rw(&path).unwrap();
        // Updating chunk 1 leaves the old chunk as a hole before chunk 2
        // and puts the new chunk 1 after the old index.
        let c = f.chunk(3).unwrap();
        f.update_chunk(1, c).unwrap();
        f.append(&data[..700]).unwrap();
        let f = Frame::from_source_lazy(std::fs::read(&path).unwrap(), &path).unwrap();
        let want: Vec<u8> = [
            &data[..1000],
            &data[3000..4000],
            &data[2000..5000],
            &data[..700],
        ]
        .concat();
        let got: Vec<u8> = (0..f.nchunks())
            .flat_map(|i| f.decompress_chunk_vec(i).unwrap())
            .collect();
        assert_eq!(got, want);
        assert!(!f.header.variable_chunks);
    }
}
