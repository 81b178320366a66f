//! Data integrity (rows 2 and 7 of the table in `scripts/attacks`): verify
//! on write, per-chunk checksums, and memory bounded by what a chunk
//! really decodes to.

use std::path::Path;

use sandpress_core::format::{ChunkHeader, HEADER_LEN, Stream, write_stream};
use sandpress_core::pipeline::compress_chunk;
use sandpress_core::plugin::PluginKind;
use sandpress_core::{CParams, DParams, Error, FilterChain, Registry, SChunk, SplitMode};
use sandpress_frame::{Frame, FrameWriter, SChunkFile, checksums};

use crate::common::{guest, i32_le_bytes, path_arg, sandbox, with_codec};

const ID: u8 = 170;
/// Bytes per block and per chunk: four blocks a chunk.
const BLOCK: usize = 1024;
const CHUNK: usize = 4 * BLOCK;

/// Parameters for the trim codecs: int32, blocks of 1 KiB, one stream per
/// block, no filter.
fn cparams(codec: u8, threads: usize, verify: bool) -> CParams {
    CParams {
        codec,
        typesize: 4,
        blocksize: BLOCK,
        splitmode: SplitMode::Never,
        filters: FilterChain::new(),
        nthreads: threads,
        verify,
        ..CParams::default()
    }
}

/// A registry with a fresh load of guest `wat` as codec [`ID`] (fresh
/// instances, call counters at zero).
fn registry(wat: &str) -> Registry {
    with_codec(
        sandbox()
            .load_codec(wat, ID, &guest(wat))
            .expect("guest loads"),
    )
}

/// Three chunks of int32 whose blocks each end in 128 zero items, so the
/// trim codecs halve every block.
fn data() -> Vec<u8> {
    (0..3 * CHUNK as i32 / 4)
        .map(|i| if i % 256 < 128 { i } else { 0 })
        .flat_map(i32::to_le_bytes)
        .collect()
}

fn schunk(wat: &str, threads: usize, verify: bool) -> SChunk {
    let dp = DParams {
        nthreads: threads,
        ..DParams::default()
    };
    SChunk::new(CHUNK, cparams(ID, threads, verify), dp, registry(wat)).unwrap()
}

#[test]
fn verify_on_write_catches_a_codec_that_drifts_with_its_call_count() {
    for wat in ["drift_encode_codec.wat", "drift_decode_codec.wat"] {
        // One thread: the encoder's (or the verifier's) second call is block 1.
        let mut s = schunk(wat, 1, true);
        let err = s.append(&data()).expect_err("verify must catch it");
        match err {
            Error::Verify {
                kind: PluginKind::Codec,
                id: ID,
                chunk: 0,
                block: 1,
                reason,
            } => assert_eq!((reason.offset, reason.first_difference), (0, 0), "{wat}"),
            other => panic!("{wat}: expected a verify error on chunk 0, block 1, got {other}"),
        }
        assert_eq!(s.nchunks(), 0, "{wat}: nothing may be written");
        // Two threads: some block of some chunk, always the codec named.
        let mut s = schunk(wat, 2, true);
        let err = s.append(&data()).expect_err("verify must catch it");
        assert!(
            matches!(
                err,
                Error::Verify {
                    kind: PluginKind::Codec,
                    id: ID,
                    ..
                }
            ),
            "{wat}: {err}"
        );
        assert_eq!(s.nchunks(), 0);
    }
}

#[test]
fn an_honest_codec_passes_verify_and_round_trips() {
    // The drift starts at an instance's second call: before, the trim
    // codecs are honest, and verify on write lets them through.
    for wat in ["drift_encode_codec.wat", "drift_decode_codec.wat"] {
        let mut s = schunk(wat, 1, true);
        // One block: one encode and one verify decode, both first calls.
        let one = data()[..BLOCK].to_vec();
        s.append(&one).expect("first calls are honest");
        assert_eq!(s.decompress_chunk_vec(0).unwrap(), one, "{wat}");
    }
}

