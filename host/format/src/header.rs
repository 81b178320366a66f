//! The chunk header: 16 bytes inherited from Blosc1 plus Blosc2's 16-byte
//! extension with the filter pipeline and the user-codec slot.

use crate::error::FormatError;
use crate::ids;
use crate::{
    HEADER_LEN, MAX_BLOCKSIZE, MAX_BUFFERSIZE, MAX_FILTERS, MAX_VERSION_FORMAT, MIN_HEADER_LEN,
    VERSION_FORMAT,
};

const FLAG_SHUFFLE: u8 = 0x01;
const FLAG_MEMCPYED: u8 = 0x02;
const FLAG_BITSHUFFLE: u8 = 0x04;
const FLAG_DELTA: u8 = 0x08;
const FLAG_DONT_SPLIT: u8 = 0x10;
/// Both shuffle bits set means "extended (Blosc2) header".
const FLAG_EXTENDED: u8 = FLAG_SHUFFLE | FLAG_BITSHUFFLE;

const B2_USEDICT: u8 = 0x01;
const B2_LAZY: u8 = 0x08;
const B2_SPECIAL_SHIFT: u8 = 4;
const B2_SPECIAL_MASK: u8 = 0x07;
/// Byte 30 flag of format version 6: variable-length blocks.
const B2_FLAGS2_VL_BLOCKS: u8 = 0x01;

/// A chunk whose whole content is described by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// An ordinary chunk with blocks.
    None,
    /// Every byte is zero.
    Zeros,
    /// Every item is a NaN (f32 or f64 by typesize).
    Nans,
    /// Every item equals the `typesize` bytes following the header.
    Value,
    /// Content not initialized (decoded as zeros by sandpress).
    Uninit,
}

impl Special {
    fn code(self) -> u8 {
        match self {
            Special::None => 0,
            Special::Zeros => 1,
            Special::Nans => 2,
            Special::Value => 3,
            Special::Uninit => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Special::None,
            1 => Special::Zeros,
            2 => Special::Nans,
            3 => Special::Value,
            4 => Special::Uninit,
            _ => return None,
        })
    }
}

/// The fields of a chunk header, as stored (all integers little-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Format version (sandpress writes [`VERSION_FORMAT`]).
    pub version: u8,
    /// Version of the codec's own format.
    pub versionlz: u8,
    /// Flags: shuffle/bitshuffle/delta bits, memcpyed, don't-split, codec format.
    pub flags: u8,
    /// Bytes per item.
    pub typesize: u8,
    /// Uncompressed size.
    pub nbytes: u32,
    /// Block size (the last block may be shorter).
    pub blocksize: u32,
    /// Compressed size, header included.
    pub cbytes: u32,
    /// Filter ids, applied in increasing index order on compression.
    pub filters: [u8; MAX_FILTERS],
    /// Codec id (the user-defined codec slot; C-Blosc2 stores built-in ids here too).
    pub codec_id: u8,
    /// Codec meta byte.
    pub codec_meta: u8,
    /// Meta byte of each filter.
    pub filters_meta: [u8; MAX_FILTERS],
    /// Byte 30 (`blosc2_flags2` in format version 6).
    pub flags2: u8,
    /// Byte 31: dictionary, lazy and special-value flags.
    pub blosc2_flags: u8,
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn invalid(field: &'static str, found: impl Into<u64>, reason: &'static str) -> FormatError {
    FormatError::InvalidHeader {
        field,
        found: found.into(),
        reason,
    }
}

impl ChunkHeader {
    /// A header for a chunk of `nbytes` in blocks of `blocksize`, compressed with
    /// `codec`; no filters, split allowed, `cbytes` still 0.
    pub fn new(codec: u8, typesize: u8, nbytes: u32, blocksize: u32) -> Self {
        ChunkHeader {
            version: VERSION_FORMAT,
            versionlz: 1,
            flags: FLAG_EXTENDED | (ids::codec_format(codec) << 5),
            typesize,
            nbytes,
            blocksize,
            cbytes: 0,
            filters: [0; MAX_FILTERS],
            codec_id: codec,
            codec_meta: 0,
            filters_meta: [0; MAX_FILTERS],
            flags2: 0,
            blosc2_flags: 0,
        }
    }

