//! The layout against a plain N-d reference: padded chunks built item by
//! item from the definition, slices read item by item from the array.

use std::collections::BTreeSet;
use std::ops::Range;

use proptest::prelude::*;

use super::{Layout, LayoutError, SliceError};

/// Coordinates of C-order index `i` in a box of `dims` (reference).
fn unravel(mut i: usize, dims: &[u64]) -> Vec<u64> {
    let mut c = vec![0; dims.len()];
    for k in (0..dims.len()).rev() {
        c[k] = i as u64 % dims[k];
        i /= dims[k] as usize;
    }
    c
}

/// C-order index of `c` in a box of `dims` (reference).
fn ravel(c: &[u64], dims: &[u64]) -> usize {
    c.iter()
        .zip(dims)
        .fold(0, |acc, (&x, &d)| acc * d as usize + x as usize)
}

struct Case {
    shape: Vec<u64>,
    chunks: Vec<u64>,
    blocks: Vec<u64>,
    itemsize: usize,
    data: Vec<u8>,
    slice: Vec<Range<u64>>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "shape {:?} chunks {:?} blocks {:?} itemsize {} slice {:?}",
            self.shape, self.chunks, self.blocks, self.itemsize, self.slice
        )
    }
}

/// One axis: (shape, chunk, block, slice start, slice end), with chunk and
/// block 0 allowed only along an empty axis, as C-Blosc2 does. Weighted
/// towards what exercises every path: axes with items, chunks smaller than
/// the axis, blocks as long as the chunk, slices of the whole axis.
fn axis(max: u64) -> impl Strategy<Value = (u64, u64, u64, u64, u64)> {
    prop_oneof![1 => Just(0), 12 => 1..=max]
        .prop_flat_map(move |s| {
            let chunk = if s == 0 {
                (0..=max + 1).boxed()
            } else {
                prop_oneof![3 => 1..=s, 1 => 1..=s + 1].boxed()
            };
            (Just(s), chunk)
        })
        .prop_flat_map(|(s, c)| {
            let block = if c == 0 {
                Just(0).boxed()
            } else {
                prop_oneof![2 => Just(c), 2 => 1..=c, 1 => 1..=c + 1].boxed()
            };
            (Just(s), Just(c), block, prop::bool::weighted(0.4), 0..=s)
        })
        .prop_flat_map(|(s, c, b, whole, lo)| {
            let hi = if whole {
                Just(s).boxed()
            } else {
                (lo..=s).boxed()
            };
            let lo = if whole { 0 } else { lo };
            (Just(s), Just(c), Just(b), Just(lo), hi)
        })
}

fn case() -> impl Strategy<Value = Case> {
    (0..=8usize)
        .prop_flat_map(|nd| {
            let max = match nd {
                0..=2 => 13,
                3..=4 => 5,
                _ => 2,
            };
            (prop::collection::vec(axis(max), nd), 1..=3usize)
        })
        .prop_flat_map(|(axes, itemsize)| {
            let n: u64 = axes.iter().map(|a| a.0).product();
            let data = prop::collection::vec(any::<u8>(), n as usize * itemsize);
            (Just(axes), Just(itemsize), data)
        })
        .prop_map(|(axes, itemsize, data)| Case {
            shape: axes.iter().map(|a| a.0).collect(),
            chunks: axes.iter().map(|a| a.1).collect(),
            blocks: axes.iter().map(|a| a.2).collect(),
            itemsize,
            data,
            slice: axes.iter().map(|a| a.3..a.4).collect(),
        })
}

/// Chunk `ci` built from the definition, item by item.
fn reference_chunk(l: &Layout, case: &Case, ci: u64) -> Vec<u8> {
    let its = case.itemsize;
    let cc = unravel(ci as usize, l.chunk_grid());
    let block_items: usize = case.blocks.iter().map(|&b| b as usize).product();
    let items = l.chunk_nbytes() / its;
    let mut out = vec![0; items * its];
    for p in 0..items {
        let (j, e) = (p / block_items, p % block_items);
        let bc = unravel(j, l.block_grid());
        let ec = unravel(e, &case.blocks);
        let w: Vec<u64> = (0..bc.len())
            .map(|i| bc[i] * case.blocks[i] + ec[i])
            .collect();
        let a: Vec<u64> = (0..w.len())
            .map(|i| cc[i] * case.chunks[i] + w[i])
            .collect();
        let inside = (0..w.len()).all(|i| w[i] < case.chunks[i] && a[i] < case.shape[i]);
        if inside {
            let k = ravel(&a, &case.shape);
            out[p * its..(p + 1) * its].copy_from_slice(&case.data[k * its..(k + 1) * its]);
        }
    }
    out
}

