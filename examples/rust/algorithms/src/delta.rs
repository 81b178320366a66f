//! The delta filter of python-blosc2's tutorial (filter id 160 there).
//!
//! Forward keeps the first item and replaces every other item by its
//! difference with the item before it; backward is the running sum that
//! undoes it. Arithmetic wraps, so every input round-trips.
//!
//! What an "item" is depends on `typesize`:
//!
//! - 1, 2, 4 and 8: an unsigned little-endian integer of that width (for
//!   `typesize == 4` this is the tutorial's int32 filter: two's complement
//!   makes signed and unsigned wrapping differences the same bytes);
//! - any other size: a group of independent bytes, each byte lane
//!   differenced on its own (`out[i] = in[i] - in[i - typesize]`, mod 256).
//!
//! Trailing bytes that do not form a whole item are copied unchanged.
//!
//! Each direction comes out of place ([`forward`], [`backward`]) and in
//! place ([`forward_in_place`], [`backward_in_place`]), which a Wasm guest
//! uses to answer in the buffer it was given, allocating nothing.
//!
//! ```
//! use sandpress_algorithms::delta;
//!
//! let input: Vec<u8> = [10i32, 13, 11, 11].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let mut deltas = vec![0; input.len()];
//! delta::forward(&input, 4, &mut deltas).unwrap();
//! let expected: Vec<u8> = [10i32, 3, -2, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
//! assert_eq!(deltas, expected);
//!
//! delta::backward_in_place(&mut deltas, 4).unwrap();
//! assert_eq!(deltas, input);
//! ```

use crate::{Error, check_same_len, check_typesize};

/// An unsigned integer item of `N` bytes, read and written little-endian.
trait Word<const N: usize>: Copy {
    const ZERO: Self;
    fn load(bytes: [u8; N]) -> Self;
    fn store(self) -> [u8; N];
    fn sub(self, other: Self) -> Self;
    fn add(self, other: Self) -> Self;
}

macro_rules! word {
    ($($t:ty),*) => {$(
        impl Word<{ size_of::<$t>() }> for $t {
            const ZERO: Self = 0;
            #[inline(always)]
            fn load(bytes: [u8; size_of::<$t>()]) -> Self {
                <$t>::from_le_bytes(bytes)
            }
            #[inline(always)]
            fn store(self) -> [u8; size_of::<$t>()] {
                self.to_le_bytes()
            }
            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            #[inline(always)]
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
        }
    )*};
}
word!(u8, u16, u32, u64);

/// Dispatches on the item width: `$f::<N, uN>(args)` for the integer
/// widths, `$bytes(typesize, args)` for the others.
macro_rules! by_width {
    ($typesize:expr, $words:ident, $bytes:ident, $($arg:expr),*) => {
        match $typesize {
            1 => $words::<1, u8>($($arg),*),
            2 => $words::<2, u16>($($arg),*),
            4 => $words::<4, u32>($($arg),*),
            8 => $words::<8, u64>($($arg),*),
            t => $bytes(t, $($arg),*),
        }
    };
}

/// Forward delta of `input` into `out` (same length).
///
/// # Errors
///
/// [`Error::ZeroTypesize`], or [`Error::OutputLength`] when `out` is not as
/// long as `input`.
pub fn forward(input: &[u8], typesize: usize, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    check_same_len(input.len(), out.len())?;
    by_width!(typesize, forward_words, forward_bytes, input, out);
    Ok(())
}

/// Backward delta (running sum) of `input` into `out` (same length).
///
/// # Errors
///
/// [`Error::ZeroTypesize`], or [`Error::OutputLength`] when `out` is not as
/// long as `input`.
pub fn backward(input: &[u8], typesize: usize, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    check_same_len(input.len(), out.len())?;
    by_width!(typesize, backward_words, backward_bytes, input, out);
    Ok(())
}

/// Forward delta of `buf`, in place.
///
/// # Errors
///
/// [`Error::ZeroTypesize`].
pub fn forward_in_place(buf: &mut [u8], typesize: usize) -> Result<(), Error> {
    check_typesize(typesize)?;
    by_width!(
        typesize,
        forward_words_in_place,
        forward_bytes_in_place,
        buf
    );
    Ok(())
}

/// Backward delta (running sum) of `buf`, in place.
///
/// # Errors
///
/// [`Error::ZeroTypesize`].
pub fn backward_in_place(buf: &mut [u8], typesize: usize) -> Result<(), Error> {
    check_typesize(typesize)?;
    by_width!(
        typesize,
        backward_words_in_place,
        backward_bytes_in_place,
        buf
    );
    Ok(())
}

fn forward_words<const N: usize, W: Word<N>>(input: &[u8], out: &mut [u8]) {
    let (items, tail) = input.as_chunks::<N>();
    let (out_items, out_tail) = out.as_chunks_mut::<N>();
    out_tail.copy_from_slice(tail);
    // The first item minus zero is the first item.
    let mut prev = W::ZERO;
    for (o, item) in out_items.iter_mut().zip(items) {
        let cur = W::load(*item);
        *o = cur.sub(prev).store();
        prev = cur;
    }
}

