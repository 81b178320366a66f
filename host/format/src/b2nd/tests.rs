use proptest::prelude::*;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The metalayer python-blosc2 4.14.1 (C-Blosc2 3.3.5) wrote for a (30, 40)
/// float64 array with chunks (10, 20) and blocks (5, 10), copied from the
/// file's bytes.
const F8_30X40: &str = "97000292d3000000000000001ed3000000000000002892d20000000ad20000001492\
d200000005d20000000a00db000000033c6638";

#[test]
fn writes_c_blosc2_bytes_for_a_2d_float64_array() {
    let meta = B2ndMeta::new(vec![30, 40], vec![10, 20], vec![5, 10], "<f8");
    let bytes = meta.to_bytes().unwrap();
    assert_eq!(bytes.len(), 53);
    assert_eq!(bytes, hex(F8_30X40));
    assert_eq!(B2ndMeta::parse(&bytes).unwrap(), meta);
}

#[test]
fn shape_of_no_axes_is_three_empty_lists() {
    // python-blosc2's `blosc2.zeros((), dtype="<c16")`.
    let bytes = hex("97000090909000db000000043c633136");
    let meta = B2ndMeta::parse(&bytes).unwrap();
    assert_eq!(meta, B2ndMeta::new(vec![], vec![], vec![], "<c16"));
    assert_eq!(meta.to_bytes().unwrap(), bytes);
}

#[test]
fn size_zero_array_with_zero_chunks() {
    // python-blosc2's `blosc2.zeros((0, 5), dtype="<i2")`.
    let bytes = hex(
        "97000292d30000000000000000d3000000000000000592d200000000d20000000592d200000000\
         d20000000500db000000033c6932",
    );
    let meta = B2ndMeta::parse(&bytes).unwrap();
    assert_eq!(
        meta,
        B2ndMeta::new(vec![0, 5], vec![0, 5], vec![0, 5], "<i2")
    );
    assert_eq!(meta.to_bytes().unwrap(), bytes);
}

#[test]
fn sixteen_axes_use_c_blosc2s_list_byte() {
    // C-Blosc2 writes 0x90 + 16 = 0xa0 for a list of 16 (not valid msgpack,
    // but what its files hold): read it, and write it the same way.
    let meta = B2ndMeta::new(vec![1; 16], vec![1; 16], vec![1; 16], "<i4");
    let bytes = meta.to_bytes().unwrap();
    assert_eq!(&bytes[..4], &[0x97, 0x00, 0x10, 0xa0]);
    assert_eq!(B2ndMeta::parse(&bytes).unwrap(), meta);
    let mut seventeen = B2ndMeta::new(vec![1; 17], vec![1; 17], vec![1; 17], "<i4");
    assert!(matches!(
        seventeen.to_bytes(),
        Err(B2ndError::Value {
            what: "ndim",
            found: 17,
            ..
        })
    ));
    seventeen.shape.pop();
    assert!(matches!(
        seventeen.to_bytes(),
        Err(B2ndError::Count {
            what: "chunkshape",
            expected: 16,
            found: 17
        })
    ));
}

#[test]
fn reads_any_integer_and_string_width() {
    // [0, 2, [30, 40], [10, 20], [5, 10], 0, "<f8"] as a general msgpack
    // writer packs it: fixints, an int8 and a uint16, fixstr.
    let bytes = [
        0x97, 0x00, 0x02, 0x92, 0x1e, 0xd0, 0x28, 0x92, 0x0a, 0xcd, 0x00, 0x14, 0xdc, 0x00, 0x02,
        0x05, 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x00, 0xa3, b'<', b'f', b'8',
    ];
    let meta = B2ndMeta::parse(&bytes).unwrap();
    assert_eq!(
        meta,
        B2ndMeta::new(vec![30, 40], vec![10, 20], vec![5, 10], "<f8")
    );
    assert_eq!(meta.to_bytes().unwrap(), hex(F8_30X40));
}

