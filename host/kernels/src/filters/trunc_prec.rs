//! Blosc's TRUNC_PREC filter (filter id [`TRUNC_PREC`](super::TRUNC_PREC)):
//! zeroes the low mantissa bits of IEEE 754 floats so that they compress
//! better. It loses information, so it has no inverse: C-Blosc2 skips it on
//! decompression (`do_nothing(TRUNC_PREC, 'd')`), which
//! [`trunc_prec_backward`] mirrors with a copy.
//!
//! The precision comes from the filter's meta byte read as an `i8` (C passes
//! the `uint8_t` `filters_meta` slot to an `int8_t` parameter):
//!
//! * a positive value is the number of mantissa bits to **keep**;
//! * a negative value is the number of mantissa bits to **remove**.
//!
//! Only typesize 4 (`f32`, 23-bit mantissa) and 8 (`f64`, 52-bit mantissa)
//! are supported. The number of zeroed bits must stay below the mantissa
//! width, so for `f32` the valid values are `1..=23` and `-22..=-1` (0 asks
//! to keep no bit and is refused), and for `f64` `1..=52` and `-51..=-1`.
//! Items are read as little-endian integers; bytes after the last whole
//! item are copied unchanged (C leaves them unwritten).

use super::FilterError;

/// Mantissa width of an `f32`.
const F32_MANTISSA_BITS: u8 = 23;
/// Mantissa width of an `f64`.
const F64_MANTISSA_BITS: u8 = 52;

/// Truncates the precision of the floats in `src` into `dst`, as C-Blosc2's
/// `truncate_precision()` does.
///
/// `prec_bits` is the filter meta (see the module documentation).
///
/// # Errors
///
/// [`FilterError::UnsupportedTypesize`] if `typesize` is not 4 or 8;
/// [`FilterError::PrecisionOutOfRange`] if `prec_bits` keeps no mantissa bit
/// or removes them all; [`FilterError::LengthMismatch`] if `dst` and `src`
/// differ in length. `dst` is untouched on error.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::trunc_prec;
///
/// let src = 1.2345678f32.to_le_bytes();
/// let mut dst = [0u8; 4];
/// trunc_prec(10, 4, &src, &mut dst)?; // keep 10 mantissa bits
/// assert_eq!(u32::from_le_bytes(dst), 0x3F9E_0000);
/// # Ok::<(), sandpress_kernels::filters::FilterError>(())
/// ```
pub fn trunc_prec(
    prec_bits: i8,
    typesize: usize,
    src: &[u8],
    dst: &mut [u8],
) -> Result<(), FilterError> {
    if dst.len() != src.len() {
        return Err(FilterError::LengthMismatch {
            expected: src.len(),
            found: dst.len(),
        });
    }
    match typesize {
        4 => {
            let zeroed = zeroed_bits(prec_bits, F32_MANTISSA_BITS)?;
            let mask = u32::MAX << zeroed;
            mask_items::<4>(src, dst, |item| {
                (u32::from_le_bytes(item) & mask).to_le_bytes()
            });
        }
        8 => {
            let zeroed = zeroed_bits(prec_bits, F64_MANTISSA_BITS)?;
            let mask = u64::MAX << zeroed;
            mask_items::<8>(src, dst, |item| {
                (u64::from_le_bytes(item) & mask).to_le_bytes()
            });
        }
        _ => {
            return Err(FilterError::UnsupportedTypesize {
                filter: super::TRUNC_PREC,
                expected: "4 or 8",
                found: typesize,
            });
        }
    }
    Ok(())
}

/// The backward direction of TRUNC_PREC: a copy (the truncated bits are
/// gone).
///
/// # Panics
///
/// If `dst.len() != src.len()`.
///
/// # Examples
///
/// ```
/// use sandpress_kernels::filters::trunc_prec_backward;
///
/// let mut dst = [0u8; 3];
/// trunc_prec_backward(&[1, 2, 3], &mut dst);
/// assert_eq!(dst, [1, 2, 3]);
/// ```
pub fn trunc_prec_backward(src: &[u8], dst: &mut [u8]) {
    dst.copy_from_slice(src);
}

/// How many low mantissa bits `prec_bits` zeroes, or why it cannot.
fn zeroed_bits(prec_bits: i8, mantissa_bits: u8) -> Result<u8, FilterError> {
    let out_of_range = || FilterError::PrecisionOutOfRange {
        prec_bits,
        mantissa_bits,
    };
    if prec_bits.unsigned_abs() > mantissa_bits {
        return Err(out_of_range());
    }
    let zeroed = if prec_bits >= 0 {
        mantissa_bits - prec_bits.unsigned_abs()
    } else {
        prec_bits.unsigned_abs()
    };
    if zeroed >= mantissa_bits {
        return Err(out_of_range());
    }
    Ok(zeroed)
}