#[test]
fn verify_of_many_blocks_on_two_threads_does_not_nest_on_one_stack() {
    // 64 MB in chunks of 8 MB of 16 KiB blocks on two threads, every
    // block encoded by a plugin verified. A worker that waited for its
    // verify inside the pool ran other blocks meanwhile, each waiting in
    // turn on the same stack, until the process aborted with a stack
    // overflow (found by `sandpress bench --integrity`).
    let codec = sandbox()
        .load_codec("repeat", 160, sandpress_example_plugins::REPEAT_CODEC)
        .expect("loads");
    let cp = CParams {
        codec: 160,
        typesize: 4,
        blocksize: 16 << 10,
        filters: FilterChain::new(),
        nthreads: 2,
        ..CParams::default()
    };
    let data = i32_le_bytes(0..16 << 20);
    let mut s = SChunk::new(8 << 20, cp, DParams::default(), with_codec(codec)).unwrap();
    s.append(&data).expect("an honest codec passes verify");
    let mut back = vec![0; data.len()];
    s.get_slice(0..s.nitems(), &mut back).unwrap();
    assert!(back == data);
}

/// Writes `data` with verify off and reads it back with fresh instances.
fn written_without_verify(wat: &str, dir: &Path) -> Frame {
    let path = dir.join(format!("{wat}.b2frame"));
    let mut s = schunk(wat, 1, false);
    s.append(&data())
        .expect("without verify the drift goes unnoticed");
    s.save(&path).unwrap();
    let mut f = Frame::open(&path).unwrap();
    f.set_registry(registry(wat)).unwrap();
    f
}

#[test]
fn without_verify_the_checksum_catches_the_drift_on_read() {
    let dir = tempfile::tempdir().unwrap();
    for wat in ["drift_encode_codec.wat", "drift_decode_codec.wat"] {
        let mut f = written_without_verify(wat, dir.path());
        assert!(
            f.checksum(0).is_some(),
            "{wat}: checksums are written by default"
        );
        match f.decompress_chunk_vec(0) {
            Err(Error::Checksum {
                chunk: 0,
                expected,
                found,
            }) => {
                assert_ne!(expected, found, "{wat}")
            }
            other => panic!("{wat}: expected a checksum error on chunk 0, got {other:?}"),
        }
        // What the check prevents: the same read unchecked gives wrong bytes.
        f.set_dparams(DParams {
            check: false,
            ..DParams::default()
        });
        let out = f.decompress_chunk_vec(0).expect("unchecked");
        assert_ne!(
            out,
            data()[..CHUNK],
            "{wat}: the drift should have changed the data"
        );
    }
}

/// Runs `sandpress ARGS` in process; returns (exit code, stderr).
fn cli(args: &[&str]) -> (i32, String) {
    let (code, _, err) = crate::common::run_cli(args);
    (code, err)
}

#[test]
fn cli_compress_fails_verify_and_a_no_verify_frame_fails_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("ints.raw");
    std::fs::write(&raw, data()).unwrap();
    for wat in ["drift_encode_codec.wat", "drift_decode_codec.wat"] {
        let wasm = dir.path().join(wat.replace(".wat", ".wasm"));
        std::fs::write(&wasm, guest(wat)).unwrap();
        let codec = format!("{ID}={}", path_arg(&wasm));
        let frame = dir.path().join(wat.replace(".wat", ".b2frame"));
        let compress = |extra: &[&str]| {
            let mut args = vec![
                "compress",
                path_arg(&raw),
                "-o",
                path_arg(&frame),
                "-f",
                "--codec",
                codec.as_str(),
                "--filter",
                "none",
                "--typesize",
                "4",
                "--chunksize",
                "4K",
                "--blocksize",
                "1K",
                "--splitmode",
                "never",
                "-T",
                "1",
            ];
            args.extend_from_slice(extra);
            cli(&args)
        };
        let (code, err) = compress(&[]);
        assert_eq!(code, 1, "{wat}: compress must fail verify: {err}");
        assert!(
            err.contains("verify on write") && err.contains("codec plugin 170"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!frame.exists(), "{wat}: nothing may be written");

        let (code, err) = compress(&["--no-verify"]);
        assert_eq!(code, 0, "{wat}: {err}");
        let out = dir.path().join(wat.replace(".wat", ".out"));
        let plugin = format!("{ID}={}", path_arg(&wasm));
        let decompress = |extra: &[&str]| {
            let mut args = vec![
                "decompress",
                path_arg(&frame),
                "-o",
                path_arg(&out),
                "-f",
                "--plugin",
                plugin.as_str(),
            ];
            args.extend_from_slice(extra);
            cli(&args)
        };
        let (code, err) = decompress(&[]);
        assert_eq!(code, 1, "{wat}: decompress must fail the checksum: {err}");
        assert!(err.contains("chunk 0 is corrupt"), "{wat}: {err}");
        assert!(!out.exists(), "{wat}: no output on a failed checksum");
        let (code, err) = decompress(&["--no-check"]);
        assert_eq!(code, 0, "{wat}: {err}");
        assert_ne!(
            std::fs::read(&out).unwrap(),
            data(),
            "{wat}: unchecked, the data is wrong"
        );
    }
}