#[test]
fn malformed_metalayers_are_typed_errors() {
    let good = hex(F8_30X40);
    let with = |at: usize, b: u8| {
        let mut v = good.clone();
        v[at] = b;
        B2ndMeta::parse(&v)
    };
    assert!(matches!(with(1, 1), Err(B2ndError::Version { found: 1 })));
    assert!(matches!(
        with(2, 17),
        Err(B2ndError::Value {
            what: "ndim",
            found: 17,
            ..
        })
    ));
    assert!(matches!(
        with(2, 3),
        Err(B2ndError::Count {
            what: "shape",
            expected: 3,
            found: 2
        })
    ));
    // The first shape's int64 made negative.
    assert!(matches!(
        with(5, 0xff),
        Err(B2ndError::Value { what: "shape", .. })
    ));
    assert!(matches!(
        with(0, 0x96),
        Err(B2ndError::Count {
            what: "metalayer",
            ..
        })
    ));
    assert!(matches!(
        with(3, 0xc0),
        Err(B2ndError::Marker {
            what: "shape",
            offset: 3,
            found: 0xc0
        })
    ));
    assert!(matches!(
        with(50, 0xff),
        Err(B2ndError::NotUtf8 {
            what: "dtype",
            offset: 50
        })
    ));
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        B2ndMeta::parse(&long),
        Err(B2ndError::Trailing {
            offset: 53,
            found: 1
        })
    );
    for n in 0..good.len() {
        assert!(
            matches!(
                B2ndMeta::parse(&good[..n]),
                Err(B2ndError::Truncated { .. })
            ),
            "prefix of {n} bytes"
        );
    }
    // A dtype length past the end is not allocated.
    let mut huge = good[..46].to_vec();
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
    assert!(matches!(
        B2ndMeta::parse(&huge),
        Err(B2ndError::Truncated { what: "dtype", .. })
    ));
}

#[test]
fn writing_refuses_values_c_blosc2_cannot_hold() {
    let big = B2ndMeta::new(vec![1 << 63], vec![1], vec![1], "<f8");
    assert!(matches!(
        big.to_bytes(),
        Err(B2ndError::Value { what: "shape", .. })
    ));
    let chunk = B2ndMeta::new(vec![1], vec![1 << 31], vec![1], "<f8");
    assert!(matches!(
        chunk.to_bytes(),
        Err(B2ndError::Value {
            what: "chunkshape",
            ..
        })
    ));
    let mut fmt = B2ndMeta::new(vec![1], vec![1], vec![1], "<f8");
    fmt.dtype_format = 128;
    assert!(matches!(
        fmt.to_bytes(),
        Err(B2ndError::Value {
            what: "dtype format",
            ..
        })
    ));
}

fn meta() -> impl Strategy<Value = B2ndMeta> {
    (0..=MAX_NDIM)
        .prop_flat_map(|nd| {
            (
                prop::collection::vec(0..=i64::MAX as u64, nd),
                prop::collection::vec(0..=i32::MAX as u32, nd),
                prop::collection::vec(0..=i32::MAX as u32, nd),
                0..=127u8,
                "[ -~]{0,40}",
            )
        })
        .prop_map(
            |(shape, chunkshape, blockshape, dtype_format, dtype)| B2ndMeta {
                shape,
                chunkshape,
                blockshape,
                dtype_format,
                dtype,
            },
        )
}

proptest! {
    #[test]
    fn round_trips(m in meta()) {
        let bytes = m.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 3 + 3 + m.ndim() * 19 + 6 + m.dtype.len());
        prop_assert_eq!(B2ndMeta::parse(&bytes).unwrap(), m);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = B2ndMeta::parse(&bytes);
    }

    #[test]
    fn mutated_metalayers_never_panic(
        m in meta(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = m.to_bytes().unwrap();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let len = cut.index(bytes.len() + 1);
        if let Ok(back) = B2ndMeta::parse(&bytes[..len]) {
            prop_assert!(back.ndim() <= MAX_NDIM);
        }
    }
}
