//! Frames that hold a Blosc2 NDArray: the `b2nd` metalayer read into a
//! layout, slices read from the file chunk by chunk, the whole array
//! written out in C order (never in chunk order), and an [`NdArray`] saved
//! as a frame that python-blosc2 opens as an `NDArray`.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use sandpress_core::SChunk;
use sandpress_core::error::Error;
use sandpress_core::ndarray::{ArrayError, ArrayReader, ChunkSource, Layout, NdArray, SliceStats};
use sandpress_core::registry::Registry;
use sandpress_format::b2nd::{self, B2ndMeta};

use crate::{Frame, FrameStats, FrameWriter, ReadAt, SChunkFile};

/// Bytes of C-order output assembled before each hand-over to the sink,
/// at least (see [`Frame::array_in_order`]).
const BAND_BYTES: u64 = 64 << 20;

/// Pieces from this size up are handed to the sink while the next one is
/// decoded on another thread; smaller ones one after the other.
const OVERLAP_ABOVE: usize = 1 << 20;

impl<S: ReadAt> ChunkSource for Frame<S> {
    fn chunk(&self, i: u64) -> Result<Cow<'_, [u8]>, Error> {
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        Frame::chunk(self, i).map(Cow::Owned)
    }

    fn chunk_for_blocks(&self, i: u64, blocks: &[usize]) -> Result<Cow<'_, [u8]>, Error> {
        let i = usize::try_from(i).unwrap_or(usize::MAX);
        Frame::chunk_for_blocks(self, i, blocks).map(Cow::Owned)
    }

    fn checksum(&self, i: u64) -> Option<u64> {
        Frame::checksum(self, usize::try_from(i).ok()?)
    }
}

impl<S: ReadAt> Frame<S> {
    /// Whether the frame has a `b2nd` metalayer (python-blosc2 opens it as
    /// an `NDArray`).
    pub fn is_array(&self) -> bool {
        self.metalayer(b2nd::METALAYER).is_some()
    }

    /// The frame's `b2nd` metalayer and the layout it gives (the item size
    /// is the frame's typesize), checked against the frame's number of
    /// chunks; `None` when the frame is not an array.
    pub fn array_layout(&self) -> Result<Option<(B2ndMeta, Layout)>, ArrayError> {
        let Some(bytes) = self.metalayer(b2nd::METALAYER) else {
            return Ok(None);
        };
        let meta = B2ndMeta::parse(bytes)?;
        let itemsize = usize::try_from(self.header().typesize.max(1)).unwrap_or(1);
        let layout = Layout::from_meta(&meta, itemsize)?;
        if self.nchunks() as u64 != layout.nchunks() {
            return Err(ArrayError::Chunk {
                chunk: self.nchunks() as u64,
                reason: format!(
                    "the frame has {} chunks where its b2nd layout has {}",
                    self.nchunks(),
                    layout.nchunks()
                ),
            });
        }
        Ok(Some((meta, layout)))
    }

    fn layout_or_refuse(&self) -> Result<Layout, ArrayError> {
        self.array_layout()?
            .map(|(_, l)| l)
            .ok_or(ArrayError::NotAnArray)
    }

    /// Writes the items of `slice` (a range per axis) into `out` in C
    /// order, reading and decoding only the chunks and blocks the slice
    /// touches ([`ArrayReader::slice_into`]), with the frame's
    /// decompression parameters and plugins.
    pub fn array_slice_into(
        &self,
        slice: &[Range<u64>],
        out: &mut [u8],
    ) -> Result<SliceStats, ArrayError> {
        let layout = self.layout_or_refuse()?;
        self.reader(&layout).slice_into(slice, out)
    }

    /// The items of `slice` in C order, in a new vector.
    pub fn array_slice(&self, slice: &[Range<u64>]) -> Result<Vec<u8>, ArrayError> {
        let layout = self.layout_or_refuse()?;
        layout.check_slice(slice)?;
        let n = Layout::slice_shape(slice).iter().product::<u64>() * layout.itemsize() as u64;
        let mut out = vec![
            0;
            usize::try_from(n).map_err(|_| ArrayError::BufferSize {
                expected: n,
                found: 0
            })?
        ];
        self.reader(&layout).slice_into(slice, &mut out)?;
        Ok(out)
    }