#[test]
fn a_chunk_damaged_on_disk_fails_its_checksum_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.b2frame");
    // clevel 0: chunks are stored as is, so a flipped byte still decodes.
    let cp = CParams {
        clevel: 0,
        typesize: 4,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(&path, cp, CHUNK, Vec::new(), Registry::new()).unwrap();
    w.append(&data()).unwrap();
    w.finish().unwrap();
    let f = Frame::open(&path).unwrap();
    let Some(sandpress_core::format::frame::ChunkLoc::At(off)) = f.chunk_loc(1) else {
        panic!("chunk 1 is stored");
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let at = f.header().header_len as usize + off as usize + HEADER_LEN + 100;
    bytes[at] ^= 0x40;
    let mut f = Frame::from_bytes(bytes).unwrap();
    assert_eq!(f.decompress_chunk_vec(0).unwrap(), data()[..CHUNK]);
    assert!(matches!(
        f.decompress_chunk_vec(1),
        Err(Error::Checksum { chunk: 1, .. })
    ));
    f.set_dparams(DParams {
        check: false,
        ..DParams::default()
    });
    f.decompress_chunk_vec(1).expect("unchecked");
}

#[test]
fn frame_edits_keep_checksums_with_their_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.b2frame");
    let cp = CParams {
        typesize: 4,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(&path, cp.clone(), CHUNK, Vec::new(), Registry::new()).unwrap();
    w.append(&data()).unwrap();
    w.finish().unwrap();
    let sum = |i: usize| checksums::of(&data()[i * CHUNK..(i + 1) * CHUNK]);
    let mut f = Frame::open_rw(&path).unwrap();
    assert_eq!(
        (0..3).map(|i| f.checksum(i)).collect::<Vec<_>>(),
        (0..3).map(|i| Some(sum(i))).collect::<Vec<_>>()
    );

    // A chunk given compressed has no checksum; the others keep theirs.
    let other = i32_le_bytes(7..7 + CHUNK as i32 / 4);
    let chunk = compress_chunk(&other, &cp, &Registry::new(), 0).unwrap();
    f.insert_chunk(1, chunk.clone()).unwrap();
    assert_eq!(
        (0..4).map(|i| f.checksum(i)).collect::<Vec<_>>(),
        [Some(sum(0)), None, Some(sum(1)), Some(sum(2))]
    );
    f.update_chunk(3, chunk).unwrap();
    f.delete_chunk(0).unwrap();
    f.append(&i32_le_bytes(0..CHUNK as i32 / 4)).unwrap();
    let expect = [
        None,
        Some(sum(1)),
        None,
        Some(checksums::of(&i32_le_bytes(0..CHUNK as i32 / 4))),
    ];
    assert_eq!((0..4).map(|i| f.checksum(i)).collect::<Vec<_>>(), expect);
    // Reopened and compacted, they stay with their chunks; all read checked.
    let mut f = Frame::open_rw(&path).unwrap();
    assert_eq!((0..4).map(|i| f.checksum(i)).collect::<Vec<_>>(), expect);
    f.compact().unwrap();
    assert_eq!((0..4).map(|i| f.checksum(i)).collect::<Vec<_>>(), expect);
    for i in 0..4 {
        f.decompress_chunk_vec(i).unwrap();
    }
    // Through an SChunk and back.
    let sc = SChunk::open(&path, Registry::new()).unwrap();
    assert_eq!((0..4).map(|i| sc.checksum(i)).collect::<Vec<_>>(), expect);
    let copy = dir.path().join("copy.b2frame");
    sc.save(&copy).unwrap();
    let f = Frame::open(&copy).unwrap();
    assert_eq!((0..4).map(|i| f.checksum(i)).collect::<Vec<_>>(), expect);
}

#[test]
fn checksums_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.b2frame");
    let cp = CParams {
        typesize: 4,
        checksums: false,
        ..CParams::default()
    };
    let mut w = FrameWriter::create(&path, cp, CHUNK, Vec::new(), Registry::new()).unwrap();
    w.append(&data()).unwrap();
    w.finish().unwrap();
    let f = Frame::open(&path).unwrap();
    assert!(f.vlmeta_names().all(|n| n != checksums::VLMETA_NAME));
    assert_eq!(f.checksum(0), None);
    assert_eq!(f.decompress_chunk_vec(2).unwrap(), data()[2 * CHUNK..]);
}

