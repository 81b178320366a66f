//! BloscLZ, C-Blosc2's own codec (id 0): a decoder written from the format,
//! and an encoder ([`compress`]) whose streams C-Blosc2 decodes.
//!
//! A stream is a sequence of instructions, each starting with a control byte
//! `ctrl`; the first instruction is always a literal run, and only the low 5
//! bits of the first byte count (C-Blosc2 sets bit 5 there as a marker).
//!
//! - `ctrl < 32`: a literal run: the next `ctrl + 1` bytes (1-32) are copied.
//! - `ctrl >= 32`: a match. `ctrl >> 5` is a length code `l` (1-7) and
//!   `ctrl & 31` the high byte `h` of the distance. When `l == 7`, length
//!   bytes follow, each added to the length, until one is not 255. Then one
//!   byte `d` ends the distance: the match copies `l + 2` (plus the length
//!   bytes) from `h * 256 + d + 1` bytes back. When `h == 31` and `d == 255`,
//!   two more bytes, big-endian, give a far distance `8192 + that` (up to
//!   73,727 bytes back). A distance of 1 repeats the previous byte (a run).
//!
//! The stream ends when its bytes end after an instruction; the decoded size is
//! what the instructions wrote. C-Blosc2's encoder always ends on literals.

use thiserror::Error;

pub use super::blosclz_encode::{compress, compress_into};

/// Distances up to this one fit in the two-byte form.
const NEAR_DISTANCE: usize = 8191;

/// Why a BloscLZ stream did not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BloscLzError {
    /// The stream ends inside an instruction.
    #[error(
        "BloscLZ stream truncated: instruction at byte {at} needs at least {needed} more bytes"
    )]
    Truncated {
        /// Offset of the instruction's control byte in the stream.
        at: usize,
        /// Bytes the instruction still needed, at least.
        needed: usize,
    },
    /// An instruction would write past the end of the output.
    #[error(
        "BloscLZ instruction at byte {at} writes {len} bytes at output offset {offset}, past the output size {capacity}"
    )]
    OutputOverflow {
        /// Offset of the instruction's control byte in the stream.
        at: usize,
        /// Output offset the instruction writes at.
        offset: usize,
        /// Bytes it writes.
        len: usize,
        /// Size of the output buffer.
        capacity: usize,
    },
    /// A match reaches back before the start of the output.
    #[error("BloscLZ match at byte {at} reaches {distance} bytes back from output offset {offset}")]
    DistanceTooFar {
        /// Offset of the instruction's control byte in the stream.
        at: usize,
        /// Output offset of the match.
        offset: usize,
        /// Its distance.
        distance: usize,
    },
}

/// Decodes the BloscLZ stream `src` into `dst`, returning the number of bytes
/// written. An empty stream decodes to nothing.
///
/// Every malformed stream is an error, never a panic or a write past `dst`.
/// Bytes of `dst` past the returned length may have been overwritten.
///
/// ```
/// use sandpress_kernels::codecs::blosclz;
///
/// // A literal run of 3 bytes, then a run (distance 1) of 5 more.
/// let stream = [0x22, b'a', b'b', b'c', 0x60, 0x00];
/// let mut out = [0u8; 8];
/// assert_eq!(blosclz::decompress(&stream, &mut out), Ok(8));
/// assert_eq!(&out, b"abcccccc");
/// ```
pub fn decompress(src: &[u8], dst: &mut [u8]) -> Result<usize, BloscLzError> {
    let Some(&first) = src.first() else {
        return Ok(0);
    };
    let mut ctrl = usize::from(first & 31);
    let mut at = 0;
    let mut ip = 1;
    let mut op = 0;
    loop {
        if ctrl < 32 {
            let n = ctrl + 1;
            op = literal(src, dst, at, ip, op, n)?;
            ip += n;
        } else {
            let (len, distance, next) = match_header(src, at, ip, ctrl)?;
            ip = next;
            if distance > op {
                return Err(BloscLzError::DistanceTooFar {
                    at,
                    offset: op,
                    distance,
                });
            }
            if len > dst.len() - op {
                return Err(BloscLzError::OutputOverflow {
                    at,
                    offset: op,
                    len,
                    capacity: dst.len(),
                });
            }
            copy_match(dst, op, distance, len);
            op += len;
        }
        match src.get(ip) {
            Some(&c) => {
                at = ip;
                ctrl = usize::from(c);
                ip += 1;
            }
            None => return Ok(op),
        }
    }
}

