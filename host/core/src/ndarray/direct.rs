//! When a chunk's decoded bytes are already a run of a slice's C-order
//! output, so that the chunk can be decoded in place, with no copy.

use std::ops::Range;

use super::layout::Layout;

impl Layout {
    /// Where the chunk at `chunk` (grid coordinates) lies in the C-order
    /// output of `slice`, as a byte range, when its decoded bytes are
    /// exactly that run of the output: the chunk lies inside the slice and
    /// the array, has no padding (each chunk axis a multiple of the block
    /// axis), its blocks span every axis but the first whole, and the chunk
    /// spans the slice's every axis but the first. `None` otherwise.
    ///
    /// ```
    /// use sandpress_core::ndarray::Layout;
    /// // Chunks of 25 whole rows in blocks of 5 rows.
    /// let l = Layout::new(&[100, 40], &[25, 40], &[5, 40], 8).unwrap();
    /// assert_eq!(l.chunk_run_in(&[1, 0], &[20..100, 0..40]), Some(5 * 320..30 * 320));
    /// assert_eq!(l.chunk_run_in(&[0, 0], &[20..100, 0..40]), None); // only in part
    /// ```
    pub fn chunk_run_in(&self, chunk: &[u64], slice: &[Range<u64>]) -> Option<Range<usize>> {
        let (c, b, s) = (self.chunkshape(), self.blockshape(), self.shape());
        if chunk.len() != self.ndim() || slice.len() != self.ndim() || self.ndim() == 0 {
            return None;
        }
        for i in 0..self.ndim() {
            let lo = chunk[i] * c[i];
            let hi = lo + c[i];
            let inside = slice[i].start <= lo && hi <= slice[i].end && hi <= s[i];
            let unpadded = b[i] > 0 && c[i] % b[i] == 0;
            let spans = i == 0 || (b[i] == c[i] && slice[i].start == lo && slice[i].end == hi);
            if !(inside && unpadded && spans) {
                return None;
            }
        }
        let row: u64 = c[1..].iter().product::<u64>() * self.itemsize() as u64;
        let start = ((chunk[0] * c[0] - slice[0].start) * row) as usize;
        Some(start..start + self.chunk_nbytes())
    }
}
