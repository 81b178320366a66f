//! Entries of the offsets index: where each chunk starts in the chunks
//! section, or which special value a whole chunk holds.

use crate::Special;

/// Where a chunk of a frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkLoc {
    /// At this offset from the end of the header.
    At(u64),
    /// Not stored: every byte of the chunk is described by this special
    /// value (zeros, NaNs or uninitialized).
    Special(Special),
}

const SPECIAL_BIT: u64 = 1 << 63;
const ZEROS: u64 = 1 << 56;
const NANS: u64 = 2 << 56;
const UNINIT: u64 = 4 << 56;

impl ChunkLoc {
    /// Decodes an entry (an `i64` stored little-endian). `None` for a
    /// negative entry with no special value C-Blosc2 knows.
    pub fn decode(raw: i64) -> Option<Self> {
        let v = raw as u64;
        if v & SPECIAL_BIT == 0 {
            return Some(ChunkLoc::At(v));
        }
        // The order C-Blosc2 tests the bits in.
        Some(ChunkLoc::Special(if v & ZEROS != 0 {
            Special::Zeros
        } else if v & UNINIT != 0 {
            Special::Uninit
        } else if v & NANS != 0 {
            Special::Nans
        } else {
            return None;
        }))
    }

    /// The stored entry; `None` for a special value that offsets cannot
    /// hold (a repeated value is stored as a chunk instead).
    pub fn encode(self) -> Option<i64> {
        Some(match self {
            ChunkLoc::At(off) if off < SPECIAL_BIT => off as i64,
            ChunkLoc::Special(Special::Zeros) => (SPECIAL_BIT | ZEROS) as i64,
            ChunkLoc::Special(Special::Nans) => (SPECIAL_BIT | NANS) as i64,
            ChunkLoc::Special(Special::Uninit) => (SPECIAL_BIT | UNINIT) as i64,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        for loc in [
            ChunkLoc::At(0),
            ChunkLoc::At(123_456),
            ChunkLoc::Special(Special::Zeros),
            ChunkLoc::Special(Special::Nans),
            ChunkLoc::Special(Special::Uninit),
        ] {
            assert_eq!(ChunkLoc::decode(loc.encode().unwrap()), Some(loc));
        }
        assert_eq!(ChunkLoc::Special(Special::Value).encode(), None);
        assert_eq!(ChunkLoc::decode(i64::MIN), None);
    }
}