    /// Parses and checks the header at the start of `bytes`, which must hold
    /// the whole chunk (`cbytes` bytes, possibly more).
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let h = Self::parse_prefix(bytes)?;
        if bytes.len() < h.cbytes as usize {
            return Err(FormatError::Truncated {
                what: "chunk",
                offset: 0,
                needed: h.cbytes as usize,
                available: bytes.len(),
            });
        }
        Ok(h)
    }

    /// Parses and checks a header from the chunk's first bytes alone (the
    /// 32-byte extended header, or 16 for a Blosc1 chunk): what a reader
    /// needs to learn `cbytes` before reading the rest.
    pub fn parse_prefix(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < MIN_HEADER_LEN {
            return Err(FormatError::Truncated {
                what: "chunk header",
                offset: 0,
                needed: MIN_HEADER_LEN,
                available: bytes.len(),
            });
        }
        let mut h = ChunkHeader {
            version: bytes[0],
            versionlz: bytes[1],
            flags: bytes[2],
            typesize: bytes[3],
            nbytes: le32(bytes, 4),
            blocksize: le32(bytes, 8),
            cbytes: le32(bytes, 12),
            filters: [0; MAX_FILTERS],
            codec_id: 0,
            codec_meta: 0,
            filters_meta: [0; MAX_FILTERS],
            flags2: 0,
            blosc2_flags: 0,
        };
        if h.version == 0 {
            return Err(invalid("version", h.version, "must be at least 1"));
        }
        if h.version > MAX_VERSION_FORMAT {
            return Err(FormatError::Version {
                found: h.version,
                max: MAX_VERSION_FORMAT,
            });
        }
        if h.typesize == 0 {
            return Err(invalid("typesize", h.typesize, "must be at least 1"));
        }
        if h.nbytes > MAX_BUFFERSIZE {
            return Err(invalid(
                "nbytes",
                h.nbytes,
                "larger than the 2 GB chunk limit",
            ));
        }
        if h.blocksize == 0 || h.blocksize > MAX_BLOCKSIZE {
            return Err(invalid(
                "blocksize",
                h.blocksize,
                "must be in 1..=536866816",
            ));
        }
        if h.nbytes > 0 && h.blocksize > h.nbytes {
            return Err(invalid("blocksize", h.blocksize, "larger than nbytes"));
        }
        if (h.cbytes as usize) < MIN_HEADER_LEN {
            return Err(invalid("cbytes", h.cbytes, "smaller than the header"));
        }
        if h.is_extended() {
            if bytes.len() < HEADER_LEN {
                return Err(FormatError::Truncated {
                    what: "extended chunk header",
                    offset: 0,
                    needed: HEADER_LEN,
                    available: bytes.len(),
                });
            }
            if (h.cbytes as usize) < HEADER_LEN {
                return Err(invalid(
                    "cbytes",
                    h.cbytes,
                    "smaller than the extended header",
                ));
            }
            h.filters.copy_from_slice(&bytes[16..22]);
            h.codec_id = bytes[22];
            h.codec_meta = bytes[23];
            h.filters_meta.copy_from_slice(&bytes[24..30]);
            h.flags2 = bytes[30];
            h.blosc2_flags = bytes[31];
            if h.version <= 3 {
                // Blosc2's alpha format left the last filter slot undefined.
                h.filters[5] = 0;
                h.filters_meta[5] = 0;
            }
            h.check_extended()?;
        } else {
            h.filters = filters_from_flags(h.flags, h.typesize);
            h.codec_id = codec_from_format(h.flags >> 5)?;
        }
        if h.memcpyed() && h.special() == Special::None {
            let expected = u64::from(h.nbytes) + h.header_len() as u64;
            if u64::from(h.cbytes) != expected {
                return Err(invalid(
                    "cbytes",
                    h.cbytes,
                    "a raw chunk must be nbytes + header",
                ));
            }
        }
        Ok(h)
    }

    fn check_extended(&self) -> Result<(), FormatError> {
        let special = (self.blosc2_flags >> B2_SPECIAL_SHIFT) & B2_SPECIAL_MASK;
        let Some(special) = Special::from_code(special) else {
            return Err(invalid("special value type", special, "unknown"));
        };
        if special != Special::None {
            // C-Blosc2 writes special chunks of any length (an all-zero
            // 33-byte buffer of typesize 4 is one); a partial last item is
            // filled with the start of the value.
            if special == Special::Value
                && (self.cbytes as usize) < HEADER_LEN + usize::from(self.typesize)
            {
                return Err(invalid(
                    "cbytes",
                    self.cbytes,
                    "too small to hold the repeated value",
                ));
            }
            return Ok(());
        }
        if self.blosc2_flags & B2_USEDICT != 0 {
            return Err(FormatError::Unsupported(
                "chunks compressed with a dictionary",
            ));
        }
        if self.blosc2_flags & B2_LAZY != 0 {
            return Err(FormatError::Unsupported("lazy chunks"));
        }
        if self.version >= 6 && self.flags2 & B2_FLAGS2_VL_BLOCKS != 0 {
            return Err(FormatError::Unsupported("variable-length blocks"));
        }
        if self.flags >> 5 != ids::format::USER {
            codec_from_format(self.flags >> 5)?;
        }
        Ok(())
    }

    /// Serializes the extended header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = self.version;
        b[1] = self.versionlz;
        b[2] = self.flags;
        b[3] = self.typesize;
        b[4..8].copy_from_slice(&self.nbytes.to_le_bytes());
        b[8..12].copy_from_slice(&self.blocksize.to_le_bytes());
        b[12..16].copy_from_slice(&self.cbytes.to_le_bytes());
        b[16..22].copy_from_slice(&self.filters);
        b[22] = self.codec_id;
        b[23] = self.codec_meta;
        b[24..30].copy_from_slice(&self.filters_meta);
        b[30] = self.flags2;
        b[31] = self.blosc2_flags;
        b
    }

    /// Whether the chunk uses the 32-byte Blosc2 header.
    pub fn is_extended(&self) -> bool {
        self.flags & FLAG_EXTENDED == FLAG_EXTENDED
    }

    /// Length of the header: 32, or 16 for a Blosc1 chunk.
    pub fn header_len(&self) -> usize {
        if self.is_extended() {
            HEADER_LEN
        } else {
            MIN_HEADER_LEN
        }
    }

    /// The codec that compressed the blocks: a built-in id, or the user id.
    pub fn codec(&self) -> u8 {
        if self.flags >> 5 == ids::format::USER || !self.is_extended() {
            self.codec_id
        } else {
            // C-Blosc2 also writes built-in ids in the codec slot; when the
            // flags name a built-in format, the slot tells LZ4 from LZ4HC.
            match codec_from_format(self.flags >> 5) {
                Ok(ids::LZ4) if self.codec_id == ids::LZ4HC => ids::LZ4HC,
                Ok(c) => c,
                Err(_) => self.codec_id,
            }
        }
    }

    /// Whether the blocks are stored raw after the header (no block starts).
    pub fn memcpyed(&self) -> bool {
        self.flags & FLAG_MEMCPYED != 0
    }

    /// Marks the chunk as raw (or not).
    pub fn set_memcpyed(&mut self, on: bool) {
        if on {
            self.flags |= FLAG_MEMCPYED;
        } else {
            self.flags &= !FLAG_MEMCPYED;
        }
    }

    /// Whether each block is one stream (rather than one per byte of the item).
    pub fn dont_split(&self) -> bool {
        self.flags & FLAG_DONT_SPLIT != 0
    }

    /// Sets the don't-split flag.
    pub fn set_dont_split(&mut self, on: bool) {
        if on {
            self.flags |= FLAG_DONT_SPLIT;
        } else {
            self.flags &= !FLAG_DONT_SPLIT;
        }
    }

    /// Records the filter pipeline, and the legacy flag bits C-Blosc2 derives from it.
    pub fn set_filters(&mut self, filters: [u8; MAX_FILTERS], meta: [u8; MAX_FILTERS]) {
        self.filters = filters;
        self.filters_meta = meta;
        self.flags &= !FLAG_DELTA;
        if filters.contains(&ids::DELTA) {
            self.flags |= FLAG_DELTA;
        }
    }

    /// The special-value kind of the chunk.
    pub fn special(&self) -> Special {
        if !self.is_extended() {
            return Special::None;
        }
        Special::from_code((self.blosc2_flags >> B2_SPECIAL_SHIFT) & B2_SPECIAL_MASK)
            .unwrap_or(Special::None)
    }

    /// Marks the chunk as special.
    pub fn set_special(&mut self, special: Special) {
        self.blosc2_flags &= !(B2_SPECIAL_MASK << B2_SPECIAL_SHIFT);
        self.blosc2_flags |= special.code() << B2_SPECIAL_SHIFT;
    }

    /// Number of blocks (the last may be short).
    pub fn nblocks(&self) -> usize {
        (self.nbytes as usize).div_ceil(self.blocksize as usize)
    }

    /// Uncompressed length of block `i` (no bounds check on `i`).
    pub fn block_len(&self, i: usize) -> usize {
        let bs = self.blocksize as usize;
        let start = i * bs;
        (self.nbytes as usize - start.min(self.nbytes as usize)).min(bs)
    }

    /// Number of streams block `i` is stored in.
    pub fn nstreams(&self, i: usize) -> usize {
        let short = self.block_len(i) < self.blocksize as usize;
        if self.dont_split() || short {
            1
        } else {
            usize::from(self.typesize)
        }
    }
}

