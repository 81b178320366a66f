//! Cutting a whole array into hyperslabs that follow each other in C
//! order, each small enough to hold in memory: how an array is streamed
//! out (to a file, to a client) without holding it all.

use std::ops::Range;

use super::layout::Layout;

/// Hyperslabs of a whole array whose C-order bytes, one after the other,
/// are the array's C-order bytes; see [`Layout::pieces`].
#[derive(Debug, Clone)]
pub struct Pieces {
    /// Where the hyperslab cut into pieces starts.
    base: Vec<u64>,
    /// Its extent along each axis.
    shape: Vec<u64>,
    /// The axis the pieces advance along; axes before it are one index
    /// each, axes after it whole.
    axis: usize,
    /// Indices of `axis` per piece.
    step: u64,
    /// The next piece's indices of the axes before `axis`, and its start.
    next: Option<(Vec<u64>, u64)>,
    /// An array of no axes or no items: one piece, the whole array.
    single: bool,
}

impl Layout {
    /// The whole array as hyperslabs in C order, each at most `max_bytes`
    /// long (or one item, if that is more): they advance along the first
    /// axis whose rows (one index of it, every later axis whole) fit in
    /// `max_bytes`, as many rows per piece as fit, rounded down to whole
    /// chunks (or whole blocks) along that axis when at least one fits.
    ///
    /// ```
    /// use sandpress_core::ndarray::Layout;
    /// let l = Layout::new(&[30, 40], &[10, 20], &[5, 10], 8).unwrap();
    /// // Rows of 320 bytes; 2000 bytes hold 6 rows, rounded to one block (5).
    /// let p: Vec<_> = l.pieces(2000).collect();
    /// assert_eq!(p.len(), 6);
    /// assert_eq!(p[1], [5..10, 0..40]);
    /// ```
    pub fn pieces(&self, max_bytes: u64) -> Pieces {
        let whole: Vec<Range<u64>> = self.shape().iter().map(|&s| 0..s).collect();
        self.slice_pieces(&whole, max_bytes)
    }

    /// [`pieces`](Self::pieces) of the hyperslab `slice` (checked by the
    /// caller, [`Layout::check_slice`]): hyperslabs whose C-order bytes,
    /// one after the other, are the slice's C-order bytes.
    pub fn slice_pieces(&self, slice: &[Range<u64>], max_bytes: u64) -> Pieces {
        let base: Vec<u64> = slice.iter().map(|r| r.start).collect();
        let shape = Layout::slice_shape(slice);
        let nd = shape.len();
        let nitems: u64 = shape.iter().product();
        if nd == 0 || nitems == 0 {
            return Pieces {
                base,
                shape,
                axis: 0,
                step: 1,
                next: Some((Vec::new(), 0)),
                single: true,
            };
        }
        let mut row = nitems.saturating_mul(self.itemsize() as u64);
        let mut axis = nd - 1;
        for (k, &s) in shape.iter().enumerate() {
            row /= s;
            if row <= max_bytes {
                axis = k;
                break;
            }
        }
        let fit = (max_bytes / row.max(1)).max(1);
        let unit = [self.chunkshape()[axis], self.blockshape()[axis], 1]
            .into_iter()
            .find(|&u| u > 0 && u <= fit)
            .unwrap_or(1);
        let step = fit / unit * unit;
        Pieces {
            next: Some((vec![0; axis], 0)),
            base,
            shape,
            axis,
            step,
            single: false,
        }
    }
}

impl Iterator for Pieces {
    type Item = Vec<Range<u64>>;

    fn next(&mut self) -> Option<Vec<Range<u64>>> {
        let (prefix, start) = self.next.take()?;
        let b = &self.base;
        if self.single {
            return Some(self.shape.iter().zip(b).map(|(&s, &o)| o..o + s).collect());
        }
        let k = self.axis;
        let end = start.saturating_add(self.step).min(self.shape[k]);
        let mut piece: Vec<Range<u64>> = prefix
            .iter()
            .zip(b)
            .map(|(&i, &o)| o + i..o + i + 1)
            .collect();
        piece.push(b[k] + start..b[k] + end);
        piece.extend(
            self.shape[k + 1..]
                .iter()
                .zip(&b[k + 1..])
                .map(|(&s, &o)| o..o + s),
        );
        if end < self.shape[k] {
            self.next = Some((prefix, end));
        } else {
            // The next index of the axes before `axis`, last fastest.
            let mut p = prefix;
            for a in (0..k).rev() {
                p[a] += 1;
                if p[a] < self.shape[a] {
                    self.next = Some((p, 0));
                    break;
                }
                p[a] = 0;
            }
        }
        Some(piece)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// C-order index of the first item of `piece` in an array of `shape`.
    fn first_item(piece: &[Range<u64>], shape: &[u64]) -> u64 {
        piece
            .iter()
            .zip(shape)
            .fold(0, |acc, (r, &s)| acc * s + r.start)
    }

    proptest! {
        #[test]
        fn pieces_tile_the_array_in_c_order(
            dims in prop::collection::vec((1u64..9, 1u64..5, 1u64..4), 0..5),
            itemsize in 1usize..4,
            max_bytes in 0u64..600,
        ) {
            let shape: Vec<u64> = dims.iter().map(|d| d.0).collect();
            let chunks: Vec<u64> = dims.iter().map(|d| d.1).collect();
            let blocks: Vec<u64> = dims.iter().map(|d| d.2).collect();
            let l = Layout::new(&shape, &chunks, &blocks, itemsize).unwrap();
            let mut next_item = 0;
            for piece in l.pieces(max_bytes) {
                l.check_slice(&piece).unwrap();
                let items: u64 = Layout::slice_shape(&piece).iter().product();
                prop_assert!(items > 0);
                prop_assert_eq!(first_item(&piece, &shape), next_item);
                prop_assert!(items * itemsize as u64 <= max_bytes.max(itemsize as u64));
                // Contiguous: every axis after the last partial one is
                // whole, every axis before it a single index.
                let partial = piece.iter().zip(&shape).rposition(|(r, &s)| r.end - r.start != s);
                if let Some(p) = partial {
                    prop_assert!(piece[..p].iter().all(|r| r.end - r.start == 1));
                }
                next_item += items;
            }
            prop_assert_eq!(next_item, l.nitems());
            // Of a slice: shifted by its start, covering it in C order.
            let slice: Vec<Range<u64>> = shape.iter().map(|&s| s / 3..s - s / 4).collect();
            let sub = Layout::slice_shape(&slice);
            let mut next_item = 0;
            for piece in l.slice_pieces(&slice, max_bytes) {
                let rel: Vec<Range<u64>> =
                    piece.iter().zip(&slice).map(|(r, s)| r.start - s.start..r.end - s.start).collect();
                prop_assert!(rel.iter().zip(&sub).all(|(r, &n)| r.end <= n));
                prop_assert_eq!(first_item(&rel, &sub), next_item);
                next_item += Layout::slice_shape(&rel).iter().product::<u64>();
            }
            prop_assert_eq!(next_item, sub.iter().product::<u64>());
        }
    }

    #[test]
    fn no_axes_and_no_items_are_one_piece() {
        let l = Layout::new(&[], &[], &[], 4).unwrap();
        assert_eq!(
            l.pieces(1).collect::<Vec<_>>(),
            vec![Vec::<Range<u64>>::new()]
        );
        let l = Layout::new(&[3, 0], &[2, 0], &[1, 0], 4).unwrap();
        assert_eq!(l.pieces(1).collect::<Vec<_>>(), vec![vec![0..3, 0..0]]);
    }
}