    /// Hands the whole array to `sink` in C order, a piece at a time
    /// ([`Layout::pieces`]): rows of chunks along the first axis, about
    /// 64 MiB, or one row of chunks per thread up to 256 MiB; less when a
    /// row of chunks is larger (memory stays bounded whatever the shape a
    /// file claims). Returns what was decoded.
    pub fn array_in_order<E: From<ArrayError>>(
        &self,
        sink: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<SliceStats, E> {
        let layout = self.layout_or_refuse()?;
        let whole: Vec<Range<u64>> = layout.shape().iter().map(|&s| 0..s).collect();
        self.array_slice_in_order(&whole, sink)
    }

    /// [`array_in_order`](Self::array_in_order) for the hyperslab `slice`
    /// only: its items in C order, a bounded piece at a time, decoding
    /// only the chunks and blocks it touches.
    pub fn array_slice_in_order<E: From<ArrayError>>(
        &self,
        slice: &[Range<u64>],
        sink: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<SliceStats, E> {
        let layout = self.layout_or_refuse()?;
        layout.check_slice(slice).map_err(ArrayError::from)?;
        let chunk_row = match slice.first() {
            Some(r) if r.end > r.start => {
                let items: u64 = Layout::slice_shape(&slice[1..]).iter().product();
                (items * layout.itemsize() as u64).saturating_mul(layout.chunkshape()[0])
            }
            _ => 0,
        };
        let threads = self.dparams.nthreads as u64;
        let band = threads
            .saturating_mul(chunk_row)
            .clamp(BAND_BYTES, 4 * BAND_BYTES);
        self.array_in_pieces(&layout, slice, band, sink)
    }

    /// The items of `slice` in C order, in pieces of at most `max_bytes`
    /// (or one item). Each piece is decoded while `sink` takes the one
    /// before (on another thread, so that writing overlaps decoding).
    pub(crate) fn array_in_pieces<E: From<ArrayError>>(
        &self,
        layout: &Layout,
        slice: &[Range<u64>],
        max_bytes: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<SliceStats, E> {
        let reader = self.reader(layout);
        let fill = |piece: &[Range<u64>], buf: &mut Vec<u8>| {
            let items: u64 = Layout::slice_shape(piece).iter().product();
            buf.resize((items * layout.itemsize() as u64) as usize, 0);
            reader.slice_into(piece, buf)
        };
        let mut pieces = layout.slice_pieces(slice, max_bytes);
        let Some(first) = pieces.next() else {
            return Ok(SliceStats::default());
        };
        let (mut ready, mut spare) = (Vec::new(), Vec::new());
        let mut stats = fill(&first, &mut ready)?;
        for piece in pieces {
            if ready.len() < OVERLAP_ABOVE {
                sink(&ready)?;
                stats = stats + fill(&piece, &mut ready)?;
                continue;
            }
            let (decoded, sunk) = std::thread::scope(|s| {
                let next = s.spawn(|| fill(&piece, &mut spare));
                let sunk = sink(&ready);
                let decoded = next
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (decoded, sunk)
            });
            sunk?;
            stats = stats + decoded?;
            std::mem::swap(&mut ready, &mut spare);
        }
        sink(&ready)?;
        Ok(stats)
    }

    fn reader<'a>(&'a self, layout: &'a Layout) -> ArrayReader<'a, Self> {
        ArrayReader {
            layout,
            src: self,
            dparams: &self.dparams,
            registry: &self.registry,
        }
    }
}

/// Saving an [`NdArray`] as a frame file with its `b2nd` metalayer, and
/// opening one into memory.
pub trait NdArrayFile: Sized {
    /// Writes the array as a Blosc2 frame at `path` (under a temporary name
    /// renamed into place when complete), its chunks as they are, with the
    /// `b2nd` metalayer python-blosc2 reads.
    ///
    /// ```
    /// use sandpress_core::ndarray::{Layout, NdArray};
    /// use sandpress_core::{CParams, DParams, Registry};
    /// use sandpress_frame::{Frame, NdArrayFile};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.b2nd");
    /// let layout = Layout::new(&[5, 7], &[2, 4], &[2, 2], 2).unwrap();
    /// let data: Vec<u8> = (0..70).collect();
    /// let a = NdArray::from_c_order(layout, "<i2", CParams::default(), DParams::default(), Registry::new(), &data).unwrap();
    /// a.save(&path).unwrap();
    /// let f = Frame::open(&path).unwrap();
    /// assert_eq!(f.array_slice(&[1..3, 2..5]).unwrap(), [18, 19, 20, 21, 22, 23, 32, 33, 34, 35, 36, 37]);
    /// ```
    fn save(&self, path: impl AsRef<Path>) -> Result<FrameStats, ArrayError>;

    /// Reads an array frame into memory; user plugins its chunks need must
    /// be in `registry`.
    fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self, ArrayError>;
}

impl NdArrayFile for NdArray {
    fn save(&self, path: impl AsRef<Path>) -> Result<FrameStats, ArrayError> {
        let sc = self.schunk();
        let meta = self.meta().to_bytes()?;
        let mut w = FrameWriter::create(
            path,
            sc.cparams().clone(),
            sc.chunksize(),
            vec![(b2nd::METALAYER.to_owned(), meta)],
            sc.registry().clone(),
        )?;
        for i in 0..sc.nchunks() {
            w.append_chunk_unchecked(sc.chunk(i)?, sc.checksum(i))?;
        }
        Ok(w.finish()?)
    }

    fn open(path: impl AsRef<Path>, registry: Registry) -> Result<Self, ArrayError> {
        let path = path.as_ref();
        let meta = {
            let f = Frame::open(path)?;
            let bytes = f.metalayer(b2nd::METALAYER).ok_or(ArrayError::NotAnArray)?;
            B2ndMeta::parse(bytes)?
        };
        let sc = <SChunk as SChunkFile>::open(path, registry)?;
        NdArray::from_schunk(sc, &meta)
    }
}