/// Copies the `n` literal bytes at `src[ip..]` to `dst[op..]`; returns the new
/// output offset.
#[inline(always)]
fn literal(
    src: &[u8],
    dst: &mut [u8],
    at: usize,
    ip: usize,
    op: usize,
    n: usize,
) -> Result<usize, BloscLzError> {
    // Fast path: a fixed 32-byte copy (literal runs are at most 32 bytes).
    if let (Some(from), Some(to)) = (src.get(ip..ip + 32), dst.get_mut(op..op + 32)) {
        to.copy_from_slice(from);
        return Ok(op + n);
    }
    let Some(from) = src.get(ip..ip + n) else {
        return Err(BloscLzError::Truncated {
            at,
            needed: ip + n - src.len(),
        });
    };
    let Some(to) = dst.get_mut(op..op + n) else {
        return Err(BloscLzError::OutputOverflow {
            at,
            offset: op,
            len: n,
            capacity: dst.len(),
        });
    };
    to.copy_from_slice(from);
    Ok(op + n)
}

/// Reads the rest of a match instruction whose control byte `ctrl` is at
/// `at`: returns its length, its distance and the offset after it.
#[inline(always)]
fn match_header(
    src: &[u8],
    at: usize,
    mut ip: usize,
    ctrl: usize,
) -> Result<(usize, usize, usize), BloscLzError> {
    let truncated = |needed| BloscLzError::Truncated { at, needed };
    let mut len = (ctrl >> 5) + 2;
    let high = (ctrl & 31) << 8;
    if ctrl >> 5 == 7 {
        loop {
            let &code = src.get(ip).ok_or_else(|| truncated(2))?;
            ip += 1;
            len += usize::from(code);
            if code != 255 {
                break;
            }
        }
    }
    let &low = src.get(ip).ok_or_else(|| truncated(1))?;
    ip += 1;
    let distance = if low == 255 && high == 31 << 8 {
        let far = src
            .get(ip..ip + 2)
            .ok_or_else(|| truncated(ip + 2 - src.len()))?;
        ip += 2;
        (usize::from(far[0]) << 8 | usize::from(far[1])) + NEAR_DISTANCE + 1
    } else {
        high + usize::from(low) + 1
    };
    Ok((len, distance, ip))
}

/// Copies `len` bytes from `distance` bytes back to `dst[op..]`, where the
/// source may overlap the destination. The caller checked
/// `1 <= distance <= op` and `op + len <= dst.len()`.
#[inline(always)]
fn copy_match(dst: &mut [u8], op: usize, distance: usize, len: usize) {
    let start = op - distance;
    // Most matches are short: fixed-size copies when the output has room for
    // the overshoot (which later instructions overwrite). A copy of 8 bytes
    // whose source lies 8 or more bytes back reads only bytes already in
    // place, so two of them make a match of up to 16 bytes, with no branch on
    // the distance (which varies from one match to the next).
    if distance >= 8 {
        if len <= 16 {
            if let Some(w) = dst.get_mut(start..op + 16) {
                w.copy_within(0..8, distance);
                w.copy_within(8..16, distance + 8);
                return;
            }
        } else if len <= 32
            && distance >= 32
            && let Some(w) = dst.get_mut(start..op + 32)
        {
            let (from, to) = w.split_at_mut(distance);
            to[..32].copy_from_slice(&from[..32]);
            return;
        }
    }
    if distance >= len {
        dst.copy_within(start..start + len, op);
    } else if distance == 1 {
        let b = dst[start];
        dst[op..op + len].fill(b);
    } else if len <= 16 {
        // A short repeat of a short pattern.
        let w = &mut dst[start..op + len];
        for i in distance..w.len() {
            w[i] = w[i - distance];
        }
    } else if len >= 2 * PATTERN && distance <= PATTERN / 4 {
        // A long run of a short period (a repeated value): `PATTERN` bytes
        // that hold it, built once on the stack, stored again and again a
        // whole number of periods apart. Stores alone reach memory faster
        // than copies of the bytes just written, which read them back.
        let mut pattern = [0; PATTERN];
        pattern[..distance].copy_from_slice(&dst[start..op]);
        repeat_period(&mut pattern, distance);
        let step = PATTERN - PATTERN % distance;
        let end = op + len;
        let mut cur = op;
        while let Some(w) = dst[cur..end].first_chunk_mut::<PATTERN>() {
            *w = pattern;
            cur += step;
        }
        // The rest, under `PATTERN` bytes: `cur - start` is a whole number
        // of periods.
        dst.copy_within(start..start + (end - cur), cur);
    } else {
        repeat_period(&mut dst[start..op + len], distance);
    }
}

