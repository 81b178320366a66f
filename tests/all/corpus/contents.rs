//! Corpus files damaged in what the frame holds: metalayers and vlmeta,
//! the plugin table, other header fields, chunks that open but do not
//! decode, and the fuzzer's finds.

use sandpress_core::Error;
use sandpress_core::format::frame::FrameError;
use sandpress_core::format::{FormatError, Special};
use sandpress_core::pipeline::special_chunk;

use super::make::*;
use super::{Case, Expect::*, case};

pub fn cases() -> Vec<Case> {
    vec![
        // Metalayers and vlmeta.
        case(
            "vlmeta-offset-out-of-range.b2frame",
            || {
                let b = python();
                let at = layer_offset_at(&b, trailer_at(&b), "v1");
                put(b, at, &0x7fff_0000i32.to_be_bytes())
            },
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "metalayers",
                found: 5000,
                ..
            }))),
        ),
        case(
            "header-nbytes-marker-wrong.b2frame",
            || put(python(), NBYTES_MARKER_AT, &[0xd2]),
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
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
                error_matches!(Error::Frame(FrameError::BadField {
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
                error_matches!(Error::Frame(FrameError::Chunk {
                    source: FormatError::Truncated { .. },
                    ..
                })),
            ),
        ),
        // The plugin table (vlmeta "sandpress.plugins").
        case(
            "plugin-table-not-msgpack.b2frame",
            || with_plugin_table(b"\xc1\xc1\xc1"),
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-not-an-array.b2frame",
            || with_plugin_table(b"\x81\xa1x\x01"),
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-truncated-msgpack.b2frame",
            || with_plugin_table(b"\x93\x80"),
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-bad-sha256.b2frame",
            || {
                with_plugin_table(
                    b"\x91\x85\xa2id\xcc\xa0\xa4kind\xa5codec\xa4name\xa1x\xa7version\xa11\xa6sha256\xa2zz",
                )
            },
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "plugin-table-chunk-truncated.b2frame",
            || {
                let mut table = meta_chunk(b"\x90");
                table.truncate(24);
                with_vlmeta(&sandpress(), &[("sandpress.plugins", table)])
            },
            Open(error_matches!(Error::Frame(FrameError::Chunk {
                source: FormatError::Truncated { .. },
                ..
            }))),
        ),
        // Other header fields.
        case(
            "header-len-below-minimum.b2frame",
            || put(python(), HEADER_LEN_AT, &50i32.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "header length",
                found: 50,
                ..
            }))),
        ),
        case(
            "header-len-past-end.b2frame",
            || put(python(), HEADER_LEN_AT, &10_000i32.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 10_000,
                ..
            }))),
        ),
        case(
            "frame-len-smaller-than-header.b2frame",
            || put(python(), FRAME_LEN_AT, &100u64.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "frame length",
                found: 100,
                ..
            }))),
        ),
        case(
            "typesize-zero.b2frame",
            || put(python(), TYPESIZE_AT, &0i32.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "typesize",
                found: 0,
                ..
            }))),
        ),
        case(
            "filter-count-over-8.b2frame",
            || put(python(), NFILTERS_AT, &[9]),
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Chunk(2, error_matches!(Error::Builtin { what: "zstd", .. })),
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
                error_matches!(Error::Format {
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
            Chunk(0, error_matches!(Error::UnknownCodec { id: 200, .. })),
        ),
        case(
            "chunk-unknown-filter.b2frame",
            || {
                let b = sandpress();
                let at = chunk_at(&b, 0) + 16 + 5;
                put(b, at, &[99])
            },
            Chunk(0, error_matches!(Error::UnknownFilter { id: 99, .. })),
        ),
        case(
            "chunk-memcpyed-flag-on-compressed-chunk.b2frame",
            || {
                let b = sandpress();
                let at = chunk_at(&b, 0) + 2;
                let flags = b[at] | 0x02;
                put(b, at, &[flags])
            },
            Open(error_matches!(Error::Frame(FrameError::Chunk {
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
