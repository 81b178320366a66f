//! Array frames: written by sandpress and read back, as slices and whole
//! in C order; frames that are not arrays or do not match their layout.

use std::ops::Range;

use sandpress_core::FilterChain;
use sandpress_core::ndarray::{ArrayError, ArrayReader, ChunkSource, Layout, NdArray, SliceStats};
use sandpress_core::{CParams, DParams, Registry};
use sandpress_format::b2nd::{self, B2ndMeta};
use sandpress_format::ids;

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

/// A frame in memory that counts the bytes read from it.
struct Counted(Vec<u8>, std::sync::atomic::AtomicU64);

impl ReadAt for Counted {
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.0.len() as u64)
    }
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        self.1
            .fetch_add(buf.len() as u64, std::sync::atomic::Ordering::SeqCst);
        self.0.read_exact_at(buf, offset)
    }
}

/// A frame read through `chunk_part` with every chunk read in parts.
struct InParts<'a>(&'a Frame<Counted>);

impl ChunkSource for InParts<'_> {
    fn chunk(&self, i: u64) -> Result<std::borrow::Cow<'_, [u8]>, sandpress_core::Error> {
        ChunkSource::chunk(self.0, i)
    }
    fn chunk_for_blocks(
        &self,
        i: u64,
        blocks: &[usize],
    ) -> Result<std::borrow::Cow<'_, [u8]>, sandpress_core::Error> {
        self.0
            .chunk_part(i as usize, blocks, 0)
            .map(std::borrow::Cow::Owned)
    }
}

#[test]
fn slices_read_only_the_blocks_they_touch_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for filters in [
        vec![(ids::SHUFFLE, 0)],
        vec![(ids::DELTA, 0), (ids::SHUFFLE, 0)],
    ] {
        let layout = Layout::new(&[60, 90], &[30, 45], &[10, 15], 8).unwrap();
        let data: Vec<u8> = (0..layout.nitems())
            .map(|i| ((i * 2654435761) % 1000) as f64)
            .flat_map(f64::to_le_bytes)
            .collect();
        let cp = CParams {
            filters: FilterChain::of(&filters).unwrap(),
            ..CParams::default()
        };
        let a = NdArray::from_c_order(
            layout,
            "<f8",
            cp,
            DParams::default(),
            Registry::new(),
            &data,
        )
        .unwrap();
        let path = dir.path().join("l.b2nd");
        a.save(&path).unwrap();
        let src = Counted(std::fs::read(&path).unwrap(), Default::default());
        let f = Frame::from_source(src, &path).unwrap();
        let (_, layout) = f.array_layout().unwrap().unwrap();
        let reader = ArrayReader {
            layout: &layout,
            src: &InParts(&f),
            dparams: &DParams::default(),
            registry: &Registry::new(),
        };
        let chunk_len = f.chunk(3).unwrap().len() as u64;
        for slice in [
            [31..33, 50..52],
            [0..60, 0..90],
            [5..40, 44..46],
            [59..60, 89..90],
        ] {
            let mut out = vec![0; Layout::slice_shape(&slice).iter().product::<u64>() as usize * 8];
            f.src.1.store(0, std::sync::atomic::Ordering::SeqCst);
            reader.slice_into(&slice, &mut out).unwrap();
            assert_eq!(out, a.get_slice(&slice).unwrap(), "{filters:?} {slice:?}");
            if slice == [31..33, 50..52] {
                // One block of chunk 3 (and block 0 with delta): a fraction of it.
                let read = f.src.1.load(std::sync::atomic::Ordering::SeqCst);
                assert!(read * 3 < chunk_len, "{read} of {chunk_len} bytes");
            }
        }
    }
}

#[test]
fn pieces_of_megabytes_decode_while_the_sink_takes_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.b2nd");
    let (a, data) = array(&[1024, 512], &[128, 512], &[16, 512], 8);
    a.save(&path).unwrap();
    let f = Frame::open(&path).unwrap();
    let layout = a.layout().clone();
    let whole = [0..1024, 0..512];
    // Pieces of 2 MiB: two of them, the second decoded while the sink takes
    // the one before.
    let mut sizes = Vec::new();
    let mut out = Vec::new();
    let stats = f
        .array_in_pieces(&layout, &whole, 2 << 20, |b: &[u8]| {
            sizes.push(b.len());
            out.extend_from_slice(b);
            Ok::<_, ArrayError>(())
        })
        .unwrap();
    assert_eq!(sizes, [2 << 20; 2]);
    assert!(out == data);
    assert_eq!(stats.chunks, 8);
    // A sink that fails stops the stream with its error.
    let mut calls = 0;
    let err = f
        .array_in_pieces(&layout, &whole, 2 << 20, |_: &[u8]| {
            calls += 1;
            Err(ArrayError::NotAnArray)
        })
        .unwrap_err();
    assert!(matches!(err, ArrayError::NotAnArray));
    assert_eq!(calls, 1);
}
