//! A byte-shuffle filter, like Blosc's SHUFFLE: byte `j` of every item is
//! gathered into stream `j`, so bytes that change slowly (the high bytes of
//! small integers, the exponents of floats) sit together.
//!
//! For a block of `n` whole items of `typesize` bytes, forward writes
//! `out[j * n + i] = in[i * typesize + j]`; the trailing bytes that do not
//! form a whole item are copied unchanged to the end. Backward undoes it.
//! `typesize == 1`, and blocks of fewer than two items, are copied.
//!
//! ```
//! use sandpress_algorithms::shuffle;
//!
//! let input = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
//! let mut out = [0; 11];
//! shuffle::forward(&input, 4, &mut out).unwrap();
//! assert_eq!(out, [1, 5, 2, 6, 3, 7, 4, 8, 9, 10, 11]);
//!
//! let mut back = [0; 11];
//! shuffle::backward(&out, 4, &mut back).unwrap();
//! assert_eq!(back, input);
//! ```

use crate::{Error, check_same_len, check_typesize};

/// Items transposed per step of the fixed-width kernels: each output
/// stream then receives `TILE` contiguous bytes at a time.
const TILE: usize = 16;

/// Shuffles `input` into `out` (same length).
///
/// # Errors
///
/// [`Error::ZeroTypesize`], or [`Error::OutputLength`] when `out` is not as
/// long as `input`.
pub fn forward(input: &[u8], typesize: usize, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    check_same_len(input.len(), out.len())?;
    let n = input.len() / typesize;
    let body = n * typesize;
    out[body..].copy_from_slice(&input[body..]);
    let (input, out) = (&input[..body], &mut out[..body]);
    match typesize {
        _ if n < 2 || typesize == 1 => out.copy_from_slice(input),
        2 => forward_n::<2>(input, out),
        4 => forward_n::<4>(input, out),
        8 => forward_n::<8>(input, out),
        16 => forward_n::<16>(input, out),
        t => forward_any(input, t, out),
    }
    Ok(())
}

/// Unshuffles `input` into `out` (same length): the inverse of [`forward`].
///
/// # Errors
///
/// [`Error::ZeroTypesize`], or [`Error::OutputLength`] when `out` is not as
/// long as `input`.
pub fn backward(input: &[u8], typesize: usize, out: &mut [u8]) -> Result<(), Error> {
    check_typesize(typesize)?;
    check_same_len(input.len(), out.len())?;
    let n = input.len() / typesize;
    let body = n * typesize;
    out[body..].copy_from_slice(&input[body..]);
    let (input, out) = (&input[..body], &mut out[..body]);
    match typesize {
        _ if n < 2 || typesize == 1 => out.copy_from_slice(input),
        2 => backward_n::<2>(input, out),
        4 => backward_n::<4>(input, out),
        8 => backward_n::<8>(input, out),
        16 => backward_n::<16>(input, out),
        t => backward_any(input, t, out),
    }
    Ok(())
}

/// Forward shuffle of whole `N`-byte items: tiles of [`TILE`] items are
/// transposed in registers, then each of the `N` streams gets `TILE` bytes.
fn forward_n<const N: usize>(input: &[u8], out: &mut [u8]) {
    let n = input.len() / N;
    let (tiles, rest) = input.as_chunks::<N>().0.as_chunks::<TILE>();
    for (t, tile) in tiles.iter().enumerate() {
        let mut streams = [[0u8; TILE]; N];
        for (i, item) in tile.iter().enumerate() {
            for (j, byte) in item.iter().enumerate() {
                streams[j][i] = *byte;
            }
        }
        for (j, stream) in streams.iter().enumerate() {
            let at = j * n + t * TILE;
            out[at..at + TILE].copy_from_slice(stream);
        }
    }
    let done = tiles.len() * TILE;
    for (i, item) in rest.iter().enumerate() {
        for (j, byte) in item.iter().enumerate() {
            out[j * n + done + i] = *byte;
        }
    }
}

/// Backward shuffle of whole `N`-byte items, the transpose of [`forward_n`].
fn backward_n<const N: usize>(input: &[u8], out: &mut [u8]) {
    let n = input.len() / N;
    let (tiles, rest) = out.as_chunks_mut::<N>().0.as_chunks_mut::<TILE>();
    for (t, tile) in tiles.iter_mut().enumerate() {
        let mut streams = [[0u8; TILE]; N];
        for (j, stream) in streams.iter_mut().enumerate() {
            let at = j * n + t * TILE;
            stream.copy_from_slice(&input[at..at + TILE]);
        }
        for (i, item) in tile.iter_mut().enumerate() {
            for (j, byte) in item.iter_mut().enumerate() {
                *byte = streams[j][i];
            }
        }
    }
    let done = tiles.len() * TILE;
    for (i, item) in rest.iter_mut().enumerate() {
        for (j, byte) in item.iter_mut().enumerate() {
            *byte = input[j * n + done + i];
        }
    }
}

/// Forward shuffle for item sizes without a dedicated kernel: one pass per
/// byte lane.
fn forward_any(input: &[u8], typesize: usize, out: &mut [u8]) {
    let n = input.len() / typesize;
    for (j, stream) in out.chunks_exact_mut(n).enumerate() {
        for (o, item) in stream.iter_mut().zip(input.chunks_exact(typesize)) {
            *o = item[j];
        }
    }
}

/// Backward shuffle for item sizes without a dedicated kernel.
fn backward_any(input: &[u8], typesize: usize, out: &mut [u8]) {
    let n = input.len() / typesize;
    for (j, stream) in input.chunks_exact(n).enumerate() {
        for (item, b) in out.chunks_exact_mut(typesize).zip(stream) {
            item[j] = *b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// The definition, written as plainly as possible.
    fn reference(input: &[u8], typesize: usize) -> Vec<u8> {
        let n = input.len() / typesize;
        let mut out = input.to_vec();
        for i in 0..n {
            for j in 0..typesize {
                out[j * n + i] = input[i * typesize + j];
            }
        }
        out
    }

    #[test]
    fn matches_the_definition_and_round_trips() {
        let input: Vec<u8> = (0..1000u32).map(|i| (i * 131 % 256) as u8).collect();
        for typesize in 1..=17 {
            for len in [
                0,
                1,
                typesize,
                typesize + 1,
                2 * typesize,
                33 * typesize + 3,
                1000,
            ] {
                let input = &input[..len];
                let mut out = vec![0; len];
                forward(input, typesize, &mut out).unwrap();
                assert_eq!(
                    out,
                    reference(input, typesize),
                    "typesize {typesize} len {len}"
                );
                let mut back = vec![0; len];
                backward(&out, typesize, &mut back).unwrap();
                assert_eq!(back, input, "typesize {typesize} len {len}");
            }
        }
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
    }
}
