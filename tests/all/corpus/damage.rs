//! Random damage to valid frames and chunks (proptest): the fuzz bodies
//! never panic.

use proptest::prelude::*;
use sandpress_frame::Frame;
use sandpress_frame::fuzzing;

use super::make::*;

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
            with_plugin_table(&sandpress_core::vlmeta::plugins::encode(&[])),
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