/// Peak resident memory of this process so far, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Row 7: a small frame whose one chunk claims ~2 GB for a user codec.
#[test]
fn a_chunk_claiming_2_gb_fails_without_the_claim_becoming_resident() {
    const CLAIM: u32 = 2_000_000_000;
    let dir = tempfile::tempdir().unwrap();
    let wat = "identity_codec.wat";
    let wasm = dir.path().join("identity.wasm");
    std::fs::write(&wasm, guest(wat)).unwrap();
    // Blocks of 500 MB (the format allows up to 512 MiB), each one
    // 8-byte stream that the identity codec answers as 8 bytes.
    const BLOCKSIZE: u32 = 500_000_000;
    let nblocks = CLAIM.div_ceil(BLOCKSIZE) as usize;
    let mut h = ChunkHeader::new(ID, 1, CLAIM, BLOCKSIZE);
    h.set_dont_split(true);
    FilterChain::shuffle().write_to(&mut h);
    let bstarts_end = HEADER_LEN + 4 * nblocks;
    let mut body = Vec::new();
    let mut starts = Vec::new();
    for _ in 0..nblocks {
        starts.extend_from_slice(&((bstarts_end + body.len()) as u32).to_le_bytes());
        write_stream(&mut body, Stream::Compressed(&[1, 2, 3, 4, 5, 6, 7, 8]));
    }
    h.cbytes = (bstarts_end + body.len()) as u32;
    let mut chunk = h.to_bytes().to_vec();
    chunk.extend_from_slice(&starts);
    chunk.extend_from_slice(&body);
    let path = dir.path().join("claim.b2frame");
    let cp = cparams(ID, 1, true);
    let mut w = FrameWriter::create(&path, cp, CLAIM as usize, Vec::new(), registry(wat)).unwrap();
    w.append_chunk(&chunk).unwrap();
    w.finish().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 4096);

    let out = dir.path().join("claim.raw");
    let plugin = format!("{ID}={}", path_arg(&wasm));
    let (code, err) = cli(&[
        "decompress",
        path_arg(&path),
        "-o",
        path_arg(&out),
        "--plugin",
        plugin.as_str(),
        "-T",
        "1",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("codec plugin 170 failed on chunk 0, block 0")
            && err.contains(&format!("returned 8 bytes where {BLOCKSIZE} were required")),
        "{err}"
    );
    if let Some(peak) = peak_rss() {
        assert!(
            peak < 1 << 30,
            "peak RSS {peak} bytes: the 2 GB claim was made resident"
        );
    }
}
