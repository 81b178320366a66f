use std::path::Path;

use sandpress_format::frame::{ChunkLoc, FrameError};
use sandpress_format::{Special, ids};

use super::*;
use sandpress_core::pipeline::{compress_chunk, special_chunk};
use sandpress_core::{CParams, Error, Registry};
use sandpress_test_support::u32_le_bytes;

const PYTHON_FRAME: &[u8] =
    include_bytes!("../../format/tests-data/python-zstd-meta-vlmeta.b2frame");

fn cp4() -> CParams {
    CParams {
        typesize: 4,
        ..CParams::default()
    }
}

fn write(path: &Path, data: &[u8], chunksize: usize) {
    let meta = vec![("kind".to_string(), b"\xa3int".to_vec())];
    let mut w = FrameWriter::create(path, cp4(), chunksize, meta, Registry::new()).unwrap();
    // Odd pieces: the writer buffers up to a chunk.
    for part in data.chunks(777) {
        w.append(part).unwrap();
    }
    w.set_vlmeta("note", b"\xa5hello").unwrap();
    w.finish().unwrap();
}

fn all(f: &Frame<impl ReadAt>) -> Vec<u8> {
    (0..f.nchunks())
        .flat_map(|i| f.decompress_chunk_vec(i).unwrap())
        .collect()
}

#[test]
fn reads_a_frame_python_wrote() {
    let f = Frame::from_bytes(PYTHON_FRAME.to_vec()).unwrap();
    assert_eq!(f.nchunks(), 3);
    assert_eq!(all(&f), u32_le_bytes(0..100));
    assert_eq!(f.metalayer("m1"), Some(&b"\xc4\x05hello"[..]));
    assert_eq!(f.vlmeta("v1").unwrap().unwrap(), b"\xc4\x03abc");
    assert_eq!(f.vlmeta("v2").unwrap().unwrap(), b"\x81\xa1x\x01");
    assert!(f.vlmeta("nope").unwrap().is_none());
}

#[test]
fn writes_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.b2frame");
    let data = u32_le_bytes(0..10_000);
    write(&path, &data, 4096);
    let f = Frame::open(&path).unwrap();
    assert_eq!(f.nchunks(), 10);
    assert_eq!(f.nbytes(), 40_000);
    assert_eq!(f.chunk_nbytes(9).unwrap(), 40_000 - 9 * 4096);
    assert_eq!(all(&f), data);
    assert_eq!(f.metalayer("kind"), Some(&b"\xa3int"[..]));
    assert_eq!(f.vlmeta("note").unwrap().unwrap(), b"\xa5hello");
    assert_eq!(f.frame_len(), std::fs::metadata(&path).unwrap().len());
    // No temporary file is left next to it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn edits_keep_the_frame_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.b2frame");
    let data = u32_le_bytes(0..4000);
    write(&path, &data, 4000);
    let mut f = Frame::open_rw(&path).unwrap();
    let mut expect: Vec<Vec<u8>> = data.chunks(4000).map(<[u8]>::to_vec).collect();
    let cp = cp4();
    let chunk = |v: &[u8]| compress_chunk(v, &cp, &Registry::new(), 0).unwrap();
    let new = vec![7u8; 4000];
    f.update_chunk(1, chunk(&new)).unwrap();
    expect[1] = new.clone();
    f.insert_chunk(0, chunk(&new)).unwrap();
    expect.insert(0, new.clone());
    f.delete_chunk(2).unwrap();
    expect.remove(2);
    f.append(&u32_le_bytes(0..1000)).unwrap();
    expect.push(u32_le_bytes(0..1000));
    f.set_vlmeta("note", b"\xa3bye").unwrap();
    let f = Frame::open(&path).unwrap();
    assert_eq!(all(&f), expect.concat());
    assert_eq!(f.vlmeta("note").unwrap().unwrap(), b"\xa3bye");
    let mut f = Frame::open_rw(&path).unwrap();
    f.compact().unwrap();
    assert_eq!(all(&f), expect.concat());
    assert!(f.frame_len() < std::fs::metadata(&path).unwrap().len() + 1);
}

