//! Malformed frames: the regression corpus `tests/corpus/frames/` (each file
//! named for what is wrong with it, each failing with one specific typed
//! error), and random damage to valid frames and chunks (proptest), all run
//! through the fuzz bodies of `sandpress_core::fuzzing`.
//!
//! The files are made by `corpus/make.rs` from valid frames; a file the
//! fuzzer found is kept as found, named `fuzz-*`.

mod make;

use std::path::PathBuf;

use proptest::prelude::*;
use sandpress_core::Error;
use sandpress_core::format::frame::FrameError;
use sandpress_core::format::{FormatError, Special};
use sandpress_core::frame::Frame;
use sandpress_core::fuzzing;
use sandpress_core::pipeline::special_chunk;

use make::*;

/// What a corpus file does when read.
#[derive(Clone, Copy)]
enum Expect {
    /// `Frame::from_bytes` fails with this error.
    Open(Check),
    /// The frame opens; decompressing chunk `.0` fails with this error.
    Chunk(usize, Check),
    /// The frame opens; reading vlmeta `.0` fails with this error.
    Vlmeta(&'static str, Check),
    /// The frame opens (the file documents a case that is not an error).
    Opens,
}

/// An error pattern, as text and as a test.
type Check = (&'static str, fn(&Error) -> bool);

macro_rules! is {
    ($p:pat) => {
        (stringify!($p), |e: &Error| matches!(e, $p))
    };
}

/// One corpus file: its name, how it is made (`None`: found by the
/// fuzzer, kept as found) and what reading it does.
struct Case {
    file: &'static str,
    make: Option<fn() -> Vec<u8>>,
    expect: Expect,
}

const fn case(file: &'static str, make: fn() -> Vec<u8>, expect: Expect) -> Case {
    Case {
        file,
        make: Some(make),
        expect,
    }
}

use Expect::{Chunk, Open, Opens, Vlmeta};

/// The python frame is 583 bytes: header 0..133 (metalayers from 87),
/// chunks 133..393 (three, at 0, 100 and 190 of the section), offsets index
/// 393..449, trailer 449..583.
fn cases() -> Vec<Case> {
    vec![
        // Truncated: an empty file, inside the magic, the header, the
        // metalayers, the chunks, the index and the trailer.
        case(
            "empty.b2frame",
            Vec::new,
            Open(is!(Error::Frame(FrameError::BadMagic))),
        ),
        case(
            "truncated-in-magic.b2frame",
            || cut(python(), 6),
            Open(is!(Error::Frame(FrameError::Truncated {
                what: "magic",
                ..
            }))),
        ),
        case(
            "truncated-in-fixed-header.b2frame",
            || cut(python(), 60),
            Open(is!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 133,
                available: 60,
                ..
            }))),
        ),
        case(
            "truncated-in-metalayers.b2frame",
            || cut(python(), 110),
            Open(is!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 133,
                available: 110,
                ..
            }))),
        ),
        case(
            "truncated-in-chunks.b2frame",
            || cut(python(), 300),
            Open(is!(Error::Frame(FrameError::Truncated {
                what: "the frame, as long as its header says",
                needed: 583,
                available: 300,
                ..
            }))),
        ),
        case(
            "truncated-in-index.b2frame",
            || cut(python(), 420),
            Open(is!(Error::Frame(FrameError::Truncated {
                needed: 583,
                available: 420,
                ..
            }))),
        ),
        case(
            "truncated-in-trailer.b2frame",
            || cut(python(), 540),
            Open(is!(Error::Frame(FrameError::Truncated {
                needed: 583,
                available: 540,
                ..
            }))),
        ),
        case(
            "truncated-in-chunks-frame-len-fixed.b2frame",
            || cut_fixed(python(), 300),
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "trailer length",
                offset: 277,
                ..
            }))),
        ),
        case(
            "truncated-in-trailer-frame-len-fixed.b2frame",
            || cut_fixed(python(), 578),
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "trailer length",
                ..
            }))),
        ),
        case(
            "truncated-last-chunk-index-kept.b2frame",
            || {
                let mut p = Parts::of(&python());
                p.chunks.truncate(220);
                p.join()
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "chunk cbytes",
                ..
            }))),
        ),
        case(
            "index-missing.b2frame",
            || {
                let mut p = Parts::of(&python());
                p.index.clear();
                p.join()
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                ..
            }))),
        ),
        // Magic and versions.
        case(
            "wrong-magic.b2frame",
            || put(python(), 3, b"X"),
            Open(is!(Error::Frame(FrameError::BadMagic))),
        ),
        case(
            "wrong-frame-version.b2frame",
            || put(python(), FLAGS_AT, &[0x17]),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "version",
                found: 7,
                ..
            }))),
        ),
        case(
            "wrong-offset-width-32-bits.b2frame",
            || put(python(), FLAGS_AT, &[0x02]),
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "wrong-trailer-version.b2frame",
            || {
                let b = python();
                let at = trailer_at(&b) + 1;
                put(b, at, &[2])
            },
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "wrong-chunk-version.b2frame",
            || {
                let b = python();
                let at = chunk_at(&b, 1);
                put(b, at, &[9])
            },
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::Version { found: 9, .. },
                ..
            }))),
        ),
        // The offsets index.
        case(
            "index-offset-past-end.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                with_index(&b, &[o[0] as i64, o[1] as i64, 1_000_000])
            },
            Open(is!(Error::Frame(FrameError::BadOffset {
                chunk: 2,
                offset: 1_000_000,
                ..
            }))),
        ),
        case(
            "index-offset-at-section-end.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                let end = Parts::of(&b).chunks.len() as i64;
                with_index(&b, &[o[0] as i64, end, o[2] as i64])
            },
            Open(is!(Error::Frame(FrameError::BadOffset { chunk: 1, .. }))),
        ),
        case(
            "index-offset-into-chunk-middle.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                with_index(&b, &[o[0] as i64, o[1] as i64 + 5, o[2] as i64])
            },
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::InvalidHeader {
                    field: "typesize",
                    ..
                },
                ..
            }))),
        ),
        // A negative entry is a special chunk when its zeros bit (56) is
        // set, as C-Blosc2 reads it: -133, "back to byte 0 of the header",
        // is a chunk of zeros, not an error.
        case(
            "index-entry-into-header-reads-as-zeros.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                with_index(&b, &[-133, o[1] as i64, o[2] as i64])
            },
            Opens,
        ),
        case(
            "index-entry-unknown-special.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                with_index(&b, &[i64::MIN | 133, o[1] as i64, o[2] as i64])
            },
            Open(is!(Error::Frame(FrameError::BadOffset {
                chunk: 0,
                offset: i64::MIN..=-1,
                limit: 0,
            }))),
        ),
        case(
            "index-extra-entry.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                let e: Vec<i64> = [o[0], o[1], o[2], o[2]].map(|v| v as i64).into();
                with_index(&b, &e)
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                ..
            }))),
        ),
        case(
            "index-not-multiple-of-8.b2frame",
            || {
                let mut p = Parts::of(&sandpress());
                p.index = meta_chunk(&[0; 20]);
                p.join()
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "offsets index size",
                found: 20,
                ..
            }))),
        ),
        case(
            "index-chunk-claims-2gb.b2frame",
            || {
                let mut p = Parts::of(&python());
                p.index = special_chunk(Special::Zeros, 8, 0x7fff_0000, &[]).unwrap();
                p.join()
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "metadata chunk size",
                ..
            }))),
        ),
        case(
            "index-chunk-cbytes-past-index.b2frame",
            || {
                // A raw chunk: nbytes and cbytes both 10 bytes too large.
                let mut p = Parts::of(&python());
                let n = p.index.len() as u32 + 10;
                p.index[4..8].copy_from_slice(&(n - 32).to_le_bytes());
                p.index[12..16].copy_from_slice(&n.to_le_bytes());
                p.join()
            },
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::Truncated { what: "chunk", .. },
                ..
            }))),
        ),
        // Sizes that disagree.
        case(
            "nbytes-disagrees-with-chunks.b2frame",
            || put(python(), NBYTES_AT, &404i64.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                found: 404,
                ..
            }))),
        ),
        case(
            "nbytes-negative.b2frame",
            || put(python(), NBYTES_AT, &(-1i64).to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                found: -1,
                ..
            }))),
        ),
        case(
            "cbytes-runs-into-trailer.b2frame",
            || put(python(), CBYTES_AT, &360i64.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "cbytes",
                found: 360,
                ..
            }))),
        ),
        case(
            "cbytes-short-of-index.b2frame",
            || put(python(), CBYTES_AT, &220i64.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::Chunk { .. }))),
        ),
        case(
            "chunk-cbytes-past-section.b2frame",
            || chunk_field(python(), 1, 12, 1000),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "chunk cbytes",
                found: 1000,
                ..
            }))),
        ),
        case(
            "chunk-cbytes-smaller-than-header.b2frame",
            || chunk_field(python(), 0, 12, 8),
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::InvalidHeader {
                    field: "cbytes",
                    ..
                },
                ..
            }))),
        ),
        case(
            "chunk-claims-2gb.b2frame",
            || {
                let b = chunk_field(python(), 0, 4, 0x7fff_ffdc);
                put(b, NBYTES_AT, &(0x7fff_ffdci64 + 240).to_be_bytes())
            },
            Chunk(
                0,
                is!(Error::Format {
                    source: FormatError::Truncated {
                        what: "block starts",
                        ..
                    },
                    ..
                }),
            ),
        ),
        // Three special chunks of 2 GB each in a small frame: legitimate,
        // opened without allocating them (the fuzz body skips decoding).
        case(
            "special-chunks-claim-6gb.b2frame",
            || {
                let z = (1i64 << 63) | (1 << 56);
                let b = with_index(&sandpress(), &[z, z, z]);
                let b = put(b, CHUNKSIZE_AT, &0x7fff_ffdci32.to_be_bytes());
                put(b, NBYTES_AT, &(3 * 0x7fff_ffdci64).to_be_bytes())
            },
            Opens,
        ),
        case(
            "special-chunk-in-variable-size-frame.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                let z = (1i64 << 63) | (1 << 56);
                let b = with_index(&b, &[z, o[1] as i64, o[2] as i64]);
                put(b, CHUNKSIZE_AT, &0i32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        // The trailer's length.
        case(
            "trailer-len-larger-than-file.b2frame",
            || {
                let b = python();
                let at = b.len() - 22;
                put(b, at, &584u32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "trailer length",
                found: 584,
                ..
            }))),
        ),
        case(
            "trailer-len-too-short.b2frame",
            || {
                let b = python();
                let at = b.len() - 22;
                put(b, at, &10u32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "trailer length",
                found: 10,
                ..
            }))),
        ),
        case(
            "trailer-len-into-index.b2frame",
            || {
                let b = python();
                let at = b.len() - 22;
                put(b, at, &164u32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "trailer array",
                ..
            }))),
        ),
        case(
            "trailer-len-marker-wrong.b2frame",
            || {
                let b = python();
                let at = b.len() - 23;
                put(b, at, &[0xcd])
            },
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "trailer length",
                found: 0xcd,
                expected: 0xce,
                ..
            }))),
        ),
        // Metalayers and vlmeta.
        case(
            "vlmeta-offset-out-of-range.b2frame",
            || {
                let b = python();
                let at = layer_offset_at(&b, trailer_at(&b), "v1");
                put(b, at, &0x7fff_0000i32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "vlmetalayers",
                found: 0x7fff_0000,
                ..
            }))),
        ),
        case(
            "vlmeta-offset-negative.b2frame",
            || {
                let b = python();
                let at = layer_offset_at(&b, trailer_at(&b), "v2");
                put(b, at, &(-1i32).to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "vlmetalayers",
                found: -1,
                ..
            }))),
        ),
        case(
            "vlmeta-value-marker-wrong.b2frame",
            || {
                let b = python();
                let t = trailer_at(&b);
                let at = layer_offset_at(&b, t, "v1");
                let off = i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
                put(b, t + off as usize, &[0xc4])
            },
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "vlmetalayers",
                found: 0xc4,
                expected: 0xc6,
                ..
            }))),
        ),
        case(
            "vlmeta-count-mismatch.b2frame",
            || {
                let b = python();
                let t = trailer_at(&b);
                // The values array (0xdc, u16 count) follows the last name.
                let at = layer_offset_at(&b, t, "v2") + 4;
                assert_eq!(b[at], 0xdc);
                put(b, at + 1, &3u16.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "vlmetalayers",
                found: 3,
                ..
            }))),
        ),
        case(
            "metalayer-offset-out-of-range.b2frame",
            || {
                let b = python();
                let at = layer_offset_at(&b, 87, "m1");
                put(b, at, &5000i32.to_be_bytes())
            },
            Open(is!(Error::Frame(FrameError::BadField {
                field: "metalayers",
                found: 5000,
                ..
            }))),
        ),
        case(
            "header-nbytes-marker-wrong.b2frame",
            || put(python(), NBYTES_MARKER_AT, &[0xd2]),
            Open(is!(Error::Frame(FrameError::BadMarker {
                what: "nbytes",
                offset: 29,
                found: 0xd2,
                expected: 0xd3,
            }))),
        ),
        case(
            "vlmeta-chunk-claims-2gb.b2frame",
            || {
                let note = special_chunk(Special::Zeros, 1, 0x7fff_0000, &[]).unwrap();
                with_vlmeta(&sandpress(), &[("note", note)])
            },
            Vlmeta(
                "note",
                is!(Error::Frame(FrameError::BadField {
                    field: "metadata chunk size",
                    ..
                })),
            ),
        ),
        case(
            "vlmeta-chunk-truncated.b2frame",
            || {
                let mut note = meta_chunk(b"\xa5hello");
                note.truncate(20);
                with_vlmeta(&sandpress(), &[("note", note)])
            },
            Vlmeta(
                "note",
                is!(Error::Frame(FrameError::Chunk {
                    source: FormatError::Truncated { .. },
                    ..
                })),
            ),
        ),
        // The plugin table (vlmeta "sandpress.plugins").
        case(
            "plugin-table-not-msgpack.b2frame",
            || with_plugin_table(b"\xc1\xc1\xc1"),
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-not-an-array.b2frame",
            || with_plugin_table(b"\x81\xa1x\x01"),
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-truncated-msgpack.b2frame",
            || with_plugin_table(b"\x93\x80"),
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-bad-sha256.b2frame",
            || {
                with_plugin_table(
                    b"\x91\x85\xa2id\xcc\xa0\xa4kind\xa5codec\xa4name\xa1x\xa7version\xa11\xa6sha256\xa2zz",
                )
            },
            Open(is!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-chunk-truncated.b2frame",
            || {
                let mut table = meta_chunk(b"\x90");
                table.truncate(24);
                with_vlmeta(&sandpress(), &[("sandpress.plugins", table)])
            },
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::Truncated { .. },
                ..
            }))),
        ),
        // Other header fields.
        case(
            "header-len-below-minimum.b2frame",
            || put(python(), HEADER_LEN_AT, &50i32.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "header length",
                found: 50,
                ..
            }))),
        ),
        case(
            "header-len-past-end.b2frame",
            || put(python(), HEADER_LEN_AT, &10_000i32.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 10_000,
                ..
            }))),
        ),
        case(
            "frame-len-smaller-than-header.b2frame",
            || put(python(), FRAME_LEN_AT, &100u64.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "frame length",
                found: 100,
                ..
            }))),
        ),
        case(
            "typesize-zero.b2frame",
            || put(python(), TYPESIZE_AT, &0i32.to_be_bytes()),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "typesize",
                found: 0,
                ..
            }))),
        ),
        case(
            "filter-count-over-8.b2frame",
            || put(python(), NFILTERS_AT, &[9]),
            Open(is!(Error::Frame(FrameError::BadField {
                field: "filter count",
                found: 9,
                ..
            }))),
        ),
        // Chunks that open but do not decode.
        case(
            "chunk-stream-corrupt-zstd.b2frame",
            || {
                let b = python();
                // Chunk 2 is one zstd stream (its first two are stored raw).
                let at = chunk_at(&b, 2) + 44;
                put(b, at, &[0xff; 8])
            },
            Chunk(2, is!(Error::Builtin { what: "zstd", .. })),
        ),
        case(
            "chunk-block-start-into-header.b2frame",
            || {
                let b = python();
                let at = chunk_at(&b, 0) + 32;
                put(b, at, &10i32.to_le_bytes())
            },
            Chunk(
                0,
                is!(Error::Format {
                    source: FormatError::BadBlockStart { start: 10, .. },
                    ..
                }),
            ),
        ),
        case(
            "chunk-unknown-user-codec.b2frame",
            || {
                let b = sandpress();
                let at = chunk_at(&b, 0);
                let flags = (b[at + 2] & 0x1f) | (6 << 5);
                let b = put(b, at + 2, &[flags]);
                put(b, at + 22, &[200])
            },
            Chunk(0, is!(Error::UnknownCodec { id: 200, .. })),
        ),
        case(
            "chunk-unknown-filter.b2frame",
            || {
                let b = sandpress();
                let at = chunk_at(&b, 0) + 16 + 5;
                put(b, at, &[99])
            },
            Chunk(0, is!(Error::UnknownFilter { id: 99, .. })),
        ),
        case(
            "chunk-memcpyed-flag-on-compressed-chunk.b2frame",
            || {
                let b = sandpress();
                let at = chunk_at(&b, 0) + 2;
                let flags = b[at] | 0x02;
                put(b, at, &[flags])
            },
            Open(is!(Error::Frame(FrameError::Chunk {
                source: FormatError::InvalidHeader {
                    field: "cbytes",
                    ..
                },
                ..
            }))),
        ),
        // Found by the chunk fuzzer (slow unit, 24 s under ASan): a special
        // "value" chunk of 48 MB in blocks of 1 byte was filled block by
        // block, 50 million calls. Fixed in `decompress_chunk` (one fill).
        case(
            "fuzz-chunk-special-value-1-byte-blocks.b2frame",
            || frame_of_chunk(&FUZZ_SPECIAL_VALUE_1_BYTE_BLOCKS),
            Opens,
        ),
    ]
}

