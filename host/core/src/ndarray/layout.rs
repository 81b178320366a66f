//! How a Blosc2 NDArray lies in its super-chunk: chunks over the array in
//! C order, each chunk padded to its extended shape and cut into blocks in
//! C order, items in C order inside a block, zeros outside the array.

use std::ops::Range;

use sandpress_format::b2nd::{B2ndMeta, MAX_NDIM};
use sandpress_format::{MAX_BLOCKSIZE, MAX_BUFFERSIZE};

use super::copy::{Place, copy_box};
use super::error::{LayoutError, SliceError};

/// Shape, chunk shape, block shape and item size of an N-d array, checked,
/// with what follows from them.
///
/// ```
/// use sandpress_core::ndarray::Layout;
/// // python-blosc2's (30, 45) int32 array in chunks (20, 20), blocks (5, 8).
/// let l = Layout::new(&[30, 45], &[20, 20], &[5, 8], 4).unwrap();
/// assert_eq!(l.extchunkshape(), [20, 24]);
/// assert_eq!((l.chunk_nbytes(), l.block_nbytes()), (1920, 160));
/// assert_eq!((l.nchunks(), l.blocks_per_chunk()), (6, 12));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Vec<u64>,
    chunkshape: Vec<u64>,
    blockshape: Vec<u64>,
    extchunk: Vec<u64>,
    chunk_grid: Vec<u64>,
    block_grid: Vec<u64>,
    itemsize: usize,
    nchunks: u64,
    nitems: u64,
    chunk_items: usize,
    block_items: usize,
}

/// A chunk a slice touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHit {
    /// Its index in the super-chunk.
    pub index: u64,
    /// Its coordinates in the chunk grid.
    pub coords: Vec<u64>,
}

/// A block of a chunk that a slice touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockHit {
    /// Its index in the chunk (the Blosc2 block number).
    pub index: usize,
    /// Its coordinates in the chunk's block grid.
    pub coords: Vec<u64>,
}

fn product(what: &'static str, v: &[u64], max: u128) -> Result<u128, LayoutError> {
    let mut p: u128 = 1;
    for &x in v {
        p = p.saturating_mul(u128::from(x));
    }
    if p > max {
        return Err(LayoutError::TooLarge {
            what,
            found: p,
            max,
        });
    }
    Ok(p)
}

impl Layout {
    /// Checks and builds a layout. Every axis with items needs a chunk axis
    /// above 0, and every chunk axis above 0 a block axis above 0 (C-Blosc2
    /// allows chunk and block axes of 0 only along an empty axis). A padded
    /// chunk must fit a Blosc2 chunk, a block a Blosc2 block.
    pub fn new(
        shape: &[u64],
        chunkshape: &[u64],
        blockshape: &[u64],
        itemsize: usize,
    ) -> Result<Self, LayoutError> {
        let nd = shape.len();
        if nd > MAX_NDIM {
            return Err(LayoutError::TooManyAxes {
                found: nd,
                max: MAX_NDIM,
            });
        }
        for (what, v) in [("chunkshape", chunkshape), ("blockshape", blockshape)] {
            if v.len() != nd {
                return Err(LayoutError::Axes {
                    what,
                    expected: nd,
                    found: v.len(),
                });
            }
        }
        if itemsize == 0 {
            return Err(LayoutError::ItemSize);
        }
        let (mut extchunk, mut chunk_grid, mut block_grid) = (vec![], vec![], vec![]);
        for axis in 0..nd {
            let (s, c, b) = (shape[axis], chunkshape[axis], blockshape[axis]);
            let bad = |reason| LayoutError::Axis {
                axis,
                shape: s,
                chunk: c,
                block: b,
                reason,
            };
            if s > 0 && c == 0 {
                return Err(bad("a chunk axis of 0 along an axis with items"));
            }
            if c > 0 && b == 0 {
                return Err(bad("a block axis of 0 in a chunk axis above 0"));
            }
            if c > u64::from(u32::MAX) || b > u64::from(u32::MAX) || s > i64::MAX as u64 {
                return Err(bad("beyond what the b2nd metalayer holds"));
            }
            let ext = if c == 0 { 0 } else { c.div_ceil(b) * b };
            extchunk.push(ext);
            chunk_grid.push(if s == 0 { 0 } else { s.div_ceil(c) });
            block_grid.push(if c == 0 { 0 } else { ext / b });
        }
        let big = u128::from(u64::MAX);
        let nchunks = product("number of chunks", &chunk_grid, big)? as u64;
        let nitems = product("number of items", shape, big / itemsize as u128)? as u64;
        let per_chunk = u128::from(MAX_BUFFERSIZE) / itemsize as u128;
        let chunk_items = product("items of a padded chunk", &extchunk, per_chunk)? as usize;
        let per_block = u128::from(MAX_BLOCKSIZE) / itemsize as u128;
        let block_items = product("items of a block", blockshape, per_block)? as usize;
        Ok(Layout {
            shape: shape.to_vec(),
            chunkshape: chunkshape.to_vec(),
            blockshape: blockshape.to_vec(),
            extchunk,
            chunk_grid,
            block_grid,
            itemsize,
            nchunks,
            nitems,
            chunk_items,
            block_items,
        })
    }

