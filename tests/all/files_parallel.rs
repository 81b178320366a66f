//! The file commands on every core: `compress` and `decompress` overlap
//! reading, chunk-parallel work and an ordered writer; what they write
//! must not depend on the thread count, and a failure in any chunk must
//! leave nothing behind.

use std::path::Path;

use sandpress_core::{CParams, Registry};
use sandpress_frame::{Frame, FrameWriter};

use crate::common::{guest, path_arg};
use crate::files::{fails, ok, walk};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The frame the library's sequential writer makes of `data`.
fn sequential(path: &Path, data: &[u8], chunksize: usize, threads: usize) -> Vec<u8> {
    let cp = CParams {
        typesize: 4,
        nthreads: threads,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(path, cp, chunksize, Vec::new(), Registry::new()).unwrap();
    w.append(data).unwrap();
    w.finish().unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn frames_do_not_depend_on_threads_and_keep_chunk_order() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("walk.raw");
    let frame = dir.path().join("walk.b2frame");
    let back = dir.path().join("back.raw");
    let want = dir.path().join("want.b2frame");
    // One short chunk, one whole chunk, and 11 chunks with a short last one.
    for (items, chunksize) in [(1000, 64 << 10), (16 << 10, 64 << 10), (700_001, 256 << 10)] {
        let data = walk(items);
        std::fs::write(&raw, &data).unwrap();
        for threads in [1, 2, 3, 4] {
            let t = threads.to_string();
            let cs = chunksize.to_string();
            ok(&[
                "compress",
                path_arg(&raw),
                "-o",
                path_arg(&frame),
                "-f",
                "--typesize",
                "4",
                "--chunksize",
                &cs,
                "-T",
                &t,
            ]);
            let got = std::fs::read(&frame).unwrap();
            // -T is capped at the number of chunks, which the header records.
            let used = threads.min(data.len().div_ceil(chunksize));
            let expected = sequential(&want, &data, chunksize, used);
            assert!(
                got == expected,
                "{items} items, {threads} threads: not the sequential writer's frame"
            );
            ok(&[
                "decompress",
                path_arg(&frame),
                "-o",
                path_arg(&back),
                "-f",
                "-T",
                &t,
            ]);
            assert!(
                std::fs::read(&back).unwrap() == data,
                "{items} items, {threads} threads: bytes back"
            );
        }
    }
    assert_eq!(
        names(dir.path()),
        ["back.raw", "walk.b2frame", "walk.raw", "want.b2frame"]
    );
}

#[test]
fn a_chunk_a_plugin_refuses_fails_the_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let codec = dir.path().join("err.wasm");
    std::fs::write(&codec, guest("err_codec.wat")).unwrap();
    let codec = format!("160={}", path_arg(&codec));
    let raw = dir.path().join("x.raw");
    // Chunks of one block each; err_codec refuses a block starting 0xFF.
    let chunk = 64 << 10;
    for bad in [0usize, 3, 9] {
        let mut data: Vec<u8> = (0..10 * chunk).map(|i| (i % 199) as u8).collect();
        data[bad * chunk] = 0xFF;
        std::fs::write(&raw, &data).unwrap();
        for threads in ["1", "2", "4"] {
            let e = fails(&[
                "compress",
                path_arg(&raw),
                "--rm",
                "--typesize",
                "1",
                "--filter",
                "none",
                "--chunksize",
                "64K",
                "--blocksize",
                "64K",
                "--codec",
                &codec,
                "-T",
                threads,
            ]);
            assert!(
                e.contains(&format!("chunk {bad}, block 0")) && e.contains("refused by err_codec"),
                "{threads} threads: {e}"
            );
            assert_eq!(
                names(dir.path()),
                ["err.wasm", "x.raw"],
                "input kept, no output"
            );
        }
    }
    // The same pipeline without the bad byte compresses, with --rm.
    let data: Vec<u8> = (0..10 * chunk).map(|i| (i % 199) as u8).collect();
    std::fs::write(&raw, &data).unwrap();
    ok(&[
        "compress",
        path_arg(&raw),
        "--rm",
        "--typesize",
        "1",
        "--filter",
        "none",
        "--chunksize",
        "64K",
        "--codec",
        &codec,
        "--embed-plugins",
        "-T",
        "2",
    ]);
    assert_eq!(names(dir.path()), ["err.wasm", "x.raw.b2frame"]);
    let f = Frame::open(dir.path().join("x.raw.b2frame")).unwrap();
    assert_eq!(f.nchunks(), 10);
    ok(&[
        "decompress",
        path_arg(&dir.path().join("x.raw.b2frame")),
        "-T",
        "2",
    ]);
    assert!(std::fs::read(&raw).unwrap() == data);
}
