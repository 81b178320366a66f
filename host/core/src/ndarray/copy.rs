//! Copying an N-d box of items between two C-order buffers, in runs along
//! the last axes rather than item by item.

/// Where a box lies in one of two C-order buffers: the buffer's shape (in
/// items) and the box's first item.
pub(super) struct Place<'a> {
    /// Items along each axis of the buffer.
    pub shape: &'a [u64],
    /// Coordinates of the box's first item in the buffer.
    pub at: &'a [u64],
}

impl Place<'_> {
    /// Strides in items, C order.
    fn strides(&self) -> Vec<usize> {
        let nd = self.shape.len();
        let mut s = vec![1usize; nd];
        for i in (0..nd.saturating_sub(1)).rev() {
            s[i] = s[i + 1] * self.shape[i + 1] as usize;
        }
        s
    }

    /// Offset in items of the box's first item.
    fn base(&self, strides: &[usize]) -> usize {
        self.at
            .iter()
            .zip(strides)
            .map(|(&a, &s)| a as usize * s)
            .sum()
    }
}

/// Copies the box of `extent` items (per axis) from `src` at `from` to
/// `dst` at `to`, items of `itemsize` bytes.
///
/// The trailing axes that the box covers whole in both buffers merge into
/// one contiguous run, so a box of whole rows is one `copy_from_slice`.
/// The caller guarantees that the box lies inside both buffers and that
/// each buffer holds its shape's items.
pub(super) fn copy_box(
    src: &[u8],
    from: &Place<'_>,
    dst: &mut [u8],
    to: &Place<'_>,
    extent: &[u64],
    itemsize: usize,
) {
    if extent.contains(&0) {
        return;
    }
    let nd = extent.len();
    if nd == 0 {
        dst[..itemsize].copy_from_slice(&src[..itemsize]);
        return;
    }
    let (ss, ds) = (from.strides(), to.strides());
    // The run covers axes m..nd; it takes in axis m - 1 while axis m is
    // whole in both buffers (and so, by then, every axis after it).
    let mut m = nd - 1;
    let mut run = extent[m] as usize;
    while m > 0 && extent[m] == from.shape[m] && extent[m] == to.shape[m] {
        m -= 1;
        run *= extent[m] as usize;
    }
    let bytes = run * itemsize;
    let (mut so, mut dof) = (from.base(&ss) * itemsize, to.base(&ds) * itemsize);
    let outer: usize = extent[..m].iter().map(|&e| e as usize).product();
    let mut idx = vec![0u64; m];
    for _ in 0..outer {
        dst[dof..dof + bytes].copy_from_slice(&src[so..so + bytes]);
        // Next outer index, last outer axis fastest.
        let mut k = m;
        while k > 0 {
            k -= 1;
            idx[k] += 1;
            so += ss[k] * itemsize;
            dof += ds[k] * itemsize;
            if idx[k] < extent[k] {
                break;
            }
            so -= extent[k] as usize * ss[k] * itemsize;
            dof -= extent[k] as usize * ds[k] * itemsize;
            idx[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_rows_are_one_run_and_partial_rows_many() {
        // A 3x4 source of 1-byte items, its rows 1..3, cols 1..3 into a
        // 2x2 destination.
        let src: Vec<u8> = (0..12).collect();
        let mut dst = vec![0; 4];
        let from = Place {
            shape: &[3, 4],
            at: &[1, 1],
        };
        let to = Place {
            shape: &[2, 2],
            at: &[0, 0],
        };
        copy_box(&src, &from, &mut dst, &to, &[2, 2], 1);
        assert_eq!(dst, [5, 6, 9, 10]);
        // Whole rows of 2-byte items into the middle of a larger buffer.
        let mut big = [0; 2 * 4 * 2];
        let from = Place {
            shape: &[3, 4],
            at: &[0, 0],
        };
        let to = Place {
            shape: &[4, 4],
            at: &[1, 0],
        };
        let src2: Vec<u8> = (0..24).collect();
        copy_box(
            &src2,
            &from,
            &mut big[..],
            &Place {
                shape: &[2, 4],
                at: &[0, 0],
            },
            &[2, 4],
            2,
        );
        assert_eq!(&big[..], &src2[..16]);
        let mut four = vec![0; 32];
        copy_box(&src2, &from, &mut four, &to, &[2, 4], 2);
        assert_eq!(&four[8..24], &src2[..16]);
        assert!(four[..8].iter().chain(&four[24..]).all(|&b| b == 0));
    }

    #[test]
    fn no_axes_copies_one_item() {
        let mut dst = [0; 3];
        copy_box(
            &[7, 8, 9],
            &Place {
                shape: &[],
                at: &[],
            },
            &mut dst,
            &Place {
                shape: &[],
                at: &[],
            },
            &[],
            3,
        );
        assert_eq!(dst, [7, 8, 9]);
    }
}