fn filters_from_flags(flags: u8, typesize: u8) -> [u8; MAX_FILTERS] {
    let mut f = [0; MAX_FILTERS];
    if flags & FLAG_SHUFFLE != 0 && typesize > 1 {
        f[5] = ids::SHUFFLE;
    }
    if flags & FLAG_BITSHUFFLE != 0 {
        f[5] = ids::BITSHUFFLE;
    }
    if flags & FLAG_DELTA != 0 {
        f[4] = ids::DELTA;
    }
    f
}

fn codec_from_format(format: u8) -> Result<u8, FormatError> {
    Ok(match format {
        ids::format::BLOSCLZ => ids::BLOSCLZ,
        ids::format::LZ4 => ids::LZ4,
        ids::format::ZLIB => ids::ZLIB,
        ids::format::ZSTD => ids::ZSTD,
        _ => {
            return Err(invalid(
                "codec format",
                format,
                "not a codec format sandpress knows",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChunkHeader {
        let mut h = ChunkHeader::new(ids::ZSTD, 4, 1000, 256);
        h.set_filters([0, 0, 0, 0, 0, ids::SHUFFLE], [0; MAX_FILTERS]);
        h.cbytes = 200;
        h
    }

    #[test]
    fn round_trips() {
        let h = sample();
        let mut bytes = h.to_bytes().to_vec();
        bytes.resize(200, 0);
        assert_eq!(ChunkHeader::parse(&bytes).unwrap(), h);
        assert_eq!(h.nblocks(), 4);
        assert_eq!(h.block_len(3), 1000 - 768);
        assert_eq!(h.nstreams(0), 4);
        assert_eq!(h.nstreams(3), 1);
        assert_eq!(h.codec(), ids::ZSTD);
        assert_eq!(bytes[2] & 0xe0, 4 << 5);
    }

    #[test]
    fn user_codec_uses_slot() {
        let h = ChunkHeader::new(160, 4, 64, 64);
        assert_eq!(h.flags >> 5, ids::format::USER);
        assert_eq!(h.codec(), 160);
        assert_eq!(h.to_bytes()[22], 160);
    }

    #[test]
    fn refuses_inconsistent_fields() {
        let h = sample();
        let mut b = h.to_bytes().to_vec();
        b.resize(200, 0);
        let mut short = b.clone();
        short.truncate(100);
        assert!(matches!(
            ChunkHeader::parse(&short),
            Err(FormatError::Truncated { needed: 200, .. })
        ));
        let mut bad = b.clone();
        bad[8..12].copy_from_slice(&2000u32.to_le_bytes());
        assert!(matches!(
            ChunkHeader::parse(&bad),
            Err(FormatError::InvalidHeader {
                field: "blocksize",
                ..
            })
        ));
        let mut bad = b.clone();
        bad[0] = 9;
        assert!(matches!(
            ChunkHeader::parse(&bad),
            Err(FormatError::Version { found: 9, .. })
        ));
        let mut bad = b.clone();
        bad[3] = 0;
        assert!(matches!(
            ChunkHeader::parse(&bad),
            Err(FormatError::InvalidHeader {
                field: "typesize",
                ..
            })
        ));
        let mut bad = b;
        bad[31] = 6 << 4;
        assert!(matches!(
            ChunkHeader::parse(&bad),
            Err(FormatError::InvalidHeader {
                field: "special value type",
                ..
            })
        ));
    }

    #[test]
    fn raw_chunk_size_must_match() {
        let mut h = ChunkHeader::new(ids::LZ4, 1, 10, 10);
        h.set_memcpyed(true);
        h.cbytes = 42;
        let mut b = h.to_bytes().to_vec();
        b.resize(42, 7);
        assert!(ChunkHeader::parse(&b).is_ok());
        b[12..16].copy_from_slice(&41u32.to_le_bytes());
        assert!(ChunkHeader::parse(&b).is_err());
    }
}
