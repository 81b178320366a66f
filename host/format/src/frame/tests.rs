use proptest::prelude::*;

use super::*;

/// Written by python-blosc2 4.14.1 (`tests-data/make-*.py`): 100 int32 in
/// chunks of 160 bytes, zstd clevel 1 + shuffle, metalayers m1 and m2,
/// vlmeta v1 and v2.
const PYTHON_FRAME: &[u8] = include_bytes!("../../tests-data/python-zstd-meta-vlmeta.b2frame");

fn trailer_of(frame: &[u8]) -> (usize, Trailer) {
    let len = Trailer::peek_len(frame, frame.len() as u64).unwrap() as usize;
    let start = frame.len() - len;
    (
        start,
        Trailer::parse(&frame[start..], start as u64).unwrap(),
    )
}

#[test]
fn reads_python_header() {
    let h = FrameHeader::parse(PYTHON_FRAME).unwrap();
    assert_eq!(h.frame_len as usize, PYTHON_FRAME.len());
    assert_eq!((h.version, h.codec, h.clevel, h.typesize), (2, 5, 1, 4));
    assert_eq!((h.nbytes, h.cbytes, h.chunksize), (400, 260, 160));
    assert_eq!(h.filters, [0, 0, 0, 0, 0, 1]);
    assert!(h.has_vlmeta);
    let names: Vec<&str> = h.metalayers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["m1", "m2"]);
    // msgpack bin "hello" and the array [1, 2].
    assert_eq!(h.metalayers[0].1, b"\xc4\x05hello");
    assert_eq!(h.metalayers[1].1, [0x92, 1, 2]);
}

#[test]
fn rewrites_python_header_and_trailer_byte_for_byte() {
    let h = FrameHeader::parse(PYTHON_FRAME).unwrap();
    let bytes = h.to_bytes().unwrap();
    assert_eq!(bytes, &PYTHON_FRAME[..h.header_len as usize]);
    let (start, t) = trailer_of(PYTHON_FRAME);
    assert_eq!(t.vlmeta.len(), 2);
    assert_eq!(t.to_bytes().unwrap(), &PYTHON_FRAME[start..]);
}

#[test]
fn bad_magic_and_truncation_are_typed() {
    let mut bad = PYTHON_FRAME.to_vec();
    bad[3] = b'X';
    assert_eq!(FrameHeader::parse(&bad), Err(FrameError::BadMagic));
    assert!(matches!(
        FrameHeader::parse(&PYTHON_FRAME[..100]),
        Err(FrameError::Truncated {
            needed: 133,
            available: 100,
            ..
        })
    ));
    let mut bad = PYTHON_FRAME.to_vec();
    let n = bad.len();
    bad[n - 21] = 0xff; // trailer length larger than the frame
    assert!(matches!(
        Trailer::peek_len(&bad, n as u64),
        Err(FrameError::BadField {
            field: "trailer length",
            ..
        })
    ));
}

proptest! {
    #[test]
    fn header_round_trips(
        codec in prop_oneof![0u8..6, 160u8..=255],
        clevel in 0u8..10,
        typesize in 1i32..256,
        chunksize in 1i32..i32::MAX,
        nbytes in 0i64..i64::MAX,
        filters in proptest::array::uniform6(any::<u8>()),
        metas in proptest::collection::vec(("[a-z]{1,31}", proptest::collection::vec(any::<u8>(), 0..40)), 0..5),
    ) {
        let mut h = FrameHeader::new(codec, clevel, typesize, chunksize);
        h.nbytes = nbytes;
        h.filters = filters;
        h.frame_len = u64::MAX;
        let mut seen = std::collections::HashSet::new();
        h.metalayers = metas.into_iter().filter(|(n, _)| seen.insert(n.clone())).collect();
        let bytes = h.to_bytes().unwrap();
        let back = FrameHeader::parse(&bytes).unwrap();
        h.header_len = bytes.len() as u32;
        prop_assert_eq!(back, h);
    }

    #[test]
    fn trailer_round_trips(
        vl in proptest::collection::vec(("[a-z]{1,31}", proptest::collection::vec(any::<u8>(), 0..100)), 0..5),
    ) {
        let mut seen = std::collections::HashSet::new();
        let t = Trailer { vlmeta: vl.into_iter().filter(|(n, _)| seen.insert(n.clone())).collect() };
        let bytes = t.to_bytes().unwrap();
        prop_assert_eq!(Trailer::peek_len(&bytes, bytes.len() as u64).unwrap() as usize, bytes.len());
        prop_assert_eq!(Trailer::parse(&bytes, 0).unwrap(), t);
    }

    #[test]
    fn damaged_frames_never_panic(pos in 0usize..583, byte in any::<u8>(), cut in 0usize..583) {
        let mut f = PYTHON_FRAME.to_vec();
        f[pos] = byte;
        f.truncate(cut.max(1));
        let _ = FrameHeader::parse(&f);
        if let Ok(len) = Trailer::peek_len(&f, f.len() as u64) {
            let start = f.len() - len as usize;
            let _ = Trailer::parse(&f[start..], start as u64);
        }
    }
}
