//! Corpus files damaged in the frame's layout: truncated, bad magic and
//! versions, the offsets index, sizes that disagree, the trailer.

use sandpress_core::Error;
use sandpress_core::format::frame::FrameError;
use sandpress_core::format::{FormatError, Special};
use sandpress_core::pipeline::special_chunk;

use super::make::*;
use super::{Case, Expect::*, case};

/// The python frame is 583 bytes: header 0..133 (metalayers from 87),
/// chunks 133..393 (three, at 0, 100 and 190 of the section), offsets index
/// 393..449, trailer 449..583.
pub fn cases() -> Vec<Case> {
    vec![
        // Truncated: an empty file, inside the magic, the header, the
        // metalayers, the chunks, the index and the trailer.
        case(
            "empty.b2frame",
            Vec::new,
            Open(error_matches!(Error::Frame(FrameError::BadMagic))),
        ),
        case(
            "truncated-in-magic.b2frame",
            || cut(python(), 6),
            Open(error_matches!(Error::Frame(FrameError::Truncated {
                what: "magic",
                ..
            }))),
        ),
        case(
            "truncated-in-fixed-header.b2frame",
            || cut(python(), 60),
            Open(error_matches!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 133,
                available: 60,
                ..
            }))),
        ),
        case(
            "truncated-in-metalayers.b2frame",
            || cut(python(), 110),
            Open(error_matches!(Error::Frame(FrameError::Truncated {
                what: "frame header",
                needed: 133,
                available: 110,
                ..
            }))),
        ),
        case(
            "truncated-in-chunks.b2frame",
            || cut(python(), 300),
            Open(error_matches!(Error::Frame(
                FrameError::ShorterThanHeader {
                    header_says: 583,
                    file_has: 300,
                }
            ))),
        ),
        case(
            "truncated-in-index.b2frame",
            || cut(python(), 420),
            Open(error_matches!(Error::Frame(
                FrameError::ShorterThanHeader {
                    header_says: 583,
                    file_has: 420,
                }
            ))),
        ),
        case(
            "truncated-in-trailer.b2frame",
            || cut(python(), 540),
            Open(error_matches!(Error::Frame(
                FrameError::ShorterThanHeader {
                    header_says: 583,
                    file_has: 540,
                }
            ))),
        ),
        case(
            "truncated-in-chunks-frame-len-fixed.b2frame",
            || cut_fixed(python(), 300),
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
                what: "trailer length",
                offset: 277,
                ..
            }))),
        ),
        case(
            "truncated-in-trailer-frame-len-fixed.b2frame",
            || cut_fixed(python(), 578),
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                ..
            }))),
        ),
        // Magic and versions.
        case(
            "wrong-magic.b2frame",
            || put(python(), 3, b"X"),
            Open(error_matches!(Error::Frame(FrameError::BadMagic))),
        ),
        case(
            "wrong-frame-version.b2frame",
            || put(python(), FLAGS_AT, &[0x17]),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "version",
                found: 7,
                ..
            }))),
        ),
        case(
            "wrong-offset-width-32-bits.b2frame",
            || put(python(), FLAGS_AT, &[0x02]),
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "wrong-trailer-version.b2frame",
            || {
                let b = python();
                let at = trailer_at(&b) + 1;
                put(b, at, &[2])
            },
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        case(
            "wrong-chunk-version.b2frame",
            || {
                let b = python();
                let at = chunk_at(&b, 1);
                put(b, at, &[9])
            },
            Open(error_matches!(Error::Frame(FrameError::Chunk {
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
            Open(error_matches!(Error::Frame(FrameError::BadOffset {
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
            Open(error_matches!(Error::Frame(FrameError::BadOffset {
                chunk: 1,
                ..
            }))),
        ),
        case(
            "index-offset-into-chunk-middle.b2frame",
            || {
                let b = sandpress();
                let o = offsets(&b);
                with_index(&b, &[o[0] as i64, o[1] as i64 + 5, o[2] as i64])
            },
            Open(error_matches!(Error::Frame(FrameError::Chunk {
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
            Open(error_matches!(Error::Frame(FrameError::BadOffset {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::Chunk {
                source: FormatError::Truncated { what: "chunk", .. },
                ..
            }))),
        ),
        // Sizes that disagree.
        case(
            "nbytes-disagrees-with-chunks.b2frame",
            || put(python(), NBYTES_AT, &404i64.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                found: 404,
                ..
            }))),
        ),
        case(
            "nbytes-negative.b2frame",
            || put(python(), NBYTES_AT, &(-1i64).to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "nbytes",
                found: -1,
                ..
            }))),
        ),
        case(
            "cbytes-runs-into-trailer.b2frame",
            || put(python(), CBYTES_AT, &360i64.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "cbytes",
                found: 360,
                ..
            }))),
        ),
        case(
            "cbytes-short-of-index.b2frame",
            || put(python(), CBYTES_AT, &220i64.to_be_bytes()),
            Open(error_matches!(Error::Frame(FrameError::Chunk { .. }))),
        ),
        case(
            "chunk-cbytes-past-section.b2frame",
            || chunk_field(python(), 1, 12, 1000),
            Open(error_matches!(Error::Frame(FrameError::BadField {
                field: "chunk cbytes",
                found: 1000,
                ..
            }))),
        ),
        case(
            "chunk-cbytes-smaller-than-header.b2frame",
            || chunk_field(python(), 0, 12, 8),
            Open(error_matches!(Error::Frame(FrameError::Chunk {
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
                error_matches!(Error::Format {
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
            Open(error_matches!(Error::Frame(FrameError::Unsupported(_)))),
        ),
        // The trailer's length.
        case(
            "trailer-len-larger-than-file.b2frame",
            || {
                let b = python();
                let at = b.len() - 22;
                put(b, at, &584u32.to_be_bytes())
            },
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadField {
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
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
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
            Open(error_matches!(Error::Frame(FrameError::BadMarker {
                what: "trailer length",
                found: 0xcd,
                expected: 0xce,
                ..
            }))),
        ),
    ]
}
