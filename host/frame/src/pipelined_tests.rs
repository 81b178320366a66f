//! The chunk-parallel pipelines against the sequential paths: the same
//! frame byte for byte, chunks in order, and failures that leave nothing.

use std::path::Path;
use std::sync::Arc;

use super::*;
use sandpress_core::plugin::{BlockInfo, PluginError, PluginKind, PluginMeta};
use sandpress_core::test_plugins::FnCodec;
use sandpress_core::{CParams, DParams, Error, Registry, Result};

const CHUNK: usize = 4096;

/// A random walk of int32 (compressible, never constant).
fn walk(bytes: usize) -> Vec<u8> {
    let (mut x, mut seed) = (0i32, 7u32);
    let mut out: Vec<u8> = (0..bytes.div_ceil(4))
        .flat_map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x = x.wrapping_add((seed >> 28) as i32 - 8);
            x.to_le_bytes()
        })
        .collect();
    out.truncate(bytes);
    out
}

fn cp(threads: usize) -> CParams {
    CParams {
        typesize: 4,
        nthreads: threads,
        ..CParams::default()
    }
}

/// A reader that gives at most 1000 bytes per call (read_full must gather).
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(1000);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn sequential(path: &Path, data: &[u8], cp: CParams, registry: Registry) -> Result<FrameStats> {
    let mut w = FrameWriter::create(path, cp, CHUNK, Vec::new(), registry)?;
    w.append(data)?;
    w.finish()
}

fn pipelined(path: &Path, data: &[u8], cp: CParams, registry: Registry) -> Result<FrameStats> {
    let mut w = PipelinedWriter::new(FrameWriter::create(path, cp, CHUNK, Vec::new(), registry)?);
    let mut input = Trickle(data);
    let mut seen = 0;
    w.append_from(
        |buf| {
            sandpress_core::io::read_full(&mut input, buf).map_err(|e| Error::io("read", path, e))
        },
        |n| seen += n,
    )?;
    assert_eq!(seen, data.len() as u64, "progress counts every byte");
    w.finish()
}

#[test]
fn frames_are_byte_identical_to_the_sequential_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // 0, a short one, exactly one, two, and many chunks with a short last.
    for bytes in [0, 1000, CHUNK, 2 * CHUNK, 17 * CHUNK + 1236] {
        let data = walk(bytes);
        for threads in [1, 2, 3, 4] {
            let sa = sequential(&a, &data, cp(threads), Registry::new()).unwrap();
            let sb = pipelined(&b, &data, cp(threads), Registry::new()).unwrap();
            assert_eq!(sa, sb);
            let (fa, fb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            assert!(fa == fb, "{bytes} bytes, {threads} threads: frames differ");
            let f = Frame::open(&b).unwrap();
            let back: Vec<u8> = (0..f.nchunks())
                .flat_map(|i| f.decompress_chunk_vec(i).unwrap())
                .collect();
            assert!(back == data, "{bytes} bytes, {threads} threads: order");
        }
    }
}

/// `data` read at offsets, as a file is, by the workers.
fn pipelined_at(path: &Path, data: &[u8], cp: CParams) -> Result<FrameStats> {
    let mut w = PipelinedWriter::new(FrameWriter::create(
        path,
        cp,
        CHUNK,
        Vec::new(),
        Registry::new(),
    )?);
    let mut seen = 0;
    w.append_from_at(
        |at, buf| {
            let from = data.get(at as usize..).unwrap_or(&[]);
            let n = from.len().min(buf.len());
            buf[..n].copy_from_slice(&from[..n]);
            Ok::<_, Error>(n)
        },
        |n| seen += n,
    )?;
    assert_eq!(seen, data.len() as u64, "progress counts every byte");
    w.finish()
}

#[test]
fn frames_read_at_offsets_are_byte_identical_to_the_sequential_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for bytes in [0, 1000, CHUNK, 2 * CHUNK, 9 * CHUNK, 17 * CHUNK + 1236] {
        let data = walk(bytes);
        for threads in [1, 2, 3, 4] {
            let sa = sequential(&a, &data, cp(threads), Registry::new()).unwrap();
            let sb = pipelined_at(&b, &data, cp(threads)).unwrap();
            assert_eq!(sa, sb);
            let (fa, fb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            assert!(fa == fb, "{bytes} bytes, {threads} threads: frames differ");
        }
    }
}