/// The slice of the array, item by item.
fn reference_slice(case: &Case) -> Vec<u8> {
    let its = case.itemsize;
    let dims = Layout::slice_shape(&case.slice);
    let n: usize = dims.iter().map(|&d| d as usize).product();
    let mut out = Vec::with_capacity(n * its);
    for o in 0..n {
        let rel = unravel(o, &dims);
        let a: Vec<u64> = rel
            .iter()
            .zip(&case.slice)
            .map(|(r, s)| r + s.start)
            .collect();
        let k = ravel(&a, &case.shape);
        out.extend_from_slice(&case.data[k * its..(k + 1) * its]);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn packed_chunks_follow_the_definition(case in case()) {
        let l = Layout::new(&case.shape, &case.chunks, &case.blocks, case.itemsize).unwrap();
        prop_assert_eq!(l.nbytes() as usize, case.data.len());
        let mut buf = vec![0xaa; l.chunk_nbytes()];
        for ci in 0..l.nchunks() {
            l.pack_chunk(ci, &case.data, &mut buf);
            prop_assert_eq!(&buf, &reference_chunk(&l, &case, ci), "chunk {}", ci);
        }
    }

    #[test]
    fn slices_read_through_touched_blocks_equal_the_array(case in case()) {
        let l = Layout::new(&case.shape, &case.chunks, &case.blocks, case.itemsize).unwrap();
        let want = reference_slice(&case);
        let mut out = vec![0xaa; want.len()];
        let bn = l.block_nbytes();
        let mut touched = BTreeSet::new();
        for hit in l.chunks_touched(&case.slice).unwrap() {
            let chunk = reference_chunk(&l, &case, hit.index);
            if let Some(run) = l.chunk_run_in(&hit.coords, &case.slice) {
                // A chunk said to be a run of the output is that run.
                prop_assert_eq!(&chunk[..], &want[run]);
            }
            for b in l.blocks_touched(&hit.coords, &case.slice) {
                touched.insert((hit.index, b.index));
                let decoded = &chunk[b.index * bn..(b.index + 1) * bn];
                l.block_to_slice(&hit.coords, &b.coords, decoded, &case.slice, &mut out);
            }
        }
        prop_assert_eq!(out, want);
        // Exactly the blocks that hold an item of the slice.
        let dims = Layout::slice_shape(&case.slice);
        let n: usize = dims.iter().map(|&d| d as usize).product();
        let mut holding = BTreeSet::new();
        for o in 0..n {
            let a: Vec<u64> = unravel(o, &dims).iter().zip(&case.slice).map(|(r, s)| r + s.start).collect();
            let cc: Vec<u64> = a.iter().zip(&case.chunks).map(|(x, c)| x / c).collect();
            let bc: Vec<u64> = (0..a.len()).map(|i| (a[i] % case.chunks[i]) / case.blocks[i]).collect();
            holding.insert((ravel(&cc, l.chunk_grid()) as u64, ravel(&bc, l.block_grid())));
        }
        prop_assert_eq!(touched, holding);
    }
}

#[test]
fn python_blosc2_layouts() {
    // ARRAYS.md: (30, 45) int32 in chunks (20, 20), blocks (5, 8).
    let l = Layout::new(&[30, 45], &[20, 20], &[5, 8], 4).unwrap();
    assert_eq!((l.chunk_grid(), l.block_grid()), (&[2, 3][..], &[4, 3][..]));
    assert_eq!(l.nchunks() * l.chunk_nbytes() as u64, 11520);
    assert_eq!(l.nbytes(), 5400);
    // Shape (): one chunk of one item.
    let l = Layout::new(&[], &[], &[], 16).unwrap();
    assert_eq!(
        (l.nchunks(), l.chunk_nbytes(), l.block_nbytes(), l.nitems()),
        (1, 16, 16, 1)
    );
    // Size 0 with chunk and block axes of 0, as python-blosc2 writes it.
    let l = Layout::new(&[0, 5], &[0, 5], &[0, 5], 2).unwrap();
    assert_eq!((l.nchunks(), l.nbytes()), (0, 0));
    assert!(l.chunks_touched(&[0..0, 1..3]).unwrap().is_empty());
}

#[test]
#[allow(clippy::single_range_in_vec_init)]
fn impossible_layouts_and_slices_are_typed_errors() {
    assert_eq!(
        Layout::new(&[4], &[0], &[0], 1),
        Err(LayoutError::Axis {
            axis: 0,
            shape: 4,
            chunk: 0,
            block: 0,
            reason: "a chunk axis of 0 along an axis with items"
        })
    );
    assert!(matches!(
        Layout::new(&[4], &[2], &[0], 1),
        Err(LayoutError::Axis { axis: 0, .. })
    ));
    assert!(matches!(
        Layout::new(&[4], &[2, 2], &[1], 1),
        Err(LayoutError::Axes {
            what: "chunkshape",
            ..
        })
    ));
    assert_eq!(Layout::new(&[4], &[2], &[1], 0), Err(LayoutError::ItemSize));
    assert!(matches!(
        Layout::new(&[1; 17], &[1; 17], &[1; 17], 1),
        Err(LayoutError::TooManyAxes { found: 17, .. })
    ));
    // A padded chunk past 2 GB, a block past Blosc2's largest, too many items.
    assert!(matches!(
        Layout::new(&[1 << 20, 1 << 20], &[1 << 16, 1 << 16], &[1, 1], 1),
        Err(LayoutError::TooLarge {
            what: "items of a padded chunk",
            ..
        })
    ));
    assert!(matches!(
        Layout::new(&[1 << 20], &[1 << 30], &[1 << 30], 1),
        Err(LayoutError::TooLarge {
            what: "items of a block",
            ..
        })
    ));
    assert!(matches!(
        Layout::new(&[1 << 40, 1 << 40], &[1, 1], &[1, 1], 1),
        Err(LayoutError::TooLarge { .. })
    ));
    let l = Layout::new(&[4, 4], &[2, 2], &[1, 1], 1).unwrap();
    assert_eq!(
        l.check_slice(&[0..4]),
        Err(SliceError::Axes {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        l.check_slice(&[0..4, 3..5]),
        Err(SliceError::Range {
            axis: 1,
            start: 3,
            end: 5,
            len: 4
        })
    );
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = [3..2, 0..1];
    assert!(matches!(
        l.check_slice(&reversed),
        Err(SliceError::Range { axis: 0, .. })
    ));
}