/// Fills `buf[period..]` with the bytes of `buf[..period]` repeated: copies
/// what is already there, doubling the span each time.
fn repeat_period(buf: &mut [u8], period: usize) {
    let mut have = period;
    while have < buf.len() {
        let n = have.min(buf.len() - have);
        buf.copy_within(0..n, have);
        have += n;
    }
}

/// Bytes of pattern a long run of a short period is stored from.
const PATTERN: usize = 256;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Appends a match of `len` (>= 3) bytes from `distance` (1-73,727) back.
    fn put_match(s: &mut Vec<u8>, len: usize, distance: usize) {
        let (high, tail) = if distance > NEAR_DISTANCE {
            let x = distance - NEAR_DISTANCE - 1;
            (31, vec![255, (x >> 8) as u8, x as u8])
        } else {
            ((distance - 1) >> 8, vec![(distance - 1) as u8])
        };
        if len <= 8 {
            s.push(((len - 2) << 5 | high) as u8);
        } else {
            s.push((7 << 5 | high) as u8);
            let mut extra = len - 9;
            while extra >= 255 {
                s.push(255);
                extra -= 255;
            }
            s.push(extra as u8);
        }
        s.extend_from_slice(&tail);
    }

    /// A valid stream from a list of instructions, and what it decodes to:
    /// `(0, n, _)` is a literal run of `n % 32 + 1` bytes, anything else a
    /// match whose length and distance are taken from the other fields.
    fn build(ops: &[(u8, u32, u32)]) -> (Vec<u8>, Vec<u8>) {
        let mut s = vec![0x20 | 2, 7, 1, 200];
        let mut out = vec![7, 1, 200];
        for &(kind, a, b) in ops {
            if kind == 0 {
                let n = a as usize % 32 + 1;
                s.push(n as u8 - 1);
                for i in 0..n {
                    let byte = (a as usize).wrapping_mul(i + 3) as u8;
                    s.push(byte);
                    out.push(byte);
                }
            } else {
                let len = 3 + match kind % 3 {
                    0 => a % 10,
                    1 => a % 300,
                    _ => a % 70_000,
                } as usize;
                let distance = 1 + b as usize % out.len().min(73_727);
                put_match(&mut s, len, distance);
                for _ in 0..len {
                    out.push(out[out.len() - distance]);
                }
            }
        }
        (s, out)
    }

    #[test]
    fn empty_stream_decodes_to_nothing() {
        assert_eq!(decompress(&[], &mut [0; 4]), Ok(0));
        assert_eq!(decompress(&[], &mut []), Ok(0));
    }

    #[test]
    fn first_byte_is_always_a_literal_run() {
        // Bits 5-7 of the first byte are C-Blosc2's marker, not a match.
        let mut out = [0; 3];
        assert_eq!(decompress(&[0xE2, 1, 2, 3], &mut out), Ok(3));
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn overlapping_matches_repeat_their_pattern() {
        // Every short distance, and the edges of the long runs' paths.
        let distances = (1..=32).chain([33, 63, 64, 65, 127, 128, 129, 160]);
        for distance in distances {
            for len in [3, 8, 9, 16, 17, 100, 263, 511, 512, 513, 1000, 4099] {
                // 160 literals (five runs of 32), then the match.
                let mut s = Vec::new();
                for run in 0..5u8 {
                    s.push(31);
                    s.extend(run * 32..run * 32 + 32);
                }
                put_match(&mut s, len, distance);
                let mut expected: Vec<u8> = (0..160).collect();
                for _ in 0..len {
                    expected.push(expected[expected.len() - distance]);
                }
                for extra in [0, 1, 15, 16, 64] {
                    let mut out = vec![0xEE; expected.len() + extra];
                    assert_eq!(decompress(&s, &mut out), Ok(expected.len()));
                    assert_eq!(out[..expected.len()], expected[..], "{distance} {len}");
                }
            }
        }
    }

    #[test]
    fn far_distances_reach_73727_bytes_back() {
        for distance in [8191, 8192, 8193, 40_000, 73_727] {
            let (s, out) = {
                let mut s = vec![0];
                s.push(42);
                put_match(&mut s, 80_000, 1);
                put_match(&mut s, 5, distance);
                (s, distance)
            };
            let mut buf = vec![0; 80_006];
            assert_eq!(decompress(&s, &mut buf), Ok(80_006), "{out}");
            assert!(buf.iter().all(|&b| b == 42));
        }
    }

    #[test]
    fn a_match_at_the_end_is_decoded() {
        // C-Blosc2 3.x drops it (and then fails on the size); its encoder
        // never ends on a match.
        let mut out = [0; 5];
        assert_eq!(decompress(&[0, 9, 0x40, 0], &mut out), Ok(5));
        assert_eq!(out, [9; 5]);
    }

    #[test]
    fn malformed_streams_are_typed_errors() {
        let mut out = [0u8; 64];
        let e = decompress(&[5, 1, 2], &mut out);
        assert_eq!(e, Err(BloscLzError::Truncated { at: 0, needed: 4 }));
        let e = decompress(&[0, 1, 0x20], &mut out);
        assert_eq!(e, Err(BloscLzError::Truncated { at: 2, needed: 1 }));
        let e = decompress(&[0, 1, 0xE0, 255, 255], &mut out);
        assert_eq!(e, Err(BloscLzError::Truncated { at: 2, needed: 2 }));
        let e = decompress(&[0, 1, 0x3F, 255, 0], &mut out);
        assert_eq!(e, Err(BloscLzError::Truncated { at: 2, needed: 1 }));
        let e = decompress(&[0, 1, 0x20, 1], &mut out);
        assert_eq!(
            e,
            Err(BloscLzError::DistanceTooFar {
                at: 2,
                offset: 1,
                distance: 2
            })
        );
        let e = decompress(&[31, 0, 0, 0, 0, 0, 0, 0, 0], &mut [0; 4]);
        assert!(matches!(e, Err(BloscLzError::Truncated { .. })));
        let e = decompress(&[3, 0, 0, 0, 0], &mut [0; 3]);
        assert!(matches!(e, Err(BloscLzError::OutputOverflow { .. })));
        let e = decompress(&[0, 1, 0x40, 0], &mut [0; 4]);
        assert_eq!(
            e,
            Err(BloscLzError::OutputOverflow {
                at: 2,
                offset: 1,
                len: 4,
                capacity: 4
            })
        );
        // A length made of many 255s is bounded by the output, not trusted.
        let mut s = vec![0, 1, 0xE0];
        s.extend(std::iter::repeat_n(255, 10_000));
        s.extend([0, 0]);
        let e = decompress(&s, &mut out);
        assert!(matches!(e, Err(BloscLzError::OutputOverflow { .. })));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The decoder against a byte-at-a-time model of the format.
        #[test]
        fn decodes_like_the_model(
            ops in prop::collection::vec((0u8..7, any::<u32>(), any::<u32>()), 0..60),
            extra in prop_oneof![Just(0usize), 1usize..40],
        ) {
            let (s, expected) = build(&ops);
            let mut out = vec![0u8; expected.len() + extra];
            prop_assert_eq!(decompress(&s, &mut out), Ok(expected.len()));
            prop_assert_eq!(&out[..expected.len()], &expected[..]);
            let mut short = vec![0u8; expected.len() - 1];
            let is_overflow = matches!(
                decompress(&s, &mut short),
                Err(BloscLzError::OutputOverflow { .. })
            );
            prop_assert!(is_overflow);
        }
    }
}