#[test]
fn a_source_read_at_offsets_ends_at_its_first_short_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let data = walk(6 * CHUNK);
    for threads in [1, 2, 4] {
        let mut w = PipelinedWriter::new(
            FrameWriter::create(&path, cp(threads), CHUNK, Vec::new(), Registry::new()).unwrap(),
        );
        // Chunk 2 comes back short (a file cut while read); the chunks
        // after it, read by other workers, are dropped, and so are errors
        // there.
        w.append_from_at(
            |at, buf| {
                if at >= 4 * CHUNK as u64 {
                    return Err(Error::InvalidParam {
                        name: "read",
                        reason: "past the end".into(),
                    });
                }
                let from = data.get(at as usize..).unwrap_or(&[]);
                let n = if at == 2 * CHUNK as u64 {
                    100
                } else {
                    buf.len().min(from.len())
                };
                buf[..n].copy_from_slice(&from[..n]);
                Ok::<_, Error>(n)
            },
            |_| {},
        )
        .unwrap();
        assert_eq!(w.nchunks(), 3, "{threads} threads");
        assert_eq!(w.nbytes(), 2 * CHUNK as u64 + 100);
        // That short chunk was the last.
        let e = w
            .append_from_at(|_, buf| Ok::<_, Error>(buf.len()), |_| {})
            .unwrap_err();
        assert!(
            matches!(e, Error::InvalidParam { name: "chunk", .. }),
            "{e}"
        );
        w.finish().unwrap();
        let f = Frame::open(&path).unwrap();
        let back: Vec<u8> = (0..f.nchunks())
            .flat_map(|i| f.decompress_chunk_vec(i).unwrap())
            .collect();
        assert!(back == data[..2 * CHUNK + 100], "{threads} threads");
    }
}

#[test]
fn a_read_error_at_an_offset_is_the_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    for bad in [0u64, 1, 5] {
        for threads in [1, 2, 4] {
            let mut w = PipelinedWriter::new(
                FrameWriter::create(&path, cp(threads), CHUNK, Vec::new(), Registry::new())
                    .unwrap(),
            );
            let e = w
                .append_from_at(
                    |at, buf| {
                        if at == bad * CHUNK as u64 {
                            return Err(Stop(format!("bad sector at {at}")));
                        }
                        buf.fill(7);
                        Ok(if at < 20 * CHUNK as u64 { buf.len() } else { 0 })
                    },
                    |_| {},
                )
                .unwrap_err();
            assert_eq!(e, Stop(format!("bad sector at {}", bad * CHUNK as u64)));
            assert!(
                w.nchunks() as u64 <= bad,
                "nothing written from chunk {bad} on"
            );
            drop(w);
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }
}

#[test]
fn a_short_chunk_ends_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let mut w = PipelinedWriter::new(
        FrameWriter::create(&path, cp(2), CHUNK, Vec::new(), Registry::new()).unwrap(),
    );
    let data = walk(3 * CHUNK);
    let mut pieces = [&data[..CHUNK], &data[CHUNK..2 * CHUNK]].into_iter();
    let mut give = |buf: &mut [u8]| -> Result<usize> {
        let p = pieces.next().unwrap_or(&[]);
        buf[..p.len()].copy_from_slice(p);
        Ok(p.len())
    };
    // Whole chunks, then the end: more may follow in another call.
    w.append_from(&mut give, |_| {}).unwrap();
    let mut rest = &data[2 * CHUNK..2 * CHUNK + 100];
    w.append_from(
        |buf| Ok::<_, Error>(std::io::Read::read(&mut rest, buf).unwrap()),
        |_| {},
    )
    .unwrap();
    let e = w
        .append_from(|buf| Ok::<_, Error>(buf.len()), |_| {})
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidParam { name: "chunk", .. }),
        "{e}"
    );
    assert_eq!(w.nchunks(), 3);
    assert_eq!(w.nbytes(), 2 * CHUNK as u64 + 100);
}

fn failing_registry(bad: u64) -> Registry {
    let mut r = Registry::new();
    let meta = PluginMeta {
        id: 200,
        kind: PluginKind::Codec,
        name: "fails-on".into(),
        version: "1".into(),
        sha256: [0; 32],
    };
    // Keeps the first half of each block (then declines: stored raw),
    // refusing any block of chunk `bad`.
    let encode = move |input: &[u8], info: &BlockInfo, out: &mut Vec<u8>| {
        if info.chunk_index == bad {
            return Err(PluginError::Refused {
                message: format!("chunk {bad}"),
            });
        }
        out.clear();
        out.extend_from_slice(&input[..input.len() / 2]);
        Ok(false)
    };
    let decode = |input: &[u8], _: &BlockInfo, out: &mut [u8]| {
        out.copy_from_slice(input);
        Ok(())
    };
    let codec = FnCodec::new(meta, encode, decode);
    r.register_codec(Arc::new(codec)).unwrap();
    r
}

#[test]
fn a_failing_chunk_is_the_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let data = walk(20 * CHUNK);
    for bad in [0, 1, 7, 19] {
        for threads in [1, 2, 4] {
            let cp = CParams {
                codec: 200,
                ..cp(threads)
            };
            let e = pipelined(&path, &data, cp, failing_registry(bad)).unwrap_err();
            assert!(
                matches!(e, Error::Plugin { chunk, id: 200, .. } if chunk == bad),
                "chunk {bad}, {threads} threads: {e}"
            );
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert!(left.is_empty(), "nothing left behind: {left:?}");
        }
    }
}