fn mask_items<const N: usize>(src: &[u8], dst: &mut [u8], mask: impl Fn([u8; N]) -> [u8; N]) {
    let whole = src.len() - src.len() % N;
    for (out, item) in dst[..whole]
        .chunks_exact_mut(N)
        .zip(src[..whole].chunks_exact(N))
    {
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(item);
        out.copy_from_slice(&mask(bytes));
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn truncated_f32(prec_bits: i8, value: f32) -> u32 {
        let mut dst = [0u8; 4];
        trunc_prec(prec_bits, 4, &value.to_le_bytes(), &mut dst).unwrap();
        u32::from_le_bytes(dst)
    }

    #[test]
    fn known_answers_f32() {
        let x = 1.2345678f32; // 0x3F9E_0651
        assert_eq!(x.to_bits(), 0x3F9E_0651);
        assert_eq!(truncated_f32(23, x), 0x3F9E_0651);
        assert_eq!(truncated_f32(10, x), 0x3F9E_0000); // zero 13 bits
        assert_eq!(truncated_f32(1, x), 0x3F80_0000); // zero 22 bits
        assert_eq!(truncated_f32(-4, x), 0x3F9E_0650);
        assert_eq!(truncated_f32(-22, x), 0x3F80_0000);
    }

    #[test]
    fn known_answers_f64() {
        let x = std::f64::consts::PI; // 0x4009_21FB_5444_2D18
        let mut dst = [0u8; 8];
        trunc_prec(20, 8, &x.to_le_bytes(), &mut dst).unwrap();
        assert_eq!(u64::from_le_bytes(dst), 0x4009_21FB_0000_0000);
        trunc_prec(-51, 8, &x.to_le_bytes(), &mut dst).unwrap();
        assert_eq!(u64::from_le_bytes(dst), 0x4008_0000_0000_0000);
    }

    #[test]
    fn stray_bytes_are_copied() {
        let mut src = 1.2345678f32.to_le_bytes().to_vec();
        src.extend([0xAB, 0xCD]);
        let mut dst = vec![0u8; 6];
        trunc_prec(10, 4, &src, &mut dst).unwrap();
        assert_eq!(dst, [0x00, 0x00, 0x9E, 0x3F, 0xAB, 0xCD]);
    }

    #[test]
    fn out_of_range_precisions_are_refused() {
        let mut dst = [0u8; 8];
        for (prec_bits, typesize, mantissa_bits) in [
            (0, 4, 23),
            (24, 4, 23),
            (-23, 4, 23),
            (i8::MIN, 4, 23),
            (0, 8, 52),
            (53, 8, 52),
            (-52, 8, 52),
            (i8::MAX, 8, 52),
        ] {
            assert_eq!(
                trunc_prec(prec_bits, typesize, &[0; 8], &mut dst),
                Err(FilterError::PrecisionOutOfRange {
                    prec_bits,
                    mantissa_bits
                }),
                "prec_bits {prec_bits}, typesize {typesize}"
            );
        }
    }

    #[test]
    fn accepts_exactly_the_precisions_c_blosc2_accepts() {
        // C-Blosc2 accepts 1..=23 and -22..=-1 for f32, 1..=52 and -51..=-1
        // for f64, and refuses every other i8.
        for prec_bits in i8::MIN..=i8::MAX {
            let mut dst = [0u8; 8];
            let f32_ok = trunc_prec(prec_bits, 4, &[0xFF; 8], &mut dst).is_ok();
            assert_eq!(
                f32_ok,
                (1..=23).contains(&prec_bits) || (-22..=-1).contains(&prec_bits),
                "{prec_bits}"
            );
            let f64_ok = trunc_prec(prec_bits, 8, &[0xFF; 8], &mut dst).is_ok();
            assert_eq!(
                f64_ok,
                (1..=52).contains(&prec_bits) || (-51..=-1).contains(&prec_bits),
                "{prec_bits}"
            );
        }
    }

    #[test]
    fn other_typesizes_are_refused() {
        for typesize in [1, 2, 3, 16] {
            let mut dst = [7u8; 16];
            let err = trunc_prec(10, typesize, &[0; 16], &mut dst).unwrap_err();
            assert_eq!(
                err,
                FilterError::UnsupportedTypesize {
                    filter: crate::filters::TRUNC_PREC,
                    expected: "4 or 8",
                    found: typesize
                }
            );
            assert_eq!(dst, [7; 16], "dst untouched on error");
        }
    }

    #[test]
    fn length_mismatch_is_refused() {
        assert_eq!(
            trunc_prec(10, 4, &[0; 8], &mut [0; 4]),
            Err(FilterError::LengthMismatch {
                expected: 8,
                found: 4
            })
        );
    }

    proptest! {
        #[test]
        fn f32_keeps_the_requested_bits(prec_bits in 1i8..=23, value in any::<u32>()) {
            let got = truncated_f32(prec_bits, f32::from_bits(value));
            let zeroed = 23 - prec_bits as u32;
            prop_assert_eq!(got, value >> zeroed << zeroed);
            if zeroed > 0 {
                prop_assert_eq!(truncated_f32(-(zeroed as i8), f32::from_bits(value)), got);
            }
        }

        #[test]
        fn f64_blocks_of_any_length(
            prec_bits in prop_oneof![1i8..=52, -51i8..=-1],
            src in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut dst = vec![0u8; src.len()];
            trunc_prec(prec_bits, 8, &src, &mut dst).unwrap();
            let zeroed = if prec_bits > 0 { 52 - prec_bits as u32 } else { (-prec_bits) as u32 };
            let whole = src.len() / 8 * 8;
            for (out, item) in dst[..whole].chunks_exact(8).zip(src.chunks_exact(8)) {
                let v = u64::from_le_bytes(item.try_into().unwrap());
                prop_assert_eq!(u64::from_le_bytes(out.try_into().unwrap()), v >> zeroed << zeroed);
            }
            prop_assert_eq!(&dst[whole..], &src[whole..]);
            // Truncating twice changes nothing more: the filter is idempotent.
            let mut again = vec![0u8; src.len()];
            trunc_prec(prec_bits, 8, &dst, &mut again).unwrap();
            prop_assert_eq!(again, dst);
        }
    }
}
