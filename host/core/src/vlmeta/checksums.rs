//! Per-chunk checksums of the uncompressed bytes: xxh3-64 (seed 0) of what
//! each chunk decodes to, so that a decoder answering wrong bytes (or a
//! chunk damaged on disk) is an error naming the chunk, never wrong data.
//!
//! A frame keeps them in the variable-length metalayer [`VLMETA_NAME`], as
//! msgpack, so python-blosc2 reads the frame and ignores them:
//!
//! ```text
//! {"algorithm": "xxh3-64", "chunks": [[offset, checksum] or nil, ...]}
//! ```
//!
//! Entry `i` is for chunk `i`, stored at `offset` in the chunks section. An
//! entry applies only while chunk `i` is still at that offset, so a frame
//! edited by a tool that does not know the table (python-blosc2 appending,
//! updating or deleting chunks) leaves entries that no longer apply, never
//! wrong ones: those chunks read unchecked. Chunks stored only in the index
//! (all zeros, NaNs) need none; chunks given already compressed (as
//! [`Frame::insert_chunk`](super::Frame::insert_chunk) takes them) and
//! chunks made through a prefilter or the lossy TRUNC_PREC filter have
//! none (they do not decode to the bytes given).

use rmpv::Value;
use sandpress_format::frame::{ChunkLoc, FrameError};

use crate::error::{Error, Result};
use crate::params::CParams;
use sandpress_format::ids;

/// Name of the variable-length metalayer holding the checksums.
pub const VLMETA_NAME: &str = "sandpress.checksums";

/// The checksum algorithm, as the table names it.
pub const ALGORITHM: &str = "xxh3-64";

/// The checksum of a chunk's uncompressed bytes.
///
/// ```
/// use sandpress_core::vlmeta::checksums;
/// assert_eq!(checksums::of(b""), 0x2d06800538d394c2);
/// ```
pub fn of(data: &[u8]) -> u64 {
    twox_hash::XxHash3_64::oneshot(data)
}

/// Fails with [`Error::Checksum`] if `data`, chunk `chunk`, does not have
/// checksum `expected` (nothing to check when `None`).
pub fn check(chunk: u64, expected: Option<u64>, data: &[u8]) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let found = of(data);
    if found == expected {
        Ok(())
    } else {
        Err(Error::Checksum {
            chunk,
            expected,
            found,
        })
    }
}

/// The table for chunks at `locs` with checksums `sums` (same length), or
/// `None` when no stored chunk has one.
pub fn encode(locs: &[ChunkLoc], sums: &[Option<u64>]) -> Option<Vec<u8>> {
    let rows: Vec<Value> = locs
        .iter()
        .zip(sums)
        .map(|(loc, sum)| match (loc, sum) {
            (ChunkLoc::At(off), Some(sum)) => {
                Value::Array(vec![Value::from(*off), Value::from(*sum)])
            }
            _ => Value::Nil,
        })
        .collect();
    if rows.iter().all(Value::is_nil) {
        return None;
    }
    let table = Value::Map(vec![
        (Value::from("algorithm"), Value::from(ALGORITHM)),
        (Value::from("chunks"), Value::Array(rows)),
    ]);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &table);
    Some(out)
}

fn bad(reason: impl Into<String>) -> Error {
    Error::Frame(FrameError::Unsupported(format!(
        "malformed checksum table ({VLMETA_NAME}): {}",
        reason.into()
    )))
}

/// The checksum of each chunk at `locs` that the table `bytes` has one for
/// (and that is still where the table saw it). A table of another
/// algorithm is ignored.
pub fn decode(bytes: &[u8], locs: &[ChunkLoc]) -> Result<Vec<Option<u64>>> {
    let mut rd = bytes;
    let value =
        rmpv::decode::read_value_with_max_depth(&mut rd, 8).map_err(|e| bad(e.to_string()))?;
    let Value::Map(fields) = value else {
        return Err(bad("not a map"));
    };
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    };
    match get("algorithm").and_then(Value::as_str) {
        Some(ALGORITHM) => {}
        Some(_) => return Ok(vec![None; locs.len()]),
        None => return Err(bad("no algorithm")),
    }
    let Some(Value::Array(rows)) = get("chunks") else {
        return Err(bad("no chunks array"));
    };
    let mut sums = vec![None; locs.len()];
    for (i, (row, loc)) in rows.iter().zip(locs).enumerate() {
        let entry = match row {
            Value::Nil => continue,
            Value::Array(pair) => match pair.as_slice() {
                [off, sum] => off.as_u64().zip(sum.as_u64()),
                _ => None,
            },
            _ => None,
        };
        let (off, sum) =
            entry.ok_or_else(|| bad(format!("entry {i} is not [offset, checksum]")))?;
        if *loc == ChunkLoc::At(off) {
            sums[i] = Some(sum);
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // XXH3_64bits of the empty input, seed 0 (the xxHash reference's
        // first vector).
        assert_eq!(of(b""), 0x2d06800538d394c2);
        assert_ne!(of(b"a"), of(b"b"));
    }

    #[test]
    fn entries_apply_only_where_their_chunk_still_is() {
        let locs = [ChunkLoc::At(0), ChunkLoc::At(100), ChunkLoc::At(300)];
        let table = encode(&locs, &[Some(1), None, Some(3)]).unwrap();
        assert_eq!(decode(&table, &locs).unwrap(), [Some(1), None, Some(3)]);
        // Chunk 0 deleted by another tool: the others moved up one index.
        let moved = [ChunkLoc::At(100), ChunkLoc::At(300)];
        assert_eq!(decode(&table, &moved).unwrap(), [None, None]);
        // Chunk 2 updated elsewhere, one chunk appended.
        let edited = [
            ChunkLoc::At(0),
            ChunkLoc::At(100),
            ChunkLoc::At(900),
            ChunkLoc::At(1000),
        ];
        assert_eq!(
            decode(&table, &edited).unwrap(),
            [Some(1), None, None, None]
        );
    }

    #[test]
    fn no_stored_checksum_no_table() {
        assert_eq!(encode(&[ChunkLoc::At(0)], &[None]), None);
        assert_eq!(encode(&[], &[]), None);
    }

    #[test]
    fn malformed_tables_are_errors_not_panics() {
        for bytes in [
            &b""[..],
            b"\x01",
            b"\x81\xa9algorithm\xa7xxh3-64",
            b"\x92\x01\x02",
        ] {
            assert!(decode(bytes, &[ChunkLoc::At(0)]).is_err(), "{bytes:?}");
        }
    }
}

/// The checksum to record for a chunk made from `data` with `cp`: none
/// when checksums are off, or when the chunk does not decode to `data`: a
/// prefilter changes it, and so does the lossy TRUNC_PREC filter.
pub fn for_chunk(cp: &CParams, data: &[u8]) -> Option<u64> {
    let lossy = cp.filters.contains(ids::TRUNC_PREC);
    (cp.checksums && cp.prefilter.is_none() && !lossy).then(|| of(data))
}

#[cfg(test)]
mod chunk_tests {
    use super::*;
    use crate::FilterChain;

    #[test]
    fn chunks_that_do_not_decode_to_their_input_get_no_checksum() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8];
        assert!(for_chunk(&CParams::default(), &data).is_some());
        let lossy = CParams {
            filters: FilterChain::of(&[(ids::TRUNC_PREC, 0), (ids::SHUFFLE, 0)]).unwrap(),
            ..CParams::default()
        };
        assert_eq!(for_chunk(&lossy, &data), None);
        let off = CParams {
            checksums: false,
            ..CParams::default()
        };
        assert_eq!(for_chunk(&off, &data), None);
    }
}