/// The first 40 bytes of the chunk fuzzer's artifact
/// `slow-unit-c23c764f5ea48c8d7a278d4eb82323de59b05571` (512 bytes), with
/// cbytes (bytes 12..16) cut from 512 to 40: version 5, typesize 8, nbytes
/// 48 MiB, blocksize 1, special value (byte 31 = 0x32), then the value.
const FUZZ_SPECIAL_VALUE_1_BYTE_BLOCKS: [u8; 40] = [
    0x05, 0x01, 0x3d, 0x08, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x05, 0x28, 0x00, 0x00, 0x00, 0x5e, 0x00, 0x00, 0x00, 0x32,
    0x00, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0xac,
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/frames")
}

/// Runs the fuzz body on `bytes` and checks `expect`; the failure, if any.
fn check(bytes: &[u8], expect: Expect) -> Result<(), String> {
    fuzzing::frame(bytes);
    let opened = Frame::from_bytes(bytes.to_vec());
    let (what, result) = match (expect, opened) {
        (Opens, Ok(_)) => return Ok(()),
        (Opens, Err(e)) => return Err(format!("expected to open, got {e:?}")),
        (Open(c), Ok(_)) => return Err(format!("opened, expected {}", c.0)),
        (Open(c), Err(e)) => (c, Err(e)),
        (_, Err(e)) => return Err(format!("expected to open, got {e:?}")),
        (Chunk(i, c), Ok(f)) => (c, f.decompress_chunk_vec(i).map(drop)),
        (Vlmeta(name, c), Ok(f)) => (c, f.vlmeta(name).map(drop)),
    };
    match result {
        Ok(()) => Err(format!("succeeded, expected {}", what.0)),
        Err(e) if (what.1)(&e) => Ok(()),
        Err(e) => Err(format!("expected {}, got {e:?}", what.0)),
    }
}