fn backward_words<const N: usize, W: Word<N>>(input: &[u8], out: &mut [u8]) {
    let (items, tail) = input.as_chunks::<N>();
    let (out_items, out_tail) = out.as_chunks_mut::<N>();
    out_tail.copy_from_slice(tail);
    let mut sum = W::ZERO;
    for (o, item) in out_items.iter_mut().zip(items) {
        sum = sum.add(W::load(*item));
        *o = sum.store();
    }
}

fn forward_words_in_place<const N: usize, W: Word<N>>(buf: &mut [u8]) {
    let (items, _tail) = buf.as_chunks_mut::<N>();
    let mut prev = W::ZERO;
    for item in items {
        let cur = W::load(*item);
        *item = cur.sub(prev).store();
        prev = cur;
    }
}

fn backward_words_in_place<const N: usize, W: Word<N>>(buf: &mut [u8]) {
    let (items, _tail) = buf.as_chunks_mut::<N>();
    let mut sum = W::ZERO;
    for item in items {
        sum = sum.add(W::load(*item));
        *item = sum.store();
    }
}

/// Length of the part of a block made of whole items.
fn whole_items(len: usize, typesize: usize) -> usize {
    len - len % typesize
}

fn forward_bytes(typesize: usize, input: &[u8], out: &mut [u8]) {
    let body = whole_items(input.len(), typesize);
    // The first item and the trailing bytes are copied as they are.
    let first = typesize.min(body);
    out[..first].copy_from_slice(&input[..first]);
    out[body..].copy_from_slice(&input[body..]);
    for ((o, cur), prev) in out[first..body]
        .iter_mut()
        .zip(&input[first..body])
        .zip(&input[..body - first])
    {
        *o = cur.wrapping_sub(*prev);
    }
}

fn backward_bytes(typesize: usize, input: &[u8], out: &mut [u8]) {
    let body = whole_items(input.len(), typesize);
    out.copy_from_slice(input);
    backward_bytes_in_place(typesize, &mut out[..body]);
}

fn forward_bytes_in_place(typesize: usize, buf: &mut [u8]) {
    let body = whole_items(buf.len(), typesize);
    // From the last item down, so every item still holds its original value
    // when the one after it subtracts it.
    for end in (typesize..body).step_by(typesize).rev() {
        let (before, item) = buf.split_at_mut(end);
        let prev = &before[end - typesize..];
        for (b, p) in item[..typesize].iter_mut().zip(prev) {
            *b = b.wrapping_sub(*p);
        }
    }
}

fn backward_bytes_in_place(typesize: usize, buf: &mut [u8]) {
    let body = whole_items(buf.len(), typesize);
    for i in typesize..body {
        buf[i] = buf[i].wrapping_add(buf[i - typesize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn check_round_trip(input: &[u8], typesize: usize) {
        let mut fwd = vec![0; input.len()];
        forward(input, typesize, &mut fwd).unwrap();
        let mut in_place = input.to_vec();
        forward_in_place(&mut in_place, typesize).unwrap();
        assert_eq!(fwd, in_place, "typesize {typesize}");
        let mut back = vec![0; input.len()];
        backward(&fwd, typesize, &mut back).unwrap();
        assert_eq!(back, input, "typesize {typesize}");
        backward_in_place(&mut in_place, typesize).unwrap();
        assert_eq!(in_place, input, "typesize {typesize}");
        let body = whole_items(input.len(), typesize);
        assert_eq!(fwd[body..], input[body..], "trailing bytes");
        assert_eq!(
            fwd[..typesize.min(body)],
            input[..typesize.min(body)],
            "first item"
        );
    }

    #[test]
    fn int32_is_the_tutorials_filter() {
        let input: Vec<u8> = [5i32, 2, i32::MIN, i32::MAX]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .chain([0xaa, 0xbb])
            .collect();
        let mut out = vec![0; input.len()];
        forward(&input, 4, &mut out).unwrap();
        let expected: Vec<u8> = [5i32, -3, i32::MIN.wrapping_sub(2), -1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .chain([0xaa, 0xbb])
            .collect();
        assert_eq!(out, expected);
        check_round_trip(&input, 4);
    }

    #[test]
    fn other_widths_round_trip() {
        let input: Vec<u8> = (0..203u32).map(|i| (i * 37 % 251) as u8).collect();
        for typesize in 1..=17 {
            for len in [0, 1, typesize - 1, typesize, typesize + 1, 100, 203] {
                check_round_trip(&input[..len], typesize);
            }
        }
    }

    #[test]
    fn odd_widths_difference_each_byte_lane() {
        let mut out = [0u8; 7];
        forward(&[1, 2, 3, 5, 7, 9, 4], 3, &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 4]);
    }

    #[test]
    fn errors() {
        assert_eq!(forward(&[1], 0, &mut [0]), Err(Error::ZeroTypesize));
        assert_eq!(
            backward(&[1, 2], 1, &mut [0]),
            Err(Error::OutputLength {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(backward_in_place(&mut [1], 0), Err(Error::ZeroTypesize));
    }
}
