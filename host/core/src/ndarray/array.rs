//! `NdArray`: a super-chunk plus a layout and a dtype.

use std::ops::Range;

use sandpress_format::b2nd::B2ndMeta;

use super::error::{ArrayError, LayoutError};
use super::layout::Layout;
use super::read::{ArrayReader, SliceStats};
use crate::params::{CParams, DParams};
use crate::registry::Registry;
use crate::schunk::SChunk;

/// Bytes of padded chunks packed before each call to compress them (at
/// least one chunk per thread).
const BATCH_BYTES: usize = 32 << 20;

/// An N-d array in memory as Blosc2 stores it: a [`SChunk`] whose chunks
/// are the array's padded chunks ([`Layout`]), with a NumPy dtype string.
/// The same [`CParams`], plugins and limits as any super-chunk.
///
/// ```
/// use sandpress_core::ndarray::{Layout, NdArray};
/// use sandpress_core::{CParams, DParams, Registry};
/// let layout = Layout::new(&[30, 40], &[10, 20], &[5, 10], 8).unwrap();
/// let data: Vec<u8> = (0..1200u64).flat_map(|i| (i as f64).to_le_bytes()).collect();
/// let cp = CParams::default();
/// let a = NdArray::from_c_order(layout, "<f8", cp, DParams::default(), Registry::new(), &data).unwrap();
/// assert_eq!(a.schunk().nchunks(), 6);
/// // Rows 2..4, columns 18..21: crosses a chunk edge.
/// let s = a.get_slice(&[2..4, 18..21]).unwrap();
/// let want: Vec<u8> = [98u64, 99, 100, 138, 139, 140].iter().flat_map(|&i| (i as f64).to_le_bytes()).collect();
/// assert_eq!(s, want);
/// ```
#[derive(Debug, Clone)]
pub struct NdArray {
    schunk: SChunk,
    layout: Layout,
    dtype: String,
}

impl NdArray {
    /// Compresses `data`, the array's items in C order, into padded chunks
    /// (`cparams.typesize` and `cparams.blocksize` are set from the layout).
    /// The item size must be 1 to 255 bytes, as python-blosc2 requires.
    pub fn from_c_order(
        layout: Layout,
        dtype: &str,
        mut cparams: CParams,
        dparams: DParams,
        registry: Registry,
        data: &[u8],
    ) -> Result<Self, ArrayError> {
        if data.len() as u64 != layout.nbytes() {
            return Err(ArrayError::BufferSize {
                expected: layout.nbytes(),
                found: data.len() as u64,
            });
        }
        let typesize = u8::try_from(layout.itemsize()).map_err(|_| LayoutError::TooLarge {
            what: "item size",
            found: layout.itemsize() as u128,
            max: 255,
        })?;
        cparams.typesize = typesize;
        cparams.blocksize = layout.block_nbytes();
        let cn = layout.chunk_nbytes();
        let mut schunk = SChunk::new(cn.max(layout.itemsize()), cparams, dparams, registry)?;
        let per_batch = (BATCH_BYTES / cn.max(1))
            .max(schunk.cparams().nthreads)
            .max(1) as u64;
        let mut buf = Vec::new();
        let mut first = 0;
        while first < layout.nchunks() {
            let n = per_batch.min(layout.nchunks() - first);
            buf.resize(n as usize * cn, 0);
            for (k, piece) in buf.chunks_mut(cn).enumerate() {
                layout.pack_chunk(first + k as u64, data, piece);
            }
            schunk.append(&buf)?;
            first += n;
        }
        Ok(NdArray {
            schunk,
            layout,
            dtype: dtype.to_owned(),
        })
    }

    /// The array whose chunks `schunk` holds, as `meta` describes it (the
    /// item size is the super-chunk's typesize). The number of chunks must
    /// match; each chunk's size is checked as it is read.
    pub fn from_schunk(schunk: SChunk, meta: &B2ndMeta) -> Result<Self, ArrayError> {
        let layout = Layout::from_meta(meta, usize::from(schunk.cparams().typesize.max(1)))?;
        if schunk.nchunks() as u64 != layout.nchunks() {
            return Err(ArrayError::Chunk {
                chunk: schunk.nchunks() as u64,
                reason: format!(
                    "the super-chunk has {} chunks where the layout has {}",
                    schunk.nchunks(),
                    layout.nchunks()
                ),
            });
        }
        Ok(NdArray {
            schunk,
            layout,
            dtype: meta.dtype.clone(),
        })
    }

    /// Where each item lies.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The dtype string (NumPy's notation).
    pub fn dtype(&self) -> &str {
        &self.dtype
    }

    /// The super-chunk holding the padded chunks.
    pub fn schunk(&self) -> &SChunk {
        &self.schunk
    }

    /// The super-chunk and the `b2nd` metalayer that describes it.
    pub fn into_parts(self) -> (SChunk, B2ndMeta) {
        let meta = self.meta();
        (self.schunk, meta)
    }

    /// The `b2nd` metalayer of this array.
    pub fn meta(&self) -> B2ndMeta {
        self.layout.to_meta(&self.dtype)
    }

    /// The items of `slice` (a range per axis, step 1) in C order.
    pub fn get_slice(&self, slice: &[Range<u64>]) -> Result<Vec<u8>, ArrayError> {
        self.layout.check_slice(slice)?;
        let n: u64 =
            Layout::slice_shape(slice).iter().product::<u64>() * self.layout.itemsize() as u64;
        let mut out = vec![
            0;
            usize::try_from(n).map_err(|_| ArrayError::BufferSize {
                expected: n,
                found: 0
            })?
        ];
        self.slice_into(slice, &mut out)?;
        Ok(out)
    }

    /// Writes the items of `slice` into `out` (exactly their size) in C
    /// order, decoding only the chunks the slice touches and, of those it
    /// touches in part, only the blocks it touches
    /// ([`ArrayReader::slice_into`]).
    pub fn slice_into(
        &self,
        slice: &[Range<u64>],
        out: &mut [u8],
    ) -> Result<SliceStats, ArrayError> {
        self.reader().slice_into(slice, out)
    }

    /// The whole array in C order.
    pub fn to_c_order(&self) -> Result<Vec<u8>, ArrayError> {
        let whole: Vec<Range<u64>> = self.layout.shape().iter().map(|&s| 0..s).collect();
        self.get_slice(&whole)
    }

    /// A reader over this array's super-chunk.
    pub fn reader(&self) -> ArrayReader<'_, SChunk> {
        ArrayReader {
            layout: &self.layout,
            src: &self.schunk,
            dparams: self.schunk.dparams(),
            registry: self.schunk.registry(),
        }
    }
}