#[test]
fn corpus_files_fail_with_their_errors() {
    let dir = corpus_dir();
    let mut failures = Vec::new();
    for c in cases() {
        let path = dir.join(c.file);
        match std::fs::read(&path) {
            Ok(bytes) => {
                if let Err(e) = check(&bytes, c.expect) {
                    failures.push(format!("{}: {e}", c.file));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_has_an_expectation() {
    let names: Vec<&str> = cases().iter().map(|c| c.file).collect();
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !names.contains(&name.as_str()) {
            unknown.push(name);
        }
    }
    assert!(unknown.is_empty(), "not in the table: {unknown:?}");
    let mut seen = std::collections::HashSet::new();
    assert!(names.iter().all(|n| seen.insert(n)), "a name twice");
}

/// The makers still make files that fail as the table says (the committed
/// bytes are not compared: a change of compressor may change them).
#[test]
fn corpus_makers_make_their_errors() {
    let mut failures = Vec::new();
    for c in cases() {
        if let Some(make) = c.make
            && let Err(e) = check(&make(), c.expect)
        {
            failures.push(format!("{}: {e}", c.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rewrites `tests/corpus/frames/` from the makers (fuzzer finds are kept).
#[test]
#[ignore = "writes the corpus files; run by hand after changing a maker"]
fn write_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for c in cases() {
        if let Some(make) = c.make {
            std::fs::write(dir.join(c.file), make()).unwrap();
        }
    }
}

/// Special chunks are filled at once (the fix for the fuzzer's slow unit):
/// the result must be what filling each block on its own gives, for block
/// sizes that are not a multiple of the item size too.
#[test]
fn special_chunks_decode_as_block_by_block() {
    use sandpress_core::pipeline::decompress_chunk;
    let value = [1u8, 2, 3, 4, 5, 6, 7, 8];
    for (special, ts) in [(Special::Value, 3), (Special::Value, 8), (Special::Nans, 4)] {
        for nbytes in [ts, 8 * ts, 100 * ts] {
            for bs in [1, 2, 5, 7, ts, 3 * ts, nbytes] {
                let v = &value[..ts];
                let mut chunk = special_chunk(special, ts as u8, nbytes, v).unwrap();
                chunk[8..12].copy_from_slice(&(bs.min(nbytes) as u32).to_le_bytes());
                let item: &[u8] = match special {
                    Special::Nans => &[0x00, 0x00, 0xc0, 0x7f],
                    _ => v,
                };
                let expected: Vec<u8> = (0..nbytes)
                    .map(|i| item[(i % bs.min(nbytes)) % ts])
                    .collect();
                let mut out = vec![0xee; nbytes];
                let (dp, reg) = (Default::default(), Default::default());
                decompress_chunk(&chunk, &dp, &reg, 0, &mut out).unwrap();
                assert_eq!(out, expected, "{special:?} ts {ts} nbytes {nbytes} bs {bs}");
            }
        }
    }
}

/// One edit of a frame's bytes.
#[derive(Debug, Clone)]
enum Edit {
    /// XOR a byte (at a position modulo the length).
    Flip(usize, u8),
    /// Keep the first bytes (a fraction of the length, in 1/1000).
    Truncate(u16),
    /// Insert bytes at a position.
    Insert(usize, Vec<u8>),
    /// Remove bytes at a position.
    Remove(usize, u8),
    /// Overwrite a header field, or the trailer length, with a chosen value.
    Field(usize, i64),
}

/// Places of fields: header fields by offset, then counted back from the
/// end (trailer length).
const FIELDS: [(isize, usize); 10] = [
    (HEADER_LEN_AT as isize, 4),
    (FRAME_LEN_AT as isize, 8),
    (NBYTES_AT as isize, 8),
    (CBYTES_AT as isize, 8),
    (TYPESIZE_AT as isize, 4),
    (53, 4), // blocksize
    (CHUNKSIZE_AT as isize, 4),
    (FLAGS_AT as isize, 1),
    (NFILTERS_AT as isize, 1),
    (-22, 4), // trailer length
];

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let n = bytes.len();
    match edit {
        Edit::Flip(at, x) if n > 0 => bytes[at % n] ^= x.max(&1),
        Edit::Truncate(per_mille) => bytes.truncate(n * usize::from(*per_mille) / 1000),
        Edit::Insert(at, b) => {
            let at = at % (n + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Edit::Remove(at, len) if n > 0 => {
            let at = at % n;
            bytes.drain(at..(at + usize::from(*len)).min(n));
        }
        Edit::Field(which, value) => {
            let (pos, width) = FIELDS[which % FIELDS.len()];
            let at = if pos < 0 {
                n.checked_sub(pos.unsigned_abs())
            } else {
                Some(pos as usize)
            };
            let be = value.to_be_bytes();
            if let Some(at) = at.filter(|a| a + width <= n) {
                bytes[at..at + width].copy_from_slice(&be[8 - width..]);
            }
        }
        _ => {}
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    let value = prop_oneof![
        Just(0i64),
        Just(-1),
        Just(1),
        Just(i64::from(i32::MAX)),
        Just(i64::from(u32::MAX)),
        Just(i64::MAX),
        Just(i64::MIN),
        0i64..4096,
        any::<i64>(),
    ];
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(a, x)| Edit::Flip(a, x)),
        1 => (0u16..1000).prop_map(Edit::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(a, b)| Edit::Insert(a, b)),
        1 => (any::<usize>(), 1u8..32).prop_map(|(a, l)| Edit::Remove(a, l)),
        2 => (any::<usize>(), value).prop_map(|(w, v)| Edit::Field(w, v)),
    ]
}

/// Valid frames to damage: python-blosc2's, and sandpress's with several
/// shapes (one chunk, a short last chunk, special chunks in the index, a
/// plugin table).
fn bases() -> &'static [Vec<u8>] {
    static BASES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    BASES.get_or_init(|| {
        let z = (1i64 << 63) | (1 << 56);
        let s = sandpress();
        let o = offsets(&s);
        vec![
            python(),
            s.clone(),
            sandpress_frame(10, 64),
            sandpress_frame(1000, 100),
            with_index(&s, &[o[0] as i64, z, o[2] as i64]),
            with_plugin_table(&sandpress_core::frame::plugins::encode(&[])),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn damaged_frames_never_panic(
        base in 0..6usize,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let mut bytes = bases()[base].clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        fuzzing::frame(&bytes);
    }

    #[test]
    fn damaged_chunks_never_panic(
        base in 0..6usize,
        chunk in 0..3usize,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let frame = Frame::from_bytes(bases()[base].clone()).unwrap();
        let mut bytes = frame.chunk(chunk % frame.nchunks()).unwrap();
        for e in &edits {
            // Field offsets are frame header offsets: in a chunk they land
            // on the chunk header and its first block starts.
            apply(&mut bytes, e);
        }
        fuzzing::chunk(&bytes);
    }
}