    /// The layout a `b2nd` metalayer describes, for items of `itemsize`
    /// bytes.
    pub fn from_meta(meta: &B2ndMeta, itemsize: usize) -> Result<Self, LayoutError> {
        let widen = |v: &[u32]| v.iter().map(|&x| u64::from(x)).collect::<Vec<_>>();
        Layout::new(
            &meta.shape,
            &widen(&meta.chunkshape),
            &widen(&meta.blockshape),
            itemsize,
        )
    }

    /// The `b2nd` metalayer of this layout with dtype string `dtype`.
    pub fn to_meta(&self, dtype: &str) -> B2ndMeta {
        let narrow = |v: &[u64]| v.iter().map(|&x| x as u32).collect::<Vec<_>>();
        B2ndMeta::new(
            self.shape.clone(),
            narrow(&self.chunkshape),
            narrow(&self.blockshape),
            dtype,
        )
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Items along each axis.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }
    /// Chunk shape.
    pub fn chunkshape(&self) -> &[u64] {
        &self.chunkshape
    }
    /// Block shape.
    pub fn blockshape(&self) -> &[u64] {
        &self.blockshape
    }
    /// Extended chunk shape: each chunk axis rounded up to a multiple of
    /// the block axis. A chunk stores this many items.
    pub fn extchunkshape(&self) -> &[u64] {
        &self.extchunk
    }
    /// Chunks along each axis.
    pub fn chunk_grid(&self) -> &[u64] {
        &self.chunk_grid
    }
    /// Blocks along each axis of an extended chunk.
    pub fn block_grid(&self) -> &[u64] {
        &self.block_grid
    }
    /// Bytes per item.
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }
    /// Number of chunks (0 for an array of size 0, 1 for shape `()`).
    pub fn nchunks(&self) -> u64 {
        self.nchunks
    }
    /// Number of items of the array.
    pub fn nitems(&self) -> u64 {
        self.nitems
    }
    /// Bytes of the array in C order.
    pub fn nbytes(&self) -> u64 {
        self.nitems * self.itemsize as u64
    }
    /// Bytes of one padded chunk (every chunk has them).
    pub fn chunk_nbytes(&self) -> usize {
        self.chunk_items * self.itemsize
    }
    /// Bytes of one block.
    pub fn block_nbytes(&self) -> usize {
        self.block_items * self.itemsize
    }
    /// Blocks in one chunk.
    pub fn blocks_per_chunk(&self) -> usize {
        self.block_grid.iter().map(|&g| g as usize).product()
    }

    /// Checks that `slice` lies in the array.
    pub fn check_slice(&self, slice: &[Range<u64>]) -> Result<(), SliceError> {
        if slice.len() != self.ndim() {
            return Err(SliceError::Axes {
                expected: self.ndim(),
                found: slice.len(),
            });
        }
        for (axis, (r, &len)) in slice.iter().zip(&self.shape).enumerate() {
            if r.start > r.end || r.end > len {
                return Err(SliceError::Range {
                    axis,
                    start: r.start,
                    end: r.end,
                    len,
                });
            }
        }
        Ok(())
    }

    /// Items along each axis of `slice` (checked by the caller).
    pub fn slice_shape(slice: &[Range<u64>]) -> Vec<u64> {
        slice.iter().map(|r| r.end - r.start).collect()
    }

    /// The chunks `slice` touches, in C order (none when it is empty).
    pub fn chunks_touched(&self, slice: &[Range<u64>]) -> Result<Vec<ChunkHit>, SliceError> {
        self.check_slice(slice)?;
        let ranges: Vec<Range<u64>> = slice
            .iter()
            .zip(&self.chunkshape)
            .map(|(r, &c)| {
                if r.is_empty() {
                    0..0
                } else {
                    r.start / c..r.end.div_ceil(c)
                }
            })
            .collect();
        Ok(Odometer::new(&ranges)
            .map(|coords| ChunkHit {
                index: c_index(&coords, &self.chunk_grid),
                coords,
            })
            .collect())
    }

    /// The blocks of the chunk at `chunk` that `slice` touches, in C order.
    pub fn blocks_touched(&self, chunk: &[u64], slice: &[Range<u64>]) -> Vec<BlockHit> {
        let ranges: Vec<Range<u64>> = (0..self.ndim())
            .map(|i| {
                let origin = chunk[i] * self.chunkshape[i];
                let lo = slice[i].start.max(origin) - origin;
                let hi = slice[i]
                    .end
                    .min(origin + self.chunkshape[i])
                    .saturating_sub(origin);
                if lo >= hi {
                    0..0
                } else {
                    lo / self.blockshape[i]..hi.div_ceil(self.blockshape[i])
                }
            })
            .collect();
        Odometer::new(&ranges)
            .map(|coords| BlockHit {
                index: c_index(&coords, &self.block_grid) as usize,
                coords,
            })
            .collect()
    }

    /// The array items a block holds, per axis (the block's part inside its
    /// chunk and inside the array), clipped to `within`.
    fn block_region(&self, chunk: &[u64], block: &[u64], within: &[Range<u64>]) -> Vec<Range<u64>> {
        (0..self.ndim())
            .map(|i| {
                let c0 = chunk[i] * self.chunkshape[i];
                let origin = c0 + block[i] * self.blockshape[i];
                let end = (origin + self.blockshape[i]).min(c0 + self.chunkshape[i]);
                within[i].start.max(origin)..within[i].end.min(end).max(within[i].start.max(origin))
            })
            .collect()
    }

    fn block_origin(&self, chunk: &[u64], block: &[u64]) -> Vec<u64> {
        (0..self.ndim())
            .map(|i| chunk[i] * self.chunkshape[i] + block[i] * self.blockshape[i])
            .collect()
    }

    /// Copies the part of `slice` that the block at `block` of the chunk at
    /// `chunk` holds from the decoded block (`block_nbytes` bytes) into
    /// `out`, the slice's items in C order.
    pub fn block_to_slice(
        &self,
        chunk: &[u64],
        block: &[u64],
        decoded: &[u8],
        slice: &[Range<u64>],
        out: &mut [u8],
    ) {
        let region = self.block_region(chunk, block, slice);
        let origin = self.block_origin(chunk, block);
        let extent = Layout::slice_shape(&region);
        let in_block: Vec<u64> = region
            .iter()
            .zip(&origin)
            .map(|(r, o)| r.start - o)
            .collect();
        let in_out: Vec<u64> = region
            .iter()
            .zip(slice)
            .map(|(r, s)| r.start - s.start)
            .collect();
        let out_shape = Layout::slice_shape(slice);
        copy_box(
            decoded,
            &Place {
                shape: &self.blockshape,
                at: &in_block,
            },
            out,
            &Place {
                shape: &out_shape,
                at: &in_out,
            },
            &extent,
            self.itemsize,
        );
    }

    /// Fills `out` (`chunk_nbytes`) with padded chunk `index` of `array`
    /// (all the array's items in C order): its blocks in C order, zeros
    /// outside the array and outside the chunk shape.
    pub fn pack_chunk(&self, index: u64, array: &[u8], out: &mut [u8]) {
        out.fill(0);
        let coords = c_coords(index, &self.chunk_grid);
        let whole: Vec<Range<u64>> = self.shape.iter().map(|&s| 0..s).collect();
        let bn = self.block_nbytes();
        let grid: Vec<Range<u64>> = self.block_grid.iter().map(|&g| 0..g).collect();
        for (j, block) in Odometer::new(&grid).enumerate() {
            let region = self.block_region(&coords, &block, &whole);
            let origin = self.block_origin(&coords, &block);
            let at: Vec<u64> = region.iter().map(|r| r.start).collect();
            let in_block: Vec<u64> = at.iter().zip(&origin).map(|(a, o)| a - o).collect();
            copy_box(
                array,
                &Place {
                    shape: &self.shape,
                    at: &at,
                },
                &mut out[j * bn..(j + 1) * bn],
                &Place {
                    shape: &self.blockshape,
                    at: &in_block,
                },
                &Layout::slice_shape(&region),
                self.itemsize,
            );
        }
    }
}