#[test]
fn a_read_error_stops_the_stream_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    for threads in [1, 2, 4] {
        let mut w = PipelinedWriter::new(
            FrameWriter::create(&path, cp(threads), CHUNK, Vec::new(), Registry::new()).unwrap(),
        );
        let mut calls = 0;
        let e = w
            .append_from(
                |buf| {
                    calls += 1;
                    if calls == 6 {
                        return Err(Stop("disk on fire".into()));
                    }
                    buf.fill(calls as u8);
                    Ok(buf.len())
                },
                |_| {},
            )
            .unwrap_err();
        assert_eq!(e, Stop("disk on fire".into()));
        assert_eq!(calls, 6, "nothing read after the error");
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

/// A caller's own error type, as the CLI and the service have theirs.
#[derive(Debug, PartialEq)]
struct Stop(String);

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop(e.to_string())
    }
}

#[test]
fn decompress_in_order_gives_every_chunk_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let data = walk(23 * CHUNK + 12);
    sequential(&path, &data, cp(1), Registry::new()).unwrap();
    let mut f = Frame::open(&path).unwrap();
    for threads in [1, 2, 3, 4] {
        f.set_dparams(DParams {
            nthreads: threads,
            ..DParams::default()
        });
        for range in [0..24, 0..1, 5..6, 3..17, 23..24, 4..4] {
            let mut back = Vec::new();
            let mut next = range.start;
            f.decompress_in_order(range.clone(), |i, bytes| {
                assert_eq!(i, next);
                next += 1;
                back.extend_from_slice(bytes);
                Ok::<_, Error>(())
            })
            .unwrap();
            let want = &data[range.start * CHUNK..(range.end * CHUNK).min(data.len())];
            assert!(back == want, "{threads} threads, chunks {range:?}");
        }
        let e = f
            .decompress_in_order(0..25, |_, _| Ok::<_, Error>(()))
            .unwrap_err();
        assert!(matches!(e, Error::OutOfRange { .. }), "{e}");
    }
}

#[test]
fn decompress_in_order_stops_at_the_first_bad_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let data = walk(12 * CHUNK);
    sequential(&path, &data, cp(1), Registry::new()).unwrap();
    // Flip a byte inside chunk 4's streams: its checksum no longer matches.
    let f = Frame::open(&path).unwrap();
    let Some(sandpress_format::frame::ChunkLoc::At(at)) = f.chunk_loc(4) else {
        panic!("chunk 4 is stored");
    };
    let start = u64::from(f.header().header_len) + at;
    let len = f.chunk(4).unwrap().len() as u64;
    drop(f);
    let mut bytes = std::fs::read(&path).unwrap();
    let i = (start + len - 3) as usize;
    bytes[i] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let mut f = Frame::open(&path).unwrap();
    for threads in [1, 2, 4] {
        f.set_dparams(DParams {
            nthreads: threads,
            ..DParams::default()
        });
        let mut given = Vec::new();
        let e = f
            .decompress_in_order(0..12, |i, _| {
                given.push(i);
                Ok::<_, Error>(())
            })
            .unwrap_err();
        // A checksum mismatch or a malformed stream, named chunk 4.
        assert!(e.to_string().contains("chunk 4"), "{threads} threads: {e}");
        assert_eq!(given, [0, 1, 2, 3]);
        // The sink's own error stops it too.
        let e = f
            .decompress_in_order(0..12, |i, _| {
                if i == 2 {
                    Err(Stop("full".into()))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert_eq!(e, Stop("full".into()));
    }
}

#[test]
fn decompress_to_file_puts_every_chunk_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let (path, out) = (dir.path().join("a"), dir.path().join("out"));
    let data = walk(19 * CHUNK + 400);
    sequential(&path, &data, cp(1), Registry::new()).unwrap();
    let mut f = Frame::open(&path).unwrap();
    for threads in [1, 2, 3, 4] {
        f.set_dparams(DParams {
            nthreads: threads,
            ..DParams::default()
        });
        for range in [0..20, 0..1, 7..20, 3..3] {
            let file = std::fs::File::create(&out).unwrap();
            std::io::Write::write_all(&mut &file, b"head").unwrap();
            let mut seen = 0;
            f.decompress_to_file(range.clone(), &file, 4, &out, |n| seen += n)
                .unwrap();
            let want = &data[range.start * CHUNK..(range.end * CHUNK).min(data.len())];
            let got = std::fs::read(&out).unwrap();
            assert!(
                got[..4] == *b"head" && got[4..] == *want,
                "{threads} threads, chunks {range:?}"
            );
            assert_eq!(seen, want.len() as u64);
        }
    }
}
