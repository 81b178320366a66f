//! Array frames: written by sandpress and read back, as slices and whole
//! in C order; frames that are not arrays or do not match their layout.

use std::ops::Range;

use sandpress_core::ndarray::{ArrayError, Layout, NdArray, SliceStats};
use sandpress_core::{CParams, DParams, Registry};
use sandpress_format::b2nd::{self, B2ndMeta};

use super::*;

fn array(shape: &[u64], chunks: &[u64], blocks: &[u64], itemsize: usize) -> (NdArray, Vec<u8>) {
    let layout = Layout::new(shape, chunks, blocks, itemsize).unwrap();
    let data: Vec<u8> = (0..layout.nbytes()).map(|i| (i * 7 / 5) as u8).collect();
    let cp = CParams {
        nthreads: 2,
        ..CParams::default()
    };
    let a = NdArray::from_c_order(
        layout,
        "<i2",
        cp,
        DParams::default(),
        Registry::new(),
        &data,
    )
    .unwrap();
    (a, data)
}

#[test]
fn a_saved_array_reads_back_as_slices_and_in_c_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.b2nd");
    let (a, data) = array(&[23, 17, 5], &[10, 6, 5], &[4, 4, 2], 2);
    let stats = a.save(&path).unwrap();
    assert_eq!(stats.nchunks, 3 * 3);
    let mut f = Frame::open(&path).unwrap();
    assert!(f.is_array());
    let (meta, layout) = f.array_layout().unwrap().unwrap();
    assert_eq!(
        meta,
        B2ndMeta::new(vec![23, 17, 5], vec![10, 6, 5], vec![4, 4, 2], "<i2")
    );
    assert_eq!(&layout, a.layout());
    // The frame's metalayer is C-Blosc2's bytes.
    assert_eq!(
        f.metalayer(b2nd::METALAYER).unwrap(),
        meta.to_bytes().unwrap()
    );
    let slice: [Range<u64>; 3] = [3..12, 5..7, 1..4];
    assert_eq!(f.array_slice(&slice).unwrap(), a.get_slice(&slice).unwrap());
    let whole = [0..23, 0..17, 0..5];
    for nthreads in [1, 2] {
        f.set_dparams(DParams {
            nthreads,
            ..DParams::default()
        });
        // Pieces of one item, of a part of a row, of rows, of everything.
        for max in [1, 7, 300, 1 << 30] {
            let mut out = Vec::new();
            let stats = f
                .array_in_pieces(&layout, &whole, max, |b: &[u8]| {
                    out.extend_from_slice(b);
                    Ok::<_, ArrayError>(())
                })
                .unwrap();
            assert_eq!(out, data, "{nthreads} threads, pieces of {max} bytes");
            if max == 1 << 30 {
                assert_eq!(stats.chunks, 9);
            }
        }
        let mut out = Vec::new();
        f.array_in_order(|b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<_, ArrayError>(())
        })
        .unwrap();
        assert_eq!(out, data);
        // A slice, streamed in pieces.
        let mut out = Vec::new();
        f.array_slice_in_order(&slice, |b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<_, ArrayError>(())
        })
        .unwrap();
        assert_eq!(out, a.get_slice(&slice).unwrap());
        let mut out = Vec::new();
        f.array_in_pieces(&layout, &slice, 5, |b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<_, ArrayError>(())
        })
        .unwrap();
        assert_eq!(out, a.get_slice(&slice).unwrap());
    }
    let back = <NdArray as NdArrayFile>::open(&path, Registry::new()).unwrap();
    assert_eq!(back.to_c_order().unwrap(), data);
    assert_eq!(back.dtype(), "<i2");
}

#[test]
fn a_small_slice_of_a_frame_reads_one_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.b2nd");
    let (a, _) = array(&[40, 40], &[20, 20], &[5, 5], 2);
    a.save(&path).unwrap();
    let f = Frame::open(&path).unwrap();
    let mut out = [0; 2 * 2 * 2];
    let stats = f.array_slice_into(&[21..23, 1..3], &mut out).unwrap();
    assert_eq!(
        stats,
        SliceStats {
            chunks: 1,
            blocks: 1
        }
    );
    assert_eq!(out[..], a.get_slice(&[21..23, 1..3]).unwrap()[..]);
}

#[test]
fn shape_of_no_axes_and_size_zero_frames() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, chunks) in [(&[][..], &[][..]), (&[0, 3][..], &[0, 3][..])] {
        let path = dir.path().join("e.b2nd");
        let (a, data) = array(shape, chunks, chunks, 2);
        a.save(&path).unwrap();
        let f = Frame::open(&path).unwrap();
        let mut out = Vec::new();
        f.array_in_order(|b: &[u8]| {
            out.extend_from_slice(b);
            Ok::<_, ArrayError>(())
        })
        .unwrap();
        assert_eq!(out, data, "{shape:?}");
    }
}

#[test]
fn frames_that_are_not_arrays_or_do_not_match_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("p.b2frame");
    let cp = CParams {
        typesize: 1,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(&plain, cp.clone(), 100, Vec::new(), Registry::new()).unwrap();
    w.append(&[1; 250]).unwrap();
    w.finish().unwrap();
    let f = Frame::open(&plain).unwrap();
    assert!(!f.is_array());
    assert!(f.array_layout().unwrap().is_none());
    assert!(matches!(
        f.array_slice(std::slice::from_ref(&(0..1))),
        Err(ArrayError::NotAnArray)
    ));
    // Three chunks where the metalayer describes two; then a broken metalayer.
    let meta = B2ndMeta::new(vec![200], vec![100], vec![50], "|u1")
        .to_bytes()
        .unwrap();
    for (bytes, what) in [(meta, "chunks"), (vec![0x97, 0x01], "meta")] {
        let path = dir.path().join(format!("{what}.b2nd"));
        let ml = vec![(b2nd::METALAYER.to_owned(), bytes)];
        let mut w = FrameWriter::create(&path, cp.clone(), 100, ml, Registry::new()).unwrap();
        w.append(&[1; 250]).unwrap();
        w.finish().unwrap();
        let f = Frame::open(&path).unwrap();
        let err = f.array_layout().unwrap_err();
        match what {
            "chunks" => assert!(matches!(err, ArrayError::Chunk { chunk: 3, .. }), "{err}"),
            _ => assert!(
                matches!(err, ArrayError::Meta(b2nd::B2ndError::Version { found: 1 })),
                "{err}"
            ),
        }
    }
}