#[test]
fn a_failed_edit_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.b2frame");
    write(&path, &u32_le_bytes(0..3000), 4000);
    let before = std::fs::read(&path).unwrap();
    let mut f = Frame::open_rw(&path).unwrap();
    assert!(matches!(
        f.update_chunk(0, vec![1, 2, 3]),
        Err(Error::Format { .. })
    ));
    assert!(matches!(f.delete_chunk(9), Err(Error::OutOfRange { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // An edit that never finished (bytes past the frame's end) is ignored.
    let mut torn = before.clone();
    torn.extend_from_slice(&[0xab; 1000]);
    std::fs::write(&path, &torn).unwrap();
    let mut f = Frame::open_rw(&path).unwrap();
    assert_eq!(all(&f), u32_le_bytes(0..3000));
    f.append(&u32_le_bytes(0..10)).unwrap();
    let f = Frame::open(&path).unwrap();
    assert_eq!(
        all(&f),
        [u32_le_bytes(0..3000), u32_le_bytes(0..10)].concat()
    );
}

#[test]
fn read_only_frames_refuse_edits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.b2frame");
    write(&path, &u32_le_bytes(0..10), 4000);
    let mut f = Frame::open(&path).unwrap();
    assert!(matches!(
        f.append(&u32_le_bytes(0..1)),
        Err(Error::InvalidParam { .. })
    ));
}

#[test]
fn special_chunks_in_the_index() {
    // A frame whose index records chunk 1 as zeros, with no bytes stored.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.b2frame");
    write(&path, &u32_le_bytes(0..2000), 4000);
    let f = Frame::open(&path).unwrap();
    let mut locs = f.locs.clone();
    locs.push(ChunkLoc::Special(Special::Zeros));
    let mut sizes = f.sizes.clone();
    sizes.push(4000);
    let mut h = f.header.clone();
    let cb = h.cbytes as u64;
    layout::set_totals(&mut h, &sizes, cb, true);
    let tail = layout::tail(&locs, &f.trailer).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate((u64::from(h.header_len) + h.cbytes as u64) as usize);
    bytes.extend_from_slice(&tail);
    h.frame_len = bytes.len() as u64;
    let hb = h.to_bytes().unwrap();
    bytes[..hb.len()].copy_from_slice(&hb);
    let f = Frame::from_bytes(bytes).unwrap();
    assert_eq!(f.nchunks(), 3);
    assert_eq!(f.decompress_chunk_vec(2).unwrap(), vec![0; 4000]);
    let z = special_chunk(Special::Zeros, 4, 4000, &[]).unwrap();
    assert_eq!(f.chunk(2).unwrap(), z);
}

#[test]
fn malformed_frames_get_typed_errors() {
    let frame = PYTHON_FRAME.to_vec();
    let n = frame.len();
    let err = |b: Vec<u8>| Frame::from_bytes(b).unwrap_err();
    let e = err(frame[..n - 10].to_vec());
    assert!(
        matches!(e, Error::Frame(FrameError::ShorterThanHeader { header_says, file_has })
            if header_says == n as u64 && file_has == (n - 10) as u64),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "truncated: the header says {n} bytes, the file has {}",
            n - 10
        )
    );
    assert!(matches!(
        err(frame[..50].to_vec()),
        Error::Frame(FrameError::Truncated { .. })
    ));
    let mut bad = frame.clone();
    bad[2] = b'X';
    let e = err(bad);
    assert!(matches!(e, Error::Frame(FrameError::BadMagic)), "{e}");
    // nbytes disagrees with the chunks.
    let mut bad = frame.clone();
    bad[37] ^= 1;
    assert!(matches!(
        err(bad),
        Error::Frame(FrameError::BadField {
            field: "nbytes",
            ..
        })
    ));
    // cbytes runs into the trailer.
    let mut bad = frame.clone();
    bad[45] = 0xff;
    assert!(matches!(
        err(bad),
        Error::Frame(FrameError::BadField {
            field: "cbytes",
            ..
        })
    ));
    // An index entry pointing into the header or past the chunks.
    let f = Frame::from_bytes(frame.clone()).unwrap();
    let mut locs = f.locs.clone();
    locs[1] = ChunkLoc::At(250);
    let tail = layout::tail(&locs, &f.trailer).unwrap();
    let mut bad = frame[..(133 + 260)].to_vec();
    bad.extend_from_slice(&tail);
    let mut h = f.header.clone();
    h.frame_len = bad.len() as u64;
    let hb = h.to_bytes().unwrap();
    bad[..hb.len()].copy_from_slice(&hb);
    assert!(matches!(
        err(bad),
        Error::Frame(FrameError::BadOffset {
            chunk: 1,
            offset: 250,
            ..
        })
    ));
}

#[test]
fn unsupported_codecs_fail_only_their_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u.b2frame");
    write(&path, &u32_le_bytes(0..2000), 4000);
    let mut f = Frame::open_rw(&path).unwrap();
    let mut c = compress_chunk(&u32_le_bytes(0..1000), &cp4(), &Registry::new(), 0).unwrap();
    c[2] = (c[2] & 0x1f) | (6 << 5); // a codec from Blosc2's global registry
    c[22] = 33;
    f.append_chunks(vec![c]).unwrap();
    let f = Frame::open(&path).unwrap();
    assert_eq!(f.decompress_chunk_vec(0).unwrap(), u32_le_bytes(0..1000));
    let e = f.decompress_chunk_vec(2).unwrap_err().to_string();
    assert!(e.contains("unsupported codec 33"), "{e}");
    assert_eq!(f.header().codec, ids::ZSTD);
}