/// Index in C order of `coords` in a grid of `grid`.
fn c_index(coords: &[u64], grid: &[u64]) -> u64 {
    coords.iter().zip(grid).fold(0, |acc, (&c, &g)| acc * g + c)
}

/// Coordinates of C-order index `i` in a grid of `grid`.
pub(super) fn c_coords(mut i: u64, grid: &[u64]) -> Vec<u64> {
    let mut c = vec![0; grid.len()];
    for (k, &g) in grid.iter().enumerate().rev() {
        if g > 0 {
            c[k] = i % g;
            i /= g;
        }
    }
    c
}

/// Every point of a box of ranges, in C order (none if a range is empty;
/// one, `[]`, for no ranges).
pub(super) struct Odometer {
    ranges: Vec<Range<u64>>,
    next: Option<Vec<u64>>,
}

impl Odometer {
    pub(super) fn new(ranges: &[Range<u64>]) -> Self {
        let next = (!ranges.iter().any(|r| r.is_empty()))
            .then(|| ranges.iter().map(|r| r.start).collect());
        Odometer {
            ranges: ranges.to_vec(),
            next,
        }
    }
}

impl Iterator for Odometer {
    type Item = Vec<u64>;

    fn next(&mut self) -> Option<Vec<u64>> {
        let cur = self.next.take()?;
        let mut n = cur.clone();
        for k in (0..n.len()).rev() {
            n[k] += 1;
            if n[k] < self.ranges[k].end {
                self.next = Some(n);
                break;
            }
            n[k] = self.ranges[k].start;
        }
        Some(cur)
    }
}
